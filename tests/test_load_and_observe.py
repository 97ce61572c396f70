"""Load generators, CloudWatch-style metrics, traces and cost."""
from __future__ import annotations

import pytest

from lambdalab import Lab
from lambdalab.load import bursts, drive, steps
from lambdalab.observe import cost, metrics, trace


def quick(lab, **settings):
    settings.setdefault("duration", "500ms")
    settings.setdefault("init_duration", 0)
    return lab.function(lambda event, context: None, name="f", **settings)


def test_constant_rate_sends_rate_times_duration():
    lab = Lab(seed=0)
    quick(lab)
    run = drive(lab, "f", 10, "60s")
    lab.run()
    assert run.sent == 600                       # 10/s for 60 s, first arrival at t=0
    starts = trace(lab).start.tolist()
    assert starts[:3] == pytest.approx([0.0, 0.1, 0.2])


def test_steps_and_bursts_follow_their_rates():
    lab = Lab(seed=0)
    quick(lab)
    run = drive(lab, "f", steps((0, 1), ("10s", 5), ("20s", 0)), "30s")
    lab.run()
    assert run.sent == 10 + 50                   # 1/s for 10 s, 5/s for 10 s, then nothing
    lab2 = Lab(seed=0)
    quick(lab2)
    run2 = drive(lab2, "f", bursts(base=1, peak=10, every="10s", length="2s"), "30s")
    lab2.run()
    assert run2.sent == 3 * (10 * 2 + 1 * 8)     # each 10 s: 2 s at 10/s, 8 s at 1/s


def test_poisson_arrivals_are_seeded_and_average_the_rate():
    counts = []
    for seed in (0, 0, 1):
        lab = Lab(seed=seed)
        quick(lab)
        run = drive(lab, "f", 100, "100s", poisson=True)
        lab.run()
        counts.append(run.sent)
    assert counts[0] == counts[1] != counts[2]
    # Poisson: mean 10,000, standard deviation 100; 5 sigma keeps this test from flaking
    assert all(abs(c - 10_000) < 500 for c in counts)


def test_littles_law_concurrency_equals_rate_times_duration():
    lab = Lab(seed=0)
    quick(lab, duration="500ms")
    drive(lab, "f", 100, "120s")
    lab.run()
    frame = metrics(lab, "f")
    # L = lambda x W: 100 requests/s x 0.5 s = 50 concurrent executions (first principles)
    assert frame.ConcurrentExecutions.iloc[0] == 50
    assert frame.Invocations.iloc[0] == 6000 and frame.Invocations.iloc[1] == 6000
    assert frame.Duration.iloc[0] == pytest.approx(500.0)


def test_synchronous_load_is_throttled_at_reserved_concurrency():
    lab = Lab(seed=0)
    quick(lab, duration="1s", reserved_concurrency=10)
    run = drive(lab, "f", 20, "10s", invocation_type="RequestResponse")
    lab.run()
    frame = metrics(lab, "f")
    # 20 arrivals/s x 1 s = 20 wanted concurrently, 10 allowed: half are throttled
    assert run.sent == 200
    assert run.throttled == pytest.approx(100, abs=10)
    assert frame.Throttles.sum() == run.throttled
    assert frame.Invocations.sum() == run.sent - run.throttled
    assert frame.ConcurrentExecutions.max() == 10


def test_async_event_age_and_dropped_events_are_counted():
    lab = Lab(seed=0)

    @lab.function(name="bad", duration="10ms", init_duration=0)
    def bad(event, context):
        raise RuntimeError("no")

    bad.invoke({}, "Event")
    lab.run()
    frame = metrics(lab, "bad")
    assert frame.AsyncEventsReceived.sum() == 1
    assert frame.Invocations.sum() == 3 and frame.Errors.sum() == 3
    assert frame.AsyncEventsDropped.sum() == 1
    # retries wait 1 min then 2 min after the previous attempt ends
    # (invocation-async-error-handling.html): the third attempt starts 180.02 s after arrival
    assert frame.AsyncEventAge.max() == pytest.approx(180_020)


def test_cost_matches_the_pricing_page_example():
    lab = Lab(seed=0)
    fn = quick(lab, duration="100ms", memory_size=128)
    lab.awslambda.account_limit = 10_000
    drive(lab, "f", 1000, "100s")
    lab.run()
    bill = cost(lab, "f")
    # 100,000 requests x $0.20/M = $0.02; 100,000 x 0.1 s x 0.125 GB = 1,250 GB-s
    # x $0.0000166667 (https://aws.amazon.com/lambda/pricing/, x86, us-east-1)
    assert bill["requests"] == 100_000
    assert bill["gb_seconds"] == pytest.approx(1250)
    assert bill["request_cost"] == pytest.approx(0.02)
    assert bill["compute_cost"] == pytest.approx(1250 * 0.0000166667)
    assert cost(lab, "f", free_tier=True)["total"] == 0   # inside 1M requests and 400,000 GB-s
    fn.configure(architecture="arm64")
    fn.invoke({})
    assert cost(lab, "f")["compute_cost"] == pytest.approx(
        1250 * 0.0000166667 + 0.1 * 0.125 * 0.0000133334)


def test_billed_duration_rounds_up_to_the_millisecond_and_includes_init():
    lab = Lab(seed=0)
    fn = lab.function(lambda e, c: None, name="g", duration="1.2345ms", init_duration="100ms")
    cold = fn.invoke({}).attempt
    warm = fn.invoke({}).attempt
    # 1 ms granularity since Dec 2020 (aws.amazon.com/blogs/aws/new-for-aws-lambda-1ms-billing-
    # granularity-adds-cost-savings/); INIT billed since Aug 2025
    assert warm.billed_ms == 2
    assert cold.billed_ms == 102
