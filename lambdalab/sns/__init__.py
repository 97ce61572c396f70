"""Amazon SNS in the lab: ``lab.sns`` (:class:`SNSService`).

Modules: :mod:`.service` (topics, subscriptions, publish, metrics), :mod:`.topic` (records and
their attributes), :mod:`.delivery` (endpoints, retries, dead-letter queues), :mod:`.retry`
(delivery policies), :mod:`.shapes` (the documents subscribers receive), :mod:`.errors`.
"""
from .errors import *  # noqa: F401,F403
from .errors import __all__ as _errors
from .retry import HTTP_DEFAULT, MANAGED, RetryPolicy
from .service import SNSService
from .topic import Published, Subscription, Topic

__all__ = ["SNSService", "Topic", "Subscription", "Published", "RetryPolicy", "MANAGED",
           "HTTP_DEFAULT", *_errors]
