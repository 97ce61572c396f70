"""Lambda event source mappings for Kinesis streams.

Sources (L/ = https://docs.aws.amazon.com/lambda/latest/dg/):
* L/services-kinesis-parameters.html - BatchSize 1-10,000 (default 100), ParallelizationFactor
  1-10, MaximumRetryAttempts -1..10,000, MaximumRecordAgeInSeconds -1 or 60..604,800,
  BisectBatchOnFunctionError, StartingPosition TRIM_HORIZON / LATEST / AT_TIMESTAMP.
* L/services-kinesis-errors.html - a failing batch blocks its shard until it succeeds or the
  retry/age limits discard it to the OnFailure destination (the record names shard and
  sequence range, not the data).
* L/services-kinesis-batchfailurereporting.html - checkpoint at the lowest reported failure.
* L/services-kinesis-windows.html - TumblingWindowInSeconds 0-900, state between invocations.
* L/invocation-eventfiltering.html - Kinesis filter patterns on partitionKey and data.
* L/with-kinesis.html - the event shape (checked with aws-lambda-powertools' model).
"""
from __future__ import annotations

import base64
import json

import boto3
import pytest
from aws_lambda_powertools.utilities.parser.models import KinesisDataStreamModel
from botocore.exceptions import ClientError

from lambdalab import Lab
from lambdalab.errors import (InvalidParameterValueException, ResourceConflictException,
                              ValidationException)


@pytest.fixture
def lab():
    return Lab(seed=0)


def data_of(record) -> str:
    return base64.b64decode(record["kinesis"]["data"]).decode()


def poison_consumer(lab, seen: list):
    """A function that fails any batch holding a record "poison" and otherwise records data."""
    @lab.function
    def consumer(event, context):
        for r in event["Records"]:
            if data_of(r) == "poison":
                raise ValueError("cannot parse")
        seen.extend(data_of(r) for r in event["Records"])
    return consumer


def put(lab, stream, n, keys=("a",), prefix=""):
    for i in range(n):
        lab.kinesis.put_record(stream, f"{prefix}{i}", keys[i % len(keys)])


# --- the event ------------------------------------------------------------------------------
def test_event_shape_matches_powertools_model(lab):
    stream = lab.kinesis.create_stream("clicks", 2)
    events = []

    @lab.function
    def consumer(event, context):
        events.append(event)

    lab.awslambda.create_event_source_mapping(consumer, stream.arn,
                                              starting_position="TRIM_HORIZON")
    out = lab.kinesis.put_record(stream, '{"page": "/"}', "user-1")
    lab.run()
    assert len(events) == 1
    model = KinesisDataStreamModel(**events[0])
    record = model.Records[0]
    assert record.kinesis.data == b'{"page": "/"}'   # powertools decodes base64
    raw = events[0]["Records"][0]
    assert raw["eventID"] == f"{out['ShardId']}:{out['SequenceNumber']}"
    assert raw["eventSource"] == "aws:kinesis" and raw["eventName"] == "aws:kinesis:record"
    assert raw["eventSourceARN"] == stream.arn
    assert raw["kinesis"]["approximateArrivalTimestamp"] == 1767225600.0   # 2026-01-01 UTC
    assert raw["invokeIdentityArn"] == consumer.role


# --- batching and order ---------------------------------------------------------------------
def test_one_shard_is_processed_in_order_one_batch_at_a_time(lab):
    stream = lab.kinesis.create_stream("s", 1)
    seen = []

    @lab.function(duration="200ms")
    def consumer(event, context):
        seen.extend(data_of(r) for r in event["Records"])

    mapping = lab.awslambda.create_event_source_mapping(consumer, stream.arn, batch_size=10,
                                                        starting_position="TRIM_HORIZON")
    put(lab, stream, 95, keys=("a", "b", "c"))
    lab.run()
    assert seen == [str(i) for i in range(95)]
    trace = mapping.trace()
    assert list(trace["size"]) == [10] * 9 + [5]
    starts = list(trace.time)
    assert all(b - a >= 0.2 - 1e-9 for a, b in zip(starts, starts[1:]))   # one at a time
    assert mapping.stats()["processed"] == 95


def test_default_batch_size_is_100(lab):
    stream = lab.kinesis.create_stream("s", 1)

    @lab.function
    def consumer(event, context):
        pass

    mapping = lab.awslambda.create_event_source_mapping(consumer, stream.arn,
                                                        starting_position="TRIM_HORIZON")
    put(lab, stream, 250)
    lab.run()
    assert list(mapping.trace()["size"]) == [100, 100, 50]
    assert mapping.describe()["BatchSize"] == 100


def test_shards_are_processed_in_parallel(lab):
    stream = lab.kinesis.create_stream("s", 4)

    @lab.function(duration="1s")
    def consumer(event, context):
        pass

    mapping = lab.awslambda.create_event_source_mapping(consumer, stream.arn, batch_size=5,
                                                        starting_position="TRIM_HORIZON")
    put(lab, stream, 200, keys=[f"k{i}" for i in range(40)])
    lab.run()
    trace = mapping.trace()
    assert set(trace.shard) == {f"shardId-00000000000{i}" for i in range(4)}
    at_zero = trace[trace.time == 0.0]
    assert len(at_zero) == 4                        # one batch per shard at once


def test_parallelization_factor_keeps_order_per_partition_key(lab):
    stream = lab.kinesis.create_stream("s", 1)
    seen = []

    @lab.function(duration="1s")
    def consumer(event, context):
        seen.extend((r["kinesis"]["partitionKey"], int(data_of(r))) for r in event["Records"])

    mapping = lab.awslambda.create_event_source_mapping(
        consumer, stream.arn, batch_size=5, parallelization_factor=10,
        starting_position="TRIM_HORIZON")
    keys = [f"user-{i}" for i in range(30)]
    put(lab, stream, 300, keys=keys)
    lab.run()
    trace = mapping.trace()
    assert trace[trace.time == 0.0].lane.nunique() > 1      # concurrent batches in one shard
    assert trace.lane.max() <= 9
    for key in keys:
        mine = [n for k, n in seen if k == key]
        assert mine == sorted(mine) and len(mine) == 10
    assert [n for _, n in seen] != sorted(n for _, n in seen)   # not in order across keys


def test_batching_window_waits_for_a_full_batch(lab):
    stream = lab.kinesis.create_stream("s", 1)

    @lab.function
    def consumer(event, context):
        pass

    mapping = lab.awslambda.create_event_source_mapping(
        consumer, stream.arn, batch_size=50, maximum_batching_window=5,
        starting_position="TRIM_HORIZON")
    for i in range(20):
        lab.kinesis.put_record(stream, f"{i}", "k")
        lab.run("1s")
    lab.run()
    trace = mapping.trace()
    assert len(trace) == 4 and trace["size"].sum() == 20     # not 20 batches of one
    assert trace.time.iloc[0] == 5.0                         # the window opened at t = 0
    assert (trace.time.diff().dropna() >= 5.0).all()


def test_starting_positions(lab):
    stream = lab.kinesis.create_stream("s", 1)
    put(lab, stream, 3, prefix="old-")
    lab.run("1m")
    put(lab, stream, 2, prefix="mid-")
    seen = {}

    for position in ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"):
        def handler(event, context, position=position):
            seen.setdefault(position, []).extend(data_of(r) for r in event["Records"])
        fn = lab.function(handler, name=f"f-{position.lower().replace('_', '-')}")
        extra = {"starting_position_timestamp": 30.0} if position == "AT_TIMESTAMP" else {}
        lab.awslambda.create_event_source_mapping(fn, stream.arn, starting_position=position,
                                                  **extra)
    put(lab, stream, 1, prefix="new-")
    lab.run()
    assert seen["TRIM_HORIZON"] == ["old-0", "old-1", "old-2", "mid-0", "mid-1", "new-0"]
    assert seen["LATEST"] == ["new-0"]
    assert seen["AT_TIMESTAMP"] == ["mid-0", "mid-1", "new-0"]


# --- errors ---------------------------------------------------------------------------------
def test_poison_record_blocks_the_shard_and_iterator_age_grows(lab):
    stream = lab.kinesis.create_stream("s", 1)
    seen = []

    consumer = poison_consumer(lab, seen)

    mapping = lab.awslambda.create_event_source_mapping(consumer, stream.arn, batch_size=10,
                                                        starting_position="TRIM_HORIZON")
    lab.kinesis.put_record(stream, "poison", "k")
    for i in range(5):
        lab.kinesis.put_record(stream, f"{i}", "k")
    lab.run("10m")
    assert seen == []                                   # nothing behind the poison gets through
    ages = list(mapping.trace().iterator_age_ms)
    assert ages == sorted(ages) and ages[-1] > 500_000  # retried, older and older
    assert mapping.iterator_age("1m").IteratorAge.is_monotonic_increasing
    assert mapping.stats()["waiting"] == 6


def test_retries_exhausted_go_to_the_on_failure_destination_without_data(lab):
    stream = lab.kinesis.create_stream("s", 1)
    dlq = lab.sqs.create_queue("failures")
    seen = []

    consumer = poison_consumer(lab, seen)

    mapping = lab.awslambda.create_event_source_mapping(
        consumer, stream.arn, batch_size=10, starting_position="TRIM_HORIZON",
        maximum_retry_attempts=2, destination_config={"OnFailure": {"Destination": dlq.arn}})
    put(lab, stream, 3)
    first = lab.kinesis.put_record(stream, "poison", "a")
    put(lab, stream, 3, prefix="after-")
    lab.run()
    assert seen == []                                  # the whole batch was discarded
    trace = mapping.trace()
    assert list(trace.attempt) == [1, 2, 3]            # 1 try + 2 retries
    body = json.loads(dlq.receive(10)[0]["Body"])
    info = body["KinesisBatchInfo"]
    assert info["shardId"] == first["ShardId"] and info["batchSize"] == 7
    assert info["streamArn"] == stream.arn
    assert int(info["startSequenceNumber"]) < int(first["SequenceNumber"]) \
        < int(info["endSequenceNumber"])
    assert body["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert body["requestContext"]["approximateInvokeCount"] == 3
    assert body["responseContext"]["functionError"] == "Unhandled"
    assert "poison" not in json.dumps(body) and "data" not in json.dumps(body)
    assert mapping.stats()["reported_on_failure"] == 7


def test_bisect_isolates_the_poison_record(lab):
    stream = lab.kinesis.create_stream("s", 1)
    dlq = lab.sqs.create_queue("failures")
    seen = []

    consumer = poison_consumer(lab, seen)

    mapping = lab.awslambda.create_event_source_mapping(
        consumer, stream.arn, batch_size=8, starting_position="TRIM_HORIZON",
        bisect_batch_on_function_error=True, maximum_retry_attempts=1,
        destination_config={"OnFailure": {"Destination": dlq.arn}})
    for i in range(8):
        lab.kinesis.put_record(stream, "poison" if i == 5 else str(i), "k")
    lab.run()
    assert seen == ["0", "1", "2", "3", "4", "6", "7"]    # in order, poison left out
    info = json.loads(dlq.receive(10)[0]["Body"])["KinesisBatchInfo"]
    assert info["batchSize"] == 1
    stats = mapping.stats()
    assert stats["processed"] == 7 and stats["reported_on_failure"] == 1
    assert stats["bisections"] == 3                       # 8 -> 4 -> 2 -> 1


def test_report_batch_item_failures_checkpoints_at_the_lowest_failure(lab):
    stream = lab.kinesis.create_stream("s", 1)
    calls = []

    @lab.function
    def consumer(event, context):
        records = event["Records"]
        calls.append([data_of(r) for r in records])
        if len(calls) == 1:
            return {"batchItemFailures": [
                {"itemIdentifier": records[5]["kinesis"]["sequenceNumber"]},
                {"itemIdentifier": records[3]["kinesis"]["sequenceNumber"]}]}
        return {"batchItemFailures": []}

    mapping = lab.awslambda.create_event_source_mapping(
        consumer, stream.arn, batch_size=10, starting_position="TRIM_HORIZON",
        function_response_types=["ReportBatchItemFailures"])
    put(lab, stream, 8)
    lab.run()
    assert calls == [[str(i) for i in range(8)], ["3", "4", "5", "6", "7"]]
    assert mapping.stats()["processed"] == 8


def test_invalid_item_identifier_fails_the_whole_batch(lab):
    stream = lab.kinesis.create_stream("s", 1)
    calls = []

    @lab.function
    def consumer(event, context):
        calls.append(len(event["Records"]))
        return {"batchItemFailures": [{"itemIdentifier": "nope"}]} if len(calls) == 1 else None

    lab.awslambda.create_event_source_mapping(
        consumer, stream.arn, starting_position="TRIM_HORIZON",
        function_response_types=["ReportBatchItemFailures"])
    put(lab, stream, 4)
    lab.run()
    assert calls == [4, 4]


def test_maximum_record_age_discards_old_records(lab):
    stream = lab.kinesis.create_stream("s", 1)
    dlq = lab.sqs.create_queue("failures")

    @lab.function
    def consumer(event, context):
        raise RuntimeError("down")

    mapping = lab.awslambda.create_event_source_mapping(
        consumer, stream.arn, starting_position="TRIM_HORIZON", maximum_record_age=60,
        destination_config={"OnFailure": {"Destination": dlq.arn}})
    put(lab, stream, 3)
    lab.run()
    body = json.loads(dlq.receive(1)[0]["Body"])
    assert body["requestContext"]["condition"] == "RecordAgeExceeded"
    assert mapping.trace().time.max() <= 60
    assert mapping.stats()["reported_on_failure"] == 3


def test_records_that_leave_the_stream_are_counted_expired(lab):
    stream = lab.kinesis.create_stream("s", 1)

    @lab.function
    def consumer(event, context):
        raise RuntimeError("down")

    mapping = lab.awslambda.create_event_source_mapping(consumer, stream.arn,
                                                        starting_position="TRIM_HORIZON")
    put(lab, stream, 4)
    lab.run("25h")
    stats = mapping.stats()
    assert stats["expired"] == 4 and stats["waiting"] == 0 and stats["processed"] == 0


def test_throttles_are_retried_and_not_counted_as_retries(lab):
    stream = lab.kinesis.create_stream("s", 1)

    @lab.function(reserved_concurrency=0)
    def consumer(event, context):
        pass

    mapping = lab.awslambda.create_event_source_mapping(
        consumer, stream.arn, starting_position="TRIM_HORIZON", maximum_retry_attempts=0)
    put(lab, stream, 2)
    lab.run("5s")
    assert mapping.stats()["throttles"] >= 4
    lab.awslambda.delete_reserved_concurrency("consumer")
    lab.run("5s")
    assert mapping.stats()["processed"] == 2


# --- tumbling windows and filters -----------------------------------------------------------
def test_tumbling_window_carries_state_and_ends_with_a_final_invoke(lab):
    stream = lab.kinesis.create_stream("s", 1)
    events = []

    @lab.function
    def counter(event, context):
        events.append(event)
        total = event["state"].get("total", 0) + sum(int(data_of(r)) for r in event["Records"])
        return {"state": {"total": total}}

    lab.awslambda.create_event_source_mapping(counter, stream.arn, batch_size=2,
                                              starting_position="TRIM_HORIZON",
                                              tumbling_window=30)
    for i in range(1, 7):           # 1..6 at t = 0, 10, 20, ... 50
        lab.kinesis.put_record(stream, str(i), "k")
        lab.run("10s")
    lab.run("1m")
    finals = [e for e in events if e["isFinalInvokeForWindow"]]
    assert [f["state"]["total"] for f in finals] == [1 + 2 + 3, 4 + 5 + 6]
    assert all(f["Records"] == [] for f in finals)
    assert finals[0]["window"] == {"start": "2026-01-01T00:00:00.000Z",
                                   "end": "2026-01-01T00:00:30.000Z"}
    first_of_second = next(e for e in events if e["window"]["start"].endswith("00:30.000Z"))
    assert first_of_second["state"] == {}
    assert all(e["shardId"] == "shardId-000000000000" for e in events)


def test_filter_criteria_on_partition_key_and_json_data(lab):
    stream = lab.kinesis.create_stream("s", 1)
    seen = []

    @lab.function
    def consumer(event, context):
        seen.extend(data_of(r) for r in event["Records"])

    mapping = lab.awslambda.create_event_source_mapping(
        consumer, stream.arn, starting_position="TRIM_HORIZON",
        filter_criteria={"Filters": [
            {"Pattern": json.dumps({"data": {"temp": [{"numeric": [">", 30]}]}})},
            {"Pattern": json.dumps({"partitionKey": [{"prefix": "vip-"}]})}]})
    lab.kinesis.put_record(stream, '{"temp": 25}', "a")
    lab.kinesis.put_record(stream, '{"temp": 35}', "a")
    lab.kinesis.put_record(stream, "not json", "vip-1")
    lab.kinesis.put_record(stream, "not json", "b")
    lab.run()
    assert seen == ['{"temp": 35}', "not json"]
    assert mapping.stats()["filtered_out"] == 2


# --- configuration and the door -------------------------------------------------------------
@pytest.mark.parametrize("settings, message", [
    ({}, "StartingPosition is required"),
    ({"starting_position": "AT_SEQUENCE_NUMBER"}, "Unsupported StartingPosition"),
    ({"starting_position": "AT_TIMESTAMP"}, "StartingPositionTimestamp is required"),
    ({"starting_position": "LATEST", "batch_size": 10_001}, "less than or equal to 10000"),
    ({"starting_position": "LATEST", "parallelization_factor": 11}, "less than or equal to 10"),
    ({"starting_position": "LATEST", "parallelization_factor": 0}, "greater than or equal to 1"),
    ({"starting_position": "LATEST", "maximum_retry_attempts": 10_001}, "10000"),
    ({"starting_position": "LATEST", "maximum_retry_attempts": -2}, "-1"),
    ({"starting_position": "LATEST", "maximum_record_age": 59}, r"-1 \(no limit\) or between 60"),
    ({"starting_position": "LATEST", "maximum_record_age": 604_801}, "604800"),
    ({"starting_position": "LATEST", "tumbling_window": 901}, "900"),
    ({"starting_position": "LATEST",
      "destination_config": {"OnFailure": {"Destination": "arn:aws:lambda:us-east-1:"
                                                           "123456789012:function:x"}}},
     "SQS queue, SNS topic or S3 bucket"),
])
def test_parameter_validation(lab, settings, message):
    stream = lab.kinesis.create_stream("s", 1)

    @lab.function
    def consumer(event, context):
        pass

    # ranges of the API model answer ValidationException, other checks InvalidParameterValue
    with pytest.raises((InvalidParameterValueException, ValidationException), match=message):
        lab.awslambda.create_event_source_mapping(consumer, stream.arn, **settings)
    assert not lab.awslambda.mappings.mappings


def test_stream_parameters_are_refused_for_sqs(lab):
    queue = lab.sqs.create_queue("q")

    @lab.function
    def consumer(event, context):
        pass

    with pytest.raises(InvalidParameterValueException, match="StartingPosition"):
        lab.awslambda.create_event_source_mapping(consumer, queue.arn,
                                                  starting_position="LATEST")


def test_door_creates_a_kinesis_mapping_with_stream_parameters(lab):
    @lab.function
    def consumer(event, context):
        pass

    with lab.aws():
        kinesis = boto3.client("kinesis")
        awslambda = boto3.client("lambda")
        sqs = boto3.client("sqs")
        kinesis.create_stream(StreamName="s", ShardCount=2)
        arn = kinesis.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"][
            "StreamARN"]
        queue = sqs.create_queue(QueueName="dlq")["QueueUrl"]
        dlq = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        out = awslambda.create_event_source_mapping(
            FunctionName="consumer", EventSourceArn=arn, StartingPosition="TRIM_HORIZON",
            BatchSize=500, ParallelizationFactor=2, MaximumRetryAttempts=3,
            MaximumRecordAgeInSeconds=3600, BisectBatchOnFunctionError=True,
            TumblingWindowInSeconds=60, FunctionResponseTypes=["ReportBatchItemFailures"],
            DestinationConfig={"OnFailure": {"Destination": dlq}})
        assert out["StartingPosition"] == "TRIM_HORIZON" and out["BatchSize"] == 500
        assert out["ParallelizationFactor"] == 2 and out["MaximumRetryAttempts"] == 3
        assert out["DestinationConfig"]["OnFailure"]["Destination"] == dlq
        with pytest.raises(ClientError) as exc:
            awslambda.create_event_source_mapping(FunctionName="consumer", EventSourceArn=arn,
                                                  StartingPosition="LATEST")
        assert exc.value.response["Error"]["Code"] == "ResourceConflictException"
        with pytest.raises(ClientError) as exc:
            awslambda.update_event_source_mapping(UUID=out["UUID"], ParallelizationFactor=20)
        assert exc.value.response["Error"]["Code"] == "ValidationException"
        updated = awslambda.update_event_source_mapping(UUID=out["UUID"],
                                                        ParallelizationFactor=5)
        assert updated["ParallelizationFactor"] == 5
        kinesis.put_record(StreamName="s", Data=b"x", PartitionKey="k")
    lab.run()
    assert lab.awslambda.mappings.get(out["UUID"]).stats()["processed"] == 1


def test_deleting_the_stream_disables_the_mapping(lab):
    stream = lab.kinesis.create_stream("s", 1)

    @lab.function
    def consumer(event, context):
        pass

    mapping = lab.awslambda.create_event_source_mapping(consumer, stream.arn,
                                                        starting_position="LATEST")
    with pytest.raises(ResourceConflictException, match=mapping.uuid):
        lab.awslambda.create_event_source_mapping(consumer, stream.arn,
                                                  starting_position="LATEST")
    lab.kinesis.delete_stream(stream)
    assert mapping.state() == "Disabled"
    with pytest.raises(InvalidParameterValueException, match="Stream not found"):
        lab.awslambda.create_event_source_mapping(consumer, stream.arn,
                                                  starting_position="TRIM_HORIZON")


def test_changing_parallelization_moves_waiting_records_without_losing_any(lab):
    stream = lab.kinesis.create_stream("s", 1)
    seen = []

    @lab.function(duration="1s")
    def consumer(event, context):
        seen.extend(data_of(r) for r in event["Records"])

    mapping = lab.awslambda.create_event_source_mapping(consumer, stream.arn, batch_size=5,
                                                        starting_position="TRIM_HORIZON")
    put(lab, stream, 100, keys=[f"k{i}" for i in range(10)])
    lab.run("2s")
    lab.awslambda.mappings.update(mapping.uuid, parallelization_factor=4)
    lab.run()
    assert sorted(seen, key=int) == [str(i) for i in range(100)] and len(seen) == 100
    assert mapping.trace().lane.max() == 3
    assert mapping.stats()["processed"] == 100


def test_children_are_read_only_after_their_parent(lab):
    # L/with-kinesis.html: after a reshard Lambda finishes the parent shard before its children
    stream = lab.kinesis.create_stream("s", 1)
    seen = []

    @lab.function(duration="1s")
    def consumer(event, context):
        for r in event["Records"]:
            if data_of(r) == "poison" and lab.t < 30:       # fails for 30 s, then passes
                raise ValueError("not yet")
        seen.extend((r["eventID"].split(":")[0], data_of(r)) for r in event["Records"])

    mapping = lab.awslambda.create_event_source_mapping(consumer, stream.arn, batch_size=2,
                                                        starting_position="TRIM_HORIZON")
    lab.kinesis.put_record(stream, "poison", "k")
    lab.kinesis.put_record(stream, "p-1", "k")
    lab.run("1s")
    lab.kinesis.update_shard_count(stream, 2)
    for i in range(4):
        lab.kinesis.put_record(stream, f"c-{i}", f"key-{i}")
    lab.run()
    assert [d for _, d in seen][:2] == ["poison", "p-1"]      # parent first, though blocked
    assert sorted(d for _, d in seen[2:]) == ["c-0", "c-1", "c-2", "c-3"]
    parent_last = max(t for t, shard in zip(mapping.trace().time, mapping.trace().shard)
                      if shard == "shardId-000000000000")
    child_first = min(t for t, shard in zip(mapping.trace().time, mapping.trace().shard)
                      if shard != "shardId-000000000000")
    assert child_first >= parent_last + 1.0 - 1e-9
    assert child_first >= 30
    assert mapping.stats()["processed"] == 6


def test_lab_metrics_have_iterator_age_per_period(lab):
    stream = lab.kinesis.create_stream("s", 1)

    @lab.function
    def consumer(event, context):
        raise RuntimeError("poison")

    lab.awslambda.create_event_source_mapping(consumer, stream.arn,
                                              starting_position="TRIM_HORIZON")
    lab.kinesis.put_record(stream, "x", "k")
    lab.run("5m")
    frame = lab.metrics("consumer", period="1m")
    ages = frame.IteratorAge.dropna()
    assert len(ages) == 5 and ages.is_monotonic_increasing   # blocked: older every minute
    assert ages.iloc[-1] > 4 * 60_000
    assert frame.Errors.sum() == frame.Invocations.sum() > 5
