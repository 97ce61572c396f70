"""Kinesis Data Streams API operations answered by the lab: name -> (HTTP status, response).

Member names follow botocore's Kinesis service model. Streams may be named by StreamName or
StreamARN, as the API allows.
"""
from __future__ import annotations

from datetime import datetime, timezone

from ..clock import EPOCH, EPOCH_UNIX
from ..kinesis.errors import InvalidArgumentException


def _stream(lab, p):
    return lab.kinesis.get(p.get("StreamName"), p.get("StreamARN"))


def _lab_seconds(value) -> float:
    """A botocore timestamp parameter (datetime, epoch number or ISO string) in lab seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) - EPOCH_UNIX
    if isinstance(value, str):
        try:
            return float(value) - EPOCH_UNIX
        except ValueError:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return (value - EPOCH).total_seconds()
    raise InvalidArgumentException(f"Invalid timestamp: {value!r}.")


def create_stream(lab, p):
    mode = (p.get("StreamModeDetails") or {}).get("StreamMode", "PROVISIONED")
    lab.kinesis.create_stream(p["StreamName"], p.get("ShardCount"), mode)
    return 200, {}


def delete_stream(lab, p):
    lab.kinesis.delete_stream(_stream(lab, p))
    return 200, {}


def describe_stream(lab, p):
    return 200, {"StreamDescription": lab.kinesis.describe(_stream(lab, p))}


def describe_stream_summary(lab, p):
    return 200, {"StreamDescriptionSummary": lab.kinesis.describe(_stream(lab, p), summary=True)}


def list_streams(lab, p):
    names = sorted(lab.kinesis.streams)
    start = p.get("ExclusiveStartStreamName")
    if start:
        names = [n for n in names if n > start]
    limit = p.get("Limit") or 100
    page = names[:limit]
    streams = [lab.kinesis.streams[n] for n in page]
    return 200, {"StreamNames": page, "HasMoreStreams": len(names) > limit,
                 "StreamSummaries": [{"StreamName": s.name, "StreamARN": s.arn,
                                      "StreamStatus": "ACTIVE",
                                      "StreamModeDetails": {"StreamMode": s.mode},
                                      "StreamCreationTimestamp":
                                          lab.clock.to_datetime(s.created)} for s in streams]}


def list_shards(lab, p):
    token = p.get("NextToken")
    if token:
        if p.get("StreamName") or p.get("ExclusiveStartShardId"):
            raise InvalidArgumentException(
                "NextToken and StreamName cannot be provided together.")
        name, _, start = token.partition("|")
        stream, start = lab.kinesis.get(name), int(start)
    else:
        stream = _stream(lab, p)
        start = 0
        after = p.get("ExclusiveStartShardId")
        if after:
            start = sum(1 for s in stream.shards if s.id <= after)   # ids sort in order
    limit = p.get("MaxResults") or 1000
    shards = stream.shards[start:start + limit]
    body = {"Shards": [s.describe() for s in shards]}
    if start + limit < len(stream.shards):
        body["NextToken"] = f"{stream.name}|{start + limit}"
    return 200, body


def put_record(lab, p):
    return 200, lab.kinesis.put_record(_stream(lab, p), p.get("Data", b""), p.get("PartitionKey"),
                                       p.get("ExplicitHashKey"))


def put_records(lab, p):
    return 200, lab.kinesis.put_records(_stream(lab, p), p.get("Records") or [])


def get_shard_iterator(lab, p):
    stamp = p.get("Timestamp")
    iterator = lab.kinesis.shard_iterator(
        _stream(lab, p), p["ShardId"], p["ShardIteratorType"], p.get("StartingSequenceNumber"),
        _lab_seconds(stamp) if stamp is not None else None)
    return 200, {"ShardIterator": iterator}


def get_records(lab, p):
    out = lab.kinesis.get_records(p["ShardIterator"], p.get("Limit"))
    to_dt = lab.clock.to_datetime
    for record in out["Records"]:
        record["ApproximateArrivalTimestamp"] = to_dt(record["ApproximateArrivalTimestamp"])
    return 200, out


def increase_stream_retention_period(lab, p):
    lab.kinesis.set_retention(_stream(lab, p), p["RetentionPeriodHours"], increase=True)
    return 200, {}


def decrease_stream_retention_period(lab, p):
    lab.kinesis.set_retention(_stream(lab, p), p["RetentionPeriodHours"], increase=False)
    return 200, {}


def split_shard(lab, p):
    lab.kinesis.split_shard(_stream(lab, p), p["ShardToSplit"], p["NewStartingHashKey"])
    return 200, {}


def merge_shards(lab, p):
    lab.kinesis.merge_shards(_stream(lab, p), p["ShardToMerge"], p["AdjacentShardToMerge"])
    return 200, {}


def update_shard_count(lab, p):
    stream = _stream(lab, p)
    current = len(stream.open_shards)
    if p.get("ScalingType", "UNIFORM_SCALING") != "UNIFORM_SCALING":
        raise InvalidArgumentException("ScalingType must be UNIFORM_SCALING.")
    lab.kinesis.update_shard_count(stream, p["TargetShardCount"])
    return 200, {"StreamName": stream.name, "StreamARN": stream.arn,
                 "CurrentShardCount": current, "TargetShardCount": p["TargetShardCount"]}


OPERATIONS = {
    "SplitShard": split_shard, "MergeShards": merge_shards,
    "UpdateShardCount": update_shard_count,
    "CreateStream": create_stream, "DeleteStream": delete_stream,
    "DescribeStream": describe_stream, "DescribeStreamSummary": describe_stream_summary,
    "ListStreams": list_streams, "ListShards": list_shards,
    "PutRecord": put_record, "PutRecords": put_records,
    "GetShardIterator": get_shard_iterator, "GetRecords": get_records,
    "IncreaseStreamRetentionPeriod": increase_stream_retention_period,
    "DecreaseStreamRetentionPeriod": decrease_stream_retention_period,
}
