"""Asynchronous invocation: failures, retries, maximum event age, DLQ and destinations."""
from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

import pandas as pd

from ..lab import Lab

DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:failed-events"
ON_FAILURE_ARN = "arn:aws:sqs:us-east-1:123456789012:on-failure"


@dataclass
class AsyncRetriesResult:
    params: dict
    trace: pd.DataFrame
    events: pd.DataFrame           # one row per event: request_id, outcome, condition, invokes
    outcomes: dict                 # succeeded / delivered / dropped -> count
    attempts: int

    def summary(self) -> str:
        o = self.outcomes
        return (f"{len(self.events)} events, {self.attempts} attempts: {o.get('succeeded', 0)} "
                f"succeeded, {o.get('delivered', 0)} sent to the DLQ/destination, "
                f"{o.get('dropped', 0)} dropped")


def async_retries(failure_rate: float = 0.3, retries: int = 2, max_event_age: int = 21_600,
                  events: int = 20, rate: float = 1.0, duration_ms: float = 100,
                  dlq: bool = True, on_failure: bool = False, seed: int = 0) -> AsyncRetriesResult:
    """``events`` asynchronous invokes of a function that fails each attempt with probability
    ``failure_rate`` (seeded), with the given retry settings."""
    params = dict(locals())
    lab = Lab(seed=seed)
    draw = random.Random(f"failures-{seed}")

    def flaky(event, context):
        if draw.random() < failure_rate:
            raise RuntimeError("simulated failure")
        return {"ok": True}

    lab.function(flaky, name="flaky", duration=duration_ms / 1000,
                 dead_letter_arn=DLQ_ARN if dlq else None)
    lab.awslambda.put_event_invoke_config("flaky", maximum_retry_attempts=retries,
                                          maximum_event_age=max_event_age,
                                          on_failure=ON_FAILURE_ARN if on_failure else None)
    lab.load("flaky", rate, events / rate, invocation_type="Event")
    lab.run()
    trace = lab.trace()
    rows = [(e.request_id, e.outcome, e.condition, e.invokes, e.received, e.ended)
            for e in lab.awslambda.async_events]
    frame = pd.DataFrame(rows, columns=["request_id", "outcome", "condition", "invokes",
                                        "received", "ended"])
    return AsyncRetriesResult(params, trace, frame, dict(sorted(Counter(frame.outcome).items())),
                              attempts=int((trace.outcome != "throttled").sum()))
