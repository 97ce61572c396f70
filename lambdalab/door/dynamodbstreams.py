"""DynamoDB Streams API answered from the lab's stream records (:mod:`lambdalab.dynamodb_streams`).

ListStreams, DescribeStream, GetShardIterator (TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER,
AFTER_SEQUENCE_NUMBER) and GetRecords, with member names from botocore's ``dynamodbstreams``
model (DDBS/ = https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/):
GetRecords returns up to 1,000 records (DDBS/API_streams_GetRecords.html); a shard iterator
expires 15 minutes after it is returned (DDBS/API_streams_GetShardIterator.html).
"""
from __future__ import annotations

import base64
import json

from ..clock import EPOCH_UNIX
from ..errors import _error

ResourceNotFoundException = _error("ResourceNotFoundException", 400)
ValidationException = _error("ValidationException", 400)
ExpiredIteratorException = _error("ExpiredIteratorException", 400)
TrimmedDataAccessException = _error("TrimmedDataAccessException", 400)

GET_RECORDS_LIMIT = 1_000      # DDBS/API_streams_GetRecords.html
ITERATOR_TTL = 900.0           # DDBS/API_streams_GetShardIterator.html: 15 minutes


def _stream(lab, arn):
    stream = lab.dynamodb_streams.stream_by_arn(arn or "")
    if stream is None:
        raise ResourceNotFoundException(
            f"Requested resource not found: Stream: {arn} not found")
    return stream


def _label(stream) -> str:
    return stream.arn.rsplit("/stream/", 1)[1]


def list_streams(lab, p):
    svc = lab.dynamodb_streams
    streams = []
    for table in svc._moto_tables():
        stream = svc.stream_for(table)
        if stream is not None and (not p.get("TableName") or table.name == p["TableName"]):
            streams.append(stream)
    streams.sort(key=lambda s: s.arn)
    start = p.get("ExclusiveStartStreamArn")
    if start:
        streams = [s for s in streams if s.arn > start]
    limit = p.get("Limit") or 100
    body = {"Streams": [{"StreamArn": s.arn, "TableName": s.name, "StreamLabel": _label(s)}
                        for s in streams[:limit]]}
    if len(streams) > limit:
        body["LastEvaluatedStreamArn"] = streams[limit - 1].arn
    return 200, body


def describe_stream(lab, p):
    stream = _stream(lab, p.get("StreamArn"))
    table = next((t for t in lab.dynamodb_streams._moto_tables() if t.name == stream.name), None)
    schema = [dict(k) for k in getattr(table, "schema", [])] if table is not None else []
    return 200, {"StreamDescription": {
        "StreamArn": stream.arn, "StreamLabel": _label(stream), "StreamStatus": "ENABLED",
        "StreamViewType": stream.view_type,
        "CreationRequestDateTime": lab.clock.to_datetime(stream.created),
        "TableName": stream.name, "KeySchema": schema,
        "Shards": [{"ShardId": s.id, "SequenceNumberRange": {
            "StartingSequenceNumber": s.sequence(1)}} for s in stream.shards]}}


def _iterator(stream, shard, number, t) -> str:
    return base64.b64encode(f"{stream.arn}|{shard.id}|{number}|{t!r}".encode()).decode()


def get_shard_iterator(lab, p):
    stream = _stream(lab, p.get("StreamArn"))
    shard = stream.shard(p.get("ShardId"))
    if shard is None:
        raise ResourceNotFoundException(
            f"Requested resource not found: Shard does not exist: {p.get('ShardId')}")
    kind = p.get("ShardIteratorType")
    t = lab.t
    if kind == "TRIM_HORIZON":
        number = shard.first_number(t)
    elif kind == "LATEST":
        number = shard.count + 1
    elif kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
        number = shard.number_of(p.get("SequenceNumber"))
        if number is None or not 1 <= number <= shard.count:
            raise ValidationException(
                f"Invalid SequenceNumber {p.get('SequenceNumber')!r} for shard {shard.id}: "
                "use a SequenceNumber this shard returned.")
        if number <= shard.base:
            raise TrimmedDataAccessException(
                "The operation attempted to read past the oldest stream record in a shard "
                "(the record is older than 24 hours). Start from TRIM_HORIZON.")
        number += kind == "AFTER_SEQUENCE_NUMBER"
    else:
        raise ValidationException(
            f"Invalid ShardIteratorType {kind!r}: use TRIM_HORIZON, LATEST, "
            "AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER.")
    return 200, {"ShardIterator": _iterator(stream, shard, number, t)}


def get_records(lab, p):
    limit = p.get("Limit") or GET_RECORDS_LIMIT
    if not 1 <= limit <= GET_RECORDS_LIMIT:
        raise ValidationException(
            f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
            f"constraint: Member must have value less than or equal to {GET_RECORDS_LIMIT}")
    try:
        arn, shard_id, number, issued = base64.b64decode(p["ShardIterator"]).decode() \
            .rsplit("|", 3)
        number, issued = int(number), float(issued)
    except (ValueError, UnicodeDecodeError):
        raise ValidationException("Invalid ShardIterator.") from None
    t = lab.t
    if t - issued > ITERATOR_TTL:
        raise ExpiredIteratorException(
            "Iterator expired: shard iterators last 15 minutes; get a new one with "
            "GetShardIterator.")
    stream = _stream(lab, arn)
    shard = stream.shard(shard_id)
    records = shard.read(number, limit, t)
    out = []
    for record in records:
        doc = json.loads(record.data)
        doc.pop("eventSourceARN", None)              # Lambda adds it; the API does not
        body = doc["dynamodb"]
        body["ApproximateCreationDateTime"] = lab.clock.to_datetime(
            body["ApproximateCreationDateTime"] - EPOCH_UNIX)
        out.append(doc)
    next_number = records[-1].number + 1 if records else max(number, shard.base + 1)
    return 200, {"Records": out, "NextShardIterator": _iterator(stream, shard, next_number, t)}


OPERATIONS = {"ListStreams": list_streams, "DescribeStream": describe_stream,
              "GetShardIterator": get_shard_iterator, "GetRecords": get_records}
