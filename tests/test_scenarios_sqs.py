"""The SQS -> Lambda scenario (lambdalab.scenarios.sqs_mapping) and its figures
(lambdalab.viz.queues), checked against numbers worked out from first principles."""
from __future__ import annotations

import math
import time

import pytest

from lambdalab import scenarios, viz


def test_throughput_is_concurrency_times_batch_over_duration():
    # 500 messages, 5 concurrent batches of 10, 2 s each: 50 messages every 2 s = 25 messages/s,
    # so 10 rounds and the last batch ends at 20 s (no cold starts, to keep the numbers round).
    r = scenarios.sqs_mapping(messages=500, batch_size=10, function_ms=2000, init_ms=0,
                              maximum_concurrency=5, seconds=40)
    c = r.counts
    assert c["deleted"] == 500 and c["batches"] == 50 and c["peak_concurrency"] == 5
    assert set(r.batches["size"]) == {10}
    assert r.batches.end.max() == pytest.approx(20.0)
    throughput = 500 / r.batches.end.max()
    assert throughput == pytest.approx(5 * 10 / 2.0)
    # the k-th round (k = 0..9) ends at 2(k + 1) s: latencies are 2, 4, ..., 20 s, 50 each
    assert sorted(r.messages.latency.unique()) == pytest.approx([2.0 * k for k in range(1, 11)])
    assert (r.messages.latency.value_counts() == 50).all()
    # with the default 250 ms cold start, only the first round (5 new environments) pays it
    cold = scenarios.sqs_mapping(messages=500, batch_size=10, function_ms=2000,
                                 maximum_concurrency=5, seconds=40)
    assert cold.batches.end.max() == pytest.approx(20.25)


@pytest.mark.parametrize("n", [1, 3, 5])
def test_failure_rate_one_sends_every_message_to_the_dlq_after_exactly_n_receives(n):
    r = scenarios.sqs_mapping(messages=40, failure_rate=1.0, max_receive_count=n,
                              visibility_timeout=10, function_ms=500, seconds=20 + 10 * n)
    assert r.counts["dlq"] == 40 and r.counts["deleted"] == 0 and r.counts["left"] == 0
    assert (r.messages.receives == n).all()
    assert r.messages.in_dlq.all() and r.messages.latency.isna().all()
    assert r.samples.dlq.iloc[-1] == 40
    # every receive after the first waits for the visibility timeout: the last (n-th) receive
    # starts at (n - 1) x 10 s
    assert r.batches.start.max() == pytest.approx((n - 1) * 10.0)


def test_without_a_dlq_a_poison_batch_keeps_coming_back():
    r = scenarios.sqs_mapping(messages=10, failure_rate=1.0, max_receive_count=None,
                              visibility_timeout=10, function_ms=500, seconds=59)
    # received at 0, 10, 20, 30, 40, 50: six times in 59 s, never deleted
    assert (r.messages.receives == 6).all() and r.counts["left"] == 10


def test_visibility_timeout_shorter_than_the_function_gives_duplicates():
    short = scenarios.sqs_mapping(messages=10, function_ms=5000, visibility_timeout=2,
                                  max_receive_count=None, seconds=30)
    assert short.visibility_lowered
    # received at 0, 2, 4, ...: the first batch (0-5 s) and the second (2-7 s) both do the work
    assert short.counts["duplicates"] == 10
    assert (short.messages.processed >= 2).all()
    safe = scenarios.sqs_mapping(messages=10, function_ms=5000, visibility_timeout=36,
                                 max_receive_count=None, seconds=30)
    assert not safe.visibility_lowered
    assert safe.counts["duplicates"] == 0 and safe.counts["deleted"] == 10
    assert (safe.messages.processed == 1).all()


def test_partial_batch_responses_retry_only_the_failed_messages():
    common = dict(messages=200, failure_rate=0.2, max_receive_count=None, visibility_timeout=5,
                  function_ms=500, seconds=120)
    whole = scenarios.sqs_mapping(**common)
    partial = scenarios.sqs_mapping(report_batch_item_failures=True, **common)
    # with batchItemFailures a message that succeeded is deleted: its work is never repeated
    assert partial.counts["duplicates"] == 0
    assert (partial.messages.processed == 1).all() and partial.counts["deleted"] == 200
    # without it, one failure sends the whole batch back: good messages are processed again
    assert whole.counts["duplicates"] > 0
    assert whole.counts["batches"] > partial.counts["batches"]
    # receives per message in the partial case: geometric, mean 1 / (1 - 0.2) = 1.25
    assert partial.messages.receives.mean() == pytest.approx(1.25, abs=0.1)


def test_maximum_concurrency_caps_and_pollers_ramp_by_five_per_second():
    capped = scenarios.sqs_mapping(messages=1000, batch_size=1, function_ms=3000,
                                   maximum_concurrency=12, seconds=30)
    assert capped.counts["peak_concurrency"] == 12
    assert max(n for _, n in capped.scaling) == 12
    free = scenarios.sqs_mapping(messages=1000, batch_size=1, function_ms=3000, seconds=8)
    ramp = [n for t, n in free.scaling if t <= 5]
    assert ramp == [5, 10, 15, 20, 25, 30]          # 5 at first, +5 a second (= 300 a minute)
    assert free.samples.concurrency.max() <= 1000


def test_reserved_concurrency_throttles_the_pollers():
    r = scenarios.sqs_mapping(messages=100, function_ms=1000, reserved=2, visibility_timeout=5,
                              max_receive_count=None, seconds=120)
    assert r.counts["peak_concurrency"] == 2 and r.counts["throttles"] > 0
    assert r.counts["deleted"] == 100


def test_latency_of_a_lone_message_is_the_window_plus_the_function():
    # one message every 10 s: nothing queues. Without a window a message is done after the
    # function's 1 s; with a 4 s window the batch waits 4 s first.
    quick = scenarios.sqs_mapping(messages=5, arrival_rate=0.1, function_ms=1000, seconds=60,
                                  init_ms=0)
    assert (quick.messages.latency == 1.0).all()
    waited = scenarios.sqs_mapping(messages=5, arrival_rate=0.1, function_ms=1000, init_ms=0,
                                   batch_size=50, batching_window=4, seconds=60)
    assert (waited.messages.latency == 5.0).all()


def test_batching_window_fills_batches_at_a_steady_rate():
    # 20 messages/s and a 2 s window: about 40 per batch when the batch size allows it
    r = scenarios.sqs_mapping(messages=1000, arrival_rate=20, batch_size=100, batching_window=2,
                              function_ms=500, seconds=70)
    sizes = r.batches["size"]
    assert r.counts["deleted"] == 1000
    assert sizes.median() == pytest.approx(40, abs=2)


def test_deterministic_fast_and_summary():
    a = scenarios.sqs_mapping(failure_rate=0.1, seed=3)
    b = scenarios.sqs_mapping(failure_rate=0.1, seed=3)
    assert a.counts == b.counts and a.summary() == b.summary()
    assert a.samples.equals(b.samples) and a.messages.equals(b.messages)
    start = time.perf_counter()
    scenarios.sqs_mapping()
    assert time.perf_counter() - start < 1.0      # < 200 ms on a laptop; generous for CI
    r = scenarios.sqs_mapping()
    assert r.summary().startswith("300 messages: 300 done, 0 in the DLQ")
    assert r.counts["sent"] == r.counts["deleted"] + r.counts["dlq"] + r.counts["left"]


def test_figures_have_stable_uids_and_a_fixed_number_of_traces():
    plain = scenarios.sqs_mapping(messages=50, seconds=20)
    capped = scenarios.sqs_mapping(messages=50, seconds=20, maximum_concurrency=3,
                                   failure_rate=1.0)
    f1, f2 = viz.queue_dashboard(plain), viz.queue_dashboard(capped)
    assert len(f1.data) == len(f2.data)
    assert [t.uid for t in f1.data] == [f"sqs-dashboard-{i}" for i in range(len(f1.data))]
    for fig in (viz.queue_depth(plain.samples), viz.batch_sizes(plain.batches),
                viz.poller_concurrency(plain.samples, plain.scaling, 10),
                viz.message_latency(capped.messages)):
        assert all(t.uid for t in fig.data)
    # histograms are binned: the bars hold counts that add up to the batches / messages
    assert sum(viz.batch_sizes(plain.batches).data[0].y) == plain.counts["batches"]
    assert sum(viz.message_latency(plain.messages).data[0].y) == plain.counts["deleted"]
    assert math.isnan(capped.messages.latency.iloc[0])
