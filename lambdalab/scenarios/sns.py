"""SNS fan-out: one topic, several filtered SQS subscribers and a flaky HTTPS webhook.

One call builds a fresh :class:`~lambdalab.Lab` and publishes ``messages`` orders to a topic at
``rate`` per second (order ``j`` has the Number attribute ``amount = j % 100``). The topic has:

* ``subscribers`` SQS queues, each with the filter policy
  ``{"amount": [{"numeric": [">=", threshold]}]}`` where ``threshold = 100 - round(100 *
  selectivity)``: with 100 orders exactly ``round(100 * selectivity)`` pass each queue's policy;
* one HTTPS webhook (no filter policy, confirmed) that is unavailable from t = 0 for ``outage``
  seconds (``lab.sns.set_unavailable``). SNS retries it with the default HTTP/S delivery policy
  (3 retries 20 s apart, +-10 % jitter) and then sends the message to the subscription's
  dead-letter queue.

The result has one row per (message, subscription) with its final outcome, the webhook's
attempt times, and counts per subscriber.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..lab import Lab

WEBHOOK = "https://partner.example.com/orders"
OUTCOMES = ("delivered", "filtered", "dlq", "failed")


@dataclass
class SNSFanOutResult:
    params: dict
    outcomes: pd.DataFrame    # message, published, subscriber, outcome, attempts, ended
    attempts: pd.DataFrame    # webhook attempts: message, attempt, time, ok
    counts: pd.DataFrame      # per subscriber: delivered, filtered, dlq, failed
    metrics: dict             # topic totals of the AWS/SNS metrics
    threshold: int            # the queues' numeric threshold on "amount"

    def summary(self) -> str:
        c = self.counts
        queues = c[c.index != "webhook"]
        hook = c.loc["webhook"]
        return (f"{self.params['messages']} messages x {len(c)} subscribers: queues got "
                f"{int(queues.delivered.sum())} copies ({int(queues.filtered.sum())} filtered "
                f"out); webhook (outage {self.params['outage']:g} s): {int(hook.delivered)} "
                f"delivered, {int(hook.dlq)} to its DLQ; "
                f"{int(self.attempts.shape[0])} webhook attempts")


def sns_fan_out(messages: int = 100, subscribers: int = 3, selectivity: float = 0.5,
                outage: float = 90, rate: float = 2.0, seed: int = 0) -> SNSFanOutResult:
    """Publish ``messages`` orders at ``rate`` per second to a topic with ``subscribers``
    filtered SQS queues and one HTTPS webhook that is down for the first ``outage`` seconds."""
    params = dict(locals())
    if not 0 <= selectivity <= 1:
        raise ValueError("selectivity must be between 0 and 1")
    lab = Lab(seed=seed)
    topic = lab.sns.create_topic("orders")
    threshold = 100 - round(100 * selectivity)
    names = {}
    for i in range(subscribers):
        queue = lab.sqs.create_queue(f"queue-{i + 1}")
        sub = lab.sns.subscribe(topic, "sqs", queue, raw_message_delivery=True,
                                filter_policy={"amount": [{"numeric": [">=", threshold]}]})
        names[sub.arn] = f"queue-{i + 1}"
    dlq = lab.sqs.create_queue("webhook-dlq")
    hook = lab.sns.subscribe(topic, "https", WEBHOOK,
                             redrive_policy={"deadLetterTargetArn": dlq.arn})
    lab.sns.confirm_subscription(topic, hook.token)
    names[hook.arn] = "webhook"
    if outage > 0:
        lab.sns.set_unavailable(WEBHOOK, outage)

    published = {}

    def publish(j):
        out = lab.sns.publish(topic, {"order": j, "amount": j % 100},
                              message_attributes={"amount": j % 100})
        published[out["MessageId"]] = (j, lab.t)

    for j in range(messages):
        lab.clock.at(j / rate, publish, j)
    lab.run()

    rows, attempt_rows = [], []
    for note in lab.sns.notifications:
        j, t = published[note.message.id]
        who = names[note.subscription.arn]
        rows.append((j, round(t, 3), who, note.outcome or "pending", note.attempts,
                     None if note.ended is None else round(note.ended, 3)))
        if who == "webhook":
            for k, at in enumerate(note.attempt_times, 1):
                ok = note.outcome == "delivered" and k == len(note.attempt_times)
                attempt_rows.append((j, k, round(at, 3), ok))
    frame = pd.DataFrame(rows, columns=["message", "published", "subscriber", "outcome",
                                        "attempts", "ended"])
    attempts = pd.DataFrame(attempt_rows, columns=["message", "attempt", "time", "ok"])
    order = [f"queue-{i + 1}" for i in range(subscribers)] + ["webhook"]
    counts = (frame.groupby(["subscriber", "outcome"]).size().unstack(fill_value=0)
              .reindex(index=order, columns=list(OUTCOMES), fill_value=0).astype(int))
    totals = lab.sns.metrics(topic, period="1d").drop(columns=["topic", "time"]).sum()
    metrics = {name: int(value) for name, value in totals.items()}
    return SNSFanOutResult(params, frame, attempts, counts, metrics, threshold)
