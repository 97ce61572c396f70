"""DynamoDB Streams for tables that live in moto: ``lab.dynamodb_streams``.

Integration (the lab owns the stream, moto owns the table): while a ``lab.aws()`` door is
open, moto's per-table stream hook (``StreamShard.add``, called by moto for every item write of
a table with a stream: PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems)
is wrapped (:mod:`lambdalab.door.dynamodb_streams`); the wrapper hands the item's old and new
attribute values to :meth:`DynamoDBStreamsService.capture`, which writes the stream record on
the lab clock. Moto's own stream records are left alone (they carry random IDs and wall-clock
sequence numbers); event source mappings read the lab's.

AWS behaviour (DDB/ = https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/):

* DDB/Streams.html: INSERT, MODIFY or REMOVE per item change, in order per item; images by
  StreamViewType (KEYS_ONLY, NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES); a write that does
  not change the item writes no record; records are kept 24 hours.
* L/services-ddb-params.html: mappings start at TRIM_HORIZON or LATEST only.

Simplifications: one shard per stream (AWS splits a stream by table partition; order per item
is what both guarantee); writes made to moto without the door (moto's API directly) are not
captured. The dynamodbstreams API through the door (ListStreams, DescribeStream,
GetShardIterator, GetRecords) reads these records (:mod:`lambdalab.door.dynamodbstreams`).
"""
from __future__ import annotations

import json

from . import facts
from .clock import EPOCH_UNIX
from .kinesis.stream import Shard

VIEW_TYPES = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")
SEQ_PREFIX = 11 * 10 ** 20         # 22-digit sequence numbers, like DynamoDB's


class StreamShardOfTable(Shard):
    """A DynamoDB stream shard: the Kinesis shard's records and numbers, DynamoDB's names."""

    def __init__(self, stream, created: float, suffix: str):
        super().__init__(stream, 0, 0, 0, created)
        self.id = f"shardId-{int((EPOCH_UNIX + created) * 1000):020d}-{suffix}"
        self.prefix = SEQ_PREFIX


class TableStream:
    """The stream of one table (one stream label)."""

    def __init__(self, service, arn: str, table_name: str, view_type: str, t: float):
        self.service = service
        self.arn = arn
        self.name = table_name
        self.view_type = view_type
        self.retention = facts.DYNAMODB_STREAM_RETENTION
        self.created = t
        self.enabled = True
        self.shards = [StreamShardOfTable(self, t, service.lab.ids.hex(8))]

    def shard(self, shard_id: str):
        return next((s for s in self.shards if s.id == shard_id), None)

    def records(self) -> list[dict]:
        """Every record kept, as event records (dicts), oldest first."""
        shard = self.shards[0]
        shard.trim(self.service.lab.t)
        return [json.loads(r.data) for r in shard.records]

    def __repr__(self):
        return f"<TableStream {self.name} {self.view_type}>"


class DynamoDBStreamsService:
    """Streams by ARN; records are written by :meth:`capture`."""

    def __init__(self, lab):
        self.lab = lab
        self.streams: dict[str, TableStream] = {}

    # --- streams ------------------------------------------------------------------------
    def _moto_tables(self):
        from moto.dynamodb.models import dynamodb_backends
        return list(dynamodb_backends[self.lab.account][self.lab.region].tables.values())

    @staticmethod
    def _arn_of(table) -> str | None:
        label = getattr(table, "latest_stream_label", None)
        spec = getattr(table, "stream_specification", None) or {}
        if not label or not spec.get("StreamEnabled"):
            return None
        return f"{table.table_arn}/stream/{label}"

    def stream_for(self, table) -> TableStream | None:
        """The lab stream of a moto table (created at its first use), or None."""
        arn = self._arn_of(table)
        if arn is None:
            return None
        stream = self.streams.get(arn)
        if stream is None:
            view = table.stream_specification.get("StreamViewType", "NEW_AND_OLD_IMAGES")
            stream = self.streams[arn] = TableStream(self, arn, table.name, view, self.lab.t)
        return stream

    def stream_by_arn(self, arn: str) -> TableStream | None:
        """A stream by ARN: a known one, or the stream of a moto table that has it."""
        stream = self.streams.get(arn)
        if stream is not None:
            return stream
        for table in self._moto_tables():
            if self._arn_of(table) == arn:
                return self.stream_for(table)
        return None

    # --- records ------------------------------------------------------------------------
    def capture(self, table, old: dict | None, new: dict | None, keys: dict) -> None:
        """An item of ``table`` changed from ``old`` to ``new`` (attribute-value dicts, None
        when absent); write the stream record (none when nothing changed)."""
        stream = self.stream_for(table)
        if stream is None or (old is not None and new is not None and old == new):
            return
        lab = self.lab
        t = lab.t
        event = "INSERT" if old is None else ("REMOVE" if new is None else "MODIFY")
        view = table.stream_specification.get("StreamViewType", stream.view_type)
        shard = stream.shards[0]
        number = shard.count + 1
        sequence = shard.sequence(number)
        body = {"ApproximateCreationDateTime": float(int(EPOCH_UNIX + t)), "Keys": keys}
        if view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES") and new is not None:
            body["NewImage"] = new
        if view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES") and old is not None:
            body["OldImage"] = old
        size = len(json.dumps({k: v for k, v in body.items()
                               if k in ("Keys", "NewImage", "OldImage")}, separators=(",", ":")))
        body.update({"SequenceNumber": sequence, "SizeBytes": size, "StreamViewType": view})
        record = {"eventID": lab.ids.hex(32), "eventName": event, "eventVersion": "1.1",
                  "eventSource": "aws:dynamodb", "awsRegion": lab.region, "dynamodb": body,
                  "eventSourceARN": stream.arn}
        key = json.dumps(keys, sort_keys=True, separators=(",", ":"))
        shard.append(key, json.dumps(record, separators=(",", ":")).encode(), t)
