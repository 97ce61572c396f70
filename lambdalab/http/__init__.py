"""HTTP front doors: function URLs, API Gateway (REST v1 proxy, HTTP API v2) and ALB targets.

``lab.http`` is an :class:`HTTPFrontDoors`; :mod:`.events` builds the Lambda events,
:mod:`.responses` turns results into HTTP responses."""
from .request import Request
from .responses import Response
from .service import FunctionUrlConfig, HTTPFrontDoors

__all__ = ["FunctionUrlConfig", "HTTPFrontDoors", "Request", "Response"]
