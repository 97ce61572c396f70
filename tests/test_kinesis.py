"""Kinesis Data Streams: shards, sequence numbers, iterators, retention, write limits, the door.

K/ = https://docs.aws.amazon.com/kinesis/latest/APIReference/,
KDG/ = https://docs.aws.amazon.com/streams/latest/dev/.
"""
from __future__ import annotations

import hashlib
from datetime import timedelta

import boto3
import pytest
from botocore.exceptions import ClientError

from lambdalab import Lab
from lambdalab.kinesis import hash_key
from lambdalab.kinesis.errors import (ExpiredIteratorException, InvalidArgumentException,
                                      ProvisionedThroughputExceededException,
                                      ResourceInUseException, ResourceNotFoundException)


@pytest.fixture
def lab():
    return Lab(seed=0)


@pytest.fixture
def kinesis(lab):
    with lab.aws():
        yield boto3.client("kinesis")


def code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_shards_split_the_md5_hash_space_evenly(lab):
    # KDG/key-concepts.html: MD5 of the partition key, as a 128-bit integer, picks the shard
    stream = lab.kinesis.create_stream("s", 4)
    ranges = [(s.start_hash, s.end_hash) for s in stream.shards]
    assert ranges[0][0] == 0 and ranges[-1][1] == 2 ** 128 - 1
    assert all(a[1] + 1 == b[0] for a, b in zip(ranges, ranges[1:]))
    assert {b - a for a, b in ranges} <= {2 ** 126 - 1, 2 ** 126}
    for key in ("alpha", "beta", "订单", "x" * 256):
        h = int(hashlib.md5(key.encode()).hexdigest(), 16)
        assert hash_key(key) == h
        shard = stream.shard_for(key)
        assert shard.start_hash <= h <= shard.end_hash


def test_sequence_numbers_increase_per_shard_and_arrival_follows_the_clock(lab):
    stream = lab.kinesis.create_stream("s", 2)
    seqs = {}
    for i in range(20):
        out = lab.kinesis.put_record(stream, f"r{i}", f"k{i % 5}")
        seqs.setdefault(out["ShardId"], []).append(int(out["SequenceNumber"]))
        assert len(out["SequenceNumber"]) == 56
        lab.run("1s")
    for values in seqs.values():
        assert values == sorted(values) and len(set(values)) == len(values)
    shard = stream.shards[0]
    assert [r.arrival for r in shard.records] == sorted(r.arrival for r in shard.records)
    assert shard.records[0].arrival == float(int(shard.records[0].arrival))


def test_put_records_returns_results_in_request_order(lab):
    stream = lab.kinesis.create_stream("s", 3)
    out = lab.kinesis.put_records(stream, [{"Data": b"%d" % i, "PartitionKey": str(i)}
                                           for i in range(30)])
    assert out["FailedRecordCount"] == 0 and len(out["Records"]) == 30
    for i, result in enumerate(out["Records"]):
        assert result["ShardId"] == stream.shard_for(str(i)).id


def test_explicit_hash_key_overrides_the_partition_key(lab):
    stream = lab.kinesis.create_stream("s", 4)
    out = lab.kinesis.put_record(stream, b"x", "any", explicit_hash_key=str(2 ** 128 - 1))
    assert out["ShardId"] == "shardId-000000000003"
    with pytest.raises(InvalidArgumentException, match="ExplicitHashKey"):
        lab.kinesis.put_record(stream, b"x", "any", explicit_hash_key=str(2 ** 128))


def test_iterators_of_every_type(lab):
    stream = lab.kinesis.create_stream("s", 1)
    shard = stream.shards[0]
    seqs = []
    for i in range(5):
        seqs.append(lab.kinesis.put_record(stream, f"r{i}", "k")["SequenceNumber"])
        lab.run("10s")
    svc = lab.kinesis

    def data(kind, **kw):
        it = svc.shard_iterator(stream, shard.id, kind, **kw)
        return [r["Data"] for r in svc.get_records(it)["Records"]]

    assert data("TRIM_HORIZON") == [b"r0", b"r1", b"r2", b"r3", b"r4"]
    assert data("LATEST") == []
    assert data("AT_SEQUENCE_NUMBER", sequence=seqs[2]) == [b"r2", b"r3", b"r4"]
    assert data("AFTER_SEQUENCE_NUMBER", sequence=seqs[2]) == [b"r3", b"r4"]
    assert data("AT_TIMESTAMP", timestamp=15.0) == [b"r2", b"r3", b"r4"]
    latest = svc.shard_iterator(stream, shard.id, "LATEST")
    svc.put_record(stream, "new", "k")
    assert [r["Data"] for r in svc.get_records(latest)["Records"]] == [b"new"]
    with pytest.raises(InvalidArgumentException, match="did not come from this stream"):
        svc.shard_iterator(stream, shard.id, "AT_SEQUENCE_NUMBER", sequence="12345")


def test_get_records_pages_with_limit_and_next_iterator(lab):
    stream = lab.kinesis.create_stream("s", 1)
    for i in range(25):
        lab.kinesis.put_record(stream, f"{i}", "k")
    it = lab.kinesis.shard_iterator(stream, "shardId-000000000000", "TRIM_HORIZON")
    got = []
    while True:
        out = lab.kinesis.get_records(it, limit=10)
        if not out["Records"]:
            break
        got += [r["Data"] for r in out["Records"]]
        it = out["NextShardIterator"]
    assert got == [b"%d" % i for i in range(25)]
    with pytest.raises(InvalidArgumentException):
        lab.kinesis.get_records(it, limit=10_001)     # K/API_GetRecords.html: Limit <= 10,000


def test_iterator_expires_after_five_minutes(lab):
    # K/API_GetShardIterator.html: "A shard iterator expires 5 minutes after it is returned"
    stream = lab.kinesis.create_stream("s", 1)
    it = lab.kinesis.shard_iterator(stream, "shardId-000000000000", "TRIM_HORIZON")
    lab.run("299s")
    lab.kinesis.get_records(it)
    lab.run("2s")
    with pytest.raises(ExpiredIteratorException):
        lab.kinesis.get_records(it)


def test_records_are_kept_24_hours_by_default(lab):
    # KDG/kinesis-extended-retention.html: 24 hours by default, up to 8,760
    stream = lab.kinesis.create_stream("s", 1)
    lab.kinesis.put_record(stream, "old", "k")
    lab.run("23h")
    lab.kinesis.put_record(stream, "young", "k")
    it = lab.kinesis.shard_iterator(stream, "shardId-000000000000", "TRIM_HORIZON")
    assert len(lab.kinesis.get_records(it)["Records"]) == 2
    lab.run("1h")
    it = lab.kinesis.shard_iterator(stream, "shardId-000000000000", "TRIM_HORIZON")
    assert [r["Data"] for r in lab.kinesis.get_records(it)["Records"]] == [b"young"]
    lab.kinesis.set_retention(stream, 48, increase=True)
    assert stream.retention == 48 * 3600
    with pytest.raises(InvalidArgumentException, match="DecreaseRetentionPeriod"):
        lab.kinesis.set_retention(stream, 24, increase=True)
    with pytest.raises(InvalidArgumentException):
        lab.kinesis.set_retention(stream, 8_761, increase=True)


def test_write_limits_are_a_teaching_option(lab):
    # KDG/service-sizes-and-limits.html: 1 MB/s or 1,000 records/s per shard
    stream = lab.kinesis.create_stream("s", 1)
    lab.kinesis.put_records(stream, [{"Data": b"x", "PartitionKey": "k"}] * 500)
    lab.kinesis.put_records(stream, [{"Data": b"x", "PartitionKey": "k"}] * 500)
    lab.kinesis.put_record(stream, b"x", "k")        # off by default: accepted
    lab.run("1s")
    stream.write_limits = True
    out = lab.kinesis.put_records(stream, [{"Data": b"x", "PartitionKey": "k"}] * 500)
    assert out["FailedRecordCount"] == 0
    out = lab.kinesis.put_records(stream, [{"Data": b"x", "PartitionKey": "k"}] * 500)
    assert out["FailedRecordCount"] == 0              # exactly 1,000 in this second
    with pytest.raises(ProvisionedThroughputExceededException, match="Rate exceeded"):
        lab.kinesis.put_record(stream, b"x", "k")
    lab.run("1s")
    big = b"x" * (512 * 1024)
    out = lab.kinesis.put_records(stream, [{"Data": big, "PartitionKey": "k"}] * 3)
    assert out["FailedRecordCount"] == 2               # 1 MB/s: the second 512 KiB record is over
    assert out["Records"][1]["ErrorCode"] == "ProvisionedThroughputExceededException"
    assert "SequenceNumber" in out["Records"][0]


def test_create_stream_validation(lab):
    lab.kinesis.create_stream("s", 1)
    with pytest.raises(ResourceInUseException):
        lab.kinesis.create_stream("s", 1)
    with pytest.raises(InvalidArgumentException, match="ShardCount is required"):
        lab.kinesis.create_stream("t")
    on_demand = lab.kinesis.create_stream("od", mode="ON_DEMAND")
    assert len(on_demand.shards) == 4                  # KDG/how-do-i-size-a-stream.html
    with pytest.raises(ResourceNotFoundException):
        lab.kinesis.get("missing")


# --- the boto3 door -----------------------------------------------------------------------

def test_door_round_trip(lab, kinesis):
    kinesis.create_stream(StreamName="orders", ShardCount=2)
    summary = kinesis.describe_stream_summary(StreamName="orders")["StreamDescriptionSummary"]
    assert summary["OpenShardCount"] == 2 and summary["RetentionPeriodHours"] == 24
    assert summary["StreamARN"] == "arn:aws:kinesis:us-east-1:123456789012:stream/orders"
    desc = kinesis.describe_stream(StreamARN=summary["StreamARN"])["StreamDescription"]
    assert [s["ShardId"] for s in desc["Shards"]] == ["shardId-000000000000",
                                                      "shardId-000000000001"]
    put = kinesis.put_record(StreamName="orders", Data=b'{"id": 1}', PartitionKey="o-1")
    lab.run("5s")
    batch = kinesis.put_records(StreamName="orders", Records=[
        {"Data": b"a", "PartitionKey": "o-1"}, {"Data": b"b", "PartitionKey": "o-1"}])
    assert batch["FailedRecordCount"] == 0
    it = kinesis.get_shard_iterator(StreamName="orders", ShardId=put["ShardId"],
                                    ShardIteratorType="AT_SEQUENCE_NUMBER",
                                    StartingSequenceNumber=put["SequenceNumber"])["ShardIterator"]
    out = kinesis.get_records(ShardIterator=it)
    assert [r["Data"] for r in out["Records"]] == [b'{"id": 1}', b"a", b"b"]
    assert out["Records"][0]["ApproximateArrivalTimestamp"] == lab.clock.to_datetime(0)
    assert out["Records"][1]["ApproximateArrivalTimestamp"] == lab.clock.to_datetime(5)
    at = kinesis.get_shard_iterator(StreamName="orders", ShardId=put["ShardId"],
                                    ShardIteratorType="AT_TIMESTAMP",
                                    Timestamp=lab.clock.to_datetime(0) + timedelta(seconds=1))
    assert [r["Data"] for r in kinesis.get_records(ShardIterator=at["ShardIterator"])
            ["Records"]] == [b"a", b"b"]
    shards = kinesis.list_shards(StreamName="orders", MaxResults=1)
    assert len(shards["Shards"]) == 1
    rest = kinesis.list_shards(NextToken=shards["NextToken"])
    assert [s["ShardId"] for s in rest["Shards"]] == ["shardId-000000000001"]
    assert kinesis.list_streams()["StreamNames"] == ["orders"]
    kinesis.delete_stream(StreamName="orders")
    with pytest.raises(ClientError) as exc:
        kinesis.describe_stream(StreamName="orders")
    assert code(exc) == "ResourceNotFoundException"


def test_door_errors(lab, kinesis):
    kinesis.create_stream(StreamName="s", ShardCount=1)
    with pytest.raises(ClientError) as exc:
        kinesis.create_stream(StreamName="s", ShardCount=1)
    assert code(exc) == "ResourceInUseException"
    with pytest.raises(ClientError) as exc:
        kinesis.get_records(ShardIterator="bm90IGFuIGl0ZXJhdG9y")
    assert code(exc) == "InvalidArgumentException"
    lab.kinesis.write_limits = True
    lab.kinesis.get("s").write_limits = True
    kinesis.put_records(StreamName="s", Records=[{"Data": b"x" * 1000, "PartitionKey": "k"}]
                        * 500)
    kinesis.put_records(StreamName="s", Records=[{"Data": b"x" * 1000, "PartitionKey": "k"}]
                        * 500)
    with pytest.raises(ClientError) as exc:
        kinesis.put_record(StreamName="s", Data=b"x", PartitionKey="k")
    assert code(exc) == "ProvisionedThroughputExceededException"
    out = kinesis.put_records(StreamName="s", Records=[{"Data": b"x", "PartitionKey": "k"}])
    assert out["FailedRecordCount"] == 1
    assert out["Records"][0]["ErrorCode"] == "ProvisionedThroughputExceededException"


def test_same_seed_same_sequence_numbers_and_iterators():
    def run():
        lab = Lab(seed=3)
        stream = lab.kinesis.create_stream("s", 2)
        out = [lab.kinesis.put_record(stream, f"{i}", f"k{i}")["SequenceNumber"]
               for i in range(5)]
        out.append(lab.kinesis.shard_iterator(stream, "shardId-000000000001", "TRIM_HORIZON"))
        return out
    assert run() == run()


# --- resharding (K/API_SplitShard.html, K/API_MergeShards.html, K/API_UpdateShardCount.html) --

def test_split_closes_the_parent_and_children_take_the_writes(lab):
    stream = lab.kinesis.create_stream("s", 1)
    before = lab.kinesis.put_record(stream, "old", "k")
    left, right = lab.kinesis.split_shard(stream, "shardId-000000000000", str(2 ** 127))
    parent = stream.shard("shardId-000000000000")
    desc = parent.describe()
    assert parent.closed and desc["SequenceNumberRange"]["EndingSequenceNumber"] == \
        before["SequenceNumber"]
    assert left.describe()["ParentShardId"] == parent.id
    assert (left.start_hash, left.end_hash, right.start_hash, right.end_hash) == \
        (0, 2 ** 127 - 1, 2 ** 127, 2 ** 128 - 1)
    after = lab.kinesis.put_record(stream, "new", "k")
    assert after["ShardId"] in (left.id, right.id)
    assert int(after["SequenceNumber"]) > int(before["SequenceNumber"])
    it = lab.kinesis.shard_iterator(stream, parent.id, "TRIM_HORIZON")
    out = lab.kinesis.get_records(it)
    assert [r["Data"] for r in out["Records"]] == [b"old"]
    assert "NextShardIterator" not in out                 # the end of a closed shard
    assert [c["ShardId"] for c in out["ChildShards"]] == [left.id, right.id]
    with pytest.raises(InvalidArgumentException, match="not eligible"):
        lab.kinesis.split_shard(stream, parent.id, str(2 ** 126))
    with pytest.raises(InvalidArgumentException, match="NewStartingHashKey"):
        lab.kinesis.split_shard(stream, left.id, "0")


def test_merge_needs_adjacent_shards(lab):
    stream = lab.kinesis.create_stream("s", 3)
    with pytest.raises(InvalidArgumentException, match="adjacent"):
        lab.kinesis.merge_shards(stream, "shardId-000000000000", "shardId-000000000002")
    child = lab.kinesis.merge_shards(stream, "shardId-000000000001", "shardId-000000000000")
    d = child.describe()
    assert d["ParentShardId"] == "shardId-000000000001"
    assert d["AdjacentParentShardId"] == "shardId-000000000000"
    assert child.start_hash == 0 and len(stream.open_shards) == 2


def test_update_shard_count_between_half_and_double(lab, kinesis):
    kinesis.create_stream(StreamName="s", ShardCount=4)
    out = kinesis.update_shard_count(StreamName="s", TargetShardCount=8,
                                     ScalingType="UNIFORM_SCALING")
    assert (out["CurrentShardCount"], out["TargetShardCount"]) == (4, 8)
    summary = kinesis.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]
    assert summary["OpenShardCount"] == 8
    shards = kinesis.list_shards(StreamName="s")["Shards"]
    assert len(shards) == 12 and sum("ParentShardId" in s for s in shards) == 8
    kinesis.update_shard_count(StreamName="s", TargetShardCount=5,
                               ScalingType="UNIFORM_SCALING")
    assert len(lab.kinesis.get("s").open_shards) == 5
    with pytest.raises(ClientError) as exc:
        kinesis.update_shard_count(StreamName="s", TargetShardCount=11,
                                   ScalingType="UNIFORM_SCALING")
    assert code(exc) == "InvalidArgumentException"
    opened = sorted(lab.kinesis.get("s").open_shards, key=lambda s: s.start_hash)
    assert opened[0].start_hash == 0 and opened[-1].end_hash == 2 ** 128 - 1
    assert all(a.end_hash + 1 == b.start_hash for a, b in zip(opened, opened[1:]))
