"""Amazon Kinesis Data Streams, owned by the lab: ``lab.kinesis`` (see :mod:`.service`)."""
from .service import KinesisService
from .stream import Record, Shard, Stream, hash_key

__all__ = ["KinesisService", "Record", "Shard", "Stream", "hash_key"]
