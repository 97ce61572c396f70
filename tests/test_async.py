"""Asynchronous invocation: the event queue, retries, maximum event age, throttling backoff,
dead-letter queues and destinations.

Sources (L/ = https://docs.aws.amazon.com/lambda/latest/dg/):
* L/invocation-async-error-handling.html - on a function error (timeouts included) Lambda tries
  two more times, waiting 1 minute before the 2nd attempt and 2 minutes before the 3rd;
  throttled events go back to the queue and are retried with an interval growing from 1 s to
  at most 5 minutes, for up to the maximum event age (6 h by default).
* L/API_FunctionEventInvokeConfig.html - MaximumRetryAttempts 0-2; MaximumEventAgeInSeconds
  60-21,600.
* L/invocation-async-retain-records.html - destinations (standard SQS/SNS, Lambda, EventBridge,
  S3 for on-failure only), the invocation record, FIFO destinations fail delivery, a DLQ gets
  only the event payload, reserved concurrency 0 sends new events to the DLQ / on-failure
  destination without retries.
* L/dlq.html - DLQ message attributes RequestID (String), ErrorCode (Number, 3-digit HTTP code),
  ErrorMessage (String, truncated to 1 KB).
* L/API_Invoke.html - Event invokes return 202; async payloads up to 1 MB.
"""
from __future__ import annotations

import json

import pytest

from lambdalab import Lab
from lambdalab.errors import (InvalidParameterValueException, RequestEntityTooLargeException,
                              ValidationException)

MINUTE = 60.0


def always_fail(event, context):
    raise ValueError("boom")


def ok(event, context):
    return {"echo": event}


def ran(lab, function=None):
    return [a for a in lab.awslambda.attempts
            if a.outcome != "throttled" and (function is None or a.function == function)]


def only_event(lab):
    (event,) = lab.awslambda.async_events
    return event


@pytest.fixture
def lab():
    return Lab(seed=0)


# --- the queue ------------------------------------------------------------------------------
def test_event_invoke_returns_202_and_runs_on_the_clock(lab):
    calls = []

    @lab.function(duration="1s")
    def f(event, context):
        calls.append((lab.t, event, context.aws_request_id))
        return "ignored"

    result = f.invoke({"n": 1}, "Event")
    assert result.status_code == 202
    assert result.payload == b""
    assert calls == []                    # nothing ran yet: the event is queued
    lab.run()
    (t, event, request_id), = calls
    (attempt,) = ran(lab)
    assert event == {"n": 1}
    assert request_id == result.request_id == attempt.request_id
    assert t == attempt.start + attempt.init
    assert attempt.invocation_type == "Event"
    assert only_event(lab).outcome == "succeeded"
    assert only_event(lab).condition == "Success"


def test_async_payload_limit_is_1_mb(lab):
    # L/API_Invoke.html: 1 MB for asynchronous invocation (raised from 256 KB in 2026).
    f = lab.function(ok, name="f")
    overhead = len(json.dumps({"p": ""}))
    assert f.invoke({"p": "x" * (1024 * 1024 - overhead)}, "Event").status_code == 202
    with pytest.raises(RequestEntityTooLargeException) as info:
        f.invoke({"p": "x" * (1024 * 1024 - overhead + 1)}, "Event")
    assert info.value.status == 413
    assert len(lab.awslambda.async_events) == 1   # the rejected event was never accepted


# --- retries on function errors ---------------------------------------------------------------
def test_two_retries_one_then_two_minutes_apart(lab):
    f = lab.function(always_fail, name="f", duration="1s")
    f.invoke({}, "Event")
    lab.run()
    a1, a2, a3 = ran(lab)
    assert [a.attempt for a in (a1, a2, a3)] == [1, 2, 3]
    assert [a.outcome for a in (a1, a2, a3)] == ["error"] * 3
    assert a2.start == pytest.approx(a1.end + 1 * MINUTE)
    assert a3.start == pytest.approx(a2.end + 2 * MINUTE)
    assert a1.request_id == a2.request_id == a3.request_id
    event = only_event(lab)
    assert (event.outcome, event.condition, event.invokes, event.errors) == \
        ("dropped", "RetriesExhausted", 3, 3)
    assert event.ended == pytest.approx(a3.end)


def test_timeouts_are_function_errors_and_are_retried(lab):
    f = lab.function(ok, name="f", duration="10s", timeout=3)
    f.invoke({}, "Event")
    lab.run()
    attempts = ran(lab)
    assert [a.outcome for a in attempts] == ["timeout"] * 3
    assert only_event(lab).condition == "RetriesExhausted"


def test_a_retry_that_succeeds_ends_the_event(lab):
    tries = []

    def flaky(event, context):
        tries.append(context.aws_request_id)
        if len(tries) == 1:
            raise RuntimeError("first time only")
        return "fine"

    lab.function(flaky, name="f").invoke({}, "Event")
    lab.run()
    assert [a.outcome for a in ran(lab)] == ["error", "success"]
    event = only_event(lab)
    assert (event.outcome, event.invokes, event.errors) == ("succeeded", 2, 1)
    assert tries[0] == tries[1]


@pytest.mark.parametrize("retries", [0, 1, 2])
def test_maximum_retry_attempts(lab, retries):
    f = lab.function(always_fail, name="f", duration="1s")
    lab.awslambda.put_event_invoke_config("f", maximum_retry_attempts=retries)
    f.invoke({}, "Event")
    lab.run()
    attempts = ran(lab)
    assert len(attempts) == 1 + retries
    delays = [b.start - a.end for a, b in zip(attempts, attempts[1:])]
    assert delays == pytest.approx([1 * MINUTE, 2 * MINUTE][:retries])
    assert only_event(lab).condition == "RetriesExhausted"


def test_retry_settings_validation(lab):
    lab.function(ok, name="f")
    put = lab.awslambda.put_event_invoke_config
    for bad in (-1, 3):
        with pytest.raises(ValidationException):
            put("f", maximum_retry_attempts=bad)
    # L/API_FunctionEventInvokeConfig.html: MaximumEventAgeInSeconds 60-21,600
    for bad in (59, 21_601):
        with pytest.raises(ValidationException) as info:
            put("f", maximum_event_age=bad)
        assert info.value.status == 400
        assert "maximumEventAgeInSeconds" in info.value.message
    assert put("f", maximum_event_age=60).maximum_event_age == 60
    assert put("f", maximum_event_age=21_600).maximum_event_age == 21_600


def test_defaults_are_2_retries_and_6_hours(lab):
    lab.function(ok, name="f")
    config = lab.awslambda.put_event_invoke_config("f")
    assert (config.maximum_retry_attempts, config.maximum_event_age) == (2, 21_600)


def test_a_rejected_update_changes_nothing(lab):
    lab.function(ok, name="f")
    svc = lab.awslambda
    svc.put_event_invoke_config("f", maximum_retry_attempts=1, maximum_event_age=600)
    with pytest.raises(ValidationException):
        svc.put_event_invoke_config("f", maximum_retry_attempts=0, maximum_event_age=59,
                                    merge=True)
    config = svc.get_event_invoke_config("f")
    assert (config.maximum_retry_attempts, config.maximum_event_age) == (1, 600)


def test_maximum_event_age_stops_retries(lab):
    # The 2nd attempt would start 60 s after the 1st ends, past a 60 s maximum age.
    f = lab.function(always_fail, name="f", duration="1s")
    lab.awslambda.put_event_invoke_config("f", maximum_event_age=60)
    f.invoke({}, "Event")
    lab.run()
    assert len(ran(lab)) == 1
    event = only_event(lab)
    assert (event.outcome, event.condition) == ("dropped", "EventAgeExceeded")
    assert event.ended <= event.received + 60


# --- throttled events -------------------------------------------------------------------------
def blocked_lab(max_age=None):
    """A function with reserved concurrency 1, held by a long first event; returns (lab, fn)."""
    lab = Lab(seed=0)
    f = lab.function(ok, name="f", duration="800s", timeout=900, reserved_concurrency=1)
    if max_age:
        lab.awslambda.put_event_invoke_config("f", maximum_event_age=max_age)
    f.invoke({"blocker": True}, "Event")
    f.invoke({"second": True}, "Event")
    return lab, f


def test_throttled_events_back_off_from_1s_doubling_to_5_minutes():
    lab, _ = blocked_lab()
    lab.run()
    second = lab.awslambda.async_events[1]
    tries = [a for a in lab.awslambda.attempts if a.request_id == second.request_id]
    throttled = [a for a in tries if a.outcome == "throttled"]
    assert {a.reason for a in throttled} == {"ReservedFunctionConcurrentInvocationLimitExceeded"}
    gaps = [b.start - a.start for a, b in zip(tries, tries[1:])]
    assert gaps[:10] == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300]
    assert all(g == 300 for g in gaps[9:])
    blocker_end = ran(lab)[0].end
    assert tries[-1].outcome == "success"
    assert blocker_end <= tries[-1].start < blocker_end + 300
    assert second.outcome == "succeeded" and second.invokes == 1
    assert second.throttles == len(throttled)


def test_throttled_events_are_dropped_at_the_maximum_event_age():
    lab, _ = blocked_lab(max_age=60)
    lab.run()
    second = lab.awslambda.async_events[1]
    tries = [a for a in lab.awslambda.attempts if a.request_id == second.request_id]
    assert [a.start for a in tries] == [0, 1, 3, 7, 15, 31]     # the next would be at 63 s
    assert all(a.outcome == "throttled" for a in tries)
    assert (second.outcome, second.condition, second.invokes) == \
        ("dropped", "EventAgeExceeded", 0)
    assert second.ended == 60


def test_reserved_concurrency_zero_sends_events_to_the_dlq_without_retries(lab):
    # L/invocation-async-retain-records.html: with reserved concurrency 0, new events go to the
    # DLQ or on-failure destination without any retries.
    dlq = lab.arn("sqs", "dlq")
    calls = []
    f = lab.function(lambda e, c: calls.append(e), name="f", reserved_concurrency=0,
                     dead_letter_arn=dlq)
    f.invoke({"k": "v"}, "Event")
    lab.run()
    assert calls == []
    assert len(lab.awslambda.attempts) == 1               # one throttle, no backoff retries
    event = only_event(lab)
    assert (event.outcome, event.ended, event.invokes) == ("delivered", 0.0, 0)
    (delivery,) = lab.deliveries_to(dlq)
    assert json.loads(delivery.body) == {"k": "v"}
    assert delivery.attributes["ErrorCode"]["StringValue"] == "429"


def test_reserved_concurrency_zero_without_a_dlq_drops_at_once(lab):
    f = lab.function(ok, name="f", reserved_concurrency=0)
    f.invoke({}, "Event")
    lab.run()
    event = only_event(lab)
    assert (event.outcome, event.ended) == ("dropped", 0.0)


# --- dead-letter queues -----------------------------------------------------------------------
def test_dlq_receives_only_the_original_payload_with_attributes(lab):
    dlq = lab.arn("sqs", "dlq")
    f = lab.function(always_fail, name="f", duration="1s", dead_letter_arn=dlq)
    payload = {"order": 42, "items": ["a", "b"]}
    result = f.invoke(payload, "Event")
    lab.run()
    (delivery,) = lab.deliveries_to(dlq)
    assert delivery.kind == "dlq" and delivery.ok
    assert delivery.body == json.dumps(payload)            # unmodified, no response details
    assert delivery.attributes == {
        "RequestID": {"DataType": "String", "StringValue": result.request_id},
        "ErrorCode": {"DataType": "Number", "StringValue": "200"},
        "ErrorMessage": {"DataType": "String", "StringValue": "boom"},
    }
    assert delivery.time == pytest.approx(ran(lab)[-1].end)
    assert only_event(lab).outcome == "delivered"


def test_dlq_error_message_is_truncated_to_1_kb(lab):
    dlq = lab.arn("sqs", "dlq")

    def loud(event, context):
        raise ValueError("é" * 2000)          # 4,000 bytes of UTF-8

    lab.function(loud, name="f", dead_letter_arn=dlq).invoke({}, "Event")
    lab.run()
    (delivery,) = lab.deliveries_to(dlq)
    message = delivery.attributes["ErrorMessage"]["StringValue"]
    assert 0 < len(message.encode()) <= 1024
    assert message == "é" * 512


def test_sns_topic_is_a_valid_dlq(lab):
    topic = lab.arn("sns", "failures")
    lab.function(always_fail, name="f", dead_letter_arn=topic).invoke({}, "Event")
    lab.run()
    assert len(lab.deliveries_to(topic)) == 1


@pytest.mark.parametrize("target", [
    "arn:aws:sqs:us-east-1:123456789012:jobs.fifo",
    "arn:aws:sns:us-east-1:123456789012:topic.fifo",
    "arn:aws:s3:::bucket",
    "arn:aws:lambda:us-east-1:123456789012:function:other",
    "arn:aws:events:us-east-1:123456789012:event-bus/default",
    "not-an-arn",
])
def test_dlq_must_be_a_standard_queue_or_topic(lab, target):
    good = lab.arn("sqs", "dlq")
    f = lab.function(ok, name="f", dead_letter_arn=good)
    with pytest.raises(InvalidParameterValueException) as info:
        f.configure(dead_letter_arn=target)
    assert info.value.status == 400
    assert f.dead_letter_arn == good


def test_fifo_dlq_is_rejected_at_create(lab):
    with pytest.raises(InvalidParameterValueException):
        lab.function(ok, name="f", dead_letter_arn=lab.arn("sqs", "dlq.fifo"))
    assert "f" not in lab.awslambda.functions


# --- destinations -----------------------------------------------------------------------------
def test_on_success_destination_receives_the_invocation_record(lab):
    queue = lab.arn("sqs", "done")
    f = lab.function(ok, name="f", duration="2s")
    lab.awslambda.put_event_invoke_config("f", on_success=queue)
    result = f.invoke({"x": 1}, "Event")
    lab.run()
    (delivery,) = lab.deliveries_to(queue)
    (attempt,) = ran(lab)
    assert delivery.kind == "on-success" and delivery.ok
    record = json.loads(delivery.body)
    assert record == {
        "version": "1.0",
        "timestamp": lab.iso(attempt.end),
        "requestContext": {"requestId": result.request_id,
                           "functionArn": f"{f.arn}:$LATEST",
                           "condition": "Success",
                           "approximateInvokeCount": 1},
        "requestPayload": {"x": 1},
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST"},
        "responsePayload": {"echo": {"x": 1}},
    }
    assert record["timestamp"].endswith("Z")
    assert only_event(lab).outcome == "succeeded"


def test_on_failure_destination_receives_the_invocation_record(lab):
    queue = lab.arn("sqs", "failed")
    f = lab.function(always_fail, name="f", duration="1s")
    lab.awslambda.put_event_invoke_config("f", on_failure=queue)
    result = f.invoke({"x": 1}, "Event")
    lab.run()
    (delivery,) = lab.deliveries_to(queue)
    record = json.loads(delivery.body)
    assert record["version"] == "1.0"
    assert record["requestContext"] == {"requestId": result.request_id,
                                        "functionArn": f"{f.arn}:$LATEST",
                                        "condition": "RetriesExhausted",
                                        "approximateInvokeCount": 3}
    assert record["requestPayload"] == {"x": 1}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST",
                                         "functionError": "Unhandled"}
    assert record["responsePayload"]["errorType"] == "ValueError"
    assert record["responsePayload"]["errorMessage"] == "boom"
    assert only_event(lab).outcome == "delivered"


def test_on_failure_record_for_an_expired_event(lab):
    queue = lab.arn("sqs", "failed")
    lab2, f = blocked_lab(max_age=60)
    lab2.awslambda.put_event_invoke_config("f", maximum_event_age=60, on_failure=queue)
    lab2.run()
    (delivery,) = lab2.deliveries_to(queue)
    record = json.loads(delivery.body)
    assert record["requestContext"]["condition"] == "EventAgeExceeded"
    assert record["requestContext"]["approximateInvokeCount"] == 0
    assert record["requestPayload"] == {"second": True}


def test_dlq_and_on_failure_destination_both_receive(lab):
    dlq, queue = lab.arn("sqs", "dlq"), lab.arn("sqs", "failed")
    f = lab.function(always_fail, name="f", dead_letter_arn=dlq)
    lab.awslambda.put_event_invoke_config("f", maximum_retry_attempts=0, on_failure=queue)
    f.invoke({}, "Event")
    lab.run()
    assert [d.kind for d in lab.deliveries] == ["on-failure", "dlq"]
    assert only_event(lab).outcome == "delivered"


def test_s3_is_allowed_for_on_failure_only(lab):
    bucket = "arn:aws:s3:::failed-events"
    f = lab.function(always_fail, name="f")
    with pytest.raises(InvalidParameterValueException):
        lab.awslambda.put_event_invoke_config("f", on_success=bucket)
    lab.awslambda.put_event_invoke_config("f", maximum_retry_attempts=0, on_failure=bucket)
    f.invoke({}, "Event")
    lab.run()
    (delivery,) = lab.deliveries_to(bucket)
    assert delivery.ok
    assert only_event(lab).outcome == "delivered"


@pytest.mark.parametrize("kind", ["on_success", "on_failure"])
def test_destination_types(lab, kind):
    lab.function(ok, name="f")
    for good in (lab.arn("sqs", "q"), lab.arn("sns", "t"), lab.arn("lambda", "function:g"),
                 lab.arn("events", "event-bus/default")):
        lab.awslambda.put_event_invoke_config("f", **{kind: good})
    for bad in (lab.arn("dynamodb", "table/t"), "queue-name"):
        with pytest.raises(InvalidParameterValueException):
            lab.awslambda.put_event_invoke_config("f", **{kind: bad})


def test_fifo_on_failure_destination_fails_delivery_and_the_event_is_dropped(lab):
    fifo = lab.arn("sqs", "failed.fifo")
    f = lab.function(always_fail, name="f")
    lab.awslambda.put_event_invoke_config("f", maximum_retry_attempts=0, on_failure=fifo)
    f.invoke({}, "Event")
    lab.run()
    (delivery,) = lab.deliveries_to(fifo)
    assert delivery.ok is False and delivery.error
    assert [(kind, fn) for _, fn, kind in lab.awslambda.delivery_failures] == [("on-failure", "f")]
    assert only_event(lab).outcome == "dropped"


def test_fifo_on_success_destination_fails_delivery_but_the_event_succeeded(lab):
    fifo = lab.arn("sns", "done.fifo")
    f = lab.function(ok, name="f")
    lab.awslambda.put_event_invoke_config("f", on_success=fifo)
    f.invoke({}, "Event")
    lab.run()
    assert lab.deliveries_to(fifo)[0].ok is False
    assert len(lab.awslambda.delivery_failures) == 1
    assert only_event(lab).outcome == "succeeded"


def test_failed_destination_with_a_working_dlq_is_delivered(lab):
    dlq = lab.arn("sqs", "dlq")
    f = lab.function(always_fail, name="f", dead_letter_arn=dlq)
    lab.awslambda.put_event_invoke_config("f", maximum_retry_attempts=0,
                                          on_failure=lab.arn("sqs", "x.fifo"))
    f.invoke({}, "Event")
    lab.run()
    assert only_event(lab).outcome == "delivered"
    assert len(lab.deliveries_to(dlq)) == 1


def test_lambda_destination_invokes_the_function_asynchronously_with_the_record(lab):
    received = []
    sink = lab.function(lambda e, c: received.append((e, c.aws_request_id)), name="sink")
    f = lab.function(always_fail, name="f")
    lab.awslambda.put_event_invoke_config("f", maximum_retry_attempts=0, on_failure=sink.arn)
    result = f.invoke({"x": 1}, "Event")
    lab.run()
    (record, sink_request), = received
    assert record["requestContext"]["requestId"] == result.request_id
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestPayload"] == {"x": 1}
    source_event, sink_event = lab.awslambda.async_events
    assert source_event.outcome == "delivered"
    assert sink_event.function == "sink" and sink_event.outcome == "succeeded"
    assert sink_event.request_id == sink_request != result.request_id
    (sink_attempt,) = ran(lab, "sink")
    assert sink_attempt.invocation_type == "Event"


def test_lambda_destination_that_does_not_exist_fails_delivery(lab):
    f = lab.function(always_fail, name="f")
    lab.awslambda.put_event_invoke_config("f", maximum_retry_attempts=0,
                                          on_failure=lab.arn("lambda", "function:missing"))
    f.invoke({}, "Event")
    lab.run()
    assert lab.deliveries[0].ok is False
    assert only_event(lab).outcome == "dropped"


def test_failed_event_without_dlq_or_destination_is_dropped_not_lost(lab):
    f = lab.function(always_fail, name="f")
    for i in range(3):
        f.invoke({"i": i}, "Event")
    lab.run()
    events = lab.awslambda.async_events
    assert [e.outcome for e in events] == ["dropped"] * 3
    assert all(e.condition == "RetriesExhausted" and e.ended is not None for e in events)
    assert lab.deliveries == []


def test_every_event_is_accounted_for_after_a_mixed_run(lab):
    dlq = lab.arn("sqs", "dlq")

    def sometimes(event, context):
        if event["i"] % 3 == 0:
            raise ValueError("multiple of three")
        return event["i"]

    f = lab.function(sometimes, name="f", duration="1s", dead_letter_arn=dlq)
    for i in range(30):
        lab.clock.at(i * 0.5, lambda i=i: f.invoke({"i": i}, "Event"))
    lab.run()
    outcomes = {json.loads(e.payload)["i"]: e.outcome for e in lab.awslambda.async_events}
    assert outcomes == {i: "delivered" if i % 3 == 0 else "succeeded" for i in range(30)}
    assert len(lab.deliveries_to(dlq)) == 10
