"""EventBridge Scheduler (lab.scheduler and the ``scheduler`` boto3 door)."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import boto3
import pytest
from botocore.exceptions import ClientError

from lambdalab import Lab
from lambdalab.errors import ResourceNotFoundException, ValidationException

ROLE = "arn:aws:iam::123456789012:role/scheduler"


@pytest.fixture
def lab():
    return Lab(seed=0)


def times(lab, fn):
    return [lab.iso(a.start) for a in lab.awslambda.attempts if a.function == fn]


def test_one_time_schedule_fires_once_and_can_delete_itself(lab):
    got = []
    fn = lab.function(lambda e, c: got.append(e), name="remind")
    lab.scheduler.create_schedule(
        "once", "at(2026-01-02T09:30:00)", {"Arn": fn.arn, "RoleArn": ROLE,
                                            "Input": '{"msg": "hi"}'},
        flexible_time_window={"Mode": "OFF"}, action_after_completion="DELETE")
    lab.run("3d")
    assert got == [{"msg": "hi"}]                  # no add-permission needed: the role invokes
    assert times(lab, "remind") == ["2026-01-02T09:30:00.000Z"]
    with pytest.raises(ResourceNotFoundException):
        lab.scheduler.get_schedule("once")


def test_time_zones_move_cron_and_at(lab):
    fn = lab.function(lambda e, c: None, name="f")
    target = {"Arn": fn.arn, "RoleArn": ROLE}
    # 08:00 in New York is 13:00 UTC in January (EST, UTC-5)
    lab.scheduler.create_schedule("ny", "cron(0 8 * * ? *)", target,
                                  flexible_time_window={"Mode": "OFF"},
                                  timezone_name="America/New_York")
    lab.scheduler.create_schedule("tokyo", "at(2026-01-01T12:00:00)", target,
                                  flexible_time_window={"Mode": "OFF"},
                                  timezone_name="Asia/Tokyo")   # 03:00 UTC
    lab.run("2d")
    assert times(lab, "f") == ["2026-01-01T03:00:00.000Z", "2026-01-01T13:00:00.000Z",
                               "2026-01-02T13:00:00.000Z"]


def test_daylight_saving_keeps_wall_time(lab):
    fn = lab.function(lambda e, c: None, name="f")
    lab.run(until=datetime(2026, 3, 6, tzinfo=timezone.utc))
    lab.scheduler.create_schedule("ny", "cron(0 8 * * ? *)", {"Arn": fn.arn, "RoleArn": ROLE},
                                  flexible_time_window={"Mode": "OFF"},
                                  timezone_name="America/New_York")
    lab.run("4d")     # DST starts 2026-03-08 in the US: 08:00 EDT is 12:00 UTC
    assert times(lab, "f") == ["2026-03-06T13:00:00.000Z", "2026-03-07T13:00:00.000Z",
                               "2026-03-08T12:00:00.000Z", "2026-03-09T12:00:00.000Z"]


def test_flexible_window_spreads_invocations_within_the_window(lab):
    fn = lab.function(lambda e, c: None, name="f")
    lab.scheduler.create_schedule("hourly", "rate(1 hour)", {"Arn": fn.arn, "RoleArn": ROLE},
                                  flexible_time_window={"Mode": "FLEXIBLE",
                                                        "MaximumWindowInMinutes": 15})
    lab.run("11h")
    starts = [a.start for a in lab.awslambda.attempts][:10]
    assert len(starts) >= 10
    offsets = [s - 3600 * (i + 1) for i, s in enumerate(starts)]
    assert all(0 <= o <= 900 for o in offsets)
    assert len(set(round(o) for o in offsets)) > 5          # spread, not all at one moment
    again = Lab(seed=0)
    fn2 = again.function(lambda e, c: None, name="f")
    again.scheduler.create_schedule("hourly", "rate(1 hour)", {"Arn": fn2.arn, "RoleArn": ROLE},
                                    flexible_time_window={"Mode": "FLEXIBLE",
                                                          "MaximumWindowInMinutes": 15})
    again.run("11h")
    assert [a.start for a in again.awslambda.attempts][:10] == starts     # seeded


def test_start_and_end_dates_and_disabled(lab):
    q = lab.sqs.create_queue("q")
    lab.scheduler.create_schedule(
        "window", "rate(1 day)", {"Arn": q.arn, "RoleArn": ROLE},
        flexible_time_window={"Mode": "OFF"},
        start_date=datetime(2026, 1, 3, tzinfo=timezone.utc),
        end_date=datetime(2026, 1, 6, tzinfo=timezone.utc))
    lab.scheduler.create_schedule("off", "rate(1 minute)", {"Arn": q.arn, "RoleArn": ROLE},
                                  flexible_time_window={"Mode": "OFF"}, state="DISABLED")
    lab.run("10d")
    assert [lab.iso(i.ended) for i in lab.scheduler.invocations] == [
        "2026-01-03T00:00:00.000Z", "2026-01-04T00:00:00.000Z", "2026-01-05T00:00:00.000Z"]


def test_failures_retry_and_reach_the_dlq(lab):
    dlq = lab.sqs.create_queue("dlq")
    lab.scheduler.create_schedule(
        "ghost", "at(2026-01-01T00:05:00)",
        {"Arn": lab.arn("lambda", "function:ghost"), "RoleArn": ROLE, "Input": '{"a": 1}',
         "DeadLetterConfig": {"Arn": dlq.arn}},
        flexible_time_window={"Mode": "OFF"})
    lab.run()                       # schedules are background work: run() alone stops at once
    assert lab.scheduler.invocations == []
    lab.run("10m")
    [m] = dlq.receive(10, message_attribute_names=["All"])
    assert m["Body"] == '{"a": 1}'
    assert m["MessageAttributes"]["X-Amz-Scheduler-Error-Code"]["StringValue"] == "NO_RESOURCE"
    # Scheduler deliveries are not AWS/Events rule metrics
    assert lab.events.records == []
    assert [r[3] for r in lab.scheduler.records] == [
        "Invocations", "FailedInvocations", "DeadLetterInvocations", "InvocationsSentToDlq"]


@pytest.mark.parametrize("kwargs,match", [
    ({"schedule_expression": "at(2026-01-01 10:00)"}, "ScheduleExpression"),
    ({"flexible_time_window": {"Mode": "FLEXIBLE"}}, "MaximumWindowInMinutes"),
    ({"flexible_time_window": {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 1441}},
     "between 1 and 1440"),
    ({"timezone_name": "Mars/Olympus"}, "time zone"),
    ({"target": {"Arn": "arn:aws:sqs:us-east-1:123456789012:q"}}, "RoleArn"),
])
def test_validation(lab, kwargs, match):
    args = {"schedule_expression": "rate(5 minutes)",
            "target": {"Arn": "arn:aws:sqs:us-east-1:123456789012:q", "RoleArn": ROLE},
            "flexible_time_window": {"Mode": "OFF"}, **kwargs}
    with pytest.raises(ValidationException, match=match):
        lab.scheduler.create_schedule("s", **args)


def test_scheduler_door(lab):
    q = lab.sqs.create_queue("q")
    with lab.aws():
        sch = boto3.client("scheduler")
        arn = sch.create_schedule(
            Name="nightly", ScheduleExpression="cron(0 2 * * ? *)",
            ScheduleExpressionTimezone="Europe/Paris", FlexibleTimeWindow={"Mode": "OFF"},
            Target={"Arn": q.arn, "RoleArn": ROLE, "Input": json.dumps({"job": "backup"})}
        )["ScheduleArn"]
        assert arn == "arn:aws:scheduler:us-east-1:123456789012:schedule/default/nightly"
        got = sch.get_schedule(Name="nightly")
        assert got["ScheduleExpressionTimezone"] == "Europe/Paris"
        assert got["Target"]["Input"] == '{"job": "backup"}'
        assert got["CreationDate"] == datetime(2026, 1, 1, tzinfo=timezone.utc)
        with pytest.raises(ClientError) as err:
            sch.create_schedule(Name="nightly", ScheduleExpression="rate(1 day)",
                                FlexibleTimeWindow={"Mode": "OFF"},
                                Target={"Arn": q.arn, "RoleArn": ROLE})
        assert err.value.response["Error"]["Code"] == "ConflictException"
        assert [s["Name"] for s in sch.list_schedules()["Schedules"]] == ["nightly"]
        lab.run("1d")
        # 02:00 in Paris is 01:00 UTC in winter
        [m] = q.receive(10)
        assert json.loads(m["Body"]) == {"job": "backup"}
        assert lab.scheduler.invocations[0].first == 3600
        sch.delete_schedule(Name="nightly")
        with pytest.raises(ClientError) as err:
            sch.get_schedule(Name="nightly")
        assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
