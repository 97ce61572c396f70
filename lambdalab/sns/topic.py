"""Topics, subscriptions and published messages (plain records; the service acts on them)."""
from __future__ import annotations

import json

from ..errors import InvalidParameterException
from ..ids import parse_arn
from ..sns_filters import compile_filter_policy
from . import retry
from .errors import InvalidParameter

PROTOCOLS = ("lambda", "sqs", "http", "https", "email", "email-json", "sms")
# SNS/sns-large-payload-raw-message-delivery.html: raw delivery for SQS, HTTP/S (and Firehose)
RAW_PROTOCOLS = ("sqs", "http", "https")
NEEDS_CONFIRMATION = ("http", "https", "email", "email-json")

TOPIC_SETTABLE = ("DisplayName", "Policy", "DeliveryPolicy", "KmsMasterKeyId",
                  "SignatureVersion", "TracingConfig", "ContentBasedDeduplication",
                  "ArchivePolicy", "FifoThroughputScope")
TOPIC_CREATE_ONLY = ("FifoTopic",)
SUBSCRIPTION_SETTABLE = ("DeliveryPolicy", "FilterPolicy", "FilterPolicyScope",
                         "RawMessageDelivery", "RedrivePolicy", "SubscriptionRoleArn",
                         "ReplayPolicy")


def _json_attribute(name, value) -> dict | None:
    if value in (None, ""):
        return None
    if isinstance(value, dict):
        return value
    try:
        doc = json.loads(value)
    except ValueError:
        raise InvalidParameter(f"Invalid parameter: Attributes Reason: {name}: Invalid JSON")
    if not isinstance(doc, dict):
        raise InvalidParameter(f"Invalid parameter: Attributes Reason: {name}: must be a JSON "
                               "object")
    return doc


def _bool(name, value) -> bool:
    text = str(value).lower()
    if text not in ("true", "false"):
        raise InvalidParameter(f"Invalid parameter: Attributes Reason: {name}: Invalid value "
                               f"[{value}]. Must be true or false.")
    return text == "true"


def _text(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


class Topic:
    """One SNS topic. Create with ``lab.sns.create_topic(name)``."""

    def __init__(self, service, name: str, fifo: bool):
        lab = service.lab
        self.service = service
        self.name = name
        self.fifo = fifo
        self.arn = lab.arn("sns", name)
        self.subscriptions: list = []          # live subscriptions, in subscribe order
        self.deleted_subscriptions = 0
        self.tags: dict[str, str] = {}
        self.content_based_dedup = False
        self.delivery_policy = None            # dict (HTTP/S retries)
        self.other: dict[str, str] = {}        # DisplayName, Policy, KMS, ... (echoed)
        self.dedup: dict = {}                  # FIFO: dedup key -> (expires, message id, seq)
        self.deleted = False
        self.published = 0

    def default_policy(self) -> str:
        account = self.service.lab.account
        return json.dumps({
            "Version": "2008-10-17", "Id": "__default_policy_ID",
            "Statement": [{
                "Sid": "__default_statement_ID", "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes",
                           "SNS:AddPermission", "SNS:RemovePermission", "SNS:DeleteTopic",
                           "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
                "Resource": self.arn,
                "Condition": {"StringEquals": {"AWS:SourceOwner": account}}}]},
            separators=(",", ":"))

    def set_attributes(self, attributes: dict, creating: bool = False) -> None:
        """SetTopicAttributes / CreateTopic Attributes (AWS names, string values)."""
        changes = {}
        for name, value in (attributes or {}).items():
            if name == "FifoTopic" and creating:
                continue   # checked by the service against the name
            if name not in TOPIC_SETTABLE:
                raise InvalidParameter(f"Invalid parameter: AttributeName: {name} is not a "
                                       f"topic attribute you can set; use one of "
                                       f"{', '.join(TOPIC_SETTABLE)}")
            if name in ("ContentBasedDeduplication", "ArchivePolicy", "FifoThroughputScope") \
                    and not self.fifo:
                raise InvalidParameter(f"Invalid parameter: Attributes Reason: {name} is only "
                                       "valid for FIFO topics (a name ending in .fifo)")
            if name == "ContentBasedDeduplication":
                changes[name] = _bool(name, value)
            elif name == "DeliveryPolicy":
                doc = _json_attribute(name, value)
                healthy = ((doc or {}).get("http") or {}).get("defaultHealthyRetryPolicy")
                if healthy:
                    retry.http_policy({"healthyRetryPolicy": healthy})
                changes[name] = doc
            elif name == "Policy":
                _json_attribute(name, value)
                changes[name] = _text(value)
            elif name == "SignatureVersion" and str(value) not in ("1", "2"):
                raise InvalidParameter("Invalid parameter: Attributes Reason: SignatureVersion: "
                                       "must be 1 or 2")
            elif name == "TracingConfig" and value not in ("PassThrough", "Active"):
                raise InvalidParameter("Invalid parameter: Attributes Reason: TracingConfig: "
                                       "must be PassThrough or Active")
            else:
                changes[name] = _text(value)
        for name, value in changes.items():
            if name == "ContentBasedDeduplication":
                self.content_based_dedup = value
            elif name == "DeliveryPolicy":
                self.delivery_policy = value
            else:
                self.other[name] = value

    def http_retry_policy(self) -> retry.RetryPolicy:
        healthy = ((self.delivery_policy or {}).get("http") or {}).get(
            "defaultHealthyRetryPolicy")
        return retry.http_policy({"healthyRetryPolicy": healthy} if healthy else None)

    def attributes(self) -> dict:
        """GetTopicAttributes (string values)."""
        pending = sum(1 for s in self.subscriptions if s.pending)
        out = {
            "Policy": self.other.get("Policy") or self.default_policy(),
            "Owner": self.service.lab.account,
            "SubscriptionsPending": str(pending),
            "TopicArn": self.arn,
            "EffectiveDeliveryPolicy": json.dumps(
                {"http": {"defaultHealthyRetryPolicy": {
                    "minDelayTarget": 20, "maxDelayTarget": 20, "numRetries": 3,
                    "numMaxDelayRetries": 0, "numNoDelayRetries": 0, "numMinDelayRetries": 0,
                    "backoffFunction": "linear"},
                    "disableSubscriptionOverrides": False,
                    "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"}}}
                if self.delivery_policy is None else self.delivery_policy,
                separators=(",", ":")),
            "SubscriptionsConfirmed": str(len(self.subscriptions) - pending),
            "DisplayName": self.other.get("DisplayName", ""),
            "SubscriptionsDeleted": str(self.deleted_subscriptions),
        }
        if self.delivery_policy is not None:
            out["DeliveryPolicy"] = json.dumps(self.delivery_policy, separators=(",", ":"))
        for key in ("KmsMasterKeyId", "SignatureVersion", "TracingConfig", "ArchivePolicy",
                    "FifoThroughputScope"):
            if key in self.other:
                out[key] = self.other[key]
        if self.fifo:
            out["FifoTopic"] = "true"
            out["ContentBasedDeduplication"] = str(self.content_based_dedup).lower()
        return out

    def __repr__(self):
        return f"<Topic {self.name} ({len(self.subscriptions)} subscriptions)>"


class Subscription:
    """One subscription of a topic to an endpoint."""

    def __init__(self, topic: Topic, protocol: str, endpoint: str, arn: str):
        self.topic = topic
        self.protocol = protocol
        self.endpoint = endpoint
        self.arn = arn
        self.pending = protocol in NEEDS_CONFIRMATION
        self.token: str | None = None
        self.raw = False
        self.filter_policy = None              # compiled FilterPolicy or None
        self.filter_policy_text: str | None = None
        self.filter_scope = "MessageAttributes"
        self.redrive_policy: dict | None = None
        self.delivery_policy: dict | None = None
        self.other: dict[str, str] = {}
        self.deleted = False
        self.deliveries: list = []             # what the endpoint received (email, SMS, HTTP)
        self.confirmation_authenticated = False

    def set_attributes(self, attributes: dict) -> None:
        """SetSubscriptionAttributes / Subscribe Attributes; all or nothing."""
        changes = {}
        for name, value in (attributes or {}).items():
            if name not in SUBSCRIPTION_SETTABLE:
                raise InvalidParameter(f"Invalid parameter: AttributeName: {name} is not a "
                                       f"subscription attribute you can set; use one of "
                                       f"{', '.join(SUBSCRIPTION_SETTABLE)}")
            if name == "RawMessageDelivery":
                flag = _bool(name, value)
                if flag and self.protocol not in RAW_PROTOCOLS:
                    raise InvalidParameter(
                        f"Invalid parameter: Attributes Reason: Delivery protocol "
                        f"[{self.protocol}] does not support raw message delivery.")
                changes[name] = flag
            elif name == "FilterPolicyScope":
                changes[name] = value
            elif name == "FilterPolicy":
                changes[name] = None if value in (None, "") else _text(value)
            elif name == "RedrivePolicy":
                changes[name] = self.topic.service.check_redrive_policy(
                    self, _json_attribute(name, value))
            elif name == "DeliveryPolicy":
                doc = _json_attribute(name, value)
                if self.protocol not in ("http", "https") and doc:
                    raise InvalidParameter(
                        f"Invalid parameter: Attributes Reason: DeliveryPolicy: Delivery "
                        f"protocol [{self.protocol}] does not support delivery policies "
                        "(AWS-managed endpoints use SNS's fixed retry policy)")
                if doc:
                    retry.http_policy(doc)
                changes[name] = doc
            else:
                changes[name] = _text(value)
        scope = changes.get("FilterPolicyScope", self.filter_scope)
        text = changes["FilterPolicy"] if "FilterPolicy" in changes else self.filter_policy_text
        compiled = self.filter_policy
        if "FilterPolicy" in changes or "FilterPolicyScope" in changes:
            try:
                compiled = compile_filter_policy(text, scope) if text else None
                if not text:
                    compile_filter_policy("{}", scope)   # validates the scope name
            except InvalidParameterException as exc:
                # the filter engine's errors carry SNS's message; the wire code is InvalidParameter
                raise InvalidParameter(exc.message) from None
        for name, value in changes.items():
            if name == "RawMessageDelivery":
                self.raw = value
            elif name == "FilterPolicyScope":
                self.filter_scope = value
            elif name == "FilterPolicy":
                self.filter_policy_text = value
            elif name == "RedrivePolicy":
                self.redrive_policy = value
            elif name == "DeliveryPolicy":
                self.delivery_policy = value
            else:
                self.other[name] = value
        self.filter_policy = compiled

    def retry_policy(self) -> retry.RetryPolicy | None:
        if self.protocol in ("lambda", "sqs"):
            return retry.MANAGED
        if self.protocol in ("http", "https"):
            if self.delivery_policy:
                return retry.http_policy(self.delivery_policy)
            return self.topic.http_retry_policy()
        return None

    def attributes(self) -> dict:
        """GetSubscriptionAttributes (string values)."""
        out = {"Owner": self.topic.service.lab.account,
               "RawMessageDelivery": str(self.raw).lower(),
               "TopicArn": self.topic.arn, "Endpoint": self.endpoint,
               "Protocol": self.protocol,
               "PendingConfirmation": str(self.pending).lower(),
               "ConfirmationWasAuthenticated": str(self.confirmation_authenticated or
                                                   not self.pending).lower(),
               "SubscriptionArn": self.arn}
        if self.filter_policy_text:
            out["FilterPolicy"] = self.filter_policy_text
            out["FilterPolicyScope"] = self.filter_scope
        if self.redrive_policy:
            out["RedrivePolicy"] = json.dumps(self.redrive_policy, separators=(",", ":"))
        if self.delivery_policy:
            out["DeliveryPolicy"] = json.dumps(self.delivery_policy, separators=(",", ":"))
        if self.protocol in ("http", "https"):
            policy = self.retry_policy()
            out["EffectiveDeliveryPolicy"] = json.dumps({"healthyRetryPolicy": {
                "minDelayTarget": policy.min_delay, "maxDelayTarget": policy.max_delay,
                "numRetries": policy.retries, "numNoDelayRetries": policy.no_delay,
                "numMinDelayRetries": policy.min_retries,
                "numMaxDelayRetries": policy.max_retries,
                "backoffFunction": policy.function}}, separators=(",", ":"))
        out.update(self.other)
        return out

    def describe(self) -> dict:
        """The ListSubscriptions entry."""
        return {"SubscriptionArn": "PendingConfirmation" if self.pending else self.arn,
                "Owner": self.topic.service.lab.account, "Protocol": self.protocol,
                "Endpoint": self.endpoint, "TopicArn": self.topic.arn}

    def __repr__(self):
        state = " pending" if self.pending else ""
        return f"<Subscription {self.protocol} {self.endpoint}{state}>"


class Published:
    """One message accepted by Publish (shared by all of its deliveries)."""

    __slots__ = ("id", "topic_arn", "subject", "message", "structured", "attributes", "t",
                 "timestamp", "sequence", "group", "dedup", "signature_version")

    def __init__(self, message_id, topic_arn, subject, message, structured, attributes, t,
                 timestamp):
        self.id = message_id
        self.topic_arn = topic_arn
        self.subject = subject
        self.message = message              # the Message parameter
        self.structured = structured        # MessageStructure=json: protocol -> text
        self.attributes = attributes        # API shape {name: {DataType, StringValue|Binary}}
        self.t = t
        self.timestamp = timestamp
        self.sequence = None
        self.group = None
        self.dedup = None
        self.signature_version = "1"

    def text_for(self, protocol: str) -> str:
        if self.structured is None:
            return self.message
        return self.structured.get(protocol, self.structured["default"])


def endpoint_service(endpoint: str) -> str | None:
    parts = parse_arn(endpoint)
    return parts["service"] if parts else None
