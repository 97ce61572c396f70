"""Property test: whatever the configuration and failure pattern, every accepted asynchronous
event reaches exactly one final outcome, and the retry rules of
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html hold.

Each example builds a lab with a random async configuration (retries 0-2, maximum event age
60-21,600 s, reserved concurrency including 0, DLQ and destinations of every kind, including
FIFO targets that fail delivery) and a random sequence of Event invokes whose payload says, per
attempt, whether the handler succeeds, raises or times out.
"""
from __future__ import annotations

import json
import time
from collections import Counter

from hypothesis import HealthCheck, event as label, given, settings
from hypothesis import strategies as st

from lambdalab import Lab

ACCOUNT = "123456789012"
SQS = f"arn:aws:sqs:us-east-1:{ACCOUNT}:"
SNS = f"arn:aws:sns:us-east-1:{ACCOUNT}:"
SINK = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:sink"
MISSING = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:missing"
ASYNC_LIMIT = 1024 * 1024     # L/API_Invoke.html: 1 MB for Event invokes
TIMEOUT = 120                 # s, the function's timeout

steps = st.sampled_from(["ok", "error", "timeout"])
events = st.lists(
    st.fixed_dictionaries({
        "at": st.integers(0, 600_000).map(lambda ms: ms / 1000),        # arrival, seconds
        "plan": st.lists(steps, min_size=3, max_size=3),                # outcome per attempt
        "size": st.one_of(st.integers(0, 2_000), st.just(ASYNC_LIMIT - 200)),
    }),
    min_size=1, max_size=8)
configs = st.fixed_dictionaries({
    "retries": st.integers(0, 2),
    "max_age": st.one_of(st.sampled_from([60, 90, 200]), st.integers(60, 21_600)),
    "reserved": st.sampled_from([None, 0, 1, 2, 5]),
    "provisioned": st.sampled_from([0, 0, 1, 2]),
    "duration": st.sampled_from([0.1, 2.0, 90.0]),
    "dlq": st.sampled_from([None, SQS + "dlq", SNS + "dlq-topic"]),
    "on_success": st.sampled_from([None, SQS + "done", SNS + "done.fifo", SINK]),
    "on_failure": st.sampled_from([None, SQS + "failed", SQS + "failed.fifo",
                                   "arn:aws:s3:::failed-bucket", SINK, MISSING]),
})


def build(config):
    lab = Lab(seed=0)
    attempts_seen = Counter()    # request id -> handler calls

    def handler(event, context):
        n = attempts_seen[context.aws_request_id]
        attempts_seen[context.aws_request_id] += 1
        step = event["plan"][min(n, 2)]
        if step == "error":
            raise RuntimeError(f"planned failure on attempt {n + 1}")
        if step == "timeout":
            time.sleep(TIMEOUT + 1)      # virtual time: runs past the timeout
        return {"attempt": n + 1}

    lab.function(lambda e, c: "stored", name="sink", duration="10ms")
    lab.function(handler, name="f", duration=config["duration"], timeout=TIMEOUT,
                 reserved_concurrency=config["reserved"], dead_letter_arn=config["dlq"],
                 provisioned_concurrency=min(config["provisioned"],
                                             99 if config["reserved"] is None else config["reserved"]))
    lab.awslambda.put_event_invoke_config(
        "f", maximum_retry_attempts=config["retries"], maximum_event_age=config["max_age"],
        on_success=config["on_success"], on_failure=config["on_failure"])
    return lab, attempts_seen


def request_of(delivery):
    """The request ID a DLQ message or an invocation record is about."""
    if delivery.kind == "dlq":
        return delivery.attributes["RequestID"]["StringValue"]
    return json.loads(delivery.body)["requestContext"]["requestId"]


@settings(max_examples=50, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(config=configs, arrivals=events)
def test_every_async_event_has_exactly_one_final_outcome(config, arrivals):
    lab, handler_calls = build(config)
    svc = lab.awslambda
    ends = Counter()
    original_end = svc._async_end

    def counting_end(event, fn, outcome):
        ends[event.request_id] += 1
        original_end(event, fn, outcome)

    svc._async_end = counting_end
    accepted = []

    for spec in arrivals:
        payload = {"plan": spec["plan"], "pad": ""}
        payload["pad"] = "x" * max(0, spec["size"] - len(json.dumps(payload)))

        def send(payload=payload):
            result = svc.invoke("f", payload, "Event")
            assert result.status_code == 202
            accepted.append(result.request_id)

        lab.clock.at(spec["at"], send)
    lab.run()

    f_events = [e for e in svc.async_events if e.function == "f"]
    assert [e.request_id for e in f_events] == accepted
    assert len(accepted) == len(arrivals)

    ran = Counter()
    succeeded_attempts = Counter()
    starts = {}
    for a in svc.attempts:
        if a.outcome == "throttled":
            continue
        ran[a.request_id] += 1
        succeeded_attempts[a.request_id] += a.outcome == "success"
        starts.setdefault(a.request_id, []).append(a)

    ok_failure_deliveries = Counter(request_of(d) for d in lab.deliveries
                                    if d.ok and d.kind in ("dlq", "on-failure"))
    on_success = Counter(request_of(d) for d in lab.deliveries if d.kind == "on-success")
    by_id = {e.request_id: e for e in svc.async_events}

    for event in svc.async_events:     # the function's events and the sink's
        rid = event.request_id
        label(f"{event.function}: {event.outcome} ({event.condition})")
        # exactly one final outcome, reached once
        assert event.outcome in ("succeeded", "delivered", "dropped")
        assert ends[rid] == 1
        assert event.ended is not None and event.ended >= event.received
        # the handler ran once per attempt that was not throttled
        if event.function == "f":
            assert handler_calls[rid] == ran[rid]
        if event.outcome == "succeeded":
            assert succeeded_attempts[rid] == 1
            assert event.condition == "Success"
        else:
            assert succeeded_attempts[rid] == 0
            assert event.condition in ("RetriesExhausted", "EventAgeExceeded")
        if event.outcome == "delivered":
            assert ok_failure_deliveries[rid] >= 1
        if event.outcome == "dropped":
            assert ok_failure_deliveries[rid] == 0

    for event in f_events:
        rid = event.request_id
        # never more than 1 + MaximumRetryAttempts invocations
        assert ran[rid] <= 1 + config["retries"]
        assert event.invokes == ran[rid]
        # no attempt starts once the event is older than the maximum event age
        attempts = starts.get(rid, [])
        assert all(a.start < event.received + config["max_age"] for a in attempts)
        # retries wait at least 1 min after the 1st attempt ends, 2 min after the 2nd
        for k, (a, b) in enumerate(zip(attempts, attempts[1:])):
            assert b.start >= a.end + (60, 120)[k] - 1e-9
        if config["reserved"] == 0:
            assert ran[rid] == 0 and event.outcome != "succeeded"
        # on-success destination: one record per succeeded event, none otherwise
        expected = 1 if (event.outcome == "succeeded" and config["on_success"]) else 0
        assert on_success[rid] == expected
        if event.outcome == "delivered":
            assert config["dlq"] or config["on_failure"]
        if event.outcome != "succeeded" and config["dlq"]:
            # a standard queue or topic always accepts: such events are never dropped
            assert event.outcome == "delivered"

    # everything finished: no concurrency is left in use
    assert svc.in_use == 0 and svc.unreserved_on_demand == 0
    assert all(fn.busy == 0 and fn.busy_provisioned == 0 for fn in svc.functions.values())

    # records sent to the sink function became its own async events, each accounted for
    sink_deliveries = [d for d in lab.deliveries if d.target == SINK]
    sink_events = [e for e in svc.async_events if e.function == "sink"]
    assert len(sink_events) == len(sink_deliveries)
    for d, e in zip(sink_deliveries, sink_events):
        assert json.loads(e.payload) == json.loads(d.body)
        assert by_id[request_of(d)].function == "f"
