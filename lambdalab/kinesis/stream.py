"""A Kinesis data stream: shards over the 128-bit hash-key space, records, sequence numbers.

KDG/ = https://docs.aws.amazon.com/streams/latest/dev/, K/ = the API reference.

* KDG/key-concepts.html: a record goes to the shard whose hash-key range holds the MD5 hash of
  its partition key (as a 128-bit unsigned integer) or its ExplicitHashKey. A new stream's
  shards split the range 0..2^128-1 evenly, as CreateStream does.
* Sequence numbers increase within a shard (K/API_PutRecord.html); the lab writes them as
  56-digit decimal strings like AWS's, with a per-shard prefix and counter.
* Records stay for the retention period (24 hours by default, KDG/kinesis-extended-retention
  .html); older ones are trimmed when the shard is next read or written.
"""
from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right

HASH_SPACE = 1 << 128
SEQ_BASE = 496 * 10 ** 53       # 56 digits, like the sequence numbers AWS writes
SHARD_STRIDE = 10 ** 30          # sequence numbers of shard i: SEQ_BASE + i*STRIDE + counter


def hash_key(partition_key: str) -> int:
    """The 128-bit hash Kinesis maps a partition key with (MD5, big-endian)."""
    return int.from_bytes(hashlib.md5(partition_key.encode("utf-8")).digest(), "big")


class Record:
    """One record in a shard. ``number`` is its position in the shard (1 for the first)."""

    __slots__ = ("number", "sequence", "key", "data", "arrival", "size")

    def __init__(self, number, sequence, key, data, arrival):
        self.number = number
        self.sequence = sequence          # the sequence number string
        self.key = key                    # partition key
        self.data = data                  # bytes
        self.arrival = arrival            # lab seconds (ApproximateArrivalTimestamp)
        self.size = len(data) + len(key.encode("utf-8"))

    def __repr__(self):
        return f"<Record {self.key!r} #{self.number} at {self.arrival:g}s>"


class Shard:
    """An open shard: its hash-key range, its records in order, and who listens for new ones."""

    def __init__(self, stream, index: int, start: int, end: int, created: float):
        self.stream = stream
        self.index = index
        self.id = f"shardId-{index:012d}"
        self.start_hash = start
        self.end_hash = end
        self.created = created
        self.prefix = SEQ_BASE + index * SHARD_STRIDE
        self.records: list[Record] = []
        self.arrivals: list[float] = []   # arrival times, for AT_TIMESTAMP and trimming
        self.base = 0                     # records trimmed so far (number of the first kept - 1)
        self.count = 0                    # records ever written
        self.listeners: list = []         # objects with .poke(), told about new records
        self.parent = None                # ParentShardId (a split or merge made this shard)
        self.adjacent_parent = None       # AdjacentParentShardId (a merge)
        self.closed = False               # closed by a split or merge: no new records
        # write-limit accounting: (second, bytes, records) of the current second
        self._window = (-1, 0, 0)

    # --- numbers ------------------------------------------------------------------------
    def sequence(self, number: int) -> str:
        return str(self.prefix + number)

    def number_of(self, sequence: str) -> int | None:
        """The record number a sequence number of this shard names, or None."""
        try:
            value = int(sequence)
        except (TypeError, ValueError):
            return None
        number = value - self.prefix
        return number if 0 <= number < SHARD_STRIDE else None

    @property
    def starting_sequence(self) -> str:
        return self.sequence(0)

    # --- writing ------------------------------------------------------------------------
    def over_limit(self, t: float, size: int) -> bool:
        """Would one more record of ``size`` bytes exceed 1 MB/s or 1,000 records/s?"""
        second, used_bytes, used_records = self._window
        if second != int(t):
            return False
        from .. import facts
        return used_records + 1 > facts.KINESIS_SHARD_WRITE_RECORDS or \
            used_bytes + size > facts.KINESIS_SHARD_WRITE_BYTES

    def append(self, key: str, data: bytes, t: float, notify: bool = True) -> Record:
        """Add a record at lab time ``t``; ``notify=False`` leaves telling the listeners
        (:meth:`notify`) to the caller, once for many records."""
        self.count += 1
        record = Record(self.count, str(self.prefix + self.count), key, data, t)
        self.records.append(record)
        self.arrivals.append(t)
        second, used_bytes, used_records = self._window
        if second != int(t):
            second, used_bytes, used_records = int(t), 0, 0
        self._window = (second, used_bytes + record.size, used_records + 1)
        if len(self.records) > 4096 and self.records[0].arrival < t - self.stream.retention:
            self.trim(t)
        if notify:
            for listener in self.listeners:
                listener.poke()
        return record

    def notify(self) -> None:
        for listener in self.listeners:
            listener.poke()

    # --- reading ------------------------------------------------------------------------
    def trim(self, t: float) -> None:
        """Drop records whose age has reached the stream's retention period."""
        cut = bisect_right(self.arrivals, t - self.stream.retention)   # age >= retention: gone
        if cut:
            del self.records[:cut]
            del self.arrivals[:cut]
            self.base += cut

    def first_number(self, t: float) -> int:
        """The number of the oldest record still kept (TRIM_HORIZON)."""
        self.trim(t)
        return self.base + 1

    def number_at(self, timestamp: float, t: float) -> int:
        """The number of the first record that arrived at or after ``timestamp``."""
        self.trim(t)
        return self.base + 1 + bisect_left(self.arrivals, timestamp)

    def read(self, number: int, limit: int, t: float) -> list[Record]:
        """Up to ``limit`` records from record ``number`` on (trimmed ones are skipped)."""
        self.trim(t)
        start = max(number - self.base - 1, 0)
        return self.records[start:start + limit]

    def get(self, number: int) -> Record | None:
        i = number - self.base - 1
        return self.records[i] if 0 <= i < len(self.records) else None

    @property
    def parents(self) -> list:
        return [p for p in (self.parent, self.adjacent_parent) if p is not None]

    def describe(self) -> dict:
        out = {"ShardId": self.id,
               "HashKeyRange": {"StartingHashKey": str(self.start_hash),
                                "EndingHashKey": str(self.end_hash)},
               "SequenceNumberRange": {"StartingSequenceNumber": self.starting_sequence}}
        if self.closed:
            out["SequenceNumberRange"]["EndingSequenceNumber"] = self.sequence(self.count)
        if self.parent is not None:
            out["ParentShardId"] = self.parent.id
        if self.adjacent_parent is not None:
            out["AdjacentParentShardId"] = self.adjacent_parent.id
        return out


class Stream:
    """A data stream with a fixed set of open shards."""

    def __init__(self, service, name: str, shard_count: int, mode: str, t: float):
        self.service = service
        self.name = name
        self.arn = service.lab.arn("kinesis", f"stream/{name}")
        self.mode = mode                  # PROVISIONED | ON_DEMAND
        self.created = t
        self.retention = 24 * 3600.0      # seconds
        self.write_limits = service.write_limits   # enforce 1 MB/s, 1,000 records/s per shard
        self.tags: dict[str, str] = {}
        self.deleted = False
        step = HASH_SPACE // shard_count
        self.shards = [Shard(self, i, i * step,
                             HASH_SPACE - 1 if i == shard_count - 1 else (i + 1) * step - 1, t)
                       for i in range(shard_count)]
        self.listeners: list = []         # objects with .resharded(children), told of reshards
        self._route()

    def _route(self) -> None:
        self.open_shards = sorted((s for s in self.shards if not s.closed),
                                  key=lambda s: s.start_hash)
        self._starts = [s.start_hash for s in self.open_shards]

    def shard_for(self, key: str, explicit: int | None = None) -> Shard:
        h = hash_key(key) if explicit is None else explicit
        i = bisect_left(self._starts, h + 1) - 1
        return self.open_shards[i]

    # --- resharding (KDG/kinesis-using-sdk-java-resharding.html) --------------------------
    def _child(self, start: int, end: int, t: float, parent, adjacent=None) -> Shard:
        child = Shard(self, len(self.shards), start, end, t)
        child.parent, child.adjacent_parent = parent, adjacent
        self.shards.append(child)
        return child

    def split(self, shard: Shard, new_start: int, t: float) -> list:
        """SplitShard: close ``shard``; two children share its hash range at ``new_start``."""
        shard.closed = True
        children = [self._child(shard.start_hash, new_start - 1, t, shard),
                    self._child(new_start, shard.end_hash, t, shard)]
        self._reshard(children)
        return children

    def merge(self, shard: Shard, adjacent: Shard, t: float) -> Shard:
        """MergeShards: close two adjacent shards; one child covers both ranges."""
        shard.closed = adjacent.closed = True
        child = self._child(min(shard.start_hash, adjacent.start_hash),
                            max(shard.end_hash, adjacent.end_hash), t, shard, adjacent)
        self._reshard([child])
        return child

    def _reshard(self, children) -> None:
        self._route()
        for listener in list(self.listeners):
            listener.resharded(children)

    def shard(self, shard_id: str) -> Shard | None:
        for shard in self.shards:
            if shard.id == shard_id:
                return shard
        return None

    def __repr__(self):
        return f"<Stream {self.name} {len(self.shards)} shards>"
