"""``lab.sns``: Amazon SNS topics, subscriptions, publishing and delivery on the lab clock.

Sources (SNS/ = https://docs.aws.amazon.com/sns/latest/dg/, SNSAPI/ =
https://docs.aws.amazon.com/sns/latest/api/); numbers live in :mod:`lambdalab.facts`.

Delivery timing (lab choice): the first delivery attempt to every subscription happens when
Publish is called (zero latency), so a queue subscribed to a topic holds the message as soon as
``publish`` returns; retries run on the virtual clock (``lab.run()``).
"""
from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import uuid

from .. import facts
from ..clock import parse_duration
from ..errors import AWSError, LabError
from ..ids import parse_arn
from . import shapes
from .delivery import (DELIVERED, FAILED, FILTERED, METRIC_NAMES, PUBLISHED, Deliverer,
                       Notification)
from .errors import (AuthorizationError, BatchEntryIdsNotDistinct, BatchRequestTooLong,
                     EmptyBatchRequest, InvalidBatchEntryId, InvalidParameter, NotFound,
                     ParameterValueInvalid, ResourceNotFound, TagLimitExceeded,
                     TooManyEntriesInBatchRequest)
from .topic import NEEDS_CONFIRMATION, PROTOCOLS, Published, Subscription, Topic

TOPIC_NAME = re.compile(r"[A-Za-z0-9_-]{1,256}")
BATCH_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")
DEDUP_ID = re.compile(r"[!-~]{1,128}")
ATTRIBUTE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,256}")
SMS_NUMBER = re.compile(r"\+[0-9]{7,15}")


class SNSService:
    """The topics of one lab (``lab.sns``)."""

    def __init__(self, lab):
        self.lab = lab
        self.topics: dict[str, Topic] = {}            # name -> Topic
        self.topics_by_arn: dict[str, Topic] = {}
        self.subscriptions: dict[str, Subscription] = {}   # ARN -> Subscription
        self.notifications: list[Notification] = []
        self.events: list[tuple] = []                 # (t, topic name, metric code)
        self.unavailable: dict[str, float] = {}       # endpoint -> lab time the outage ends
        self.http_timeout = facts.SNS_HTTP_TIMEOUT
        self._rng = random.Random(f"lambdalab-sns-{lab.seed}")
        self.jitter_rng = random.Random(f"lambdalab-sns-jitter-{lab.seed}")
        self._sequence = 0
        self.sms: list[dict] = []                     # direct SMS (Publish with PhoneNumber)
        self.deliverer = Deliverer(self)
        lab.receivers["sns"] = self._receive

    # --- ids ----------------------------------------------------------------------------
    def new_id(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def metric(self, topic: Topic, code: int) -> None:
        self.events.append((self.lab.t, topic.name, code))

    # --- topics -------------------------------------------------------------------------
    def create_topic(self, name: str, attributes: dict | None = None,
                     tags: dict | None = None, **settings) -> Topic:
        """CreateTopic (idempotent for the same name and attributes). A FIFO topic's name
        ends in ``.fifo`` and needs ``FifoTopic=true``. Keyword settings: ``fifo=True``,
        ``content_based_deduplication=True``, ``display_name=...``."""
        attributes = dict(attributes or {})
        for key, attr in (("fifo", "FifoTopic"), ("content_based_deduplication",
                                                  "ContentBasedDeduplication"),
                          ("display_name", "DisplayName")):
            if key in settings:
                value = settings.pop(key)
                attributes[attr] = str(value).lower() if isinstance(value, bool) else value
        if settings:
            raise TypeError(f"unknown topic setting(s) {sorted(settings)}; use fifo, "
                            "content_based_deduplication, display_name or attributes={...}")
        stem = name[:-5] if isinstance(name, str) and name.endswith(".fifo") else name
        if not isinstance(name, str) or len(name) > facts.SNS_TOPIC_NAME_LENGTH or \
                not TOPIC_NAME.fullmatch(stem or "!"):
            raise InvalidParameter(
                "Invalid parameter: Topic Name (topic names can have up to 256 characters: "
                "letters, numbers, hyphens and underscores; FIFO topic names end in .fifo)")
        fifo = str(attributes.get("FifoTopic", "false")).lower() == "true"
        if fifo != name.endswith(".fifo"):
            raise InvalidParameter(
                "Invalid parameter: Fifo Topic names must end with .fifo and must be made up "
                "of only uppercase and lowercase ASCII letters, numbers, underscores, and "
                "hyphens, and must be between 1 and 256 characters long." if fifo else
                "Invalid parameter: Topic Name (a name ending in .fifo needs the attribute "
                "FifoTopic=true)")
        existing = self.topics.get(name)
        if existing is not None:
            current = existing.attributes()
            for key, value in attributes.items():
                if key in current and current[key] != (str(value).lower()
                                                       if isinstance(value, bool) else
                                                       str(value)):
                    raise InvalidParameter("Invalid parameter: Attributes Reason: Topic already "
                                           "exists with different attributes")
            return existing
        topic = Topic(self, name, fifo)
        topic.set_attributes(attributes, creating=True)
        if tags:
            self._tag(topic, tags)
        self.topics[name] = topic
        self.topics_by_arn[topic.arn] = topic
        return topic

    def get_topic(self, topic) -> Topic:
        """A topic by object, name or ARN (NotFound otherwise)."""
        if isinstance(topic, Topic):
            if topic.deleted:
                raise NotFound("Topic does not exist")
            return topic
        if isinstance(topic, str):
            found = self.topics_by_arn.get(topic) if topic.startswith("arn:") \
                else self.topics.get(topic)
            if found is not None:
                return found
        raise NotFound("Topic does not exist")

    def list_topics(self) -> list[Topic]:
        return [self.topics[n] for n in sorted(self.topics)]

    def delete_topic(self, topic) -> None:
        """DeleteTopic: also deletes its subscriptions. Deleting a topic that does not exist
        succeeds (SNSAPI/API_DeleteTopic.html: the action is idempotent)."""
        try:
            t = self.get_topic(topic)
        except NotFound:
            return
        for sub in list(t.subscriptions):
            self._drop(sub)
        t.deleted = True
        del self.topics[t.name]
        del self.topics_by_arn[t.arn]

    # --- subscriptions ------------------------------------------------------------------
    def subscribe(self, topic, protocol: str, endpoint, attributes: dict | None = None,
                  *, add_permission: bool = True, **settings) -> Subscription:
        """Subscribe an endpoint: ``lambda`` (a Function or its ARN), ``sqs`` (a Queue or its
        ARN), ``http``/``https`` (a URL), ``email``/``email-json`` (an address), ``sms``
        (an E.164 number). Keyword settings: ``raw_message_delivery``, ``filter_policy``,
        ``filter_policy_scope``, ``redrive_policy``. HTTP/S and email subscriptions stay
        ``pending`` until confirmed with their token (``lab.sns.confirm_subscription``).

        A function must allow ``sns.amazonaws.com`` to invoke it (its resource-based policy).
        Like the Lambda console's "Add trigger", this Python call adds that permission
        (``add_permission=False`` to leave the policy alone); the API's Subscribe (boto3,
        CLI) does not, so there you call ``lambda add-permission`` yourself, as on AWS."""
        t = self.get_topic(topic)
        if hasattr(endpoint, "arn"):
            endpoint = endpoint.arn
        attributes = dict(attributes or {})
        for key, attr in (("raw_message_delivery", "RawMessageDelivery"),
                          ("filter_policy", "FilterPolicy"),
                          ("filter_policy_scope", "FilterPolicyScope"),
                          ("redrive_policy", "RedrivePolicy"),
                          ("delivery_policy", "DeliveryPolicy")):
            if key in settings:
                value = settings.pop(key)
                attributes[attr] = json.dumps(value) if isinstance(value, dict) else \
                    str(value).lower() if isinstance(value, bool) else value
        if settings:
            raise TypeError(f"unknown subscription setting(s) {sorted(settings)}")
        self._check_endpoint(t, protocol, endpoint)
        for sub in t.subscriptions:
            if sub.protocol == protocol and sub.endpoint == endpoint:
                current = sub.attributes()
                for key, value in attributes.items():
                    if current.get(key, "") != value and \
                            not (key == "RawMessageDelivery" and value == "false" and not sub.raw):
                        raise InvalidParameter("Invalid parameter: Attributes Reason: "
                                               "Subscription already exists with different "
                                               "attributes")
                return sub
        sub = Subscription(t, protocol, endpoint, f"{t.arn}:{self.new_id()}")
        sub.set_attributes(attributes)
        if protocol == "lambda" and add_permission:
            self._allow_invoke(t, endpoint)
        t.subscriptions.append(sub)
        self.subscriptions[sub.arn] = sub
        if sub.pending:
            sub.token = f"{self._rng.getrandbits(512):0128x}"
            self.deliverer.confirmation(sub)
        return sub

    def _allow_invoke(self, topic: Topic, endpoint: str) -> None:
        """Add the resource-based permission SNS needs to invoke a function (what the Lambda
        console does when you add an SNS trigger); nothing if it is already allowed."""
        service = self.lab.awslambda
        try:
            fn = service.get(endpoint)
        except AWSError:
            return   # a missing function fails at delivery (client-side error)
        if service.allows(fn.name, "sns.amazonaws.com", topic.arn):
            return
        sid, n = f"sns-{topic.name}".replace(".", "-"), 1
        while any(s["Sid"] == sid for s in fn.policy):
            n += 1
            sid = f"sns-{topic.name}-{n}".replace(".", "-")
        service.add_permission(fn.name, sid, "lambda:InvokeFunction", "sns.amazonaws.com",
                               source_arn=topic.arn)

    def _check_endpoint(self, topic: Topic, protocol, endpoint) -> None:
        if protocol not in PROTOCOLS:
            raise InvalidParameter(f"Invalid parameter: Amazon SNS does not support this "
                                   f"protocol string: {protocol} (the lab supports "
                                   f"{', '.join(PROTOCOLS)})")
        if not isinstance(endpoint, str) or not endpoint:
            raise InvalidParameter("Invalid parameter: Endpoint")
        if topic.fifo and protocol != "sqs":
            # L/with-sns.html: Lambda supports standard topics only; FIFO topics deliver to
            # SQS queues (SNS/fifo-message-delivery.html)
            raise InvalidParameter(
                f"Invalid parameter: Invalid protocol type: {protocol}. FIFO topics deliver "
                "only to SQS queues (a Lambda function can't subscribe to a FIFO topic: "
                "subscribe a queue and map it to the function)")
        service = {"lambda": "lambda", "sqs": "sqs"}.get(protocol)
        if service is not None:
            parts = parse_arn(endpoint)
            if parts is None or parts["service"] != service:
                raise InvalidParameter(f"Invalid parameter: {protocol.upper() if protocol == 'sqs' else 'Lambda'} "
                                       f"endpoint ARN (got {endpoint!r}; give the "
                                       f"{'queue' if service == 'sqs' else 'function'} ARN)")
            if service == "sqs" and endpoint.endswith(".fifo") and not topic.fifo:
                raise InvalidParameter("Invalid parameter: Invalid parameter: Endpoint Reason: "
                                       "FIFO SQS Queues can not be subscribed to standard SNS "
                                       "topics")
        elif protocol in ("http", "https"):
            if not endpoint.lower().startswith(protocol + "://"):
                raise InvalidParameter(f"Invalid parameter: Endpoint must match the specified "
                                       f"protocol ({protocol}://...)")
        elif protocol in ("email", "email-json"):
            if "@" not in endpoint:
                raise InvalidParameter("Invalid parameter: Email address")
        elif protocol == "sms" and not SMS_NUMBER.fullmatch(endpoint):
            raise InvalidParameter("Invalid parameter: Phone number (use E.164, e.g. "
                                   "+12065550100)")

    def check_redrive_policy(self, sub: Subscription, policy: dict | None) -> dict | None:
        """SNS/sns-configure-dead-letter-queue.html: ``{"deadLetterTargetArn": <SQS ARN>}``;
        a FIFO topic's subscription needs a FIFO dead-letter queue."""
        if not policy:
            return None
        target = policy.get("deadLetterTargetArn")
        parts = parse_arn(target) if isinstance(target, str) else None
        if parts is None or parts["service"] != "sqs":
            raise InvalidParameter("Invalid parameter: RedrivePolicy: deadLetterTargetArn is "
                                   "missing or is not an SQS queue ARN")
        if set(policy) != {"deadLetterTargetArn"}:
            raise InvalidParameter("Invalid parameter: RedrivePolicy: only "
                                   "deadLetterTargetArn is allowed")
        if sub.topic.fifo != target.endswith(".fifo"):
            raise InvalidParameter(
                "Invalid parameter: RedrivePolicy: must use a FIFO queue as DLQ for a FIFO "
                "subscription" if sub.topic.fifo else
                "Invalid parameter: RedrivePolicy: must use a standard queue as DLQ for a "
                "standard subscription")
        return {"deadLetterTargetArn": target}

    def get_subscription(self, arn) -> Subscription:
        if isinstance(arn, Subscription):
            arn = arn.arn
        sub = self.subscriptions.get(arn) if isinstance(arn, str) else None
        if sub is None:
            raise NotFound("Subscription does not exist")
        return sub

    def confirm_subscription(self, topic, token: str, authenticate_on_unsubscribe=None
                             ) -> Subscription:
        """ConfirmSubscription: the token from the SubscriptionConfirmation message."""
        t = self.get_topic(topic)
        for sub in t.subscriptions:
            if sub.token is not None and sub.token == token:
                sub.pending = False
                if str(authenticate_on_unsubscribe).lower() == "true":
                    sub.confirmation_authenticated = True
                return sub
        raise InvalidParameter("Invalid parameter: Token")

    def unsubscribe(self, arn) -> None:
        self._drop(self.get_subscription(arn))

    def _drop(self, sub: Subscription) -> None:
        sub.deleted = True
        sub.topic.subscriptions.remove(sub)
        sub.topic.deleted_subscriptions += 1
        self.subscriptions.pop(sub.arn, None)

    def list_subscriptions(self, topic=None) -> list[Subscription]:
        if topic is not None:
            return list(self.get_topic(topic).subscriptions)
        return [s for t in self.list_topics() for s in t.subscriptions]

    # --- publishing ---------------------------------------------------------------------
    def publish(self, topic, message, *, subject=None, message_attributes=None,
                message_structure=None, message_group_id=None,
                message_deduplication_id=None) -> dict:
        """Publish: returns ``{"MessageId": ...}`` (plus ``SequenceNumber`` on FIFO topics).

        ``message`` may be a str or any JSON-serialisable value (sent as JSON text);
        ``message_attributes`` uses the API shape ``{name: {"DataType": "String",
        "StringValue": "..."}}`` or, for convenience, plain values (str -> String, number ->
        Number, list -> String.Array)."""
        t = self.get_topic(topic)
        if message is not None and not isinstance(message, (str, bytes)):
            message = json.dumps(message)
        msg = self._prepare(t, message, subject, message_attributes, message_structure,
                            message_group_id, message_deduplication_id)
        out = {"MessageId": msg.id}
        if msg.sequence is not None:
            out["SequenceNumber"] = msg.sequence
        if getattr(msg, "duplicate", False):
            return out
        self._fan_out(t, msg)
        return out

    def _prepare(self, t: Topic, message, subject, attributes, structure, group, dedup):
        if message is None or message == "":
            raise InvalidParameter("Invalid parameter: Empty message")
        if isinstance(message, bytes):
            message = message.decode()
        structured = None
        if structure is not None:
            if structure != "json":
                raise InvalidParameter("Invalid parameter: MessageStructure (the only "
                                       "supported value is json)")
            try:
                structured = json.loads(message)
            except ValueError:
                raise InvalidParameter("Invalid parameter: Message Structure - JSON message "
                                       "body failed to parse") from None
            if not isinstance(structured, dict) or not isinstance(structured.get("default"),
                                                                   str):
                raise InvalidParameter("Invalid parameter: Message Structure - No default "
                                       "entry in JSON message body")
        if subject is not None:
            if not subject or len(subject) >= facts.SNS_SUBJECT_LENGTH or \
                    not subject.isascii() or any(c in subject for c in "\r\n") or \
                    not subject[0].isprintable() or subject[0].isspace():
                raise InvalidParameter(
                    "Invalid parameter: Subject (ASCII text starting with a letter, number or "
                    "punctuation mark, no line breaks or control characters, fewer than 100 "
                    "characters)")
        attributes = _check_attributes(attributes)
        size = len(message.encode()) + _attributes_size(attributes)
        if size > facts.SNS_MESSAGE_BYTES:
            raise InvalidParameter(f"Invalid parameter: Message too long ({size} bytes with "
                                   f"its attributes; the limit is {facts.SNS_MESSAGE_BYTES})")
        lab = self.lab
        msg = Published(self.new_id(), t.arn, subject, message, structured, attributes,
                        lab.t, lab.iso())
        if t.fifo:
            if not group:
                raise InvalidParameter("Invalid parameter: The MessageGroupId parameter is "
                                       "required for FIFO topics")
            if not DEDUP_ID.fullmatch(group):
                raise InvalidParameter("Invalid parameter: MessageGroupId Reason: up to 128 "
                                       "alphanumeric and punctuation characters")
            if dedup is None:
                if not t.content_based_dedup:
                    raise InvalidParameter(
                        "Invalid parameter: The topic should either have "
                        "ContentBasedDeduplication enabled or MessageDeduplicationId provided "
                        "explicitly")
                # like SQS: SHA-256 of the message body
                dedup = hashlib.sha256(message.encode()).hexdigest()
            elif not DEDUP_ID.fullmatch(dedup):
                raise InvalidParameter("Invalid parameter: MessageDeduplicationId Reason: up "
                                       "to 128 alphanumeric and punctuation characters")
            now = lab.t
            for key in [k for k, v in t.dedup.items() if v[0] <= now]:
                del t.dedup[key]
            scope = t.other.get("FifoThroughputScope")
            key = (group, dedup) if scope == "MessageGroup" else dedup
            seen = t.dedup.get(key)
            msg.group, msg.dedup = group, dedup
            if seen is not None:
                # accepted, not delivered again: the original's ID and sequence number
                msg.id, msg.sequence = seen[1], seen[2]
                msg_dup = _Duplicate(msg)
                return msg_dup
            self._sequence += 1
            msg.sequence = f"{10_000_000_000_000_000_000 + self._sequence:020d}"
            t.dedup[key] = (now + facts.SNS_DEDUP_INTERVAL, msg.id, msg.sequence)
        elif dedup is not None:
            raise InvalidParameter("Invalid parameter: MessageDeduplicationId Reason: The "
                                   "request includes MessageDeduplicationId parameter that is "
                                   "not valid for this topic type")
        else:
            msg.group = group
        return msg

    def _fan_out(self, t: Topic, msg: Published) -> None:
        t.published += 1
        self.metric(t, PUBLISHED)
        deliverer = self.deliverer
        for sub in list(t.subscriptions):
            if sub.pending:
                continue   # nothing is delivered to an unconfirmed subscription
            note = Notification(msg, sub)
            self.notifications.append(note)
            policy = sub.filter_policy
            if policy is not None and not (
                    policy.matches_body(msg.text_for(sub.protocol))
                    if sub.filter_scope == "MessageBody"
                    else policy.matches_attributes(msg.attributes or {})):
                note.outcome, note.ended = "filtered", self.lab.t
                self.metric(t, FILTERED)
                continue
            deliverer.start(note)

    def publish_batch(self, topic, entries: list[dict]) -> dict:
        """PublishBatch: up to 10 entries (API member names); per-entry failures in Failed."""
        t = self.get_topic(topic)
        if not entries:
            raise EmptyBatchRequest("The batch request doesn't contain any entries.")
        if len(entries) > facts.SNS_BATCH_ENTRIES:
            raise TooManyEntriesInBatchRequest(
                f"The batch request contains more entries than permissible (at most "
                f"{facts.SNS_BATCH_ENTRIES}; got {len(entries)}).")
        ids = [e.get("Id") for e in entries]
        for ident in ids:
            if not isinstance(ident, str) or not BATCH_ID.fullmatch(ident):
                raise InvalidBatchEntryId("The Id of a batch entry in a batch request doesn't "
                                          "abide by the specification (up to 80 letters, "
                                          "numbers, hyphens and underscores).")
        if len(set(ids)) != len(ids):
            raise BatchEntryIdsNotDistinct("Two or more batch entries in the request have the "
                                           "same Id.")
        total = sum(len((e.get("Message") or "").encode()) +
                    _attributes_size(e.get("MessageAttributes")) for e in entries)
        if total > facts.SNS_MESSAGE_BYTES:
            raise BatchRequestTooLong(
                f"The length of all the messages put together is more than the limit "
                f"({total} > {facts.SNS_MESSAGE_BYTES} bytes).")
        ok, failed = [], []
        for e in entries:
            try:
                out = self.publish(t, e.get("Message"), subject=e.get("Subject"),
                                   message_attributes=e.get("MessageAttributes"),
                                   message_structure=e.get("MessageStructure"),
                                   message_group_id=e.get("MessageGroupId"),
                                   message_deduplication_id=e.get("MessageDeduplicationId"))
                ok.append({"Id": e["Id"], **out})
            except AWSError as exc:
                failed.append({"Id": e["Id"], "Code": exc.code, "Message": exc.message,
                               "SenderFault": exc.status < 500})
        return {"Successful": ok, "Failed": failed}

    def send_sms(self, phone_number: str, message) -> dict:
        """Publish with PhoneNumber: a direct SMS, recorded in ``lab.sns.sms`` (never sent)."""
        if not isinstance(phone_number, str) or not SMS_NUMBER.fullmatch(phone_number):
            raise InvalidParameter("Invalid parameter: PhoneNumber Reason: use E.164, e.g. "
                                   "+12065550100")
        if not message:
            raise InvalidParameter("Invalid parameter: Empty message")
        message_id = self.new_id()
        self.sms.append({"time": self.lab.t, "to": phone_number, "body": message,
                         "message_id": message_id})
        return {"MessageId": message_id}

    # --- faults -------------------------------------------------------------------------
    def set_unavailable(self, endpoint, duration) -> None:
        """Fault model: deliveries to ``endpoint`` (a Function, Queue, ARN or URL) fail with a
        server-side error from now for ``duration`` ("10m", seconds), so SNS retries them.
        ``duration=0`` ends the outage."""
        if hasattr(endpoint, "arn"):
            endpoint = endpoint.arn
        seconds = parse_duration(duration)
        if seconds <= 0:
            self.unavailable.pop(endpoint, None)
        else:
            self.unavailable[endpoint] = self.lab.t + seconds

    # --- tags ---------------------------------------------------------------------------
    def _tag(self, topic: Topic, tags: dict) -> None:
        merged = dict(topic.tags, **{str(k): str(v) for k, v in tags.items()})
        if len(merged) > facts.SNS_TAGS_PER_TOPIC:
            raise TagLimitExceeded("Could not complete request: tag quota of per resource "
                                   f"exceeded (at most {facts.SNS_TAGS_PER_TOPIC} tags)")
        topic.tags = merged

    def tag_resource(self, arn: str, tags: dict) -> None:
        topic = self.topics_by_arn.get(arn)
        if topic is None:
            raise ResourceNotFound("Resource does not exist")
        self._tag(topic, tags)

    def untag_resource(self, arn: str, keys) -> None:
        topic = self.topics_by_arn.get(arn)
        if topic is None:
            raise ResourceNotFound("Resource does not exist")
        for key in keys or ():
            topic.tags.pop(key, None)

    def list_tags(self, arn: str) -> dict:
        topic = self.topics_by_arn.get(arn)
        if topic is None:
            raise ResourceNotFound("Resource does not exist")
        return dict(topic.tags)

    # --- deliveries from other lab services (Lambda DLQs and destinations) ----------------
    def _receive(self, target: str, body: str, attributes: dict) -> None:
        topic = self.topics_by_arn.get(target)
        if topic is None:
            return   # a topic the lab has not created: recorded in lab.deliveries only
        self.publish(topic, body, message_attributes={k: dict(v) for k, v in
                                                      attributes.items()} or None)

    # --- what happened ------------------------------------------------------------------
    def outcomes(self, topic=None):
        """One row per (message, subscription): outcome, attempts, times, error."""
        import pandas as pd
        arn = self.get_topic(topic).arn if topic is not None else None
        rows = [{"message_id": n.message.id, "topic": n.message.topic_arn.rsplit(":", 1)[-1],
                 "subscription": n.subscription.arn, "protocol": n.subscription.protocol,
                 "published": self.lab.clock.to_datetime(n.message.t),
                 "outcome": n.outcome or "pending", "attempts": n.attempts,
                 "ended": None if n.ended is None else self.lab.clock.to_datetime(n.ended),
                 "error": n.error[1] if n.error else None}
                for n in self.notifications if arn is None or n.message.topic_arn == arn]
        return pd.DataFrame(rows, columns=["message_id", "topic", "subscription", "protocol",
                                           "published", "outcome", "attempts", "ended",
                                           "error"])

    def metrics(self, topic=None, period="1m"):
        """CloudWatch ``AWS/SNS`` metrics per topic and period (sums; a pandas DataFrame):
        NumberOfMessagesPublished, NumberOfNotificationsDelivered / Failed / FilteredOut /
        RedrivenToDlq / FailedToRedriveToDlq (SNS/sns-monitoring-using-cloudwatch.html).
        Only periods with data have rows, as in CloudWatch."""
        import pandas as pd
        step = parse_duration(period)
        if step <= 0:
            raise LabError("period must be positive, e.g. '1m'")
        name = self.get_topic(topic).name if topic is not None else None
        buckets: dict = {}
        for t, topic_name, code in self.events:
            if name is not None and topic_name != name:
                continue
            row = buckets.setdefault((topic_name, int(t // step)), [0] * len(METRIC_NAMES))
            row[code] += 1
        rows = [{"topic": topic_name, "time": self.lab.clock.to_datetime(bucket * step),
                 **dict(zip(METRIC_NAMES, counts))}
                for (topic_name, bucket), counts in sorted(buckets.items())]
        return pd.DataFrame(rows, columns=["topic", "time", *METRIC_NAMES])


class _Duplicate:
    """A FIFO publish inside the deduplication interval: accepted, not delivered."""

    duplicate = True

    def __init__(self, msg):
        self.id, self.sequence = msg.id, msg.sequence


def _check_attributes(attributes) -> dict | None:
    """Validate Publish MessageAttributes (SNS/sns-message-attributes.html); plain Python
    values are accepted as a convenience and converted to the API shape."""
    if not attributes:
        return None
    if len(attributes) > facts.SNS_MESSAGE_ATTRIBUTES:
        raise ParameterValueInvalid(f"Number of message attributes [{len(attributes)}] "
                                    f"exceeds the allowed maximum [{facts.SNS_MESSAGE_ATTRIBUTES}].")
    out = {}
    for name, value in attributes.items():
        if not isinstance(name, str) or not ATTRIBUTE_NAME.fullmatch(name) or \
                name.startswith(("AWS.", "Amazon.", ".")) or name.endswith(".") or ".." in name:
            raise ParameterValueInvalid(f"Message attribute name '{name}' is invalid: use up "
                                        "to 256 letters, numbers, '_', '-' and '.' (not "
                                        "starting with AWS. or Amazon.)")
        if not isinstance(value, dict):
            if isinstance(value, bool) or isinstance(value, str):
                value = {"DataType": "String", "StringValue": str(value).lower()
                         if isinstance(value, bool) else value}
            elif isinstance(value, (int, float)):
                value = {"DataType": "Number", "StringValue": repr(value)}
            elif isinstance(value, (list, tuple)):
                value = {"DataType": "String.Array", "StringValue": json.dumps(list(value))}
            elif isinstance(value, bytes):
                value = {"DataType": "Binary", "BinaryValue": value}
            else:
                raise ParameterValueInvalid(f"The message attribute '{name}' has an invalid "
                                            "value")
        dtype = value.get("DataType")
        if not dtype:
            raise ParameterValueInvalid(f"The message attribute '{name}' must contain non-empty "
                                        "message attribute type.")
        base = "String.Array" if dtype == "String.Array" else dtype.split(".", 1)[0]
        if base not in ("String", "Number", "Binary", "String.Array"):
            raise ParameterValueInvalid(
                f"The message attribute '{name}' has an invalid message attribute type, the "
                "set of supported type prefixes is Binary, Number, and String.")
        if base == "Binary":
            data = value.get("BinaryValue")
            if data is None or len(data) == 0:
                raise ParameterValueInvalid(
                    f"The message attribute '{name}' with type 'Binary' must use field "
                    "'Binary'.")
            if isinstance(data, str):
                data = data.encode()
            out[name] = {"DataType": dtype, "BinaryValue": bytes(data)}
            continue
        text = value.get("StringValue")
        if text is None or text == "":
            raise ParameterValueInvalid(
                f"The message attribute '{name}' must contain non-empty message attribute "
                f"value for message attribute type '{base}'.")
        if base == "Number":
            try:
                number = float(text)
            except ValueError:
                raise ParameterValueInvalid(f"Could not cast message attribute '{name}' value "
                                            "to number.") from None
            if abs(number) > facts.SNS_NUMBER_ATTRIBUTE_LIMIT:
                raise ParameterValueInvalid(f"Value for message attribute '{name}' is out of "
                                            "range (-1e9 to 1e9).")
        if base == "String.Array":
            try:
                items = json.loads(text)
            except ValueError:
                items = None
            if not isinstance(items, list):
                raise ParameterValueInvalid(f"Invalid value for message attribute '{name}': "
                                            "a String.Array value is a JSON array.")
        out[name] = {"DataType": dtype, "StringValue": str(text)}
    return out


def _attributes_size(attributes) -> int:
    size = 0
    for name, value in (attributes or {}).items():
        if not isinstance(value, dict):
            size += len(str(name).encode()) + len(str(value).encode())
            continue
        size += len(name.encode()) + len(str(value.get("DataType", "")).encode())
        data = value.get("StringValue", value.get("BinaryValue", b""))
        size += len(data.encode() if isinstance(data, str) else data or b"")
    return size


__all__ = ["SNSService", "AuthorizationError"]
