"""EventBridge through boto3 and the AWS CLI (``with lab.aws():``, ``lambdalab.cli.aws``)."""
from __future__ import annotations

import json
import re
import textwrap

import boto3
import pytest
from botocore.exceptions import ClientError

from lambdalab import Lab, make_zip
from lambdalab.cli import aws

NOTES = "source-notes/serverless-eda-notes.zh.md"


@pytest.fixture
def lab():
    return Lab(seed=0)


def code(exc_info) -> str:
    return exc_info.value.response["Error"]["Code"]


def test_rules_targets_and_events(lab):
    q = lab.sqs.create_queue("orders")
    with lab.aws():
        ev = boto3.client("events")
        arn = ev.put_rule(Name="orders", EventPattern=json.dumps({"source": ["shop"]}),
                          Description="all orders")["RuleArn"]
        assert arn == "arn:aws:events:us-east-1:123456789012:rule/orders"
        assert ev.describe_rule(Name="orders")["Description"] == "all orders"
        out = ev.put_targets(Rule="orders", Targets=[{"Id": "q", "Arn": q.arn}])
        assert out["FailedEntryCount"] == 0 and out["FailedEntries"] == []
        assert ev.list_targets_by_rule(Rule="orders")["Targets"] == [{"Id": "q", "Arn": q.arn}]
        assert ev.list_rule_names_by_target(TargetArn=q.arn)["RuleNames"] == ["orders"]
        sent = ev.put_events(Entries=[
            {"Source": "shop", "DetailType": "OrderPlaced", "Detail": '{"id": 1}'},
            {"Source": "shop", "DetailType": "OrderPlaced", "Detail": "nope"}])
        assert sent["FailedEntryCount"] == 1
        assert sent["Entries"][1] == {"ErrorCode": "MalformedDetail",
                                      "ErrorMessage": "Detail is malformed."}
        sqs = boto3.client("sqs")
        lab.run()
        [m] = sqs.receive_message(QueueUrl=q.url)["Messages"]
        assert json.loads(m["Body"])["id"] == sent["Entries"][0]["EventId"]
        ev.disable_rule(Name="orders")
        assert ev.list_rules()["Rules"][0]["State"] == "DISABLED"
        ev.enable_rule(Name="orders")
        with pytest.raises(ClientError) as err:
            ev.delete_rule(Name="orders")
        assert code(err) == "ValidationException"
        assert ev.remove_targets(Rule="orders", Ids=["q"])["FailedEntryCount"] == 0
        ev.delete_rule(Name="orders")
        assert ev.list_rules()["Rules"] == []


def test_error_codes(lab):
    with lab.aws():
        ev = boto3.client("events")
        with pytest.raises(ClientError) as err:
            ev.describe_rule(Name="nope")
        assert code(err) == "ResourceNotFoundException"
        assert "Rule nope does not exist on EventBus default" in str(err.value)
        with pytest.raises(ClientError) as err:
            ev.put_rule(Name="r", EventPattern='{"source": "x"}')
        assert code(err) == "InvalidEventPatternException"
        with pytest.raises(ClientError) as err:
            ev.put_rule(Name="r", ScheduleExpression="rate(1 minutes)")
        assert code(err) == "ValidationException"
        ev.put_rule(Name="r", EventPattern='{"source": ["x"]}')
        arn = lab.sqs.create_queue("q").arn
        ev.put_targets(Rule="r", Targets=[{"Id": str(i), "Arn": arn} for i in range(5)])
        with pytest.raises(ClientError) as err:
            ev.put_targets(Rule="r", Targets=[{"Id": "6", "Arn": arn}])
        assert code(err) == "LimitExceededException"
        with pytest.raises(ClientError) as err:
            ev.put_events(Entries=[{"Source": "a", "DetailType": "b", "Detail": "{}"}] * 11)
        assert code(err) == "ValidationException"
        ev.create_event_bus(Name="b")
        with pytest.raises(ClientError) as err:
            ev.create_event_bus(Name="b")
        assert code(err) == "ResourceAlreadyExistsException"
        with pytest.raises(ClientError) as err:
            ev.put_targets(Rule="r", EventBusName="b", Targets=[{"Id": "1", "Arn": arn}])
        assert code(err) == "ResourceNotFoundException"


def test_event_buses(lab):
    with lab.aws():
        ev = boto3.client("events")
        arn = ev.create_event_bus(Name="orders")["EventBusArn"]
        assert arn.endswith(":event-bus/orders")
        names = [b["Name"] for b in ev.list_event_buses()["EventBuses"]]
        assert names == ["default", "orders"]
        assert ev.list_event_buses(NamePrefix="ord")["EventBuses"] == [
            {"Name": "orders", "Arn": arn}]
        assert ev.describe_event_bus(Name="orders")["Arn"] == arn
        ev.put_rule(Name="r", EventBusName="orders", EventPattern='{"source": ["a"]}')
        assert [r["Name"] for r in ev.list_rules(EventBusName="orders")["Rules"]] == ["r"]
        assert ev.list_rules()["Rules"] == []
        ev.delete_rule(Name="r", EventBusName="orders")
        ev.delete_event_bus(Name="orders")
        assert len(ev.list_event_buses()["EventBuses"]) == 1


def test_tags_on_rules_and_buses(lab):
    with lab.aws():
        ev = boto3.client("events")
        rule = ev.put_rule(Name="r", EventPattern='{"source": ["a"]}',
                           Tags=[{"Key": "team", "Value": "orders"}])["RuleArn"]
        bus = ev.create_event_bus(Name="b", Tags=[{"Key": "env", "Value": "lab"}])["EventBusArn"]
        ev.tag_resource(ResourceARN=rule, Tags=[{"Key": "cost", "Value": "1"}])
        assert ev.list_tags_for_resource(ResourceARN=rule)["Tags"] == [
            {"Key": "cost", "Value": "1"}, {"Key": "team", "Value": "orders"}]
        ev.untag_resource(ResourceARN=rule, TagKeys=["cost"])
        assert len(ev.list_tags_for_resource(ResourceARN=rule)["Tags"]) == 1
        assert ev.list_tags_for_resource(ResourceARN=bus)["Tags"] == [{"Key": "env",
                                                                         "Value": "lab"}]
        with pytest.raises(ClientError) as err:
            ev.list_tags_for_resource(ResourceARN=rule + "x")
        assert code(err) == "ResourceNotFoundException"


def test_list_rules_pages(lab):
    for i in range(5):
        lab.events.put_rule(f"r{i}", event_pattern={"source": ["a"]})
    with lab.aws():
        ev = boto3.client("events")
        first = ev.list_rules(Limit=2)
        assert [r["Name"] for r in first["Rules"]] == ["r0", "r1"]
        rest = ev.list_rules(Limit=10, NextToken=first["NextToken"])
        assert [r["Name"] for r in rest["Rules"]] == ["r2", "r3", "r4"]
        assert "NextToken" not in rest


def test_test_event_pattern(lab):
    event = {"id": "1", "account": "123456789012", "source": "shop", "time": "2026-01-01T00:00:00Z",
             "region": "us-east-1", "resources": [], "detail-type": "Order",
             "detail": {"total": 120}}
    with lab.aws():
        ev = boto3.client("events")
        pattern = json.dumps({"detail": {"total": [{"numeric": [">", 100]}]}})
        assert ev.test_event_pattern(EventPattern=pattern, Event=json.dumps(event))["Result"]
        event["detail"]["total"] = 5
        assert not ev.test_event_pattern(EventPattern=pattern, Event=json.dumps(event))["Result"]
        with pytest.raises(ClientError) as err:
            ev.test_event_pattern(EventPattern=pattern, Event='{"detail": {}}')
        assert code(err) == "ValidationException"
        with pytest.raises(ClientError) as err:
            ev.test_event_pattern(EventPattern='{"a": [{"numeric": [">"]}]}',
                                  Event=json.dumps(event))
        assert code(err) == "InvalidEventPatternException"


def test_scheduled_rule_through_boto3(lab):
    q = lab.sqs.create_queue("ticks")
    with lab.aws():
        ev = boto3.client("events")
        ev.put_rule(Name="tick", ScheduleExpression="rate(5 minutes)")
        ev.put_targets(Rule="tick", Targets=[{"Id": "q", "Arn": q.arn}])
        assert ev.describe_rule(Name="tick")["ScheduleExpression"] == "rate(5 minutes)"
    lab.run("16m")
    assert lab.events.metrics("tick").TriggeredRules.sum() == 3


# --- the source notes' commands, verbatim ------------------------------------------------------
ECHO = make_zip({"lambda_function.py": (
    "def lambda_handler(event, context):\n"
    "    print('got', event['detail-type'])\n"
    "    return 'ok'\n")})


def notes_commands(shared_dir) -> dict:
    path = shared_dir / NOTES
    if not path.is_file():
        pytest.skip(f"source notes not available: {path} (they live outside the repository)")
    text = path.read_text(encoding="utf-8")
    blocks = [textwrap.dedent(body) for _, body in
              re.findall(r"^([ \t]*)```bash\n(.*?)^\1```", text, re.S | re.M)]
    out = {}
    for block in blocks:
        for start in ("aws events put-rule", "aws events put-targets",
                      "aws lambda add-permission", "aws events put-events"):
            if block.startswith(start):
                out.setdefault(start, []).append(block)
    return out


def test_the_notes_eventbridge_commands_run_verbatim(shared_dir):
    commands = notes_commands(shared_dir)
    assert len(commands["aws events put-rule"]) == 2     # the EC2 pattern and the daily cron
    lab = Lab(seed=0, region="us-west-2")                # the notes' ARNs are in us-west-2
    lab.awslambda.create_function("my-lambda-function", code=ECHO,
                                  handler_name="lambda_function.lambda_handler")
    for start in ("aws events put-rule", "aws events put-targets", "aws lambda add-permission",
                  "aws events put-events"):
        for command in commands[start]:
            result = aws(command, lab=lab)
            assert (result.exit_code, result.stderr) == (0, ""), (command, result.stderr)
            if start == "aws events put-events":
                assert result.json()["FailedEntryCount"] == 0
    rule = lab.events.rule("MyLambdaTriggerRule")
    assert json.loads(rule.event_pattern) == {
        "source": ["aws.ec2"], "detail-type": ["EC2 Instance State-change Notification"]}
    assert lab.events.rule("DailyLambdaTrigger").schedule_expression == "cron(0 8 * * ? *)"
    # an EC2 state change reaches the function, now that add-permission has run
    lab.events.service_event("aws.ec2", "EC2 Instance State-change Notification",
                             {"instance-id": "i-0abc", "state": "stopped"})
    lab.run()
    assert lab.trace("my-lambda-function").outcome.tolist() == ["success"]
    assert lab.events.metrics("MyLambdaTriggerRule").FailedInvocations.sum() == 0
    # the custom event matched no rule; the daily rule fires at 08:00 UTC
    assert lab.events.metrics().MatchedEvents.sum() == 1
    lab.run("1d")
    assert lab.events.metrics("DailyLambdaTrigger").TriggeredRules.sum() == 1


def test_without_add_permission_the_notes_target_fails(shared_dir):
    commands = notes_commands(shared_dir)
    lab = Lab(seed=0, region="us-west-2")
    lab.awslambda.create_function("my-lambda-function", code=ECHO,
                                  handler_name="lambda_function.lambda_handler")
    aws(commands["aws events put-rule"][0], lab=lab)
    aws(commands["aws events put-targets"][0], lab=lab)
    lab.events.service_event("aws.ec2", "EC2 Instance State-change Notification", {})
    lab.run()
    assert lab.events.metrics("MyLambdaTriggerRule").FailedInvocations.sum() == 1
    assert "NO_PERMISSIONS" in lab.events.logs()[0]
