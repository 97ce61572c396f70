"""``lab.kinesis``: Kinesis Data Streams on the lab clock.

K/ = https://docs.aws.amazon.com/kinesis/latest/APIReference/. Implemented: CreateStream
(PROVISIONED with ShardCount, or ON_DEMAND with 4 shards), DeleteStream, DescribeStream,
DescribeStreamSummary, ListStreams, ListShards, PutRecord, PutRecords (per-record failures),
GetShardIterator (TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER,
AT_TIMESTAMP), GetRecords, Increase/DecreaseStreamRetentionPeriod.

Resharding: SplitShard, MergeShards and UpdateShardCount (UNIFORM_SCALING) close parent shards
and open children (ParentShardId / AdjacentParentShardId); event source mappings read a child
only after its parents are done.

Simplifications: streams are ACTIVE at once (no CREATING or UPDATING state, resharding is
immediate); enhanced fan-out consumers and encryption are not emulated; the per-shard *read*
limits (5 GetRecords calls/s, 2 MB/s) are not enforced. The per-shard *write* limits (1 MB/s
or 1,000 records/s, KDG/service-sizes-and-limits.html) are a teaching option:
``lab.kinesis.write_limits = True`` (or ``stream.write_limits = True``) makes writes over them
fail with ProvisionedThroughputExceededException.
"""
from __future__ import annotations

import base64
import re

from .. import facts
from .errors import (ExpiredIteratorException, InvalidArgumentException,
                     LimitExceededException, ProvisionedThroughputExceededException,
                     ResourceInUseException, ResourceNotFoundException, ValidationException)
from .stream import HASH_SPACE, Stream

NAME = re.compile(r"^[a-zA-Z0-9_.-]{1,128}$")
ITERATOR_TYPES = ("TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER",
                  "AT_TIMESTAMP")


def _bytes(data) -> bytes:
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    if isinstance(data, str):
        return data.encode("utf-8")
    if hasattr(data, "read"):
        return data.read()
    raise InvalidArgumentException(f"Data must be bytes or a string, got {type(data).__name__}.")


class KinesisService:
    """The streams of one lab, by name."""

    def __init__(self, lab):
        self.lab = lab
        self.streams: dict[str, Stream] = {}
        self.write_limits = False     # the teaching option: enforce per-shard write limits
        lab.receivers["kinesis"] = self._receive

    # --- streams ------------------------------------------------------------------------
    def create_stream(self, name: str, shard_count: int | None = None,
                      mode: str = "PROVISIONED") -> Stream:
        """CreateStream. ``mode="ON_DEMAND"`` starts with 4 shards (ShardCount not allowed)."""
        if not isinstance(name, str) or not NAME.match(name):
            raise ValidationException(
                f"1 validation error detected: Value '{name}' at 'streamName' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+ "
                f"and have length 1-{facts.KINESIS_STREAM_NAME_LENGTH}")
        if mode not in ("PROVISIONED", "ON_DEMAND"):
            raise ValidationException(
                f"StreamMode must be PROVISIONED or ON_DEMAND, got {mode!r}.")
        if mode == "ON_DEMAND":
            if shard_count is not None:
                raise InvalidArgumentException(
                    "ShardCount is not supported for streams in ON_DEMAND mode: leave it out.")
            shard_count = facts.KINESIS_ON_DEMAND_SHARDS
        elif shard_count is None:
            raise InvalidArgumentException(
                "ShardCount is required for a PROVISIONED stream (or use StreamModeDetails "
                "{'StreamMode': 'ON_DEMAND'}).")
        if isinstance(shard_count, bool) or not isinstance(shard_count, int) or shard_count < 1:
            raise ValidationException(
                f"1 validation error detected: Value '{shard_count}' at 'shardCount' failed to "
                "satisfy constraint: Member must have value greater than or equal to 1")
        if name in self.streams:
            raise ResourceInUseException(
                f"Stream {name} under account {self.lab.account} already exists.")
        used = sum(len(s.open_shards) for s in self.streams.values())
        if used + shard_count > facts.KINESIS_SHARD_QUOTA:
            raise LimitExceededException(
                f"This request would exceed the shard limit for the account "
                f"{self.lab.account} in {self.lab.region}. Current limit of shards is "
                f"{facts.KINESIS_SHARD_QUOTA}. Number of additional shards that would have "
                f"resulted from this request: {shard_count}. Use fewer shards.")
        stream = Stream(self, name, shard_count, mode, self.lab.t)
        self.streams[name] = stream
        return stream

    def get(self, name: str | None = None, arn: str | None = None) -> Stream:
        """A stream by name or ARN (ResourceNotFoundException otherwise)."""
        if arn and not name:
            name = arn.rsplit("stream/", 1)[-1] if ":stream/" in arn else None
            if name is None or self.lab.arn("kinesis", f"stream/{name}") != arn:
                raise ResourceNotFoundException(f"Stream {arn} not found.")
        if name is None:
            raise InvalidArgumentException("Give StreamName or StreamARN.")
        stream = self.streams.get(name)
        if stream is None:
            raise ResourceNotFoundException(
                f"Stream {name} under account {self.lab.account} not found.")
        return stream

    def _receive(self, target: str, body: str, attributes: dict) -> None:
        """A delivery to a stream ARN (e.g. an EventBridge target) is one PutRecord; the
        partition key comes from ``attributes["PartitionKey"]`` (the sender chooses it)."""
        stream = self.get(arn=target)
        key = attributes.get("PartitionKey") or body[:256] or "-"
        self.put_record(stream, body.encode(), key)

    def stream_by_arn(self, arn: str) -> Stream | None:
        try:
            return self.get(arn=arn)
        except ResourceNotFoundException:
            return None

    def delete_stream(self, stream: Stream) -> None:
        stream.deleted = True
        self.streams.pop(stream.name, None)
        for shard in stream.shards:
            for listener in list(shard.listeners):
                gone = getattr(listener, "source_deleted", None)
                if gone is not None:
                    gone()

    def set_retention(self, stream: Stream, hours: int, increase: bool) -> None:
        """Increase/DecreaseStreamRetentionPeriod (24-8,760 hours)."""
        rng = facts.KINESIS_RETENTION_HOURS
        if isinstance(hours, bool) or not isinstance(hours, int) or \
                not rng.low <= hours <= rng.high:
            raise InvalidArgumentException(
                f"RetentionPeriodHours must be between {rng.low:g} and {rng.high:g}, "
                f"got {hours!r}.")
        current = stream.retention / 3600
        if increase and hours < current:
            raise InvalidArgumentException(
                f"Requested retention period ({hours} hours) for stream {stream.name} can not "
                f"be shorter than existing retention period ({current:g} hours). Use "
                "DecreaseRetentionPeriod API.")
        if not increase and hours > current:
            raise InvalidArgumentException(
                f"Requested retention period ({hours} hours) for stream {stream.name} can not "
                f"be longer than existing retention period ({current:g} hours). Use "
                "IncreaseRetentionPeriod API.")
        stream.retention = hours * 3600.0

    # --- resharding ---------------------------------------------------------------------
    def _open_shard(self, stream: Stream, shard_id: str):
        shard = stream.shard(shard_id)
        if shard is None:
            raise ResourceNotFoundException(
                f"Could not find shard {shard_id} in stream {stream.name} under account "
                f"{self.lab.account}.")
        if shard.closed:
            raise InvalidArgumentException(
                f"Shard {shard_id} in stream {stream.name} under account {self.lab.account} "
                "has already been merged or split, and thus is not eligible for merging or "
                "splitting.")
        return shard

    def _check_quota(self, extra: int) -> None:
        used = sum(len(s.open_shards) for s in self.streams.values())
        if used + extra > facts.KINESIS_SHARD_QUOTA:
            raise LimitExceededException(
                f"This request would exceed the shard limit for the account "
                f"{self.lab.account} in {self.lab.region}. Current limit of shards is "
                f"{facts.KINESIS_SHARD_QUOTA}.")

    def split_shard(self, stream: Stream, shard_id: str, new_starting_hash_key) -> list:
        """SplitShard (K/API_SplitShard.html): the parent closes, two children open."""
        shard = self._open_shard(stream, shard_id)
        try:
            key = int(new_starting_hash_key)
        except (TypeError, ValueError):
            key = -1
        if not shard.start_hash < key <= shard.end_hash:
            raise InvalidArgumentException(
                f"NewStartingHashKey {new_starting_hash_key} used in SplitShard() on shard "
                f"{shard_id} in stream {stream.name} under account {self.lab.account} is not "
                f"both greater than one plus the shard's StartingHashKey {shard.start_hash} "
                f"and less than the shard's EndingHashKey {shard.end_hash}.")
        self._check_quota(1)
        return stream.split(shard, key, self.lab.t)

    def merge_shards(self, stream: Stream, shard_id: str, adjacent_id: str):
        """MergeShards (K/API_MergeShards.html): two adjacent open shards close into one."""
        shard = self._open_shard(stream, shard_id)
        adjacent = self._open_shard(stream, adjacent_id)
        if shard.end_hash + 1 != adjacent.start_hash and \
                adjacent.end_hash + 1 != shard.start_hash:
            raise InvalidArgumentException(
                f"Shards {shard_id} and {adjacent_id} in stream {stream.name} under account "
                f"{self.lab.account} are not an adjacent pair of shards eligible for merging")
        return stream.merge(shard, adjacent, self.lab.t)

    def update_shard_count(self, stream: Stream, target: int) -> None:
        """UpdateShardCount with UNIFORM_SCALING (K/API_UpdateShardCount.html): from half to
        double the open shards. The lab splits the widest shard in the middle (or merges the
        narrowest adjacent pair) until the count is reached, so every new shard has parents."""
        current = len(stream.open_shards)
        if isinstance(target, bool) or not isinstance(target, int) or \
                not (current + 1) // 2 <= target <= 2 * current:
            raise InvalidArgumentException(
                f"TargetShardCount {target} is invalid for stream {stream.name}: it must be "
                f"between half ({(current + 1) // 2}) and double ({2 * current}) of the "
                f"{current} open shards.")
        self._check_quota(max(0, target - current))
        t = self.lab.t
        while len(stream.open_shards) < target:
            shard = max(stream.open_shards, key=lambda s: (s.end_hash - s.start_hash, -s.index))
            stream.split(shard, shard.start_hash + (shard.end_hash - shard.start_hash + 1) // 2, t)
        while len(stream.open_shards) > target:
            pairs = list(zip(stream.open_shards, stream.open_shards[1:]))
            a, b = min(pairs, key=lambda p: (p[1].end_hash - p[0].start_hash, p[0].index))
            stream.merge(a, b, t)

    # --- writing ------------------------------------------------------------------------
    def _check_record(self, data: bytes, key, explicit) -> int | None:
        if not isinstance(key, str) or not 1 <= len(key) <= facts.KINESIS_PARTITION_KEY_LENGTH:
            raise ValidationException(
                f"1 validation error detected: Value '{key}' at 'partitionKey' failed to "
                f"satisfy constraint: Member must have length between 1 and "
                f"{facts.KINESIS_PARTITION_KEY_LENGTH}")
        if len(data) + len(key.encode("utf-8")) > facts.KINESIS_RECORD_BYTES:
            raise ValidationException(
                f"1 validation error detected: Value at 'data' failed to satisfy constraint: "
                f"Member must have length less than or equal to {facts.KINESIS_RECORD_BYTES} "
                "(data and partition key together): split the record.")
        if explicit is None:
            return None
        try:
            value = int(explicit)
        except (TypeError, ValueError):
            value = -1
        if not 0 <= value < HASH_SPACE:
            raise InvalidArgumentException(
                f"Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, "
                f"{HASH_SPACE - 1}]. Specified value was {explicit}")
        return value

    def put_record(self, stream: Stream, data, partition_key: str,
                   explicit_hash_key=None) -> dict:
        """PutRecord: ``{"ShardId", "SequenceNumber", "EncryptionType"}``."""
        data = _bytes(data)
        explicit = self._check_record(data, partition_key, explicit_hash_key)
        t = self.lab.t
        shard = stream.shard_for(partition_key, explicit)
        if stream.write_limits and shard.over_limit(t, len(data) + len(partition_key)):
            raise ProvisionedThroughputExceededException(self._rate_message(stream, shard))
        record = shard.append(partition_key, data, t)
        return {"ShardId": shard.id, "SequenceNumber": record.sequence, "EncryptionType": "NONE"}

    def _rate_message(self, stream, shard) -> str:
        return (f"Rate exceeded for shard {shard.id} in stream {stream.name} under account "
                f"{self.lab.account}. (Each shard takes 1 MB/s or 1,000 records/s: add shards "
                "or spread writes over more partition keys.)")

    def put_records(self, stream: Stream, entries: list[dict]) -> dict:
        """PutRecords: entries ``{"Data", "PartitionKey", "ExplicitHashKey"?}``; failed entries
        carry ErrorCode/ErrorMessage in the result, in request order."""
        if not entries:
            raise ValidationException(
                "1 validation error detected: Value '[]' at 'records' failed to satisfy "
                "constraint: Member must have length greater than or equal to 1")
        if len(entries) > facts.KINESIS_PUT_RECORDS_ENTRIES:
            raise ValidationException(
                f"1 validation error detected: Value '{len(entries)}' at 'records' failed to "
                f"satisfy constraint: Member must have length less than or equal to "
                f"{facts.KINESIS_PUT_RECORDS_ENTRIES}")
        checked = []
        total = 0
        for entry in entries:
            data = _bytes(entry.get("Data", b""))
            key = entry.get("PartitionKey")
            checked.append((data, key, self._check_record(data, key,
                                                          entry.get("ExplicitHashKey"))))
            total += len(data) + len(key.encode("utf-8"))
        if total > facts.KINESIS_PUT_RECORDS_BYTES:
            raise InvalidArgumentException(
                f"Records size exceeds 5 MB limit: the request holds {total} bytes. Send "
                "fewer records per PutRecords call.")
        t = self.lab.t
        results, failed, touched = [], 0, {}
        for data, key, explicit in checked:
            shard = stream.shard_for(key, explicit)
            if stream.write_limits and shard.over_limit(t, len(data) + len(key)):
                failed += 1
                results.append({"ErrorCode": "ProvisionedThroughputExceededException",
                                "ErrorMessage": self._rate_message(stream, shard)})
                continue
            record = shard.append(key, data, t, notify=False)
            touched[shard.index] = shard
            results.append({"SequenceNumber": record.sequence, "ShardId": shard.id})
        for shard in touched.values():
            shard.notify()
        return {"FailedRecordCount": failed, "Records": results, "EncryptionType": "NONE"}

    # --- reading ------------------------------------------------------------------------
    def shard_iterator(self, stream: Stream, shard_id: str, kind: str,
                       sequence: str | None = None, timestamp: float | None = None) -> str:
        """GetShardIterator; ``timestamp`` in lab seconds for AT_TIMESTAMP."""
        shard = stream.shard(shard_id)
        if shard is None:
            raise ResourceNotFoundException(
                f"Shard {shard_id} in stream {stream.name} under account {self.lab.account} "
                "does not exist")
        t = self.lab.t
        if kind not in ITERATOR_TYPES:
            raise ValidationException(
                f"1 validation error detected: Value '{kind}' at 'shardIteratorType' failed to "
                f"satisfy constraint: Member must satisfy enum value set: {list(ITERATOR_TYPES)}")
        if kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
            number = shard.number_of(sequence) if sequence is not None else None
            if number is None or number > shard.count:
                raise InvalidArgumentException(
                    f"StartingSequenceNumber {sequence} used in GetShardIterator on shard "
                    f"{shard_id} in stream {stream.name} under account {self.lab.account} is "
                    "invalid because it did not come from this stream.")
            number += kind == "AFTER_SEQUENCE_NUMBER"
        elif kind == "TRIM_HORIZON":
            number = shard.first_number(t)
        elif kind == "LATEST":
            number = shard.count + 1
        else:
            if timestamp is None:
                raise InvalidArgumentException(
                    "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP.")
            number = shard.number_at(timestamp, t)
        return self._iterator(stream, shard, number, t)

    @staticmethod
    def _iterator(stream, shard, number, t) -> str:
        text = f"{stream.name}|{shard.id}|{number}|{t!r}"
        return base64.b64encode(text.encode()).decode()

    def get_records(self, iterator: str, limit: int | None = None) -> dict:
        """GetRecords: ``{"Records", "NextShardIterator", "MillisBehindLatest"}``; records are
        ``{"SequenceNumber", "ApproximateArrivalTimestamp" (lab seconds), "Data", "PartitionKey"}``
        (the door turns the timestamp into a datetime)."""
        limit = facts.KINESIS_GET_RECORDS_LIMIT if limit is None else limit
        if isinstance(limit, bool) or not isinstance(limit, int) or \
                not 1 <= limit <= facts.KINESIS_GET_RECORDS_LIMIT:
            raise InvalidArgumentException(
                f"Limit must be between 1 and {facts.KINESIS_GET_RECORDS_LIMIT}, got {limit!r}.")
        try:
            name, shard_id, number, issued = base64.b64decode(iterator).decode().split("|")
            number, issued = int(number), float(issued)
        except (ValueError, UnicodeDecodeError, TypeError):
            raise InvalidArgumentException(f"Invalid ShardIterator: {iterator!r}.") from None
        t = self.lab.t
        if t - issued > facts.KINESIS_ITERATOR_TTL:
            raise ExpiredIteratorException(
                f"Iterator expired. The iterator was created at time {self.lab.iso(issued)} "
                f"while right now it is {self.lab.iso(t)} which is further in the future than "
                "the tolerated delay of 300000 milliseconds. Get a new one with "
                "GetShardIterator.")
        stream = self.get(name)
        shard = stream.shard(shard_id)
        records = shard.read(number, limit, t)
        out, size = [], 0
        for record in records:
            size += record.size
            if out and size > facts.KINESIS_GET_RECORDS_BYTES:
                break
            out.append(record)
        next_number = out[-1].number + 1 if out else max(number, shard.base + 1)
        last = shard.get(shard.count)
        behind = 0 if not out or out[-1].number == shard.count or last is None else \
            int(round((t - out[-1].arrival) * 1000))
        body = {"Records": [{"SequenceNumber": r.sequence, "ApproximateArrivalTimestamp": r.arrival,
                             "Data": r.data, "PartitionKey": r.key} for r in out],
                "MillisBehindLatest": behind}
        if shard.closed and next_number > shard.count:
            # the end of a closed shard: no next iterator; read the children next
            body["ChildShards"] = [{"ShardId": c.id, "ParentShards": [p.id for p in c.parents],
                                    "HashKeyRange": c.describe()["HashKeyRange"]}
                                   for c in stream.shards if shard in c.parents]
        else:
            body["NextShardIterator"] = self._iterator(stream, shard, next_number, t)
        return body

    # --- descriptions -------------------------------------------------------------------
    def describe(self, stream: Stream, summary: bool = False) -> dict:
        common = {"StreamName": stream.name, "StreamARN": stream.arn, "StreamStatus": "ACTIVE",
                  "StreamModeDetails": {"StreamMode": stream.mode},
                  "RetentionPeriodHours": int(stream.retention // 3600),
                  "StreamCreationTimestamp": self.lab.clock.to_datetime(stream.created),
                  "EnhancedMonitoring": [{"ShardLevelMetrics": []}], "EncryptionType": "NONE"}
        if summary:
            return {**common, "OpenShardCount": len(stream.open_shards), "ConsumerCount": 0}
        return {**common, "Shards": [s.describe() for s in stream.shards],
                "HasMoreShards": False}
