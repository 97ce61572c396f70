"""EventBridge archives and replays."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import boto3
import pytest
from botocore.exceptions import ClientError

from lambdalab import Lab
from lambdalab.errors import ResourceAlreadyExistsException, ValidationException


@pytest.fixture
def lab():
    return Lab(seed=0)


def put(lab, i, source="shop"):
    return lab.events.put_events([{"Source": source, "DetailType": "Order",
                                   "Detail": json.dumps({"id": i})}])


def drain(q):
    out = []
    while batch := q.receive(10):
        out += [json.loads(m["Body"]) for m in batch]
        for m in batch:
            q.delete(m["ReceiptHandle"])
    return out


def test_archive_keeps_matching_events_and_replay_resends_them(lab):
    bus = lab.events.bus()
    archive = lab.events.create_archive("orders", bus.arn, event_pattern={"source": ["shop"]})
    q = lab.sqs.create_queue("q")
    lab.events.put_rule("r", event_pattern={"source": ["shop"]})
    lab.events.put_targets("r", [{"Id": "q", "Arn": q.arn}])
    for i in range(3):
        put(lab, i)
        put(lab, 100 + i, source="other")
        lab.run("1h")
    assert len(archive.events) == 3
    first = drain(q)
    assert [e["detail"]["id"] for e in first] == [0, 1, 2]
    # replay the first two hours only
    replay = lab.events.start_replay("again", archive.arn, 0, 7200, {"Arn": bus.arn})
    lab.run()
    again = drain(q)
    assert [e["detail"]["id"] for e in again] == [0, 1]
    assert all(e["replay-name"] == "again" for e in again)
    assert [e["id"] for e in again] == [e["id"] for e in first[:2]]   # same events
    assert replay.count == 2 and len(archive.events) == 3            # replays are not re-archived


def test_replay_filter_arns_limit_the_rules(lab):
    bus = lab.events.bus()
    archive = lab.events.create_archive("all", bus.arn)
    a, b = lab.sqs.create_queue("a"), lab.sqs.create_queue("b")
    for name, q in (("ra", a), ("rb", b)):
        lab.events.put_rule(name, event_pattern={"source": ["shop"]})
        lab.events.put_targets(name, [{"Id": "q", "Arn": q.arn}])
    put(lab, 1)
    lab.run("1m")
    drain(a), drain(b)
    lab.events.start_replay("only-a", archive.arn, 0, 3600,
                            {"Arn": bus.arn, "FilterArns": [lab.events.rule("ra").arn]})
    lab.run()
    assert len(drain(a)) == 1 and drain(b) == []


def test_retention_days(lab):
    archive = lab.events.create_archive("short", lab.events.bus().arn, retention_days=1)
    put(lab, 1)
    lab.run("2d")
    put(lab, 2)
    lab.run("1m")
    archive.expire(lab.t)
    assert [e["detail"]["id"] for _, e in archive.events] == [2]


def test_archive_and_replay_errors(lab):
    bus = lab.events.bus()
    lab.events.create_archive("a", bus.arn)
    with pytest.raises(ResourceAlreadyExistsException):
        lab.events.create_archive("a", bus.arn)
    other = lab.events.create_event_bus("other")
    with pytest.raises(ValidationException, match="Cross event bus replay"):
        lab.events.start_replay("r", lab.events.archive("a").arn, 0, 10, {"Arn": other.arn})
    with pytest.raises(ValidationException, match="before"):
        lab.events.start_replay("r", lab.events.archive("a").arn, 10, 10, {"Arn": bus.arn})


def test_archive_and_replay_through_boto3(lab):
    q = lab.sqs.create_queue("q")
    lab.events.put_rule("r", event_pattern={"source": ["shop"]})
    lab.events.put_targets("r", [{"Id": "q", "Arn": q.arn}])
    with lab.aws():
        ev = boto3.client("events")
        bus_arn = ev.describe_event_bus(Name="default")["Arn"]
        arn = ev.create_archive(ArchiveName="orders", EventSourceArn=bus_arn)["ArchiveArn"]
        assert arn == "arn:aws:events:us-east-1:123456789012:archive/orders"
        ev.put_events(Entries=[{"Source": "shop", "DetailType": "Order", "Detail": "{}"}])
        lab.run("1m")
        assert ev.describe_archive(ArchiveName="orders")["EventCount"] == 1
        assert [a["ArchiveName"] for a in ev.list_archives()["Archives"]] == ["orders"]
        out = ev.start_replay(ReplayName="r1", EventSourceArn=arn,
                              EventStartTime=datetime(2026, 1, 1, tzinfo=timezone.utc),
                              EventEndTime=datetime(2026, 1, 1, 0, 5, tzinfo=timezone.utc),
                              Destination={"Arn": bus_arn})
        assert out["State"] == "STARTING"
        lab.run()
        assert ev.describe_replay(ReplayName="r1")["State"] == "COMPLETED"
        assert len(drain(q)) == 2
        with pytest.raises(ClientError) as err:
            ev.describe_archive(ArchiveName="nope")
        assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
        ev.delete_archive(ArchiveName="orders")
        assert ev.list_archives()["Archives"] == []
