"""DynamoDB Streams capture: DynamoDB itself stays moto's; item changes are bridged to the lab.

moto calls ``StreamShard.add(old_item, new_item)`` for every item write of a table that has a
stream (PutItem, UpdateItem, DeleteItem, BatchWriteItem, TransactWriteItems). The first DynamoDB
client created inside ``lab.aws()`` wraps that method once: moto's own stream still gets its
record, and while a door is open the lab of the innermost door writes its stream record
(:meth:`lambdalab.dynamodb_streams.DynamoDBStreamsService.capture`) on its clock.
"""
from __future__ import annotations

_state = {"original": None}


def _attributes(item):
    return item.to_json()["Attributes"] if item is not None else None


def _wrapped_add(shard, old, new):
    _state["original"](shard, old, new)
    from . import _active
    if not _active:
        return
    lab = _active[-1].lab
    table = shard.table
    current = old if old is not None else new
    keys = {table.hash_key_attr: current.hash_key.to_json()}
    if table.range_key_attr is not None:
        keys[table.range_key_attr] = current.range_key.to_json()
    lab.dynamodb_streams.capture(table, _attributes(old), _attributes(new), keys)


def attach(door, client) -> None:
    """Install the capture (once per process); ``client`` needs no handlers of its own."""
    if _state["original"] is None:
        from moto.dynamodb.models.table import StreamShard
        _state["original"] = StreamShard.add
        StreamShard.add = _wrapped_add
