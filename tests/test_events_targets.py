"""EventBridge targets: Lambda (and its permission), SQS, SNS, other services; Input,
InputPath and InputTransformer; retry policy, dead-letter queues and AWS/Events metrics."""
from __future__ import annotations

import json

import pytest

from lambdalab import Lab
from lambdalab.errors import ValidationException
from lambdalab.events.transformer import render, target_input


@pytest.fixture
def lab():
    return Lab(seed=0)


def put(lab, detail=None, source="shop"):
    return lab.events.put_events([{"Source": source, "DetailType": "OrderPlaced",
                                   "Detail": json.dumps(detail or {"id": 1})}])


def drain(q):
    out = []
    while batch := q.receive(10, message_attribute_names=["All"]):
        out += batch
        for m in batch:
            q.delete(m["ReceiptHandle"])
    return out


def rule(lab, name="r", targets=(), pattern=None):
    lab.events.put_rule(name, event_pattern=pattern or {"source": ["shop"]})
    if targets:
        assert lab.events.put_targets(name, list(targets)) == []
    return lab.events.rule(name)


# --- Lambda ------------------------------------------------------------------------------
def test_lambda_target_needs_the_events_permission(lab):
    got = []
    fn = lab.function(lambda e, c: got.append(e), name="consumer")
    r = rule(lab, targets=[{"Id": "fn", "Arn": fn.arn}])
    put(lab)
    lab.run()
    assert got == []
    m = lab.events.metrics("r")
    assert (m.Invocations.sum(), m.FailedInvocations.sum()) == (1, 1)
    assert any("NO_PERMISSIONS" in line and "add-permission" in line and r.arn in line
               for line in lab.events.logs())
    # a permission for another rule does not help; one for this rule does
    lab.awslambda.add_permission("consumer", "other", "lambda:InvokeFunction",
                                 "events.amazonaws.com", source_arn=r.arn + "-other")
    put(lab)
    lab.run()
    assert got == []
    lab.awslambda.add_permission("consumer", "eb", "lambda:InvokeFunction",
                                 "events.amazonaws.com", source_arn=r.arn)
    out = put(lab)
    lab.run()
    assert [e["id"] for e in got] == [out["Entries"][0]["EventId"]]
    assert lab.trace("consumer").invocation_type.tolist() == ["Event"]


def test_a_target_role_replaces_the_resource_based_permission(lab):
    # EB/eb-use-resource-based.html: newer setups give the target an IAM role instead
    got = []
    fn = lab.function(lambda e, c: got.append(e), name="consumer")
    rule(lab, targets=[{"Id": "fn", "Arn": fn.arn,
                        "RoleArn": "arn:aws:iam::123456789012:role/eb-invoke"}])
    put(lab)
    lab.run()
    assert len(got) == 1 and lab.events.metrics("r").FailedInvocations.sum() == 0


def test_missing_function_is_no_resource_and_not_retried(lab):
    dlq = lab.sqs.create_queue("dlq")
    arn = lab.arn("lambda", "function:ghost")
    rule(lab, targets=[{"Id": "fn", "Arn": arn, "DeadLetterConfig": {"Arn": dlq.arn}}])
    out = put(lab)
    lab.run()
    [m] = drain(dlq)
    attrs = {k: v["StringValue"] for k, v in m["MessageAttributes"].items()}
    assert attrs["ERROR_CODE"] == "NO_RESOURCE" and attrs["RETRY_ATTEMPTS"] == "0"
    assert attrs["TARGET_ARN"] == arn and attrs["RULE_ARN"].endswith(":rule/r")
    assert "EXHAUSTED_RETRY_CONDITION" not in attrs
    assert json.loads(m["Body"])["id"] == out["Entries"][0]["EventId"]
    assert lab.events.invocations[0].attempts == 1


# --- SQS ---------------------------------------------------------------------------------
def test_sqs_target_gets_the_event(lab):
    q = lab.sqs.create_queue("q")
    rule(lab, targets=[{"Id": "q", "Arn": q.arn}])
    out = put(lab, {"id": 5})
    lab.run()
    [m] = drain(q)
    event = json.loads(m["Body"])
    assert event["id"] == out["Entries"][0]["EventId"] and event["detail"] == {"id": 5}


def test_fifo_queue_target_needs_a_message_group(lab):
    q = lab.sqs.create_queue("q.fifo", {"FifoQueue": "true"})
    lab.events.put_rule("r", event_pattern={"source": ["shop"]})
    failed = lab.events.put_targets("r", [{"Id": "q", "Arn": q.arn}])
    assert failed[0]["ErrorCode"] == "ValidationException"
    assert "MessageGroupId" in failed[0]["ErrorMessage"]
    assert lab.events.put_targets("r", [{"Id": "q", "Arn": q.arn,
                                         "SqsParameters": {"MessageGroupId": "orders"}}]) == []
    put(lab, {"id": 1})
    put(lab, {"id": 2})
    lab.run()
    messages = drain(q)
    assert [json.loads(m["Body"])["detail"]["id"] for m in messages] == [1, 2]


def test_deleted_queue_is_no_resource(lab):
    q = lab.sqs.create_queue("q")
    rule(lab, targets=[{"Id": "q", "Arn": q.arn}])
    lab.sqs.delete_queue(q)
    put(lab)
    lab.run()
    assert lab.events.invocations[0].error.code == "NO_RESOURCE"
    assert lab.events.metrics("r").FailedInvocations.sum() == 1


# --- other services: recorded ------------------------------------------------------------
@pytest.mark.parametrize("arn", [
    "arn:aws:states:us-east-1:123456789012:stateMachine:flow",
    "arn:aws:kinesis:us-east-1:123456789012:stream/clicks",
    "arn:aws:ecs:us-east-1:123456789012:cluster/jobs"])
def test_other_targets_receive_through_lab_deliver(lab, arn):
    rule(lab, targets=[{"Id": "t", "Arn": arn, "Input": '{"fixed": true}'}])
    put(lab)
    lab.run()
    [delivery] = lab.deliveries_to(arn)
    assert (delivery.kind, delivery.body, delivery.source) == (
        "events", '{"fixed": true}', lab.events.rule("r").arn)


def test_sns_topic_target_fans_out(lab):
    topic = lab.sns.create_topic("alerts")
    q = lab.sqs.create_queue("inbox")
    lab.sns.subscribe(topic, "sqs", q, raw_message_delivery=True)
    rule(lab, targets=[{"Id": "t", "Arn": topic.arn, "InputPath": "$.detail"}])
    put(lab, {"id": 9})
    lab.run()
    assert [json.loads(m["Body"]) for m in drain(q)] == [{"id": 9}]


def test_missing_sns_topic_is_no_resource(lab):
    rule(lab, targets=[{"Id": "t", "Arn": lab.arn("sns", "nope")}])
    put(lab)
    lab.run()
    assert lab.events.invocations[0].error.code == "NO_RESOURCE"


def test_events_parse_with_powertools_eventbridge_model(lab):
    model = pytest.importorskip("aws_lambda_powertools.utilities.parser.models").EventBridgeModel
    got = []
    fn = lab.function(lambda e, c: got.append(e), name="consumer")
    r = rule(lab, targets=[{"Id": "fn", "Arn": fn.arn}])
    lab.awslambda.add_permission("consumer", "eb", "lambda:InvokeFunction",
                                 "events.amazonaws.com", source_arn=r.arn)
    lab.events.put_rule("tick", schedule_expression="rate(1 minute)")
    lab.events.put_targets("tick", [{"Id": "fn", "Arn": fn.arn}])
    lab.awslambda.add_permission("consumer", "tick", "lambda:InvokeFunction",
                                 "events.amazonaws.com", source_arn=lab.events.rule("tick").arn)
    put(lab, {"id": 3})
    lab.run("61s")
    assert len(got) == 2
    for event in got:
        parsed = model(**event)
        assert parsed.account == lab.account and parsed.version == "0"
    assert model(**got[1]).detail_type == "Scheduled Event"


# --- what the target receives --------------------------------------------------------------
EVENT = {"version": "0", "id": "e-1", "detail-type": "Order", "source": "shop",
         "account": "123456789012", "time": "2026-01-01T00:00:00Z", "region": "us-east-1",
         "resources": [], "detail": {"id": 7, "customer": {"name": 'Ann "A"'},
                                     "items": [{"sku": "x"}, {"sku": "y"}], "ok": True}}
TEXT = json.dumps(EVENT)


def body(target):
    return target_input(target, EVENT, TEXT, "arn:rule", "r", "2026-01-01T00:00:00.000Z")


def test_input_replaces_and_input_path_selects():
    assert body({}) == TEXT
    assert body({"Input": '{"a": 1}'}) == '{"a": 1}'
    assert json.loads(body({"InputPath": "$.detail.customer"})) == {"name": 'Ann "A"'}
    assert json.loads(body({"InputPath": "$.detail.items[1].sku"})) == "y"
    assert body({"InputPath": "$.detail.missing"}) == "null"


def test_input_transformer_quoting_rules():
    # eb-transform-target-input.html: inside quotes a value is text, outside it is JSON
    target = {"InputTransformer": {
        "InputPathsMap": {"id": "$.detail.id", "name": "$.detail.customer.name",
                          "items": "$.detail.items", "ok": "$.detail.ok", "gone": "$.nope"},
        "InputTemplate": '{"id": <id>, "label": "order <id> for <name>", "name": <name>, '
                         '"items": <items>, "ok": <ok>, "gone": <gone>, "gone2": "<gone>"}'}}
    out = json.loads(body(target))
    assert out == {"id": 7, "label": 'order 7 for Ann "A"', "name": 'Ann "A"',
                   "items": [{"sku": "x"}, {"sku": "y"}], "ok": True, "gone": None, "gone2": ""}


def test_input_transformer_string_template():
    target = {"InputTransformer": {"InputPathsMap": {"id": "$.detail.id"},
                                   "InputTemplate": '"Order <id> placed"'}}
    assert json.loads(body(target)) == "Order 7 placed"


def test_reserved_variables():
    target = {"InputTransformer": {"InputTemplate": json.dumps({
        "arn": "<aws.events.rule-arn>", "name": "<aws.events.rule-name>",
        "at": "<aws.events.event.ingestion-time>"})[:-1] +
        ', "event": <aws.events.event>, "full": <aws.events.event.json>}'}}
    out = json.loads(body(target))
    assert (out["arn"], out["name"], out["at"]) == ("arn:rule", "r", "2026-01-01T00:00:00.000Z")
    assert "detail" not in out["event"] and out["event"]["id"] == "e-1"
    assert out["full"] == EVENT


def test_unknown_placeholders_stay():
    assert render("<a> <b>", {"a": "x"}) == '"x" <b>'


def test_target_validation(lab):
    lab.events.put_rule("r", event_pattern={"source": ["shop"]})
    arn = lab.sqs.create_queue("q").arn

    def error(**target):
        failed = lab.events.put_targets("r", [{"Id": "t", "Arn": arn, **target}])
        return failed[0]["ErrorMessage"] if failed else None

    assert "Only one of Input, InputPath, or InputTransformer" in error(
        Input="{}", InputPath="$.detail")
    assert "JSONPath" in error(InputPath="detail")
    assert "not valid JSON" in error(Input="{nope")
    assert "100" in error(InputTransformer={
        "InputPathsMap": {f"v{i}": "$.detail" for i in range(101)}, "InputTemplate": "<v1>"})
    assert error(InputTransformer={
        "InputPathsMap": {f"v{i}": "$.detail" for i in range(100)}, "InputTemplate": "<v1>"}) \
        is None
    assert "reserved" in error(InputTransformer={
        "InputPathsMap": {"aws.events.rule-arn": "$.id"}, "InputTemplate": "x"})
    assert "between 0 and 185" in error(RetryPolicy={"MaximumRetryAttempts": 186})
    assert "between 60 and 86400" in error(RetryPolicy={"MaximumEventAgeInSeconds": 59})
    assert "SQS queue" in error(DeadLetterConfig={"Arn": "arn:aws:sns:us-east-1:1:t"})
    with pytest.raises(ValidationException):
        lab.events.put_targets("r", [])


# --- retries, DLQ, metrics -----------------------------------------------------------------
def throttled_function(lab):
    fn = lab.function(lambda e, c: None, name="busy")
    lab.awslambda.put_reserved_concurrency("busy", 0)
    return fn


def test_retryable_failures_follow_the_retry_policy(lab):
    fn = throttled_function(lab)
    dlq = lab.sqs.create_queue("dlq")
    r = rule(lab, targets=[{"Id": "fn", "Arn": fn.arn, "DeadLetterConfig": {"Arn": dlq.arn},
                            "RetryPolicy": {"MaximumRetryAttempts": 3}}])
    lab.awslambda.add_permission("busy", "eb", "lambda:InvokeFunction", "events.amazonaws.com",
                                 source_arn=r.arn)
    put(lab)
    lab.run()
    inv = lab.events.invocations[0]
    assert inv.attempts == 4 and inv.outcome == "failed"      # 1 try + 3 retries
    [m] = drain(dlq)
    attrs = {k: v["StringValue"] for k, v in m["MessageAttributes"].items()}
    assert attrs["ERROR_CODE"] == "THROTTLING" and attrs["RETRY_ATTEMPTS"] == "3"
    assert attrs["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttemptsExhausted"
    m = lab.events.metrics("r")
    assert m.Invocations.sum() == 1 and m.FailedInvocations.sum() == 1
    assert m.InvocationsSentToDlq.sum() == 1 and m.DeadLetterInvocations.sum() == 1


def test_default_policy_retries_for_up_to_a_day(lab):
    fn = throttled_function(lab)
    r = rule(lab, targets=[{"Id": "fn", "Arn": fn.arn}])
    lab.awslambda.add_permission("busy", "eb", "lambda:InvokeFunction", "events.amazonaws.com",
                                 source_arn=r.arn)
    put(lab)
    lab.run()
    inv = lab.events.invocations[0]
    # 185 retries or 24 hours, whichever first; the lab's jitter spreads them over about a day
    assert 1 < inv.attempts <= 186
    assert inv.ended - inv.first <= 86_400
    assert inv.ended - inv.first > 3600
    assert any("dropped" in line for line in lab.events.logs())


def test_trace_has_one_row_per_event_and_target(lab):
    q = lab.sqs.create_queue("q")
    rule(lab, targets=[{"Id": "q", "Arn": q.arn},
                       {"Id": "ghost", "Arn": lab.arn("sqs", "ghost")}])
    out = put(lab)
    lab.run()
    t = lab.events.trace()
    assert t.target_id.tolist() == ["q", "ghost"]
    assert t.outcome.tolist() == ["delivered", "failed"]
    assert t.error_code.isna().tolist() == [True, False] and t.error_code[1] == "NO_RESOURCE"
    assert set(t.event_id) == {out["Entries"][0]["EventId"]}
    assert len(lab.events.trace("other")) == 0


def test_event_age_limit_stops_retries(lab):
    fn = throttled_function(lab)
    r = rule(lab, targets=[{"Id": "fn", "Arn": fn.arn,
                            "RetryPolicy": {"MaximumEventAgeInSeconds": 60}}])
    lab.awslambda.add_permission("busy", "eb", "lambda:InvokeFunction", "events.amazonaws.com",
                                 source_arn=r.arn)
    put(lab)
    lab.run()
    inv = lab.events.invocations[0]
    assert inv.ended - inv.first < 60 and inv.attempts > 1


def test_retries_deliver_once_an_outage_ends(lab):
    q = lab.sqs.create_queue("q")
    rule(lab, targets=[{"Id": "q", "Arn": q.arn}])
    lab.events.outage(q.arn, "2m")
    put(lab)
    lab.run()
    inv = lab.events.invocations[0]
    assert inv.outcome == "delivered" and inv.attempts > 1 and inv.ended >= 120
    assert len(drain(q)) == 1


def test_retry_jitter_is_seeded():
    def history(seed):
        lab = Lab(seed=seed)
        q = lab.sqs.create_queue("q")
        rule(lab, targets=[{"Id": "q", "Arn": q.arn}])
        lab.events.outage(q.arn, "1h")
        put(lab)
        lab.run()
        return lab.events.invocations[0].ended

    assert history(1) == history(1)
    assert history(1) != history(2)


def test_missing_dlq_is_counted(lab):
    rule(lab, targets=[{"Id": "fn", "Arn": lab.arn("lambda", "function:ghost"),
                        "DeadLetterConfig": {"Arn": lab.arn("sqs", "nope")}}])
    put(lab)
    lab.run()
    assert lab.events.metrics("r").InvocationsFailedToBeSentToDlq.sum() == 1


def test_metrics_count_matches_and_invocations(lab):
    a, b = lab.sqs.create_queue("a"), lab.sqs.create_queue("b")
    rule(lab, "all", targets=[{"Id": "a", "Arn": a.arn}, {"Id": "b", "Arn": b.arn}])
    rule(lab, "big", pattern={"detail": {"id": [{"numeric": [">", 10]}]}},
         targets=[{"Id": "a", "Arn": a.arn}])
    for i in (1, 20, 30):
        put(lab, {"id": i})
    lab.run("2m")
    m = lab.events.metrics()
    assert m.MatchedEvents.sum() == 5 and m.TriggeredRules.sum() == 5
    assert m.Invocations.sum() == 8 and m.FailedInvocations.sum() == 0
    assert lab.events.metrics("big").MatchedEvents.sum() == 2
    assert list(m.columns) == ["MatchedEvents", "TriggeredRules", "Invocations",
                               "FailedInvocations", "DeadLetterInvocations",
                               "InvocationsSentToDlq", "InvocationsFailedToBeSentToDlq"]
    assert len(m) == 3 and str(m.index[0]) == "2026-01-01 00:00:00+00:00"


# --- Kinesis -------------------------------------------------------------------------------
def kinesis_records(lab, stream):
    out = []
    for shard in stream.shards:
        it = lab.kinesis.shard_iterator(stream, shard.id, "TRIM_HORIZON")
        out += lab.kinesis.get_records(it)["Records"]
    return out


def test_kinesis_target_puts_one_record_per_event(lab):
    """https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_KinesisParameters.html:
    the partition key is the value at PartitionKeyPath, or the event ID when none is set."""
    stream = lab.kinesis.create_stream("clicks", shard_count=2)
    rule(lab, "by-customer", targets=[{"Id": "k", "Arn": stream.arn,
                                       "KinesisParameters": {"PartitionKeyPath": "$.detail.customer"}}])
    rule(lab, "by-event", targets=[{"Id": "k", "Arn": stream.arn}])
    out = put(lab, {"customer": "c-42"})
    lab.run()
    records = kinesis_records(lab, stream)
    keys = sorted(r["PartitionKey"] for r in records)
    assert keys == sorted(["c-42", out["Entries"][0]["EventId"]])
    assert all(json.loads(r["Data"])["detail"] == {"customer": "c-42"} for r in records)


def test_missing_kinesis_stream_is_a_failed_invocation(lab):
    rule(lab, targets=[{"Id": "k", "Arn": "arn:aws:kinesis:us-east-1:123456789012:stream/gone"}])
    put(lab)
    lab.run()
    m = lab.events.metrics("r")
    assert m.FailedInvocations.sum() == 1
