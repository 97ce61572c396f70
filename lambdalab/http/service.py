"""``lab.http``: send HTTP requests to functions through a function URL, API Gateway
(REST API v1 proxy, HTTP API v2) or an ALB target, on the lab clock."""
from __future__ import annotations

import json
import threading

from .. import facts
from ..errors import ResourceConflictException, ResourceNotFoundException, ValidationException
from . import events
from .request import Request
from .responses import Response, failure, from_v1, from_v2, reason

AUTH_TYPES = ("NONE", "AWS_IAM")
INVOKE_MODES = ("BUFFERED", "RESPONSE_STREAM")


class FunctionUrlConfig:
    """A function URL. AuthType is stored and reported; AWS_IAM is NOT enforced by the lab
    (requests are not signed in the lab, so every request is let through)."""

    def __init__(self, lab, fn, auth_type: str, cors=None, invoke_mode="BUFFERED"):
        self.function = fn.name
        self.function_arn = fn.arn
        self.owner = fn                  # deleting the function deletes its URL
        self.url_id = lab.ids.hex(32, "function-url")
        self.url = f"https://{self.url_id}.lambda-url.{lab.region}.on.aws/"
        self.domain = f"{self.url_id}.lambda-url.{lab.region}.on.aws"
        self.auth_type = auth_type
        self.cors = cors
        self.invoke_mode = invoke_mode
        self.created = self.modified = lab.iso()

    def describe(self) -> dict:
        body = {"FunctionUrl": self.url, "FunctionArn": self.function_arn,
                "AuthType": self.auth_type, "CreationTime": self.created,
                "LastModifiedTime": self.modified, "InvokeMode": self.invoke_mode}
        if self.cors:
            body["Cors"] = self.cors
        return body


def _check(auth_type, invoke_mode):
    if auth_type not in AUTH_TYPES:
        raise ValidationException(
            f"1 validation error detected: Value '{auth_type}' at 'authType' failed to satisfy "
            "constraint: Member must satisfy enum value set: [AWS_IAM, NONE]")
    if invoke_mode not in INVOKE_MODES:
        raise ValidationException(
            f"1 validation error detected: Value '{invoke_mode}' at 'invokeMode' failed to "
            "satisfy constraint: Member must satisfy enum value set: [BUFFERED, RESPONSE_STREAM]")


class HTTPFrontDoors:
    """The HTTP front doors of one lab (``lab.http``)."""

    def __init__(self, lab):
        self.lab = lab
        self.urls: dict[str, FunctionUrlConfig] = {}   # function name -> its URL
        self._apis: dict = {}                          # (kind, function) -> API id
        self.lock = threading.RLock()                  # serialises served requests (serve())

    # --- function URL configs (CreateFunctionUrlConfig & co.) --------------------------------
    def create_url(self, function, auth_type="NONE", cors=None,
                   invoke_mode="BUFFERED") -> FunctionUrlConfig:
        fn = self._function(function)
        _check(auth_type, invoke_mode)
        if fn.name in self.urls:
            raise ResourceConflictException(
                f"Failed to create function url config for [functionArn = {fn.arn}]. "
                "Error message:  FunctionUrlConfig exists for this Lambda function "
                "(use UpdateFunctionUrlConfig, or DeleteFunctionUrlConfig first)")
        config = self.urls[fn.name] = FunctionUrlConfig(self.lab, fn, auth_type, cors,
                                                        invoke_mode)
        return config

    def get_url(self, function) -> FunctionUrlConfig:
        fn = self._function(function)
        config = self.urls.get(fn.name)
        if config is None:
            raise ResourceNotFoundException(
                f"The resource you requested does not exist: {fn.name} has no function URL "
                "(create one with CreateFunctionUrlConfig)")
        return config

    def update_url(self, function, auth_type=None, cors=None, invoke_mode=None):
        config = self.get_url(function)
        _check(auth_type or config.auth_type, invoke_mode or config.invoke_mode)
        config.auth_type = auth_type or config.auth_type
        config.invoke_mode = invoke_mode or config.invoke_mode
        if cors is not None:
            config.cors = cors
        config.modified = self.lab.iso()
        return config

    def delete_url(self, function) -> None:
        del self.urls[self.get_url(function).function]

    def list_urls(self, function) -> list[FunctionUrlConfig]:
        fn = self._function(function)
        return [self.urls[fn.name]] if fn.name in self.urls else []

    # --- sending requests --------------------------------------------------------------------
    def invoke_url(self, function, method="GET", path="/", query=None, headers=None,
                   body=None, *, source_ip=None, cookies=None) -> Response:
        """A request to the function's URL (one is created, AuthType NONE, if it has none)."""
        fn = self._function(function)
        config = self.urls.get(fn.name) or self.create_url(fn)
        req = Request.build(method, path, query, headers, body, source_ip, cookies)
        event = events.v2_event(self.lab, req, api_id=config.url_id, domain=config.domain,
                                account="anonymous" if config.auth_type == "NONE" else None)
        return self._send(fn, "url", event, from_v2, None)

    def api_gateway(self, function, method="GET", path="/", query=None, headers=None,
                    body=None, *, version="2.0", source_ip=None, cookies=None,
                    route_key="$default", stage=None, resource="/{proxy+}",
                    path_parameters=None, stage_variables=None) -> Response:
        """A request through API Gateway: ``version="2.0"`` an HTTP API (payload format 2.0),
        ``version="1.0"`` a REST API with Lambda proxy integration."""
        fn = self._function(function)
        req = Request.build(method, path, query, headers, body, source_ip, cookies)
        api_id = self._api_id("apigw", fn.name)
        domain = f"{api_id}.execute-api.{self.lab.region}.amazonaws.com"
        if version == "2.0":
            event = events.v2_event(self.lab, req, api_id=api_id, domain=domain,
                                    route_key=route_key, stage=stage or "$default",
                                    path_parameters=path_parameters,
                                    stage_variables=stage_variables)
            return self._send(fn, "http", event, from_v2, facts.HTTP_API_INTEGRATION_TIMEOUT)
        if version == "1.0":
            event = events.v1_event(self.lab, req, api_id=api_id, domain=domain,
                                    stage=stage or "prod", resource=resource,
                                    path_parameters=path_parameters,
                                    stage_variables=stage_variables)
            return self._send(fn, "rest", event, from_v1, facts.REST_API_INTEGRATION_TIMEOUT)
        raise ValidationException(f"version must be '1.0' (REST API) or '2.0' (HTTP API), "
                                  f"not {version!r}")

    def alb(self, function, method="GET", path="/", query=None, headers=None, body=None, *,
            source_ip=None, cookies=None, multi_value=False) -> Response:
        """A request through an Application Load Balancer whose target group holds the
        function (``multi_value=True``: the target group's multi-value headers setting)."""
        fn = self._function(function)
        req = Request.build(method, path, query, headers, body, source_ip, cookies)
        tg = self._api_id("alb", fn.name)
        arn = (f"arn:aws:elasticloadbalancing:{self.lab.region}:{self.lab.account}:"
               f"targetgroup/{fn.name[:20]}/{tg}")
        event = events.alb_event(self.lab, req, target_group_arn=arn, multi_value=multi_value)
        return self._send(fn, "alb", event,
                          lambda p: from_v1(p, alb=True, multi_value=multi_value), None)

    def serve(self, function, port: int = 0, door: str = "url", **options):
        """Serve ``function`` on http://127.0.0.1:<port>/ through ``door`` (url | http | rest |
        alb; ``options`` as for that door, e.g. ``multi_value=True``). Returns a
        :class:`~lambdalab.http.server.LabServer`; see that module for the threading rules."""
        from .server import LabServer
        return LabServer(self, function, port, door, **options)

    # --- internals ---------------------------------------------------------------------------
    def _function(self, function):
        fn = self.lab.awslambda.get(getattr(function, "name", function))
        config = self.urls.get(fn.name)
        if config is not None and config.owner is not fn:
            del self.urls[fn.name]       # the function was deleted (and recreated) since
        return fn

    def _api_id(self, kind, name) -> str:
        key = (kind, name)
        if key not in self._apis:
            self._apis[key] = self.lab.ids.hex(10 if kind == "apigw" else 16, "http-api")
        return self._apis[key]

    def _send(self, fn, door, event, translate, integration_timeout) -> Response:
        """Invoke synchronously (``lab.awslambda.call``: correct from a notebook cell, from
        inside a handler and from an engine event) and translate the outcome."""
        svc = self.lab.awslambda
        data = json.dumps(event).encode()
        record, payload = svc.call(fn, data, self.lab.ids.request_id(), "RequestResponse", 1)
        if record.outcome == "throttled":
            resp = failure(door, "throttle")
        elif integration_timeout is not None and \
                record.init + record.duration > integration_timeout:
            resp = failure(door, "timeout")
        elif record.outcome != "success":
            resp = failure(door, "error")
        else:
            resp = translate(payload) or failure(door, "error")
        resp.reason = resp.reason or reason(resp.status)
        resp.event, resp.attempt = event, record
        return resp
