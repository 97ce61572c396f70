"""EventBridge buses, rules and PutEvents (lab.events)."""
from __future__ import annotations

import json

import pytest

from lambdalab import Lab
from lambdalab.errors import (InvalidEventPatternException, LimitExceededException,
                              ResourceAlreadyExistsException, ResourceNotFoundException,
                              ValidationException)


@pytest.fixture
def lab():
    return Lab(seed=0)


def entry(**over):
    e = {"Source": "shop.orders", "DetailType": "OrderPlaced", "Detail": json.dumps({"id": 1})}
    e.update(over)
    return e


def queue_rule(lab, name="orders", pattern=None, bus=None, queue="out"):
    q = lab.sqs.create_queue(queue)
    lab.events.put_rule(name, event_pattern=pattern or {"source": ["shop.orders"]}, event_bus=bus)
    assert lab.events.put_targets(name, [{"Id": "q", "Arn": q.arn}], event_bus=bus) == []
    return q


def bodies(q):
    return [json.loads(m["Body"]) for m in q.receive(10)]


# --- the event envelope ---------------------------------------------------------------------
def test_envelope_has_every_documented_field(lab):
    # EB/eb-event-patterns-null-values.html: version, id, detail-type, source, account, time,
    # region, resources, detail
    q = queue_rule(lab)
    lab.run("90s")
    out = lab.events.put_events([entry(Resources=["arn:aws:s3:::b"])])
    lab.run()
    [event] = bodies(q)
    assert list(event) == ["version", "id", "detail-type", "source", "account", "time",
                           "region", "resources", "detail"]
    assert event["version"] == "0"
    assert event["id"] == out["Entries"][0]["EventId"]
    assert event["time"] == "2026-01-01T00:01:30Z"           # the lab clock, seconds, Z
    assert (event["account"], event["region"]) == ("123456789012", "us-east-1")
    assert event["resources"] == ["arn:aws:s3:::b"] and event["detail"] == {"id": 1}


def test_event_ids_are_seeded(lab):
    ids = [Lab(seed=3).events.put_events([entry()])["Entries"][0]["EventId"] for _ in range(2)]
    assert ids[0] == ids[1]
    assert Lab(seed=4).events.put_events([entry()])["Entries"][0]["EventId"] != ids[0]


def test_time_member_sets_the_event_time(lab):
    from datetime import datetime, timezone
    q = queue_rule(lab)
    lab.events.put_events([entry(Time=datetime(2025, 5, 1, 12, 0, 1, tzinfo=timezone.utc))])
    lab.run()
    assert bodies(q)[0]["time"] == "2025-05-01T12:00:01Z"


# --- PutEvents limits and per-entry errors -------------------------------------------------
def test_put_events_takes_at_most_ten_entries(lab):
    assert lab.events.put_events([entry()] * 10)["FailedEntryCount"] == 0
    with pytest.raises(ValidationException, match="at most 10 entries"):
        lab.events.put_events([entry()] * 11)
    with pytest.raises(ValidationException):
        lab.events.put_events([])


def test_entry_size_limit_is_1_mb(lab):
    # EB/eb-putevent-size.html, raised to 1 MB in Jan 2026 (aws_facts.md section 9)
    detail = json.dumps({"x": "a" * (1024 * 1024 - 100)})
    size = len("shop.orders") + len("OrderPlaced") + len(detail)
    assert size <= 1024 * 1024
    assert lab.events.put_events([entry(Detail=detail)])["FailedEntryCount"] == 0
    big = json.dumps({"x": "a" * (1024 * 1024)})
    with pytest.raises(ValidationException, match="over the limit"):
        lab.events.put_events([entry(Detail=big)])


def test_per_entry_errors_and_failed_entry_count(lab):
    out = lab.events.put_events([
        entry(), entry(Detail="{not json"), entry(DetailType=None), entry(Source="aws.ec2"),
        entry(EventBusName="nope"), entry(Detail="[1]")])
    assert out["FailedEntryCount"] == 5
    codes = [e.get("ErrorCode") for e in out["Entries"]]
    assert codes == [None, "MalformedDetail", "InvalidArgument",
                     "NotAuthorizedForSourceException", "InvalidArgument", "MalformedDetail"]
    assert "EventId" in out["Entries"][0]
    assert "DetailType is a required argument" in out["Entries"][2]["ErrorMessage"]
    assert "nope" in out["Entries"][4]["ErrorMessage"]


# --- rules -------------------------------------------------------------------------------------
def test_rule_matches_only_its_pattern(lab):
    q = queue_rule(lab, pattern={"source": ["shop.orders"], "detail": {"id": [{"numeric": [">", 5]}]}})
    lab.events.put_events([entry(), entry(Detail='{"id": 7}'), entry(Source="other")])
    lab.run()
    assert [e["detail"]["id"] for e in bodies(q)] == [7]


def test_disabled_rule_does_not_match_and_enable_resumes(lab):
    q = queue_rule(lab)
    lab.events.disable_rule("orders")
    assert lab.events.rule("orders").describe()["State"] == "DISABLED"
    lab.events.put_events([entry()])
    lab.run()
    assert bodies(q) == []
    lab.events.enable_rule("orders")
    lab.events.put_events([entry()])
    lab.run()
    assert len(bodies(q)) == 1


def test_put_rule_updates_in_place_and_keeps_state(lab):
    queue_rule(lab)
    lab.events.disable_rule("orders")
    rule = lab.events.put_rule("orders", event_pattern={"source": ["x"]})
    assert rule.state == "DISABLED" and json.loads(rule.event_pattern) == {"source": ["x"]}
    assert list(rule.targets) == ["q"]


def test_rule_needs_a_pattern_or_a_schedule_and_a_valid_pattern(lab):
    with pytest.raises(ValidationException, match="EventPattern or ScheduleExpression"):
        lab.events.put_rule("r")
    with pytest.raises(InvalidEventPatternException, match="Event pattern is not valid"):
        lab.events.put_rule("r", event_pattern='{"source": "shop"}')
    with pytest.raises(ValidationException):
        lab.events.put_rule("bad name!", event_pattern={"source": ["a"]})
    assert "r" not in lab.events.bus().rules


def test_rule_arns_default_and_custom_bus(lab):
    lab.events.create_event_bus("orders-bus")
    a = lab.events.put_rule("r", event_pattern={"source": ["a"]})
    b = lab.events.put_rule("r", event_pattern={"source": ["a"]}, event_bus="orders-bus")
    assert a.arn == "arn:aws:events:us-east-1:123456789012:rule/r"
    assert b.arn == "arn:aws:events:us-east-1:123456789012:rule/orders-bus/r"


def test_schedules_only_on_the_default_bus(lab):
    lab.events.create_event_bus("custom")
    with pytest.raises(ValidationException, match="only on the default event bus"):
        lab.events.put_rule("tick", schedule_expression="rate(5 minutes)", event_bus="custom")


def test_five_targets_per_rule(lab):
    # https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutTargets.html
    lab.events.put_rule("r", event_pattern={"source": ["a"]})
    arn = lab.sqs.create_queue("q").arn
    assert lab.events.put_targets("r", [{"Id": str(i), "Arn": arn} for i in range(5)]) == []
    lab.events.put_targets("r", [{"Id": "0", "Arn": arn}])          # replacing is fine
    with pytest.raises(LimitExceededException, match="at most 5 targets"):
        lab.events.put_targets("r", [{"Id": "5", "Arn": arn}])
    assert len(lab.events.rule("r").targets) == 5


def test_three_hundred_rules_per_bus(lab):
    # EB/eb-quota.html: 300 rules per event bus
    for i in range(300):
        lab.events.put_rule(f"r{i}", event_pattern={"source": ["a"]})
    with pytest.raises(LimitExceededException):
        lab.events.put_rule("one-more", event_pattern={"source": ["a"]})
    lab.events.put_rule("r0", event_pattern={"source": ["b"]})    # updating is not a new rule


def test_delete_rule_needs_its_targets_removed(lab):
    queue_rule(lab)
    with pytest.raises(ValidationException, match="has targets"):
        lab.events.delete_rule("orders")
    assert lab.events.remove_targets("orders", ["q", "zz"])[0]["TargetId"] == "zz"
    lab.events.delete_rule("orders")
    lab.events.delete_rule("orders")                 # deleting twice succeeds, as on AWS
    with pytest.raises(ResourceNotFoundException, match="Rule orders does not exist"):
        lab.events.rule("orders")


# --- buses ---------------------------------------------------------------------------------------
def test_custom_buses(lab):
    bus = lab.events.create_event_bus("orders-bus")
    assert bus.arn == "arn:aws:events:us-east-1:123456789012:event-bus/orders-bus"
    with pytest.raises(ResourceAlreadyExistsException):
        lab.events.create_event_bus("orders-bus")
    with pytest.raises(ValidationException):
        lab.events.create_event_bus("default")
    assert [b.name for b in lab.events.list_event_buses()] == ["default", "orders-bus"]
    q = queue_rule(lab, bus="orders-bus")
    lab.events.put_events([entry(), entry(EventBusName="orders-bus"),
                           entry(EventBusName=bus.arn)])
    lab.run()
    assert len(bodies(q)) == 2                        # not the one on the default bus
    with pytest.raises(ValidationException, match="rule"):
        lab.events.delete_event_bus("orders-bus")
    with pytest.raises(ValidationException, match="Cannot delete event bus default"):
        lab.events.delete_event_bus("default")


def test_bus_to_bus_target_routes_on_the_second_bus(lab):
    inner = lab.events.create_event_bus("inner")
    q = queue_rule(lab, bus="inner")
    lab.events.put_rule("forward", event_pattern={"source": ["shop.orders"]})
    lab.events.put_targets("forward", [{"Id": "bus", "Arn": inner.arn}])
    out = lab.events.put_events([entry()])
    lab.run()
    [event] = bodies(q)
    assert event["id"] == out["Entries"][0]["EventId"]


def test_service_events_carry_aws_sources(lab):
    q = queue_rule(lab, pattern={"source": ["aws.ec2"],
                                 "detail-type": ["EC2 Instance State-change Notification"]})
    lab.events.service_event("aws.ec2", "EC2 Instance State-change Notification",
                             {"instance-id": "i-1", "state": "running"})
    lab.run()
    assert bodies(q)[0]["detail"]["state"] == "running"


def test_lambda_destination_to_a_bus(lab):
    q = queue_rule(lab, pattern={"source": ["lambda"]})
    fn = lab.function(lambda e, c: {"ok": True}, name="f")
    lab.awslambda.put_event_invoke_config("f", on_success=lab.events.bus().arn)
    fn.invoke({"a": 1}, invocation_type="Event")
    lab.run()
    [event] = bodies(q)
    assert event["detail-type"] == "Lambda Function Invocation Result - Success"
    assert event["resources"] == [fn.arn]
    assert event["detail"]["responsePayload"] == {"ok": True}


def test_a_handler_puts_events_at_its_own_virtual_time(lab):
    import time as _time
    q = queue_rule(lab)

    @lab.function(timeout=10, name="producer")
    def producer(event, context):
        _time.sleep(2)                                   # 2 virtual seconds
        return lab.events.put_events([entry()])["FailedEntryCount"]

    assert producer.invoke({}).json() == 0
    lab.run()
    [event] = bodies(q)
    assert event["time"] == "2026-01-01T00:00:02Z"
    assert lab.events.invocations[0].first >= 2.0
