"""The boto3 door, CloudWatch Logs part: /aws/lambda/<function> groups from the lab's records.

CWL/ = https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/. Limits: limit
1-50 for DescribeLogGroups/DescribeLogStreams, 1-10,000 for GetLogEvents/FilterLogEvents.
Filter pattern syntax: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
FilterAndPatternSyntax.html (terms are case sensitive; ?term = any of; -term = exclude).
"""
from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError

from lambdalab import Lab
from lambdalab.clock import EPOCH_UNIX
from lambdalab.door.logs import compile_pattern

T0 = int(EPOCH_UNIX * 1000)    # 2026-01-01T00:00:00Z in epoch ms


@pytest.fixture
def lab():
    lab = Lab(seed=0)

    @lab.function(duration="100ms")
    def worker(event, context):
        print(f"processing {event['n']}")
        if event["n"] == 2:
            raise ValueError("bad input")
        return event["n"]

    @lab.function(duration="10ms")
    def other(event, context):
        return None

    return lab


def code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_groups_streams_and_events_follow_the_virtual_clock(lab):
    worker = lab.awslambda.get("worker")
    first = worker.invoke({"n": 1})
    lab.run("1s")
    worker.invoke({"n": 2})
    lab.awslambda.get("other").invoke({})
    with lab.aws():
        logs = boto3.client("logs")
        groups = logs.describe_log_groups()["logGroups"]
        assert [g["logGroupName"] for g in groups] == ["/aws/lambda/other", "/aws/lambda/worker"]
        assert groups[1]["creationTime"] == T0
        assert groups[1]["arn"] == ("arn:aws:logs:us-east-1:123456789012:log-group:"
                                    "/aws/lambda/worker:*")
        streams = logs.describe_log_streams(logGroupName="/aws/lambda/worker")["logStreams"]
        # the second call reused the warm environment: one stream, as context.log_stream_name
        assert len(streams) == 1
        record = lab.awslambda.attempts[0]
        assert streams[0]["logStreamName"] == record.log_stream
        assert streams[0]["logStreamName"].startswith("2026/01/01/[$LATEST]")
        events = logs.get_log_events(logGroupName="/aws/lambda/worker",
                                     logStreamName=record.log_stream,
                                     startFromHead=True)["events"]
    messages = [e["message"] for e in events]
    rid = first.request_id
    assert messages[0] == f"START RequestId: {rid} Version: $LATEST"
    assert "processing 1" in messages[1]
    assert messages[2] == f"END RequestId: {rid}"
    assert messages[3].startswith(f"REPORT RequestId: {rid}\tDuration: ")
    assert "Init Duration" in messages[3]                   # the cold start
    assert "Init Duration" not in messages[-1]              # the warm second call
    assert any("bad input" in m for m in messages)
    # START at the start, END/REPORT at the end (epoch ms on the lab clock)
    assert events[0]["timestamp"] == T0
    end_ms = round((EPOCH_UNIX + record.end) * 1000)
    assert events[2]["timestamp"] == events[3]["timestamp"] == end_ms
    assert events[4]["timestamp"] == T0 + round(lab.awslambda.attempts[1].start * 1000)
    assert [e["timestamp"] for e in events] == sorted(e["timestamp"] for e in events)


def test_one_stream_per_execution_environment(lab):
    @lab.function(duration="2s")
    def slow(event, context):
        return context.log_stream_name

    # three overlapping calls need three environments
    results = [slow.invoke({}, invocation_type="Event") for _ in range(3)]
    assert all(r.status_code == 202 for r in results)
    lab.run()
    seen = {a.log_stream for a in lab.awslambda.attempts if a.function == "slow"}
    with lab.aws():
        logs = boto3.client("logs")
        streams = logs.describe_log_streams(logGroupName="/aws/lambda/slow",
                                            orderBy="LastEventTime", descending=True)
    names = [s["logStreamName"] for s in streams["logStreams"]]
    assert len(names) == 3 and set(names) == seen


def test_get_log_events_pages_forward_and_backward(lab):
    worker = lab.awslambda.get("worker")
    for n in (1, 3, 4):                       # 4 lines each, one warm environment
        worker.invoke({"n": n})
    stream = lab.awslambda.attempts[0].log_stream
    with lab.aws():
        logs = boto3.client("logs")
        kwargs = {"logGroupName": "/aws/lambda/worker", "logStreamName": stream}
        tail = logs.get_log_events(limit=5, **kwargs)          # default: the newest events
        assert len(tail["events"]) == 5
        assert tail["events"][-1]["message"].startswith("REPORT")
        back = logs.get_log_events(limit=5, nextToken=tail["nextBackwardToken"], **kwargs)
        head = logs.get_log_events(limit=5, startFromHead=True, **kwargs)
        everything = [e["message"] for e in
                      logs.get_log_events(startFromHead=True, **kwargs)["events"]]
        assert len(everything) == 12
        assert [e["message"] for e in tail["events"]] == everything[7:]
        assert [e["message"] for e in back["events"]] == everything[2:7]
        assert [e["message"] for e in head["events"]] == everything[:5]
        follow = logs.get_log_events(nextToken=head["nextForwardToken"], **kwargs)
        assert len(follow["events"]) == 7
        end = logs.get_log_events(nextToken=follow["nextForwardToken"], **kwargs)
        # at the end of the stream the same forward token comes back (CWL/API_GetLogEvents.html)
        assert end["events"] == [] and end["nextForwardToken"] == follow["nextForwardToken"]
        window = logs.get_log_events(startTime=T0, endTime=T0 + 1, startFromHead=True, **kwargs)
        assert [e["message"].split()[0] for e in window["events"]] == ["START"]


def test_filter_log_events_terms_phrases_any_and_exclusion(lab):
    worker = lab.awslambda.get("worker")
    for n in (1, 2, 3):
        worker.invoke({"n": n})
    with lab.aws():
        logs = boto3.client("logs")

        def find(pattern, **kw):
            out = logs.filter_log_events(logGroupName="/aws/lambda/worker",
                                         filterPattern=pattern, **kw)
            return [e["message"] for e in out["events"]]

        assert len(find("REPORT")) == 3
        assert len(find("report")) == 0                          # case sensitive
        assert len(find('"Billed Duration"')) == 3
        assert all("processing" in m for m in find("processing -2"))
        assert len(find("processing -2")) == 2
        either = find("?START ?END")
        assert len(either) == 6
        assert [m for m in find("ValueError") if "bad input" in m]
        every = [line for a in lab.awslambda.attempts for line in lab.awslambda.log_lines(a)]
        assert find("") == every and len(every) > 12   # the failed call also logs its traceback
        page = logs.filter_log_events(logGroupName="/aws/lambda/worker", limit=5)
        assert len(page["events"]) == 5 and page["nextToken"]
        rest = logs.filter_log_events(logGroupName="/aws/lambda/worker",
                                      nextToken=page["nextToken"], limit=100)
        assert len(rest["events"]) == len(every) - 5 and "nextToken" not in rest
        ids = [e["eventId"] for e in page["events"] + rest["events"]]
        assert len(set(ids)) == len(every)
        with pytest.raises(ClientError) as err:
            find('{ $.level = "ERROR" }')
        assert code(err) == "InvalidParameterException" and "term" in str(err.value)


def test_errors_and_validation(lab):
    with lab.aws():
        logs = boto3.client("logs")
        with pytest.raises(ClientError) as err:
            logs.describe_log_streams(logGroupName="/aws/lambda/worker")   # never ran
        assert code(err) == "ResourceNotFoundException"
        lab.awslambda.get("worker").invoke({"n": 1})
        with pytest.raises(ClientError) as err:
            logs.get_log_events(logGroupName="/aws/lambda/worker", logStreamName="nope")
        assert code(err) == "ResourceNotFoundException"
        with pytest.raises(ClientError) as err:
            logs.describe_log_groups(limit=51)
        assert code(err) == "InvalidParameterException"
        assert logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/w")["logGroups"]
        assert not logs.describe_log_groups(logGroupNamePrefix="/x")["logGroups"]


def test_pattern_compiler_subset():
    assert compile_pattern(None)("anything")
    assert compile_pattern('ERROR "timed out"')("ERROR Task timed out")
    assert not compile_pattern('ERROR "timed out"')("ERROR Task timed")
    assert compile_pattern("?A ?B")("xxB") and not compile_pattern("?A ?B")("C")
    assert not compile_pattern("A -B")("A B") and compile_pattern("A -B")("A C")
    with pytest.raises(Exception):
        compile_pattern('"open')


def test_a_handler_reading_logs_does_not_leave_a_stale_view(lab):
    @lab.function(duration="10ms")
    def reader(event, context):
        out = boto3.client("logs").filter_log_events(logGroupName="/aws/lambda/worker")
        return len(out["events"])

    worker = lab.awslambda.get("worker")
    worker.invoke({"n": 1})
    with lab.aws():
        assert reader.invoke({}).json() == 4          # the worker's 4 lines
        events = boto3.client("logs").filter_log_events(
            logGroupName="/aws/lambda/reader")["events"]
    assert [e["message"].split()[0] for e in events] == ["START", "END", "REPORT"]
