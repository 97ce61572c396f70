"""Event-driven architecture: one producer publishes order events to an EventBridge bus; a rule
fans each event out to independent consumers, each with its own retry policy and dead-letter queue.

Consumers (all in one fresh :class:`~lambdalab.Lab`):

* ``billing``: a Lambda target (``billing_ms`` per event);
* ``shipping``: an SQS queue target, drained by a ``shipping-worker`` function through an event
  source mapping (batches of up to 10, ``shipping_ms`` per batch);
* ``analytics``: a Lambda target (``analytics_ms`` per event);
* ``fraud`` (only when ``fraud=True``): a Lambda target behind a *second* rule that matches only
  orders whose ``total`` is above ``fraud_threshold``. Adding it changes nothing on the producer.

The producer sends ``orders`` events at ``rate`` per second (order ``i`` at ``i / rate``) with a
seeded total between 10 and 2,000. ``outage`` names a consumer whose target is unavailable
(``lab.events.outage``) for ``outage_s`` seconds from t = 0; EventBridge retries it with
backoff until ``max_retries`` or ``max_event_age`` runs out, then sends the event to the
consumer's DLQ.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass

import pandas as pd

from ..lab import Lab

CONSUMERS = ("billing", "shipping", "analytics", "fraud")


@dataclass
class EDAResult:
    params: dict
    producer: dict            # puts, failed_entries, put_events_calls
    consumers: pd.DataFrame   # one row per consumer: kind, matched, delivered, retried, dlq,
                              # processed, peak_concurrency, median/max latency (s)
    starts: pd.DataFrame      # one row per processed event: consumer, order, put_at, start,
                              # latency (s from put_events to the consumer's start)
    totals: list              # the order totals, in order

    def summary(self) -> str:
        parts = []
        for name, row in self.consumers.iterrows():
            lat = "n/a" if row.median_latency_s is None or pd.isna(row.median_latency_s) \
                else f"{row.median_latency_s:g} s"
            parts.append(f"{name} {row.processed} processed/{row.retried} retried/{row.dlq} DLQ"
                         f" (peak {row.peak_concurrency}, median latency {lat})")
        p = self.producer
        return (f"{p['puts']} orders put, {p['failed_entries']} failed at the producer; "
                + "; ".join(parts))


def _peak(intervals) -> int:
    """Most intervals [start, end) open at one instant."""
    points = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals],
                    key=lambda p: (p[0], p[1]))
    peak = now = 0
    for _, step in points:
        now += step
        peak = max(peak, now)
    return peak


def eda_orders(orders: int = 200, rate: float = 20.0, outage: str | None = None,
               outage_s: float = 0, max_retries: int = 185, max_event_age: int = 3600,
               fraud: bool = False, fraud_threshold: float = 1000, billing_ms: float = 200,
               shipping_ms: float = 300, analytics_ms: float = 1500, fraud_ms: float = 100,
               seed: int = 0) -> EDAResult:
    """Run the order pipeline until nothing is pending and measure every consumer."""
    params = dict(locals())
    if outage is not None and outage not in CONSUMERS:
        raise ValueError(f"outage must be one of {CONSUMERS} or None")
    lab = Lab(seed=seed)
    draw = random.Random(f"eda-orders-{seed}")
    totals = [round(draw.uniform(10, 2000), 2) for _ in range(orders)]
    put_at: dict[int, float] = {}
    starts: list[tuple] = []

    def consumer(name):
        def handler(event, context):
            order = event["detail"]["order_id"]
            starts.append((name, order, lab.t))
            return order
        return handler

    def shipping_worker(event, context):
        for record in event["Records"]:
            order = json.loads(record["body"])["detail"]["order_id"]
            starts.append(("shipping", order, lab.t))

    bus = lab.events.create_event_bus("shop")
    fns = {"billing": lab.function(consumer("billing"), name="billing", duration=f"{billing_ms}ms"),
           "analytics": lab.function(consumer("analytics"), name="analytics",
                                     duration=f"{analytics_ms}ms")}
    shipping = lab.sqs.create_queue("shipping", visibility_timeout=60)
    worker = lab.function(shipping_worker, name="shipping-worker", duration=f"{shipping_ms}ms",
                          timeout=10)
    lab.awslambda.create_event_source_mapping(worker, shipping.arn, batch_size=10)
    arns = {"billing": fns["billing"].arn, "shipping": shipping.arn,
            "analytics": fns["analytics"].arn}
    dlqs = {}
    retry = {"MaximumRetryAttempts": max_retries, "MaximumEventAgeInSeconds": max_event_age}

    def target(name):
        dlqs[name] = lab.sqs.create_queue(f"{name}-dlq")
        return {"Id": name, "Arn": arns[name], "RetryPolicy": retry,
                "DeadLetterConfig": {"Arn": dlqs[name].arn}}

    rule = lab.events.put_rule("order-placed", event_bus="shop",
                               event_pattern={"source": ["shop.orders"],
                                              "detail-type": ["OrderPlaced"]})
    lab.events.put_targets("order-placed", [target(n) for n in ("billing", "shipping", "analytics")],
                           event_bus="shop")
    for name in ("billing", "analytics"):
        lab.awslambda.add_permission(name, "eventbridge", "lambda:InvokeFunction",
                                     "events.amazonaws.com", source_arn=rule.arn)
    if fraud:
        fns["fraud"] = lab.function(consumer("fraud"), name="fraud", duration=f"{fraud_ms}ms")
        arns["fraud"] = fns["fraud"].arn
        big = lab.events.put_rule("big-orders", event_bus="shop", event_pattern={
            "source": ["shop.orders"], "detail-type": ["OrderPlaced"],
            "detail": {"total": [{"numeric": [">", fraud_threshold]}]}})
        lab.events.put_targets("big-orders", [target("fraud")], event_bus="shop")
        lab.awslambda.add_permission("fraud", "eventbridge", "lambda:InvokeFunction",
                                     "events.amazonaws.com", source_arn=big.arn)
    if outage is not None and outage_s > 0 and outage in arns:
        lab.events.outage(arns[outage], f"{outage_s}s")

    producer = {"puts": 0, "failed_entries": 0, "put_events_calls": 0}

    def put(i):
        put_at[i] = lab.t
        answer = lab.events.put_events([{
            "Source": "shop.orders", "DetailType": "OrderPlaced", "EventBusName": "shop",
            "Detail": json.dumps({"order_id": i, "total": totals[i]})}])
        producer["put_events_calls"] += 1
        producer["puts"] += 1
        producer["failed_entries"] += answer["FailedEntryCount"]

    for i in range(orders):
        lab.clock.at(i / rate, put, i)
    lab.run()

    frame = pd.DataFrame(starts, columns=["consumer", "order", "start"])
    frame["put_at"] = frame.order.map(put_at)
    frame["latency"] = (frame.start - frame.put_at).round(3)
    frame = frame[["consumer", "order", "put_at", "start", "latency"]]
    delivery = lab.events.trace()
    invocations = lab.trace()
    rows = {}
    for name in [n for n in CONSUMERS if n in arns]:
        d = delivery[delivery.target_id == name]
        fn = "shipping-worker" if name == "shipping" else name
        inv = invocations[invocations.function == fn]
        lat = frame[frame.consumer == name].latency
        rows[name] = {
            "kind": "SQS queue" if name == "shipping" else "Lambda",
            "matched": len(d),
            "delivered": int((d.outcome == "delivered").sum()),
            "retried": int((d.attempts > 1).sum()),
            "dlq": dlqs[name].stats()["sent"],
            "processed": int(frame.consumer.eq(name).sum()),
            "invocations": len(inv),
            "peak_concurrency": _peak(list(zip(inv.start, inv.end))),
            "median_latency_s": None if lat.empty else round(float(lat.median()), 3),
            "max_latency_s": None if lat.empty else round(float(lat.max()), 3),
        }
    consumers = pd.DataFrame.from_dict(rows, orient="index")
    consumers.index.name = "consumer"
    return EDAResult(params, producer, consumers, frame.reset_index(drop=True), totals)
