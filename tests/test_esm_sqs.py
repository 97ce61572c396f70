"""Lambda event source mappings for SQS: polling, batching, scaling, throttling, errors, partial
batch responses, FIFO, filtering, the event shape, and the mapping API.

Sources (L/ = https://docs.aws.amazon.com/lambda/latest/dg/):
* L/services-sqs-parameters.html, L/API_CreateEventSourceMapping.html - BatchSize 1-10,000
  (default 10, FIFO max 10), >10 needs MaximumBatchingWindowInSeconds >= 1, window 0-300 and
  not for FIFO, 6 MB per batch.
* L/services-sqs-configure.html - function timeout above the visibility timeout is rejected.
* L/services-sqs-scaling.html - 5 concurrent batches at first, +300 per minute, up to 1,000.
* L/API_ScalingConfig.html - MaximumConcurrency 2-1,000.
* L/services-sqs-errorhandling.html - failures reappear after the visibility timeout;
  ReportBatchItemFailures rules; FIFO stops at the first failure.
* L/invocation-eventfiltering.html - FilterCriteria; non-matching SQS messages are deleted.
* L/with-sqs.html - the event shape (checked with aws-lambda-powertools' SqsModel).
"""
from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.utilities.parser.models import SqsModel

from lambdalab import Lab
from lambdalab.errors import (InvalidParameterValueException, ResourceConflictException,
                              ResourceNotFoundException, ValidationException)


@pytest.fixture
def lab():
    return Lab(seed=0)


def ran(lab, name):
    return [a for a in lab.awslambda.attempts if a.function == name and a.outcome != "throttled"]


def max_concurrency(attempts, t0=0.0, t1=float("inf")):
    edges = sorted([(a.start, 1) for a in attempts if t0 <= a.start < t1] +
                   [(a.end, -1) for a in attempts if t0 <= a.start < t1])
    level = best = 0
    for _, d in edges:
        level += d
        best = max(best, level)
    return best


# --- the event ------------------------------------------------------------------------------
def test_event_shape_matches_powertools_models(lab):
    q = lab.sqs.create_queue("orders")
    f = lab.sqs.create_queue("orders.fifo", fifo_queue=True, content_based_deduplication=True)
    events = []

    @lab.function
    def consumer(event, context):
        events.append(event)

    lab.awslambda.create_event_source_mapping(consumer, q.arn)
    lab.awslambda.create_event_source_mapping(consumer, f.arn)
    sent = q.send('{"order": 1}', attributes={"kind": {"DataType": "String", "StringValue": "new"},
                                       "raw": {"DataType": "Binary", "BinaryValue": b"\x01"}})
    f.send("fifo", group_id="g")
    lab.run()
    assert len(events) == 2
    standard, fifo = (SqsModel.model_validate(e) for e in events)
    (rec,) = events[0]["Records"]
    assert rec["eventSource"] == "aws:sqs" and rec["eventSourceARN"] == q.arn
    assert rec["awsRegion"] == "us-east-1" and rec["body"] == '{"order": 1}'
    assert rec["attributes"]["ApproximateReceiveCount"] == "1"
    assert rec["attributes"]["SentTimestamp"] == "1767225600000"
    assert rec["messageAttributes"]["kind"] == {"stringValue": "new", "stringListValues": [],
                                                "binaryListValues": [], "dataType": "String"}
    assert rec["messageAttributes"]["raw"]["binaryValue"] == "AQ=="
    assert rec["md5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert rec["md5OfBody"] == sent["MD5OfMessageBody"] and rec["messageId"] == sent["MessageId"]
    (frec,) = events[1]["Records"]
    assert set(frec["attributes"]) >= {"SequenceNumber", "MessageGroupId",
                                       "MessageDeduplicationId"}
    assert fifo.Records[0].attributes.MessageGroupId == "g"
    assert standard.Records[0].messageAttributes["kind"].stringValue == "new"
    trace = lab.trace("consumer")
    assert set(trace.invocation_type) == {"EventSourceMapping"}


# --- success and failure ------------------------------------------------------------------------
def test_success_deletes_the_batch(lab):
    q = lab.sqs.create_queue("q")
    sizes = []

    @lab.function(duration="100ms")
    def consumer(event, context):
        sizes.append(len(event["Records"]))

    lab.awslambda.create_event_source_mapping(consumer, q.arn, batch_size=10)
    q.send_many([str(i) for i in range(35)])
    lab.run()
    assert sorted(sizes, reverse=True) == [10, 10, 10, 5]      # 4 batches (5 pollers at first)
    assert q.stats()["deleted"] == 35 and q.stats()["visible"] == 0


def test_failure_leaves_messages_to_reappear_after_the_visibility_timeout(lab):
    q = lab.sqs.create_queue("q", visibility_timeout=30)
    calls = []

    @lab.function(duration="1s")
    def flaky(event, context):
        calls.append((context.aws_request_id, event["Records"][0]["attributes"]
                      ["ApproximateReceiveCount"]))
        if len(calls) == 1:
            raise RuntimeError("first try fails")

    lab.awslambda.create_event_source_mapping(flaky, q.arn)
    q.send("a")
    lab.run()
    attempts = ran(lab, "flaky")
    assert [a.outcome for a in attempts] == ["error", "success"]
    assert attempts[1].start == pytest.approx(30.0)       # received at 0, visible again at 30
    assert [c[1] for c in calls] == ["1", "2"]
    assert q.stats()["deleted"] == 1


def test_redrive_to_dlq_after_max_receive_count(lab):
    dlq = lab.sqs.create_queue("dlq")
    q = lab.sqs.create_queue("q", visibility_timeout=10,
                             redrive_policy={"deadLetterTargetArn": dlq.arn, "maxReceiveCount": 3})

    @lab.function
    def poison(event, context):
        raise ValueError("cannot parse")

    lab.awslambda.create_event_source_mapping(poison, q.arn)
    q.send("bad")
    lab.run()
    assert len(ran(lab, "poison")) == 3
    assert dlq.stats()["visible"] == 1 and q.stats()["visible"] == 0


def _report(failing_bodies):
    def handler(event, context):
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in event["Records"]
                                      if r["body"] in failing_bodies]}
    return handler


def test_report_batch_item_failures_keeps_only_the_failed_messages(lab):
    q = lab.sqs.create_queue("q", visibility_timeout=20)
    f = lab.function(_report({"b"}), name="partial")
    lab.awslambda.create_event_source_mapping(f, q.arn,
                                              function_response_types=["ReportBatchItemFailures"])
    q.send_many(["a", "b", "c"])
    lab.run("1s")
    assert q.stats()["deleted"] == 2 and q.stats()["in_flight"] == 1
    (left,) = q.messages()
    assert left.body == "b"


def test_without_report_batch_item_failures_the_response_is_ignored(lab):
    q = lab.sqs.create_queue("q")
    f = lab.function(_report({"b"}), name="partial")
    lab.awslambda.create_event_source_mapping(f, q.arn)
    q.send_many(["a", "b", "c"])
    lab.run("1s")
    assert q.stats()["deleted"] == 3


@pytest.mark.parametrize("response, deleted", [
    ({"batchItemFailures": []}, 2),                                  # empty list = success
    ({"batchItemFailures": None}, 2),                                # null list = success
    ({}, 2),                                                         # empty response = success
    (None, 2),
    ({"batchItemFailures": [{"itemIdentifier": "no-such-id"}]}, 0),  # unknown id: all fail
    ({"batchItemFailures": [{"itemIdentifier": ""}]}, 0),            # empty id: all fail
    ({"batchItemFailures": [{"itemIdentifier": None}]}, 0),          # null id: all fail
    ({"batchItemFailures": [{"wrongKey": "x"}]}, 0),                 # bad key name: all fail
])
def test_batch_item_failure_rules(lab, response, deleted):
    q = lab.sqs.create_queue("q")
    lab.function(lambda e, c: response, name="f")
    lab.awslambda.create_event_source_mapping("f", q.arn,
                                              function_response_types=["ReportBatchItemFailures"])
    q.send_many(["a", "b"])
    lab.run("1s")
    assert q.stats()["deleted"] == deleted


def test_an_exception_fails_the_whole_batch_even_with_reporting(lab):
    q = lab.sqs.create_queue("q")

    @lab.function
    def boom(event, context):
        raise RuntimeError("x")

    lab.awslambda.create_event_source_mapping(boom, q.arn,
                                              function_response_types=["ReportBatchItemFailures"])
    q.send_many(["a", "b"])
    lab.run("1s")
    assert q.stats()["deleted"] == 0 and q.stats()["in_flight"] == 2


def test_timeout_fails_the_batch(lab):
    q = lab.sqs.create_queue("q", visibility_timeout=30)
    lab.function(lambda e, c: None, name="slow", timeout=2, duration="5s")
    lab.awslambda.create_event_source_mapping("slow", q.arn)
    q.send("a")
    lab.run("10s")
    assert ran(lab, "slow")[0].outcome == "timeout"
    assert q.stats()["deleted"] == 0


# --- FIFO ---------------------------------------------------------------------------------------
def test_fifo_groups_are_processed_in_order_one_batch_per_group(lab):
    q = lab.sqs.create_queue("q.fifo", fifo_queue=True, content_based_deduplication=True)
    seen = []

    @lab.function(duration="1s")
    def consumer(event, context):
        seen.append([(r["attributes"]["MessageGroupId"], r["body"]) for r in event["Records"]])

    for i in range(6):
        q.send(f"a{i}", group_id="A")
        q.send(f"b{i}", group_id="B")
    lab.awslambda.create_event_source_mapping(consumer, q.arn, batch_size=2)
    lab.run()
    per_group = {}
    for batch in seen:
        for group, body in batch:
            per_group.setdefault(group, []).append(body)
    assert per_group == {"A": [f"a{i}" for i in range(6)], "B": [f"b{i}" for i in range(6)]}
    # one batch per group in flight: group A's batches never overlap in time
    a_batches = [a for a, batch in zip(ran(lab, "consumer"), seen) if batch[0][0] == "A"]
    assert all(x.end <= y.start for x, y in zip(a_batches, a_batches[1:]))


@pytest.mark.parametrize("report_the_rest, second_batch", [
    (True, ["a1", "a2"]),    # the function reports a1 and everything after it: order holds
    (False, ["a1"]),         # it reports only a1: a2 counts as processed and is deleted
])
def test_fifo_partial_failures_delete_what_is_not_reported(lab, report_the_rest, second_batch):
    """L/services-sqs-errorhandling.html: every message not in batchItemFailures is deleted; with
    a FIFO queue the function must stop at the first failure and return it plus the rest."""
    q = lab.sqs.create_queue("q.fifo", fifo_queue=True, content_based_deduplication=True,
                             visibility_timeout=30)
    batches = []

    def handler(event, context):
        records = event["Records"]
        batches.append([r["body"] for r in records])
        if len(batches) > 1:
            return {"batchItemFailures": []}
        first = next(i for i, r in enumerate(records) if r["body"] == "a1")
        failed = records[first:] if report_the_rest else records[first:first + 1]
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in failed]}

    lab.function(handler, name="f")
    for body in ("a0", "a1", "a2"):
        q.send(body, group_id="A")
    lab.awslambda.create_event_source_mapping("f", q.arn, batch_size=10,
                                              function_response_types=["ReportBatchItemFailures"])
    lab.run()
    assert batches == [["a0", "a1", "a2"], second_batch]


# --- validation -----------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs, error", [
    # ranges of the API model: ValidationException
    ({"batch_size": 0}, ValidationException), ({"batch_size": 10_001}, ValidationException),
    ({"batch_size": 100, "maximum_batching_window": 301}, ValidationException),
    ({"maximum_batching_window": -1}, ValidationException),
    ({"maximum_concurrency": 1}, ValidationException),
    ({"maximum_concurrency": 1001}, ValidationException),
    # rules between parameters: InvalidParameterValueException
    ({"batch_size": 11}, InvalidParameterValueException),
    ({"function_response_types": ["Nope"]}, InvalidParameterValueException),
])
def test_mapping_parameter_ranges(lab, kwargs, error):
    q = lab.sqs.create_queue("q")
    lab.function(lambda e, c: None, name="f")
    with pytest.raises(error):
        lab.awslambda.create_event_source_mapping("f", q.arn, **kwargs)
    assert lab.awslambda.list_event_source_mappings() == []


def test_mapping_limits_that_are_accepted(lab):
    q = lab.sqs.create_queue("q")
    lab.function(lambda e, c: None, name="f")
    m = lab.awslambda.create_event_source_mapping("f", q.arn, batch_size=10_000,
                                                  maximum_batching_window=300,
                                                  maximum_concurrency=1000)
    assert (m.batch_size, m.window, m.maximum_concurrency) == (10_000, 300, 1000)
    lab.awslambda.update_event_source_mapping(m.uuid, maximum_concurrency=2)
    assert m.maximum_concurrency == 2


def test_fifo_mapping_limits(lab):
    q = lab.sqs.create_queue("q.fifo", fifo_queue=True)
    lab.function(lambda e, c: None, name="f")
    with pytest.raises(InvalidParameterValueException):
        lab.awslambda.create_event_source_mapping("f", q.arn, batch_size=11,
                                                  maximum_batching_window=1)
    with pytest.raises(InvalidParameterValueException):
        lab.awslambda.create_event_source_mapping("f", q.arn, maximum_batching_window=5)
    lab.awslambda.create_event_source_mapping("f", q.arn, batch_size=10)


def test_function_timeout_above_visibility_timeout_is_rejected(lab):
    q = lab.sqs.create_queue("q", visibility_timeout=30)
    lab.function(lambda e, c: None, name="f", timeout=31)
    with pytest.raises(InvalidParameterValueException, match="visibility timeout"):
        lab.awslambda.create_event_source_mapping("f", q.arn)
    lab.function(lambda e, c: None, name="g", timeout=30)
    lab.awslambda.create_event_source_mapping("g", q.arn)


def test_missing_function_queue_and_duplicate_mapping(lab):
    q = lab.sqs.create_queue("q")
    with pytest.raises(ResourceNotFoundException):
        lab.awslambda.create_event_source_mapping("nope", q.arn)
    lab.function(lambda e, c: None, name="f")
    with pytest.raises(InvalidParameterValueException):
        lab.awslambda.create_event_source_mapping("f", lab.arn("sqs", "missing"))
    lab.awslambda.create_event_source_mapping("f", q.arn)
    with pytest.raises(ResourceConflictException):
        lab.awslambda.create_event_source_mapping("f", q.arn)
    with pytest.raises(ResourceNotFoundException):
        lab.awslambda.get_event_source_mapping("00000000-0000-4000-8000-000000000000")


# --- batching ---------------------------------------------------------------------------------------
def test_batching_window_gathers_until_it_ends_or_the_batch_is_full(lab):
    q = lab.sqs.create_queue("q")
    batches = []

    @lab.function
    def consumer(event, context):
        batches.append((round(lab.clock.t, 3), len(event["Records"])))

    lab.awslambda.create_event_source_mapping(consumer, q.arn, batch_size=50,
                                              maximum_batching_window=5)
    for i in range(3):
        q.send(str(i))
        lab.run("1s")
    lab.run("10s")
    assert batches == [(5.0, 3)]              # the window opened at 0 and closed at 5 s
    q.send_many([str(i) for i in range(50)])  # a full batch goes at once
    lab.run("1s")
    assert batches[-1] == (13.0, 50)


def test_batches_are_capped_at_6_mb(lab):
    q = lab.sqs.create_queue("q")
    sizes = []
    lab.function(lambda e, c: sizes.append(len(e["Records"])), name="f")
    lab.awslambda.create_event_source_mapping("f", q.arn, batch_size=10)
    q.send_many(["x" * 1_000_000] * 10)
    lab.run()
    assert max(sizes) <= 6 and sum(sizes) == 10
    assert all(a.payload_in <= 6 * 1024 * 1024 for a in ran(lab, "f"))


# --- scaling and throttling --------------------------------------------------------------------------
def test_pollers_start_at_5_and_add_up_to_300_per_minute(lab):
    q = lab.sqs.create_queue("q", visibility_timeout=120)
    lab.function(lambda e, c: None, name="slow", duration="10s", timeout=60)
    m = lab.awslambda.create_event_source_mapping("slow", q.arn, batch_size=1)
    q.send_many([str(i) for i in range(20_000)])
    lab.run("150s")
    attempts = ran(lab, "slow")
    assert max_concurrency(attempts, 0, 1) == 5
    at_one_minute = max(c for t, c in m.scaling if t <= 60)
    assert 5 < at_one_minute <= 5 + 300
    assert m.limit <= 1000
    assert max_concurrency(attempts) > 300     # kept growing in the second minute


def test_maximum_concurrency_caps_the_pollers(lab):
    q = lab.sqs.create_queue("q")
    lab.function(lambda e, c: None, name="f", duration="2s")
    lab.awslambda.create_event_source_mapping("f", q.arn, batch_size=1, maximum_concurrency=8)
    q.send_many([str(i) for i in range(500)])
    lab.run()
    assert max_concurrency(ran(lab, "f")) == 8
    assert q.stats()["deleted"] == 500


def test_reserved_concurrency_throttles_and_messages_return_after_visibility_timeout(lab):
    q = lab.sqs.create_queue("q", visibility_timeout=20)
    lab.function(lambda e, c: None, name="f", duration="1s", reserved_concurrency=2)
    m = lab.awslambda.create_event_source_mapping("f", q.arn, batch_size=1)
    q.send_many([str(i) for i in range(10)])
    lab.run()
    throttled = [a for a in lab.awslambda.attempts if a.outcome == "throttled"]
    assert throttled and m.throttles == len(throttled)
    assert max_concurrency(ran(lab, "f")) == 2
    assert q.stats()["deleted"] == 10                  # everything got processed in the end
    # the pollers backed off: the concurrency target fell to what was running (2)
    assert (throttled[0].start, 2) in m.scaling
    # a throttled batch stays in flight: it is received again only after the 20 s timeout
    first_throttle = throttled[0].start
    assert any(a.start >= first_throttle + 20 for a in ran(lab, "f"))


# --- enable, disable, delete, filtering --------------------------------------------------------------
def test_disable_enable_and_delete(lab):
    q = lab.sqs.create_queue("q")
    got = []
    lab.function(lambda e, c: got.extend(r["body"] for r in e["Records"]), name="f")
    m = lab.awslambda.create_event_source_mapping("f", q.arn, enabled=False)
    q.send("while disabled")
    lab.run("1m")
    assert got == [] and m.state() == "Disabled"
    lab.awslambda.update_event_source_mapping(m.uuid, enabled=True)
    lab.run("1s")
    assert got == ["while disabled"]
    lab.awslambda.delete_event_source_mapping(m.uuid)
    q.send("after delete")
    lab.run("1m")
    assert got == ["while disabled"] and q.stats()["visible"] == 1
    assert lab.awslambda.list_event_source_mappings() == []


def test_filter_criteria_deletes_non_matching_messages(lab):
    q = lab.sqs.create_queue("q")
    got = []
    lab.function(lambda e, c: got.extend(r["body"] for r in e["Records"]), name="f")
    lab.awslambda.create_event_source_mapping(
        "f", q.arn, filter_criteria={"Filters": [
            {"Pattern": json.dumps({"body": {"kind": ["order"], "total": [{"numeric": [">", 10]}]}})},
            {"Pattern": json.dumps({"body": {"kind": [{"prefix": "vip-"}]}})}]})
    q.send_many([json.dumps({"kind": "order", "total": 50}),
                 json.dumps({"kind": "order", "total": 5}),
                 json.dumps({"kind": "vip-order"}),
                 "not json"])
    lab.run()
    assert [json.loads(b) for b in got] == [{"kind": "order", "total": 50}, {"kind": "vip-order"}]
    assert q.stats()["deleted"] == 4 and q.stats()["visible"] == 0


def test_filter_criteria_use_every_eventbridge_operator(lab):
    """L/invocation-eventfiltering.html: the EventBridge pattern syntax, suffix, wildcard and $or
    included (the engine passes AWS's conformance corpus: tests/test_event_patterns.py)."""
    q = lab.sqs.create_queue("q")
    got = []
    lab.function(lambda e, c: got.extend(r["body"] for r in e["Records"]), name="f")
    lab.awslambda.create_event_source_mapping(
        "f", q.arn, filter_criteria={"Filters": [
            {"Pattern": json.dumps({"body": {"file": [{"suffix": ".png"}]}})},
            {"Pattern": json.dumps({"body": {"$or": [{"user": [{"wildcard": "adm*"}]},
                                                     {"level": [{"equals-ignore-case": "urgent"}]}]}})}]})
    q.send_many([json.dumps(d) for d in ({"file": "cat.png"}, {"file": "cat.jpg"},
                                         {"user": "admin"}, {"level": "URGENT"}, {"user": "bob"})])
    lab.run()
    assert [json.loads(b) for b in got] == [{"file": "cat.png"}, {"user": "admin"},
                                            {"level": "URGENT"}]


def test_bad_filter_patterns_and_too_many_filters_are_rejected(lab):
    q = lab.sqs.create_queue("q")
    lab.function(lambda e, c: None, name="f")
    for pattern in ('{"body": {"k": [{"numeric": [">", "x"]}]}}', "not json"):
        with pytest.raises(InvalidParameterValueException, match="Invalid filter pattern"):
            lab.awslambda.create_event_source_mapping(
                "f", q.arn, filter_criteria={"Filters": [{"Pattern": pattern}]})
    with pytest.raises(InvalidParameterValueException):
        lab.awslambda.create_event_source_mapping(
            "f", q.arn, filter_criteria={"Filters": [{"Pattern": "{}"}] * 6})


def test_pollers_stop_at_1000_concurrent_batches(lab):
    # L/services-sqs-scaling.html: up to 1,000 concurrent batches per mapping (5 at first,
    # +300 per minute: the cap is reached after a little over 3 minutes of backlog)
    q = lab.sqs.create_queue("q", visibility_timeout=120)
    lab.function(lambda e, c: None, name="slow", duration="10s", timeout=60)
    m = lab.awslambda.create_event_source_mapping("slow", q.arn, batch_size=1)
    q.send_many([str(i) for i in range(60_000)])
    lab.run("300s")
    assert max(c for _, c in m.scaling) == 1000
    assert max_concurrency(ran(lab, "slow")) == 1000
    assert min(t for t, c in m.scaling if c == 1000) >= 180


def test_the_inline_record_builder_matches_the_general_one(lab):
    # the hot path builds plain records inline; both must produce the same record
    q = lab.sqs.create_queue("q")
    events = []
    lab.function(lambda e, c: events.append(e), name="f")
    m = lab.awslambda.create_event_source_mapping("f", q.arn)
    q.send('plain "quoted" body \u00e9')
    lab.run()
    (record,) = events[0]["Records"]
    from lambdalab.sqs import Message
    again = Message(99, record["messageId"], record["body"], record["md5OfBody"], None, None,
                    10, 0.0)
    again.handle, again.receive_count, again.first_receive = record["receiptHandle"], 1, 0.0
    assert json.loads(m._record(again)) == record


def test_same_seed_same_history():
    def history(seed):
        lab = Lab(seed=seed)
        lab.sqs.set_faults(duplicate_rate=0.2)
        q = lab.sqs.create_queue("q", visibility_timeout=5)

        @lab.function(duration="300ms", reserved_concurrency=2, timeout=5)
        def f(event, context):
            if any(r["body"].endswith("3") for r in event["Records"]):
                raise RuntimeError("3s fail")

        lab.awslambda.create_event_source_mapping(f, q.arn, batch_size=3)
        q.send_many([f"m{i}" for i in range(40)])
        lab.run("2m")
        return [(a.request_id, a.start, a.outcome) for a in lab.awslambda.attempts], q.stats()
    assert history(7) == history(7)
    assert history(7) != history(8)


def test_deleting_the_queue_disables_the_mapping_and_a_missing_function_stops_polling(lab):
    q = lab.sqs.create_queue("q")
    lab.function(lambda e, c: None, name="f")
    m = lab.awslambda.create_event_source_mapping("f", q.arn)
    lab.sqs.delete_queue(q)
    assert m.state() == "Disabled" and m.state_reason.startswith("PROBLEM")
    r = lab.sqs.create_queue("r")
    lab.function(lambda e, c: None, name="g")
    lab.awslambda.create_event_source_mapping("g", r.arn)
    lab.awslambda.delete_function("g")
    r.send("waits")
    lab.run("1m")
    assert r.stats()["visible"] == 1 and r.stats()["received"] == 0


def test_a_batching_window_opens_with_the_first_message_it_sees(lab):
    q = lab.sqs.create_queue("q")
    starts = []
    lab.function(lambda e, c: starts.append(lab.clock.t), name="f")
    lab.awslambda.create_event_source_mapping("f", q.arn, batch_size=20,
                                              maximum_batching_window=5)
    q.send("taken by someone else")
    lab.run("1s")
    q.receive()                     # another consumer empties the queue: the window closes
    lab.run("9s")
    q.send("new")
    lab.run("10s")
    assert starts == [15.0]         # a new window from t=10, not an immediate invoke

