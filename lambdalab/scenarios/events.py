"""EventBridge: a schedule over virtual days, and a rule whose target fails for a while
(retries with backoff, then the dead-letter queue).

Each call builds a fresh :class:`~lambdalab.Lab`, runs it and returns a result with a one-line
``summary()``. Pure and seeded.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from ..lab import Lab


@dataclass
class ScheduleResult:
    params: dict
    firings: pd.DataFrame     # one row per firing: time (UTC datetime), day (name), hour (float)

    def summary(self) -> str:
        n = len(self.firings)
        first = self.firings.time.iloc[0].strftime("%a %H:%M") if n else "none"
        return (f"{self.params['expression']}: {n} firings in {self.params['days']} days "
                f"(first {first} UTC)")


def schedule_week(expression: str = "cron(0 8 * * ? *)", days: int = 7,
                  seed: int = 0) -> ScheduleResult:
    """Create a scheduled rule at the lab's start (Thu 2026-01-01 00:00 UTC), target a queue,
    run ``days`` virtual days and list when the rule fired."""
    params = dict(locals())
    lab = Lab(seed=seed)
    queue = lab.sqs.create_queue("ticks")
    rule = lab.events.put_rule("tick", schedule_expression=expression)
    lab.events.put_targets("tick", [{"Id": "q", "Arn": queue.arn}])
    lab.run(f"{days}d")
    times = [pd.Timestamp(e["time"]) for e in lab.events.events
             if e["source"] == "aws.events" and e["resources"] == [rule.arn]]
    frame = pd.DataFrame({"time": times})
    frame["day"] = [t.strftime("%a %d") for t in times]
    frame["hour"] = [t.hour + t.minute / 60 for t in times]
    return ScheduleResult(params, frame)


@dataclass
class EventRetriesResult:
    params: dict
    deliveries: pd.DataFrame  # one row per event: sent, ended (s from start), attempts, outcome
    failures: pd.DataFrame    # one row per failed attempt or DLQ send the lab logged: time (s), log
    counts: dict              # events, delivered, dlq, dropped, attempts, max_attempts

    def summary(self) -> str:
        c = self.counts
        return (f"{c['events']} events, target down {self.params['outage_minutes']} min: "
                f"{c['delivered']} delivered, {c['dlq']} in the DLQ, {c['dropped']} dropped; "
                f"{c['attempts']} attempts (at most {c['max_attempts']} for one event)")


def event_retries(events: int = 20, interval_s: float = 30, outage_minutes: float = 10,
                  maximum_retry_attempts: int = 185, maximum_event_age: int = 86_400,
                  dlq: bool = True, hours: float = 2, seed: int = 0) -> EventRetriesResult:
    """``events`` orders are put on the default bus, one every ``interval_s`` seconds; a rule
    sends them to a queue that is unreachable (``lab.events.outage``) for the first
    ``outage_minutes``. EventBridge retries each with backoff until its RetryPolicy runs out,
    then sends it to the DLQ (or drops it without one). Runs ``hours`` virtual hours."""
    params = dict(locals())
    lab = Lab(seed=seed)
    target = lab.sqs.create_queue("orders-copy")
    dead = lab.sqs.create_queue("orders-dlq") if dlq else None
    lab.events.put_rule("orders", event_pattern={"source": ["shop"]})
    spec = {"Id": "q", "Arn": target.arn,
            "RetryPolicy": {"MaximumRetryAttempts": maximum_retry_attempts,
                            "MaximumEventAgeInSeconds": maximum_event_age}}
    if dead is not None:
        spec["DeadLetterConfig"] = {"Arn": dead.arn}
    lab.events.put_targets("orders", [spec])
    if outage_minutes > 0:
        lab.events.outage(target.arn, f"{outage_minutes * 60:g}s")
    ids = {}
    sent = {}

    def put(i):
        result = lab.events.put_events([{"Source": "shop", "DetailType": "OrderPlaced",
                                         "Detail": json.dumps({"order": i})}])
        ids[result["Entries"][0]["EventId"]] = i
        sent[i] = lab.t

    for i in range(events):
        lab.clock.at(i * interval_s, put, i)
    lab.run(f"{hours * 3600:g}s")

    rows = []
    for inv in lab.events.invocations:
        i = ids[inv.event["id"]]
        rows.append((i, round(sent[i], 3), inv.attempts, inv.outcome or "pending",
                     None if inv.ended is None else round(inv.ended, 3)))
    deliveries = pd.DataFrame(rows, columns=["event", "sent", "attempts", "outcome", "ended"])
    in_dlq = {json.loads(m.body)["detail"]["order"] for m in dead.messages()} if dead else set()
    deliveries["in_dlq"] = deliveries.event.isin(in_dlq)
    failures = pd.DataFrame([(round(t, 3), line) for t, line in lab.events.lines],
                            columns=["time", "log"])
    delivered = int((deliveries.outcome == "delivered").sum())
    counts = {"events": events, "delivered": delivered, "dlq": len(in_dlq),
              "dropped": int((deliveries.outcome == "failed").sum()) - len(in_dlq),
              "attempts": int(deliveries.attempts.sum()),
              "max_attempts": int(deliveries.attempts.max()) if len(deliveries) else 0}
    return EventRetriesResult(params, deliveries, failures, counts)
