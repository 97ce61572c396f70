"""scenarios.eda_orders and viz.eda: one producer, independent consumers, numbers from first
principles."""
import time

import pytest

from lambdalab import scenarios
from lambdalab.viz import eda as eda_viz


def test_every_consumer_gets_every_order_and_the_producer_never_fails():
    r = scenarios.eda_orders(orders=50, rate=10)
    assert r.producer == {"puts": 50, "failed_entries": 0, "put_events_calls": 50}
    assert list(r.consumers.index) == ["billing", "shipping", "analytics"]
    assert (r.consumers.matched == 50).all() and (r.consumers.processed == 50).all()
    assert (r.consumers.retried == 0).all() and (r.consumers.dlq == 0).all()
    # each consumer handled each order exactly once
    for name in ("billing", "shipping", "analytics"):
        assert sorted(r.starts[r.starts.consumer == name].order) == list(range(50))


def test_latency_is_at_most_a_cold_start_or_a_poll_without_failures():
    r = scenarios.eda_orders(orders=40, rate=10)
    # the lab delivers at the put instant; only the 250 ms INIT of a new environment (or the
    # queue's poll) delays a start
    assert (r.consumers.median_latency_s == 0).all()
    assert (r.starts.latency >= 0).all() and r.starts.latency.max() <= 0.5


def test_lambda_concurrency_follows_littles_law():
    # analytics: 1.5 s per event at 20/s -> about 30 running, plus cold starts (0.25 s x 20 = 5)
    r = scenarios.eda_orders(orders=200, rate=20)
    assert 30 <= r.consumers.loc["analytics", "peak_concurrency"] <= 36
    # billing 0.2 s at 20/s -> 4 warm, at most (0.2 + 0.25) x 20 = 9 while cold
    assert 4 <= r.consumers.loc["billing", "peak_concurrency"] <= 9


def test_queue_batches_at_high_rates():
    slow = scenarios.eda_orders(orders=300, rate=5)
    fast = scenarios.eda_orders(orders=300, rate=200)
    assert slow.consumers.loc["shipping", "invocations"] == 300      # one message per batch
    assert fast.consumers.loc["shipping", "invocations"] < 100      # up to 10 per batch
    assert fast.consumers.loc["shipping", "invocations"] >= 30


def test_an_outage_delays_only_its_consumer_and_loses_nothing():
    healthy = scenarios.eda_orders(orders=100, rate=20)
    broken = scenarios.eda_orders(orders=100, rate=20, outage="billing", outage_s=120)
    assert broken.producer["failed_entries"] == 0
    b = broken.consumers.loc["billing"]
    assert b.processed == 100 and b.retried == 100 and b.dlq == 0
    # nobody in billing starts before the outage ends
    assert broken.starts[broken.starts.consumer == "billing"].start.min() >= 120
    others = ["shipping", "analytics"]
    assert broken.consumers.loc[others].equals(healthy.consumers.loc[others])


def test_events_older_than_the_max_age_go_to_the_dlq():
    r = scenarios.eda_orders(orders=100, rate=20, outage="shipping", outage_s=900,
                             max_event_age=300)
    s = r.consumers.loc["shipping"]
    assert s.delivered == 0 and s.dlq == 100 and s.processed == 0
    assert (r.consumers.drop("shipping").processed == 100).all()
    # the default policy (24 h) outlasts a 15-minute outage
    r = scenarios.eda_orders(orders=100, rate=20, outage="shipping", outage_s=900)
    assert r.consumers.loc["shipping", "delivered"] == 100


def test_fraud_rule_receives_only_big_orders():
    r = scenarios.eda_orders(orders=200, rate=20, fraud=True, fraud_threshold=1000)
    expected = sum(t > 1000 for t in r.totals)
    assert 0 < expected < 200
    assert r.consumers.loc["fraud", "matched"] == expected
    assert r.consumers.loc["fraud", "processed"] == expected
    assert all(r.totals[o] > 1000 for o in r.starts[r.starts.consumer == "fraud"].order)
    assert (r.consumers.drop("fraud").processed == 200).all()


def test_seeded_and_validated():
    a = scenarios.eda_orders(orders=30, seed=3)
    b = scenarios.eda_orders(orders=30, seed=3)
    assert a.totals == b.totals and a.summary() == b.summary()
    assert a.totals != scenarios.eda_orders(orders=30, seed=4).totals
    with pytest.raises(ValueError):
        scenarios.eda_orders(outage="payments")
    assert a.summary().startswith("30 orders put, 0 failed at the producer; billing 30 processed")


def test_explore_defaults_are_fast():
    start = time.perf_counter()
    scenarios.eda_orders(orders=200, rate=20, outage="billing", outage_s=120, max_event_age=3600)
    assert time.perf_counter() - start < 1.0      # < 200 ms typical; generous for CI


def test_figures_have_uids_and_small_traces():
    r = scenarios.eda_orders(orders=100, rate=20, outage="billing", outage_s=60)
    for fig in (eda_viz.consumer_progress(r), eda_viz.consumer_outcomes(r),
                eda_viz.eda_dashboard(r), eda_viz.latency_by_consumer(r)):
        assert all(t.uid for t in fig.data)
        assert len({t.uid for t in fig.data}) == len(fig.data)
        assert all(len(t.x) <= 100 for t in fig.data)
    fig = eda_viz.consumer_progress(r)
    # the last point of each consumer's line is its processed count
    assert [int(t.y[-1]) for t in fig.data] == [100, 100, 100, 100]
