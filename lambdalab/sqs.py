"""Amazon SQS on the lab's virtual clock: standard and FIFO queues, visibility, delays,
retention, dead-letter redrive, message move tasks, metrics and an opt-in duplicate-delivery
fault model.

Sources (SQS/ = https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/,
SQSAPI/ = https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/); the numbers
live in :mod:`lambdalab.facts`.

Data structures (a few microseconds per message, nothing scans the whole queue):

* every live message is in ``queue.live`` (serial -> Message, insertion order = send order);
* visible messages: a deque (standard) or one deque per message group plus a deque of groups
  that can be received (FIFO: a group with a message in flight is locked);
* delayed and in-flight messages: heaps keyed by the time they become visible. Entries are
  invalidated lazily (each receive or visibility change bumps the message's ``token``); nothing
  is scheduled on the clock per message: the queue catches up (``refresh``) whenever it is
  used, and tells its listeners (event source mappings) when the next message becomes visible;
* retention is enforced lazily: an expired message is removed when it is reached, and a sweep
  runs when the oldest live message has expired and someone looks at the counts.
"""
from __future__ import annotations

import gc
import hashlib
import heapq
import json
import random
import re
import struct
from collections import deque

from . import facts
from .clock import EPOCH_UNIX
from .errors import AWSError, LabError, _error
from .ids import parse_arn

# --- errors (codes as botocore's SQS model names them) -------------------------------------
QueueDoesNotExist = _error("QueueDoesNotExist", 400)
QueueNameExists = _error("QueueNameExists", 400)
QueueDeletedRecently = _error("QueueDeletedRecently", 400)
InvalidParameterValue = _error("InvalidParameterValue", 400)
MissingParameter = _error("MissingParameter", 400)
InvalidAttributeName = _error("InvalidAttributeName", 400)
InvalidAttributeValue = _error("InvalidAttributeValue", 400)
InvalidMessageContents = _error("InvalidMessageContents", 400)
ReceiptHandleIsInvalid = _error("ReceiptHandleIsInvalid", 404)
MessageNotInflight = _error("MessageNotInflight", 400)
PurgeQueueInProgress = _error("PurgeQueueInProgress", 403)
BatchEntryIdsNotDistinct = _error("BatchEntryIdsNotDistinct", 400)
TooManyEntriesInBatchRequest = _error("TooManyEntriesInBatchRequest", 400)
EmptyBatchRequest = _error("EmptyBatchRequest", 400)
InvalidBatchEntryId = _error("InvalidBatchEntryId", 400)
BatchRequestTooLong = _error("BatchRequestTooLong", 400)
ResourceNotFoundException = _error("ResourceNotFoundException", 400)
UnsupportedOperation = _error("UnsupportedOperation", 400)

DELAYED, VISIBLE, INFLIGHT, GONE = 0, 1, 2, 3
QUEUE_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")
BATCH_ID = re.compile(r"[A-Za-z0-9_-]{1,80}")
# SQS/quotas-messages.html: allowed characters #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD
# | #x10000 to #x10FFFF
_BAD_CHARS = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_DEDUP_ID = re.compile(r"[!-~]{1,128}")   # alphanumeric and punctuation, 128 characters

ATTRIBUTES = {   # settable queue attribute -> (facts.Range or None)
    "DelaySeconds": facts.SQS_DELAY_SECONDS,
    "MaximumMessageSize": facts.SQS_MAXIMUM_MESSAGE_SIZE,
    "MessageRetentionPeriod": facts.SQS_RETENTION,
    "ReceiveMessageWaitTimeSeconds": facts.SQS_RECEIVE_WAIT,
    "VisibilityTimeout": facts.SQS_VISIBILITY_TIMEOUT,
    "Policy": None, "RedrivePolicy": None, "RedriveAllowPolicy": None,
    "KmsMasterKeyId": None, "KmsDataKeyReusePeriodSeconds": None, "SqsManagedSseEnabled": None,
    "FifoQueue": None, "ContentBasedDeduplication": None, "DeduplicationScope": None,
    "FifoThroughputLimit": None,
}
FIFO_ONLY = ("ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit")
READ_ONLY = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
             "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp",
             "QueueArn")
SYSTEM_ATTRIBUTES = ("SenderId", "SentTimestamp", "ApproximateReceiveCount",
                     "ApproximateFirstReceiveTimestamp", "SequenceNumber",
                     "MessageDeduplicationId", "MessageGroupId", "AWSTraceHeader",
                     "DeadLetterQueueSourceArn")


def epoch_ms(t: float) -> int:
    """Lab seconds -> Unix epoch milliseconds (what SQS writes in SentTimestamp)."""
    return int(round((EPOCH_UNIX + t) * 1000))


def md5_of_attributes(attributes: dict) -> str | None:
    """MD5OfMessageAttributes, computed as SQS does (SQS/sqs-message-metadata.html#
    sqs-attributes-md5-message-digest-calculation): for each attribute, sorted by name, the
    4-byte big-endian length and UTF-8 bytes of the name, of the data type, then a transport
    byte (1 string, 2 binary) and the length-prefixed value."""
    if not attributes:
        return None
    digest = hashlib.md5()
    for name in sorted(attributes):
        value = attributes[name]
        for part in (name, value["DataType"]):
            data = part.encode()
            digest.update(struct.pack(">I", len(data)) + data)
        if "StringValue" in value:
            data = value["StringValue"].encode()
            digest.update(b"\x01" + struct.pack(">I", len(data)) + data)
        else:
            data = value["BinaryValue"]
            digest.update(b"\x02" + struct.pack(">I", len(data)) + data)
    return digest.hexdigest()


class Message:
    """One message (one copy of it) in one queue."""

    __slots__ = ("serial", "id", "body", "md5", "attributes", "md5_attributes", "size", "sent",
                 "first_receive", "receive_count", "group", "dedup", "sequence", "visible_at",
                 "token", "state", "handle", "received_at", "system", "record", "origin",
                 "trace_header", "arrived")

    def __init__(self, serial, message_id, body, md5, attributes, md5_attributes, size, sent):
        self.serial = serial              # lab-wide insertion order
        self.id = message_id
        self.body = body
        self.md5 = md5
        self.attributes = attributes      # message attributes (API shape) or None
        self.md5_attributes = md5_attributes
        self.size = size                  # body + attribute bytes (the size SQS limits)
        self.sent = sent                  # lab seconds (the enqueue time retention counts from)
        self.arrived = sent               # when it entered this queue (the age metric's clock)
        self.first_receive = None
        self.receive_count = 0
        self.group = None
        self.dedup = None
        self.sequence = None
        self.visible_at = sent
        self.token = 0                    # bumped by each receive / visibility change
        self.state = VISIBLE
        self.handle = None                # the latest receipt handle
        self.received_at = 0.0
        self.system = None                # extra system attributes (DeadLetterQueueSourceArn)
        self.record = None                # cached JSON pieces for the Lambda event
        self.origin = None                # ARN of the queue this message was first sent to
        self.trace_header = None

    def copy(self, serial) -> "Message":
        m = Message(serial, self.id, self.body, self.md5, self.attributes, self.md5_attributes,
                    self.size, self.sent)
        m.group, m.dedup, m.sequence = self.group, self.dedup, self.sequence
        m.first_receive, m.receive_count = self.first_receive, self.receive_count
        m.origin, m.trace_header, m.system = self.origin, self.trace_header, self.system
        return m

    def __repr__(self):
        state = ("delayed", "visible", "in flight", "gone")[self.state]
        return f"<Message {self.id} {state} received {self.receive_count}x>"


class Queue:
    """One SQS queue. Use :class:`SQSService` (``lab.sqs``) to create them."""

    def __init__(self, service, name: str, attributes: dict, tags: dict):
        self.service = service
        lab = service.lab
        self.lab = lab
        self.name = name
        self.fifo = name.endswith(".fifo")
        self.arn = lab.arn("sqs", name)
        self.url = f"https://sqs.{lab.region}.amazonaws.com/{lab.account}/{name}"
        self.created = self.modified = lab.t
        self.tags = dict(tags)
        # attributes (typed)
        self.visibility_timeout = int(facts.SQS_VISIBILITY_TIMEOUT.default)
        self.delay_seconds = int(facts.SQS_DELAY_SECONDS.default)
        self.retention = int(facts.SQS_RETENTION.default)
        self.maximum_message_size = int(facts.SQS_MAXIMUM_MESSAGE_SIZE.default)
        self.receive_wait = int(facts.SQS_RECEIVE_WAIT.default)
        self.policy = None
        self.redrive_policy = None         # {"deadLetterTargetArn", "maxReceiveCount"}
        self.redrive_allow_policy = None   # {"redrivePermission", "sourceQueueArns"}
        self.content_based_dedup = False
        self.dedup_scope = "queue"
        self.throughput_limit = "perQueue"
        self.other = {}                    # KMS settings etc., stored and echoed
        # messages
        self.live: dict[int, Message] = {}
        self.visible: deque[Message] = deque()          # standard queues
        self.groups: dict[str, deque] = {}               # FIFO: group -> visible messages
        self.group_inflight: dict[str, int] = {}
        self.ready: deque[str] = deque()                 # FIFO: groups that can be received
        self.ready_set: set[str] = set()
        self.delayed: list = []      # heap of (visible_at, serial, token, msg)
        self.inflight: list = []     # heap of (visible_at, serial, [msg, ...], [token, ...]):
                                     # one entry per receive, valid for messages whose token
                                     # has not changed since
        self.n_visible = self.n_inflight = self.n_delayed = 0
        self.visible_bytes = 0     # bytes of visible messages (batching windows end at 6 MB)
        self.dedup: dict = {}        # dedup key -> (expires, message id, sequence)
        self.dedup_order: deque = deque()
        self.refreshed = lab.clock.t
        # counters (cumulative; metrics difference them)
        self.sent = self.received = self.deleted = self.empty_receives = 0
        self.expired = self.moved_to_dlq = self.duplicates = self.purged = 0
        self.last_purge = None
        self.listeners: list = []    # objects with .poke() (event source mappings)
        self.deleted_queue = False
        self._handle_tag = service.next_queue_tag()
        self._wake = None
        self.samples: list = []      # (t, sent, received, deleted, visible, not visible, delayed, age)
        self._sample_event = None
        self.set_attributes(attributes, creating=True)

    # --- attributes ---------------------------------------------------------------------
    def set_attributes(self, attributes: dict, creating: bool = False) -> None:
        """SetQueueAttributes (AWS names, string values); all or nothing."""
        changes = {}
        for name, value in (attributes or {}).items():
            if name not in ATTRIBUTES:
                raise InvalidAttributeName(f"Unknown Attribute {name}.")
            if name in FIFO_ONLY and not self.fifo:
                raise InvalidAttributeName(f"Unknown Attribute {name}.")
            rng = ATTRIBUTES[name]
            if rng is not None:
                changes[name] = _int_attribute(name, value, rng)
            elif name == "FifoQueue":
                if not creating:
                    raise InvalidAttributeName(
                        "Unknown Attribute FifoQueue: it can only be set when the queue is "
                        "created.")
                want = str(value).lower() == "true"
                if want != self.fifo:
                    raise InvalidParameterValue(
                        "The name of a FIFO queue can only include alphanumeric characters, "
                        "hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in "
                        "length" if want else
                        f"Value {value} for parameter FifoQueue is invalid. Reason: Modifying "
                        "queue type is not supported (a .fifo name makes a FIFO queue).")
            elif name == "ContentBasedDeduplication":
                changes[name] = _bool_attribute(name, value)
            elif name == "DeduplicationScope":
                if value not in ("messageGroup", "queue"):
                    raise InvalidAttributeValue(
                        f"Invalid value for the parameter DeduplicationScope: {value}")
                changes[name] = value
            elif name == "FifoThroughputLimit":
                if value not in ("perQueue", "perMessageGroupId"):
                    raise InvalidAttributeValue(
                        f"Invalid value for the parameter FifoThroughputLimit: {value}")
                changes[name] = value
            elif name == "RedrivePolicy":
                changes[name] = self.service.check_redrive_policy(self, value) if value else None
            elif name == "RedriveAllowPolicy":
                changes[name] = _redrive_allow_policy(value) if value else None
            elif name == "Policy":
                if value:
                    try:
                        json.loads(value)
                    except ValueError:
                        raise InvalidAttributeValue(
                            "Invalid value for the parameter Policy: not a JSON document")
                changes[name] = value or None
            else:
                changes[name] = value
        if changes.get("FifoThroughputLimit") == "perMessageGroupId" and \
                changes.get("DeduplicationScope", self.dedup_scope) != "messageGroup":
            raise InvalidAttributeValue(
                "Invalid value for the parameter FifoThroughputLimit. Reason: "
                "perMessageGroupId can be used only when DeduplicationScope is messageGroup.")
        for name, value in changes.items():
            if name == "DelaySeconds":
                self.delay_seconds = value
            elif name == "MaximumMessageSize":
                self.maximum_message_size = value
            elif name == "MessageRetentionPeriod":
                self.retention = value
            elif name == "ReceiveMessageWaitTimeSeconds":
                self.receive_wait = value
            elif name == "VisibilityTimeout":
                self.visibility_timeout = value
            elif name == "RedrivePolicy":
                self.redrive_policy = value
            elif name == "RedriveAllowPolicy":
                self.redrive_allow_policy = value
            elif name == "ContentBasedDeduplication":
                self.content_based_dedup = value
            elif name == "DeduplicationScope":
                self.dedup_scope = value
            elif name == "FifoThroughputLimit":
                self.throughput_limit = value
            elif name == "Policy":
                self.policy = value
            else:
                self.other[name] = value
        if not creating:
            self.modified = self.lab.t

    def attributes(self, names=("All",)) -> dict:
        """GetQueueAttributes: string values, as the API returns them."""
        self.refresh()
        self.sweep_expired()
        everything = {
            "QueueArn": self.arn,
            "ApproximateNumberOfMessages": str(self.n_visible),
            "ApproximateNumberOfMessagesNotVisible": str(self.n_inflight),
            "ApproximateNumberOfMessagesDelayed": str(self.n_delayed),
            "CreatedTimestamp": str(int(EPOCH_UNIX + self.created)),
            "LastModifiedTimestamp": str(int(EPOCH_UNIX + self.modified)),
            "VisibilityTimeout": str(self.visibility_timeout),
            "MaximumMessageSize": str(self.maximum_message_size),
            "MessageRetentionPeriod": str(self.retention),
            "DelaySeconds": str(self.delay_seconds),
            "ReceiveMessageWaitTimeSeconds": str(self.receive_wait),
            "SqsManagedSseEnabled": self.other.get("SqsManagedSseEnabled", "true"),
        }
        if self.policy:
            everything["Policy"] = self.policy
        if self.redrive_policy:
            everything["RedrivePolicy"] = json.dumps(self.redrive_policy, separators=(",", ":"))
        if self.redrive_allow_policy:
            everything["RedriveAllowPolicy"] = json.dumps(self.redrive_allow_policy,
                                                          separators=(",", ":"))
        for key in ("KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds"):
            if key in self.other:
                everything[key] = self.other[key]
        if self.fifo:
            everything.update({"FifoQueue": "true",
                               "ContentBasedDeduplication": str(self.content_based_dedup).lower(),
                               "DeduplicationScope": self.dedup_scope,
                               "FifoThroughputLimit": self.throughput_limit})
        names = list(names or ())
        if not names:
            return {}
        if "All" in names:
            return everything
        known = set(ATTRIBUTES) | set(READ_ONLY) | {"All"}
        for name in names:
            if name not in known:
                raise InvalidAttributeName(f"Unknown Attribute {name}.")
        return {n: everything[n] for n in names if n in everything}

    # --- time: catching up ----------------------------------------------------------------
    def refresh(self, t: float | None = None) -> None:
        """Make every delayed or in-flight message whose time has come visible again."""
        if t is None:
            t = self.lab.t
        if t < self.refreshed:
            t = self.refreshed
        self.refreshed = t
        delayed = self.delayed
        while delayed and delayed[0][0] <= t:
            _, _, token, msg = heapq.heappop(delayed)
            if msg.token == token and msg.state == DELAYED:
                self.n_delayed -= 1
                self._make_visible(msg, t)
        inflight = self.inflight
        while inflight and inflight[0][0] <= t:
            _, _, msgs, tokens = heapq.heappop(inflight)
            for msg, token in zip(msgs, tokens):
                if msg.token != token or msg.state != INFLIGHT:
                    continue
                self.n_inflight -= 1
                if self.fifo:
                    self._unlock(msg.group)
                policy = self.redrive_policy
                if policy is not None and msg.receive_count >= policy["maxReceiveCount"]:
                    # SQS/sqs-dead-letter-queues.html: once the receive count exceeds
                    # maxReceiveCount the message moves to the DLQ. The lab moves it when its
                    # visibility timeout ends (AWS: at the next receive attempt).
                    self._to_dead_letter(msg, policy["deadLetterTargetArn"], t)
                else:
                    self._make_visible(msg, t)

    def next_change(self) -> float | None:
        """When the next delayed or in-flight message becomes visible (None: never)."""
        best = None
        heap = self.delayed
        while heap:
            _, _, token, msg = heap[0]
            if msg.token == token and msg.state == DELAYED:
                best = heap[0][0]
                break
            heapq.heappop(heap)
        heap = self.inflight
        while heap:
            _, _, msgs, tokens = heap[0]
            if any(m.token == k and m.state == INFLIGHT for m, k in zip(msgs, tokens)):
                if best is None or heap[0][0] < best:
                    best = heap[0][0]
                break
            heapq.heappop(heap)
        return best

    def _make_visible(self, msg: Message, t: float) -> None:
        if t >= msg.sent + self.retention:
            return self._expire(msg)
        msg.state = VISIBLE
        msg.visible_at = t
        self.n_visible += 1
        self.visible_bytes += msg.size
        if self.fifo:
            dq = self.groups.get(msg.group)
            if dq is None:
                dq = self.groups[msg.group] = deque()
            # returned messages go back in order (a locked group got nothing newer out)
            if not dq or dq[-1].serial < msg.serial:
                dq.append(msg)
            else:
                i = 0
                while i < len(dq) and dq[i].serial < msg.serial:
                    i += 1
                dq.insert(i, msg)
            if not self.group_inflight.get(msg.group) and msg.group not in self.ready_set:
                self.ready_set.add(msg.group)
                self.ready.append(msg.group)
        else:
            self.visible.append(msg)

    def _unlock(self, group) -> None:
        left = self.group_inflight[group] - 1
        if left:
            self.group_inflight[group] = left
            return
        del self.group_inflight[group]
        dq = self.groups.get(group)
        if dq and group not in self.ready_set:
            self.ready_set.add(group)
            self.ready.append(group)

    def _remove(self, msg: Message) -> None:
        """Take a message out of the queue, whatever its state (lazy for heaps and deques)."""
        state = msg.state
        if state == GONE:
            return
        if state == VISIBLE:
            self.n_visible -= 1
            self.visible_bytes -= msg.size
        elif state == INFLIGHT:
            self.n_inflight -= 1
            if self.fifo:
                self._unlock(msg.group)
        else:
            self.n_delayed -= 1
        msg.state = GONE
        msg.token += 1
        del self.live[msg.serial]
        if self._wake is not None and not self.n_inflight and not self.n_delayed:
            # nothing can become visible any more: a pending wake-up would only keep
            # lab.run() going until a visibility timeout that no longer matters
            self.lab.clock.cancel(self._wake)
            self._wake = None

    def _expire(self, msg: Message) -> None:
        msg.state = GONE
        self.live.pop(msg.serial, None)
        self.expired += 1

    def sweep_expired(self) -> None:
        """Remove every message past the retention period (runs only when the oldest is)."""
        live = self.live
        if not live:
            return
        limit = self.lab.t - self.retention
        if live[next(iter(live))].sent > limit:
            return
        for msg in [m for m in live.values() if m.sent <= limit]:
            self._remove(msg)
            self.expired += 1

    def _to_dead_letter(self, msg: Message, target_arn: str, t: float) -> None:
        dlq = self.service.queues_by_arn.get(target_arn)
        if dlq is None:   # the DLQ was deleted: the lab keeps the message in its queue
            return self._make_visible(msg, t)
        msg.state = GONE
        msg.token += 1
        self.live.pop(msg.serial, None)
        self.moved_to_dlq += 1
        copy = msg.copy(self.service.next_serial())
        copy.system = dict(msg.system or {}, DeadLetterQueueSourceArn=self.arn)
        copy.receive_count = 0   # lab choice: the count restarts in the dead-letter queue
        copy.first_receive = None
        # SQS/setting-up-dead-letter-queue-retention.html: a standard queue's message keeps its
        # enqueue timestamp (retention counts from the original send); a FIFO queue's resets.
        # ApproximateAgeOfOldestMessage counts from the move in both cases.
        if self.fifo:
            copy.sent = t
        copy.arrived = t
        dlq._accept(copy, t)

    # --- sending --------------------------------------------------------------------------
    def _accept(self, msg: Message, t: float, delay: float = 0.0) -> None:
        """Put a prepared message into this queue (sends, DLQ moves, redrives)."""
        self.live[msg.serial] = msg
        self.sent += 1
        if delay > 0:
            msg.state = DELAYED
            msg.visible_at = t + delay
            self.n_delayed += 1
            heapq.heappush(self.delayed, (t + delay, msg.serial, msg.token, msg))
            self._schedule_wake(t + delay)
        else:
            self.refresh(t)
            msg.state = DELAYED   # _make_visible sets VISIBLE
            self._make_visible(msg, t)
            for listener in self.listeners:
                listener.poke()

    def send(self, body, *, delay_seconds=None, attributes=None, group_id=None,
             deduplication_id=None, system_attributes=None) -> dict:
        """SendMessage: returns the API's response fields (MessageId, MD5OfMessageBody, ...)."""
        self._check_alive()
        t = self.lab.t
        msg, duplicate = self._prepare(body, delay_seconds, attributes, group_id,
                                       deduplication_id, system_attributes, t)
        if not duplicate:
            delay = self.delay_seconds if delay_seconds is None else delay_seconds
            self._accept(msg, t, delay)
        out = {"MessageId": msg.id, "MD5OfMessageBody": msg.md5}
        if msg.md5_attributes:
            out["MD5OfMessageAttributes"] = msg.md5_attributes
        if msg.sequence is not None:
            out["SequenceNumber"] = msg.sequence
        return out

    def send_many(self, bodies, *, group_id=None) -> int:
        """Send many plain string bodies at once (a fast path for notebooks and benchmarks;
        as many SendMessage calls at the current time). Returns how many were accepted."""
        self._check_alive()
        if self.fifo and group_id is None:
            raise MissingParameter("The request must contain the parameter MessageGroupId.")
        t = self.lab.t
        if self.fifo or self.delay_seconds:
            n = 0
            for body in bodies:
                self.send(body, group_id=group_id,
                          deduplication_id=None if not self.fifo or self.content_based_dedup
                          else f"{t}-{self.service.serial}")
                n += 1
            return n
        self.refresh(t)
        threshold = gc.get_threshold()   # many long-lived objects at once: fewer collections
        gc.set_threshold(max(threshold[0], 100_000), *threshold[1:])
        service, live, visible = self.service, self.live, self.visible
        new_id, md5, limit, arn = service.message_id, hashlib.md5, self.maximum_message_size, \
            self.arn
        n = size = 0
        try:
            for body in bodies:
                if not isinstance(body, str) or not body:
                    raise InvalidParameterValue(
                        "The request must contain a non-empty message body (MessageBody).")
                data = body.encode()
                if len(data) > limit:
                    raise InvalidParameterValue(
                        f"One or more parameters are invalid. Reason: Message must be shorter "
                        f"than {limit} bytes.")
                service.serial += 1
                msg = Message(service.serial, new_id(), body, md5(data).hexdigest(), None, None,
                              len(data), t)
                msg.origin = arn
                live[msg.serial] = msg
                visible.append(msg)
                size += len(data)
                n += 1
        finally:
            gc.set_threshold(*threshold)
            self.sent += n
            self.n_visible += n
            self.visible_bytes += size
            if n:
                for listener in self.listeners:
                    listener.poke()
        return n

    def _prepare(self, body, delay_seconds, attributes, group_id, dedup_id, system, t):
        if body is None:
            raise MissingParameter("The request must contain the parameter MessageBody.")
        if not isinstance(body, str) or not body:
            raise InvalidParameterValue(
                "The request must contain a non-empty message body (MessageBody).")
        if _BAD_CHARS.search(body):
            raise InvalidMessageContents(
                "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | "
                "#x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF")
        if delay_seconds is not None:
            if self.fifo:
                raise InvalidParameterValue(
                    f"Value {delay_seconds} for parameter DelaySeconds is invalid. Reason: The "
                    "request include parameter that is not valid for this queue type.")
            _int_attribute("DelaySeconds", delay_seconds, facts.SQS_DELAY_SECONDS, True)
        attributes = _check_message_attributes(attributes)
        data = body.encode()
        size = len(data) + _attributes_size(attributes)
        if size > self.maximum_message_size:
            raise InvalidParameterValue(
                f"One or more parameters are invalid. Reason: Message must be shorter than "
                f"{self.maximum_message_size} bytes.")
        trace = None
        if system:
            for name, value in system.items():
                if name != "AWSTraceHeader" or value.get("DataType") != "String":
                    raise InvalidParameterValue(
                        f"Message system attribute name '{name}' is invalid: only AWSTraceHeader "
                        "(DataType String) can be sent.")
                trace = value["StringValue"]
        service = self.service
        if self.fifo:
            if not group_id:
                raise MissingParameter("The request must contain the parameter MessageGroupId.")
            if not _DEDUP_ID.fullmatch(group_id):
                raise InvalidParameterValue(
                    f"Value {group_id} for parameter MessageGroupId is invalid. Reason: "
                    "MessageGroupId can only include alphanumeric and punctuation characters. "
                    "1 to 128 in length.")
            if dedup_id is None:
                if not self.content_based_dedup:
                    raise InvalidParameterValue(
                        "The queue should either have ContentBasedDeduplication enabled or "
                        "MessageDeduplicationId provided explicitly")
                # SQS/FIFO-key-terms.html: SHA-256 of the message body (not the attributes)
                dedup_id = hashlib.sha256(data).hexdigest()
            elif not _DEDUP_ID.fullmatch(dedup_id):
                raise InvalidParameterValue(
                    f"Value {dedup_id} for parameter MessageDeduplicationId is invalid. Reason: "
                    "MessageDeduplicationId can only include alphanumeric and punctuation "
                    "characters. 1 to 128 in length.")
            key = (group_id, dedup_id) if self.dedup_scope == "messageGroup" else dedup_id
            dedup = self.dedup
            order = self.dedup_order
            while order and order[0][0] <= t:
                expires, old = order.popleft()
                entry = dedup.get(old)
                if entry is not None and entry[0] <= t:
                    del dedup[old]
            seen = dedup.get(key)
            if seen is not None:
                # accepted, not delivered again: the original's ID and sequence number
                msg = Message(0, seen[1], body, hashlib.md5(data).hexdigest(), attributes,
                              md5_of_attributes(attributes), size, t)
                msg.sequence = seen[2]
                return msg, True
        elif dedup_id is not None:
            raise InvalidParameterValue(
                "The request includes a parameter that is not valid for this queue type "
                "(MessageDeduplicationId is for FIFO queues).")
        msg = Message(service.next_serial(), service.message_id(), body,
                      hashlib.md5(data).hexdigest(), attributes, md5_of_attributes(attributes),
                      size, t)
        msg.origin = self.arn
        msg.trace_header = trace
        if self.fifo:
            msg.group, msg.dedup = group_id, dedup_id
            msg.sequence = service.sequence_number()
            self.dedup[key] = (t + facts.SQS_DEDUP_INTERVAL, msg.id, msg.sequence)
            self.dedup_order.append((t + facts.SQS_DEDUP_INTERVAL, key))
        else:
            msg.group = group_id    # "fair queues": accepted on standard queues, no ordering
        return msg, False

    # --- receiving ------------------------------------------------------------------------
    def _take_from(self, dq, out, n, t, byte_budget, overhead, used) -> int:
        """Move visible messages from the front of ``dq`` to ``out`` (expiring old ones on the
        way) until ``n``, the deque's end or the byte budget; returns the bytes used."""
        retention = self.retention
        while dq and len(out) < n:
            msg = dq[0]
            if msg.state != VISIBLE:
                dq.popleft()
                continue
            if t >= msg.sent + retention:
                dq.popleft()
                self.n_visible -= 1
                self.visible_bytes -= msg.size
                self._expire(msg)
                continue
            if byte_budget is not None:
                if out and used + msg.size + overhead > byte_budget:
                    break
                used += msg.size + overhead
            dq.popleft()
            out.append(msg)
        return used

    def take(self, n: int, t: float, visibility: float | None = None,
             byte_budget: int | None = None, overhead: int = 0) -> list[Message]:
        """Receive up to ``n`` messages at lab time ``t`` (no validation; the engine's path).

        Each returned message is in flight until ``t + visibility``."""
        self.refresh(t)
        out = []
        if visibility is None:
            visibility = self.visibility_timeout
        until = t + visibility
        inflight = self.inflight
        if not self.fifo:
            self._take_from(self.visible, out, n, t, byte_budget, overhead, 0)
        else:
            groups, ready, ready_set = self.groups, self.ready, self.ready_set
            used = 0
            while ready and len(out) < n:
                group = ready[0]
                dq = groups.get(group)
                before = len(out)
                used = self._take_from(dq, out, n, t, byte_budget, overhead, used) if dq else used
                took = len(out) - before
                if took:
                    self.group_inflight[group] = self.group_inflight.get(group, 0) + took
                if not dq:
                    groups.pop(group, None)
                if took or not dq:
                    ready.popleft()
                    ready_set.discard(group)
                if not took and dq:    # stopped by the byte budget
                    break
        if out:
            self.n_visible -= len(out)
            self.visible_bytes -= sum([m.size for m in out])
            self.n_inflight += len(out)
            self.received += len(out)
            tag = self._handle_tag
            tokens = []
            for msg in out:
                msg.state = INFLIGHT
                count = msg.receive_count = msg.receive_count + 1
                if msg.first_receive is None:
                    msg.first_receive = t
                msg.received_at = t
                token = msg.token = msg.token + 1
                tokens.append(token)
                msg.visible_at = until
                msg.handle = f"AQEB{tag}{msg.serial:x}Z{count:x}Z{msg.id}"
            heapq.heappush(inflight, (until, out[0].serial, out, tokens))
            self._schedule_wake(until)
        else:
            self.empty_receives += 1
        return out

    def available(self) -> bool:
        """Whether a receive now could return something (after refresh)."""
        if self.fifo:
            return bool(self.ready)
        return self.n_visible > 0

    def receive(self, max_messages: int = 1, *, visibility_timeout=None, wait_time=None,
                attribute_names=(), message_attribute_names=()) -> list[dict]:
        """ReceiveMessage: up to ``max_messages`` (1-10) messages in the API's shape.

        Long polling (``wait_time`` 1-20 s, or the queue's ReceiveMessageWaitTimeSeconds) waits
        on the virtual clock: from a notebook the clock advances until a message arrives or
        the wait ends; inside a handler the handler's time grows by the wait."""
        self._check_alive()
        if isinstance(max_messages, bool) or not isinstance(max_messages, int) or \
                not 1 <= max_messages <= facts.SQS_RECEIVE_MAX_MESSAGES:
            raise InvalidParameterValue(
                f"Value {max_messages} for parameter MaxNumberOfMessages is invalid. Reason: "
                "Must be between 1 and 10, if provided.")
        if visibility_timeout is not None:
            _int_attribute("VisibilityTimeout", visibility_timeout, facts.SQS_VISIBILITY_TIMEOUT,
                           True)
        wait = self.receive_wait if wait_time is None else wait_time
        _int_attribute("WaitTimeSeconds", wait, facts.SQS_RECEIVE_WAIT, True)
        lab = self.lab
        from .vtime import current
        running = current()
        if wait and running is None and not lab.running_events:
            with lab.engine():
                deadline = lab.clock.t + wait
                while True:
                    self.refresh(lab.clock.t)
                    if self.available() or lab.clock.t >= deadline:
                        break
                    nxt = lab.clock.next_time()
                    change = self.next_change()
                    step = min(x for x in (deadline, nxt, change) if x is not None)
                    lab.advance(max(step, lab.clock.t))
                msgs = self.take(max_messages, lab.clock.t, visibility_timeout)
        elif wait and running is not None:
            t = running.base + running.elapsed
            self.refresh(t)
            if not self.available():
                change = self.next_change()
                pause = wait if change is None or change - t > wait else change - t
                running.consume(pause)
            msgs = self.take(max_messages, lab.t, visibility_timeout)
        else:
            msgs = self.take(max_messages, lab.t, visibility_timeout)
        return [self.describe_message(m, attribute_names, message_attribute_names)
                for m in msgs]

    def system_attributes(self, msg: Message) -> dict:
        out = {"SenderId": self.service.sender_id,
               "ApproximateFirstReceiveTimestamp": str(epoch_ms(msg.first_receive)),
               "ApproximateReceiveCount": str(msg.receive_count),
               "SentTimestamp": str(epoch_ms(msg.sent))}
        if msg.trace_header:
            out["AWSTraceHeader"] = msg.trace_header
        if self.fifo:
            out["SequenceNumber"] = msg.sequence
            out["MessageDeduplicationId"] = msg.dedup
            out["MessageGroupId"] = msg.group
        elif msg.group is not None:
            out["MessageGroupId"] = msg.group
        if msg.system:
            out.update(msg.system)
        return out

    def describe_message(self, msg: Message, attribute_names=(), message_attribute_names=()):
        out = {"MessageId": msg.id, "ReceiptHandle": msg.handle, "MD5OfBody": msg.md5,
               "Body": msg.body}
        names = set(attribute_names or ())
        if names:
            system = self.system_attributes(msg)
            out["Attributes"] = system if "All" in names else \
                {k: v for k, v in system.items() if k in names}
        if message_attribute_names and msg.attributes:
            wanted = list(message_attribute_names)
            if "All" in wanted or ".*" in wanted:
                chosen = dict(msg.attributes)
            else:
                chosen = {k: v for k, v in msg.attributes.items()
                          if k in wanted or any(w.endswith(".*") and k.startswith(w[:-2])
                                                for w in wanted)}
            if chosen:
                out["MessageAttributes"] = chosen
                out["MD5OfMessageAttributes"] = msg.md5_attributes
        return out

    # --- receipt handles ------------------------------------------------------------------
    def _by_handle(self, handle) -> tuple[Message | None, bool]:
        """(message, current) for a receipt handle; raise ReceiptHandleIsInvalid for garbage."""
        if not isinstance(handle, str) or not handle:
            raise MissingParameter("The request must contain the parameter ReceiptHandle.")
        prefix = "AQEB" + self._handle_tag
        try:
            if not handle.startswith(prefix):
                raise ValueError
            text = handle
            serial, count, _ = text[len(prefix):].split("Z", 2)
            serial, count = int(serial, 16), int(count, 16)
        except ValueError:
            raise ReceiptHandleIsInvalid(f'The input receipt handle "{handle}" is not a valid '
                                         "receipt handle.") from None
        msg = self.live.get(serial)
        if msg is None:
            return None, False
        return msg, msg.handle == handle

    def delete(self, receipt_handle) -> None:
        """DeleteMessage. SQSAPI/API_DeleteMessage.html: a handle from an earlier receive of a
        message that has been received again succeeds but does not delete it; deleting an
        already deleted message succeeds."""
        self._check_alive()
        self.refresh()
        msg, current = self._by_handle(receipt_handle)
        if msg is not None and current:
            self.delete_message(msg)

    def delete_message(self, msg: Message) -> None:
        """Delete a message the caller holds (engine path). Applies the duplicate-delivery
        fault model of standard queues."""
        until = msg.visible_at
        self._remove(msg)
        self.deleted += 1
        service = self.service
        if service.duplicate_rate and not self.fifo and \
                service.fault_rng.random() < service.duplicate_rate:
            # SQS/standard-queues-at-least-once-delivery.html: a copy on a server that was
            # unavailable during the delete survives and is delivered again.
            copy = msg.copy(service.next_serial())
            self.duplicates += 1
            self.live[copy.serial] = copy
            t = self.lab.clock.t
            if until > t:
                copy.state = DELAYED
                self.n_delayed += 1   # counted as delayed until it reappears
                heapq.heappush(self.delayed, (until, copy.serial, copy.token, copy))
                self._schedule_wake(until)
            else:
                copy.state = DELAYED
                self._make_visible(copy, t)
                for listener in self.listeners:
                    listener.poke()

    def change_visibility(self, receipt_handle, visibility_timeout) -> None:
        """ChangeMessageVisibility: the new timeout counts from now (0 makes it visible)."""
        self._check_alive()
        _int_attribute("VisibilityTimeout", visibility_timeout, facts.SQS_VISIBILITY_TIMEOUT,
                           True)
        t = self.lab.t
        self.refresh(t)
        msg, current = self._by_handle(receipt_handle)
        if msg is None or not current:
            raise InvalidParameterValue(
                f"Value {receipt_handle} for parameter ReceiptHandle is invalid. Reason: The "
                "receipt handle has expired.")
        if msg.state != INFLIGHT:
            raise MessageNotInflight("The message referred to isn't in flight.")
        if t + visibility_timeout - msg.received_at > facts.SQS_VISIBILITY_TIMEOUT.high:
            raise InvalidParameterValue(
                f"Value {visibility_timeout} for parameter VisibilityTimeout is invalid. Reason: "
                "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]")
        self.set_visibility(msg, t + visibility_timeout)

    def set_visibility(self, msg: Message, until: float) -> None:
        msg.token += 1
        msg.visible_at = until
        heapq.heappush(self.inflight, (until, msg.serial, [msg], [msg.token]))
        self._schedule_wake(until)
        if until <= self.lab.clock.t:
            self.refresh(self.lab.clock.t)
            for listener in self.listeners:
                listener.poke()

    def purge(self) -> None:
        """PurgeQueue: deletes every message; one purge per 60 s (PurgeQueueInProgress)."""
        self._check_alive()
        t = self.lab.t
        if self.last_purge is not None and t < self.last_purge + facts.SQS_PURGE_INTERVAL:
            raise PurgeQueueInProgress(
                f"Only one PurgeQueue operation on {self.name} is allowed every 60 seconds.")
        self.last_purge = t
        for msg in list(self.live.values()):
            self._remove(msg)
            self.purged += 1
        self.visible.clear()
        self.visible_bytes = 0
        self.groups.clear()
        self.group_inflight.clear()
        self.ready.clear()
        self.ready_set.clear()
        self.delayed.clear()
        self.inflight.clear()

    # --- waking listeners (event source mappings) -----------------------------------------
    def _schedule_wake(self, t: float) -> None:
        """Ensure a clock event at ``t`` when someone listens (the queue changes then) or when
        messages may move to a dead-letter queue (a background event: it does not keep
        ``lab.run()`` going)."""
        if not self.listeners and self.redrive_policy is None:
            return
        wake = self._wake
        if wake is not None and wake[2] is not None and wake[0] <= t and \
                (wake[4] is False or not self.listeners):
            return
        if wake is not None:
            self.lab.clock.cancel(wake)
        self._wake = self.lab.clock.at(t, self._woken, background=not self.listeners)

    def _woken(self) -> None:
        self._wake = None
        self.refresh(self.lab.clock.t)
        nxt = self.next_change()
        if nxt is not None:
            self._schedule_wake(nxt)
        if self.available():
            for listener in self.listeners:
                listener.poke()

    def listen(self, listener) -> None:
        self.listeners.append(listener)
        if self._wake is not None:          # re-schedule as a foreground event
            self.lab.clock.cancel(self._wake)
            self._wake = None
        nxt = self.next_change()
        if nxt is not None:
            self._schedule_wake(nxt)

    def unlisten(self, listener) -> None:
        if listener in self.listeners:
            self.listeners.remove(listener)
        if not self.listeners and self._wake is not None:
            self.lab.clock.cancel(self._wake)
            self._wake = None

    # --- metrics --------------------------------------------------------------------------
    def age_of_oldest(self, t: float | None = None) -> float:
        """ApproximateAgeOfOldestMessage in seconds (0 for an empty queue)."""
        t = self.lab.t if t is None else t
        for msg in self.live.values():
            return max(0.0, t - msg.arrived)
        return 0.0

    def sample(self) -> tuple:
        t = self.lab.clock.t
        self.refresh(t)
        self.sweep_expired()
        return (t, self.sent, self.received, self.deleted, self.n_visible, self.n_inflight,
                self.n_delayed, self.age_of_oldest(t), self.empty_receives)

    def _sample_tick(self) -> None:
        if self.deleted_queue:
            return
        self.samples.append(self.sample())
        self._sample_event = self.lab.clock.after(self.service.sample_period, self._sample_tick,
                                                  background=True)

    def _check_alive(self) -> None:
        if self.deleted_queue:
            raise QueueDoesNotExist("The specified queue does not exist.")

    def stats(self) -> dict:
        """Counters and gauges, for notebooks and tests."""
        self.refresh()
        self.sweep_expired()
        return {"sent": self.sent, "received": self.received, "deleted": self.deleted,
                "visible": self.n_visible, "in_flight": self.n_inflight,
                "delayed": self.n_delayed, "expired": self.expired,
                "moved_to_dlq": self.moved_to_dlq, "duplicates": self.duplicates,
                "purged": self.purged, "empty_receives": self.empty_receives}

    def messages(self) -> list[Message]:
        """Every message still in the queue (visible, in flight or delayed), oldest first."""
        self.refresh()
        return list(self.live.values())

    def __repr__(self):
        return (f"<Queue {self.name} visible={self.n_visible} in_flight={self.n_inflight} "
                f"delayed={self.n_delayed}>")


class MoveTask:
    """StartMessageMoveTask: a DLQ redrive, moving visible messages at a rate on the clock."""

    def __init__(self, service, handle, source, destination, rate):
        self.service = service
        self.handle = handle
        self.source = source
        self.destination = destination   # a Queue or None (each message's original queue)
        self.rate = rate                 # messages per second, or None (as fast as possible)
        self.status = "RUNNING"
        self.moved = 0
        self.to_move = source.n_visible
        self.started = service.lab.t
        self.failure = None
        self.event = None

    def step(self) -> None:
        self.event = None
        if self.status != "RUNNING":
            return
        src, lab = self.source, self.service.lab
        t = lab.clock.t
        if src.deleted_queue:
            self.status, self.failure = "FAILED", "AWS.SimpleQueueService.NonExistentQueue"
            return
        batch = self.rate if self.rate else max(src.n_visible, 1)
        msgs = src.take(batch, t, visibility=0)
        for msg in msgs:
            target = self.destination
            if target is None:
                arn = (msg.system or {}).get("DeadLetterQueueSourceArn") or msg.origin
                target = self.service.queues_by_arn.get(arn)
            if target is None or target.deleted_queue:
                src.set_visibility(msg, t)
                self.status, self.failure = "FAILED", "AWS.SimpleQueueService.NonExistentQueue"
                return
            src._remove(msg)
            copy = msg.copy(self.service.next_serial())
            copy.receive_count, copy.first_receive = 0, None
            copy.system = None
            copy.arrived = t
            target._accept(copy, t)
            self.moved += 1
        src.refresh(t)
        if src.n_visible == 0 or not msgs:
            self.status = "COMPLETED"
            return
        self.event = lab.clock.at(t + 1.0, self.step)

    def describe(self) -> dict:
        out = {"TaskHandle": self.handle, "Status": self.status, "SourceArn": self.source.arn,
               "ApproximateNumberOfMessagesMoved": self.moved,
               "ApproximateNumberOfMessagesToMove": self.to_move,
               "StartedTimestamp": epoch_ms(self.started)}
        if self.destination is not None:
            out["DestinationArn"] = self.destination.arn
        if self.rate:
            out["MaxNumberOfMessagesPerSecond"] = self.rate
        if self.failure:
            out["FailureReason"] = self.failure
        return out


class SQSService:
    """``lab.sqs``: the queues of one lab."""

    def __init__(self, lab):
        self.lab = lab
        self.queues: dict[str, Queue] = {}
        self.queues_by_arn: dict[str, Queue] = {}
        self.deleted_at: dict[str, float] = {}
        self.move_tasks: list[MoveTask] = []
        self.serial = 0
        self._sequence = 0
        self._queue_tags = 0
        self._rng = random.Random(f"lambdalab-sqs-{lab.seed}")
        h = f"{self._rng.getrandbits(80):020x}"
        self._id_prefix = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-"
        self._ids = 0
        self.fault_rng = random.Random(f"lambdalab-sqs-faults-{lab.seed}")
        self.duplicate_rate = 0.0
        # How often queue gauges are sampled for metrics(): CloudWatch's 1 minute by default;
        # set a smaller value (before creating queues) for finer plots, e.g. 1.0.
        self.sample_period = 60.0
        # SenderId of messages the lab's own principal sends (an IAM user ID, as SQS reports)
        self.sender_id = "AIDA" + f"{random.Random(lab.account).getrandbits(80):020X}"[:17]
        lab.receivers["sqs"] = self._receive

    # --- ids ------------------------------------------------------------------------------
    def message_id(self) -> str:
        """A UUID-shaped message ID: a seeded random prefix and a counter (unique in the lab,
        deterministic, and cheap: a million messages must cost milliseconds)."""
        self._ids += 1
        return f"{self._id_prefix}{self._ids:012x}"

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial

    def sequence_number(self) -> str:
        self._sequence += 1
        return f"{18_000_000_000_000_000_000 + self._sequence:020d}"

    def next_queue_tag(self) -> str:
        self._queue_tags += 1
        return f"{self._queue_tags:x}Q"

    # --- faults ---------------------------------------------------------------------------
    def set_faults(self, duplicate_rate: float = 0.0) -> None:
        """Opt-in fault model: with probability ``duplicate_rate`` (seeded), a deleted message
        of a standard queue survives as a copy and is delivered again (at-least-once delivery,
        SQS/standard-queues-at-least-once-delivery.html). FIFO queues are exactly-once."""
        if not 0.0 <= duplicate_rate <= 1.0:
            raise LabError("duplicate_rate is a probability between 0 and 1")
        self.duplicate_rate = float(duplicate_rate)

    # --- queues ---------------------------------------------------------------------------
    def create_queue(self, name: str, attributes: dict | None = None, tags: dict | None = None,
                     **settings) -> Queue:
        """CreateQueue. ``attributes`` uses AWS names and string values; keyword ``settings``
        use Python names (``visibility_timeout=60``, ``redrive_policy={...}``, ...)."""
        attributes = dict(attributes or {})
        attributes.update(_settings_to_attributes(settings))
        if not isinstance(name, str) or not name:
            raise MissingParameter("The request must contain the parameter QueueName.")
        stem = name[:-5] if name.endswith(".fifo") else name
        if len(name) > facts.SQS_QUEUE_NAME_LENGTH or not QUEUE_NAME.fullmatch(stem or "-"):
            raise InvalidParameterValue(
                "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in "
                "length")
        fifo_attr = str(attributes.get("FifoQueue", "false")).lower() == "true"
        if fifo_attr and not name.endswith(".fifo"):
            raise InvalidParameterValue(
                "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
                "underscores, must end with .fifo suffix and be 1 to 80 in length")
        if name.endswith(".fifo") and not fifo_attr:
            raise InvalidParameterValue(
                "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in "
                "length (a .fifo name needs the attribute FifoQueue=true)")
        existing = self.queues.get(name)
        if existing is not None:
            current = existing.attributes(["All"])
            for key, value in attributes.items():
                if key in current and str(current[key]) != _attr_str(value):
                    raise QueueNameExists(
                        f"A queue already exists with the same name and a different value for "
                        f"attribute {key}")
            return existing
        deleted = self.deleted_at.get(name)
        if deleted is not None and self.lab.t < deleted + 60:
            raise QueueDeletedRecently(
                "You must wait 60 seconds after deleting a queue before you can create another "
                "queue with the same name.")
        queue = Queue(self, name, attributes, tags or {})
        self.queues[name] = queue
        self.queues_by_arn[queue.arn] = queue
        # CloudWatch-style samples at each minute boundary (background: they never keep
        # lab.run() going)
        step = self.sample_period
        first = (self.lab.clock.t // step + 1.0) * step
        queue._sample_event = self.lab.clock.at(first, queue._sample_tick, background=True)
        return queue

    def get(self, queue) -> Queue:
        """A queue by object, name, URL or ARN."""
        if isinstance(queue, Queue):
            if queue.deleted_queue:
                raise QueueDoesNotExist("The specified queue does not exist.")
            return queue
        if not isinstance(queue, str) or not queue:
            raise MissingParameter("The request must contain the parameter QueueUrl.")
        name = queue
        if queue.startswith("arn:"):
            parts = parse_arn(queue)
            found = self.queues_by_arn.get(queue)
            if found is not None:
                return found
            raise QueueDoesNotExist(f"The specified queue does not exist: {queue}")
        if "/" in queue:
            parts = queue.rstrip("/").split("/")
            if len(parts) < 2 or parts[-2] != self.lab.account:
                raise QueueDoesNotExist(f"The specified queue does not exist: {queue}")
            name = parts[-1]
        found = self.queues.get(name)
        if found is None:
            raise QueueDoesNotExist("The specified queue does not exist.")
        return found

    def get_queue_url(self, name: str) -> str:
        return self.get(name).url

    def list_queues(self, prefix: str = "") -> list[Queue]:
        return [self.queues[n] for n in sorted(self.queues) if n.startswith(prefix or "")]

    def delete_queue(self, queue) -> None:
        q = self.get(queue)
        q.deleted_queue = True
        del self.queues[q.name]
        del self.queues_by_arn[q.arn]
        self.deleted_at[q.name] = self.lab.t
        if q._wake is not None:
            self.lab.clock.cancel(q._wake)
        for listener in list(q.listeners):
            listener.queue_deleted()

    def dead_letter_sources(self, queue) -> list[Queue]:
        q = self.get(queue)
        return [s for s in self.list_queues()
                if s.redrive_policy and s.redrive_policy["deadLetterTargetArn"] == q.arn]

    def check_redrive_policy(self, source: Queue, value) -> dict:
        """Validate a RedrivePolicy (SQS/sqs-configure-dead-letter-queue.html): the DLQ exists,
        is of the same type (FIFO <-> FIFO) and allows this source queue."""
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise InvalidParameterValue(
                    "Value for parameter RedrivePolicy is invalid. Reason: Redrive policy is not "
                    "a valid JSON map.") from None
        if not isinstance(value, dict) or "deadLetterTargetArn" not in value or \
                "maxReceiveCount" not in value:
            raise InvalidParameterValue(
                "Value for parameter RedrivePolicy is invalid. Reason: Redrive policy does not "
                "contain mandatory attribute: deadLetterTargetArn and maxReceiveCount.")
        try:
            count = int(value["maxReceiveCount"])
        except (TypeError, ValueError):
            count = 0
        if not facts.SQS_MAX_RECEIVE_COUNT.low <= count <= facts.SQS_MAX_RECEIVE_COUNT.high:
            raise InvalidParameterValue(
                f"Value {value} for parameter RedrivePolicy is invalid. Reason: Invalid value "
                "for maxReceiveCount: {}, valid values are from 1 to 1000 both "
                "inclusive.".replace("{}", str(value["maxReceiveCount"])))
        target = value["deadLetterTargetArn"]
        dlq = self.queues_by_arn.get(target)
        if dlq is None:
            raise InvalidParameterValue(
                f"Value {json.dumps(value)} for parameter RedrivePolicy is invalid. Reason: "
                "Dead letter target does not exist.")
        if dlq.fifo != source.fifo:
            raise InvalidParameterValue(
                f"Value {json.dumps(value)} for parameter RedrivePolicy is invalid. Reason: "
                "Dead-letter queue must be same type of queue as the source.")
        allow = dlq.redrive_allow_policy
        if allow is not None:
            permission = allow["redrivePermission"]
            if permission == "denyAll" or (permission == "byQueue" and
                                           source.arn not in allow.get("sourceQueueArns", [])):
                raise InvalidParameterValue(
                    f"Value {json.dumps(value)} for parameter RedrivePolicy is invalid. Reason: "
                    "Queue is not allowed by the dead-letter queue's RedriveAllowPolicy.")
        return {"deadLetterTargetArn": target, "maxReceiveCount": count}

    # --- message move tasks ---------------------------------------------------------------
    def start_message_move_task(self, source_arn, destination_arn=None, rate=None) -> MoveTask:
        """StartMessageMoveTask (SQSAPI/API_StartMessageMoveTask.html): move a DLQ's messages
        back to their source queues (or to ``destination_arn``)."""
        source = self.queues_by_arn.get(source_arn)
        if source is None:
            raise ResourceNotFoundException("The resource that you specified for the SourceArn "
                                            "parameter doesn't exist.")
        if not any(q.redrive_policy and q.redrive_policy["deadLetterTargetArn"] == source.arn
                   for q in self.queues.values()):
            raise InvalidParameterValue(
                "Source queue must be configured as a Dead Letter Queue.")
        destination = None
        if destination_arn:
            destination = self.queues_by_arn.get(destination_arn)
            if destination is None:
                raise ResourceNotFoundException("The resource that you specified for the "
                                                "DestinationArn parameter doesn't exist.")
            if destination.fifo != source.fifo:
                raise InvalidParameterValue("Destination queue must be same type of queue as "
                                            "the source.")
        if rate is not None and not 1 <= rate <= facts.SQS_MOVE_RATE_MAX:
            raise InvalidParameterValue(
                f"Value {rate} for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: "
                f"Must be between 1 and {facts.SQS_MOVE_RATE_MAX}.")
        if any(t.source is source and t.status == "RUNNING" for t in self.move_tasks):
            raise UnsupportedOperation("There is already a task running. Only one active task "
                                       "is allowed for a source queue ARN at a given time.")
        handle = f"{self.message_id()}".replace("-", "")
        task = MoveTask(self, handle, source, destination, rate)
        self.move_tasks.append(task)
        task.event = self.lab.clock.at(self.lab.clock.t, task.step)
        return task

    def cancel_message_move_task(self, handle) -> MoveTask:
        for task in self.move_tasks:
            if task.handle == handle:
                if task.status != "RUNNING":
                    raise ResourceNotFoundException("The task is not running.")
                task.status = "CANCELLED"
                if task.event is not None:
                    self.lab.clock.cancel(task.event)
                return task
        raise ResourceNotFoundException("Task does not exist.")

    # --- deliveries from other services (Lambda DLQs and destinations) ---------------------
    def _receive(self, target: str, body: str, attributes: dict) -> None:
        queue = self.queues_by_arn.get(target)
        if queue is None:
            # Lab choice: a queue the lab has not created is treated as living outside the
            # lab; the delivery is recorded only (lab.deliveries), as before SQS existed.
            return
        queue.send(body, attributes={k: dict(v) for k, v in attributes.items()} or None)

    # --- metrics --------------------------------------------------------------------------
    def metrics(self, queue=None, period="1m"):
        """CloudWatch ``AWS/SQS`` metrics per period (a pandas DataFrame): NumberOfMessagesSent,
        NumberOfMessagesReceived, NumberOfMessagesDeleted, NumberOfEmptyReceives (sums);
        ApproximateNumberOfMessagesVisible / NotVisible / Delayed and
        ApproximateAgeOfOldestMessage (values at the end of each period)."""
        import pandas as pd
        from .clock import parse_duration
        step = parse_duration(period)
        if step < self.sample_period or step % self.sample_period:
            raise LabError(f"period must be a multiple of lab.sqs.sample_period "
                           f"({self.sample_period:g} s)")
        queues = [self.get(queue)] if queue is not None else self.list_queues()
        rows = []
        for q in queues:
            samples = list(q.samples) + [q.sample()]
            ends = {}
            for s in samples:
                bucket = int(s[0] // step) if s[0] % step else int(s[0] // step) - 1
                ends[max(bucket, 0)] = s
            previous = (0, 0, 0, 0, 0, 0, 0, 0.0, 0)
            for bucket in sorted(ends):
                s = ends[bucket]
                rows.append({"queue": q.name,
                             "time": self.lab.clock.to_datetime(bucket * step),
                             "NumberOfMessagesSent": s[1] - previous[1],
                             "NumberOfMessagesReceived": s[2] - previous[2],
                             "NumberOfMessagesDeleted": s[3] - previous[3],
                             "NumberOfEmptyReceives": s[8] - previous[8],
                             "ApproximateNumberOfMessagesVisible": s[4],
                             "ApproximateNumberOfMessagesNotVisible": s[5],
                             "ApproximateNumberOfMessagesDelayed": s[6],
                             "ApproximateAgeOfOldestMessage": round(s[7])})
                previous = s
        return pd.DataFrame(rows, columns=[
            "queue", "time", "NumberOfMessagesSent", "NumberOfMessagesReceived",
            "NumberOfMessagesDeleted", "NumberOfEmptyReceives",
            "ApproximateNumberOfMessagesVisible", "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed", "ApproximateAgeOfOldestMessage"])


# --- validation helpers ------------------------------------------------------------------
def _attr_str(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _int_attribute(name, value, rng: facts.Range, parameter: bool = False) -> int:
    """A queue attribute (InvalidAttributeValue) or request parameter (InvalidParameterValue)
    that must be an integer in ``rng``."""
    error = InvalidParameterValue if parameter else InvalidAttributeValue
    try:
        if isinstance(value, bool):
            raise ValueError
        number = int(value) if not isinstance(value, float) or value.is_integer() else None
        if number is None:
            raise ValueError
    except (TypeError, ValueError):
        raise error(
            f"Invalid value for the parameter {name}. Reason: must be an integer.") from None
    if not rng.low <= number <= rng.high:
        raise error(f"Invalid value for the parameter {name}. Reason: must be between "
                    f"{rng.low:g} and {rng.high:g} (got {value}).")
    return number


def _bool_attribute(name, value) -> bool:
    text = str(value).lower()
    if text not in ("true", "false"):
        raise InvalidAttributeValue(f"Invalid value for the parameter {name}.")
    return text == "true"


def _redrive_allow_policy(value) -> dict:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise InvalidAttributeValue("Invalid value for the parameter RedriveAllowPolicy. "
                                        "Reason: not a valid JSON map.") from None
    permission = value.get("redrivePermission") if isinstance(value, dict) else None
    if permission not in ("allowAll", "denyAll", "byQueue"):
        raise InvalidAttributeValue("Invalid value for the parameter RedriveAllowPolicy. Reason: "
                                    "redrivePermission must be allowAll, denyAll or byQueue.")
    arns = value.get("sourceQueueArns")
    if permission == "byQueue":
        if not arns or len(arns) > facts.SQS_REDRIVE_ALLOW_QUEUES:
            raise InvalidAttributeValue(
                "Invalid value for the parameter RedriveAllowPolicy. Reason: byQueue needs 1 to "
                "10 sourceQueueArns.")
    elif arns:
        raise InvalidAttributeValue(
            "Invalid value for the parameter RedriveAllowPolicy. Reason: sourceQueueArns is "
            "allowed only with redrivePermission byQueue.")
    out = {"redrivePermission": permission}
    if arns:
        out["sourceQueueArns"] = list(arns)
    return out


_SETTINGS = {"visibility_timeout": "VisibilityTimeout", "delay_seconds": "DelaySeconds",
             "message_retention_period": "MessageRetentionPeriod",
             "maximum_message_size": "MaximumMessageSize",
             "receive_message_wait_time_seconds": "ReceiveMessageWaitTimeSeconds",
             "redrive_policy": "RedrivePolicy", "redrive_allow_policy": "RedriveAllowPolicy",
             "fifo_queue": "FifoQueue", "content_based_deduplication": "ContentBasedDeduplication",
             "deduplication_scope": "DeduplicationScope",
             "fifo_throughput_limit": "FifoThroughputLimit"}


def _settings_to_attributes(settings: dict) -> dict:
    out = {}
    for key, value in settings.items():
        if key not in _SETTINGS:
            raise TypeError(f"unknown queue setting {key!r}; use one of {sorted(_SETTINGS)}")
        if value is None:
            continue
        out[_SETTINGS[key]] = value if isinstance(value, dict) else _attr_str(value)
    return out


def _check_message_attributes(attributes):
    if not attributes:
        return None
    if len(attributes) > facts.SQS_MESSAGE_ATTRIBUTES:
        raise InvalidParameterValue(
            f"Number of message attributes [{len(attributes)}] exceeds the allowed maximum [10].")
    out = {}
    for name, value in attributes.items():
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9_.-]{1,256}", name) or \
                name.startswith((".", "AWS.", "Amazon.")) or name.endswith(".") or ".." in name:
            raise InvalidParameterValue(f"Message attribute name '{name}' is invalid.")
        dtype = value.get("DataType") if isinstance(value, dict) else None
        if not dtype:
            raise InvalidParameterValue(
                f"The message attribute '{name}' must contain a non-empty attribute type.")
        base = dtype.split(".", 1)[0]
        if base not in ("String", "Number", "Binary"):
            raise InvalidParameterValue(
                f"The type of message (user) attribute '{name}' is invalid. You must use only the "
                "following supported type prefixes: Binary, Number, String.")
        if value.get("StringListValues") or value.get("BinaryListValues"):
            raise InvalidParameterValue(
                f"Message attribute '{name}': StringListValues and BinaryListValues are reserved "
                "for future use and not implemented by SQS.")
        if base == "Binary":
            data = value.get("BinaryValue")
            if data is None:
                raise InvalidParameterValue(
                    f"The message attribute '{name}' with type 'Binary' must use field 'Binary'.")
            if isinstance(data, str):
                data = data.encode()
            out[name] = {"DataType": dtype, "BinaryValue": bytes(data)}
        else:
            text = value.get("StringValue")
            if text is None:
                raise InvalidParameterValue(
                    f"The message attribute '{name}' with type '{base}' must use field 'String'.")
            if base == "Number":
                try:
                    float(text)
                except ValueError:
                    raise InvalidParameterValue(
                        f"Can't cast the value of message (user) attribute '{name}' to a number."
                    ) from None
            out[name] = {"DataType": dtype, "StringValue": str(text)}
    return out


def _attributes_size(attributes) -> int:
    if not attributes:
        return 0
    size = 0
    for name, value in attributes.items():
        size += len(name.encode()) + len(value["DataType"].encode())
        size += len(value["StringValue"].encode()) if "StringValue" in value \
            else len(value["BinaryValue"])
    return size
