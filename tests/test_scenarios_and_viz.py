"""Scenarios (pure, seeded) and the figures and panels drawn from them."""
from __future__ import annotations

import json

import pytest

from lambdalab import scenarios, viz
from lambdalab.scenarios.costs import break_even


def test_concurrency_without_limits_matches_littles_law():
    result = scenarios.concurrency(rate=50, duration_ms=200, seconds=20, init_ms=0)
    # L = rate x duration = 50/s x 0.2 s = 10 (first principles); nothing is throttled
    assert result.expected == 10
    assert result.peak == 10 and result.throttles == 0
    assert result.invocations == result.requests == 1000
    assert "peak concurrency 10" in result.summary()


def test_reserved_concurrency_caps_and_throttles():
    result = scenarios.concurrency(rate=200, duration_ms=200, seconds=10, reserved=20, init_ms=0)
    # 200/s x 0.2 s = 40 wanted, 20 allowed: about half of the requests are throttled
    assert result.peak == 20
    assert result.throttles == pytest.approx(result.requests / 2, rel=0.05)
    assert result.invocations + result.throttles == result.requests


def test_provisioned_concurrency_removes_cold_starts_below_it():
    cold = scenarios.concurrency(rate=20, duration_ms=200, seconds=10)
    warm = scenarios.concurrency(rate=20, duration_ms=200, seconds=10, provisioned=10)
    assert cold.cold_starts > 0 and warm.cold_starts == 0


def test_scenarios_are_deterministic_per_seed():
    a = scenarios.async_retries(failure_rate=0.5, seed=3)
    b = scenarios.async_retries(failure_rate=0.5, seed=3)
    c = scenarios.async_retries(failure_rate=0.5, seed=4)
    assert a.events.equals(b.events) and a.summary() == b.summary()
    assert not a.trace.equals(c.trace)


def test_async_retry_counts_follow_the_settings():
    # invocation-async-error-handling.html: up to 2 retries by default
    always = scenarios.async_retries(failure_rate=1.0, retries=2, events=5, dlq=True)
    assert always.attempts == 5 * 3
    assert always.outcomes == {"delivered": 5}
    never = scenarios.async_retries(failure_rate=0.0, events=5)
    assert never.outcomes == {"succeeded": 5} and never.attempts == 5
    no_dlq = scenarios.async_retries(failure_rate=1.0, retries=0, events=5, dlq=False)
    assert no_dlq.outcomes == {"dropped": 5} and no_dlq.attempts == 5


def test_power_tuning_follows_the_cpu_model_and_prices():
    rows = scenarios.power_tuning(memories=(128, 1769, 3538), cpu_ms=800, io_ms=50,
                                  invocations=2).set_index("memory_mb")
    # configuration-memory.html: 1,769 MB = 1 vCPU; a single thread gets no faster above it
    assert rows.duration_ms[1769] == pytest.approx(850)
    assert rows.duration_ms[3538] == pytest.approx(850)
    assert rows.duration_ms[128] == pytest.approx(800 * 1769 / 128 + 50)
    # $0.20 per 1M requests + GB-s x $0.0000166667 (aws.amazon.com/lambda/pricing)
    expected = 0.20 + 0.850 * 1769 / 1024 * 0.0000166667 * 1_000_000
    assert rows.cost_per_million[1769] == pytest.approx(expected)


def test_serverless_vs_server_break_even_from_first_principles():
    frame = scenarios.serverless_vs_server(duration_ms=100, memory_mb=512)
    server = 0.0416 * 730                       # t3.medium on demand, 730 h a month
    per_request = 0.20e-6 + 0.1 * 0.5 * 0.0000166667
    assert frame.server.iloc[0] == pytest.approx(server)
    crossing = break_even(frame)
    assert crossing >= server / per_request
    assert frame[frame.requests < crossing].serverless.max() <= server
    free = scenarios.serverless_vs_server(free_tier=True, requests=[1_000_000])
    assert free.serverless.iloc[0] == 0       # 1M requests and 400,000 GB-s free each month


def test_figures_are_deterministic_and_have_uids():
    result = scenarios.async_retries(failure_rate=0.5, events=10)
    first = viz.timeline(result.trace).to_plotly_json()
    second = viz.timeline(result.trace).to_plotly_json()
    assert json.dumps(first, sort_keys=True, default=str) == \
        json.dumps(second, sort_keys=True, default=str)
    assert all(trace["uid"].startswith("timeline-") for trace in first["data"])


def test_timeline_links_retries_of_one_event():
    result = scenarios.async_retries(failure_rate=1.0, retries=2, events=1)
    fig = viz.timeline(result.trace)
    link = next(t for t in fig.data if t.name == "retry of the same event")
    # two links (1st -> 2nd, 2nd -> 3rd attempt), each drawn as (end, start, gap)
    assert len([x for x in link.x if x is None]) == 2


def test_concurrency_figure_peaks_at_the_measured_peak():
    result = scenarios.concurrency(rate=200, duration_ms=200, seconds=5, reserved=20)
    fig = viz.concurrency(result.trace, {"reserved concurrency": 20})
    assert max(fig.data[0].y) == result.peak == 20
    assert list(fig.data[1].y) == [20, 20]


def test_explore_panel_recomputes_and_redraws():
    slider = viz.slider(10, 0, 40, 1, "reserved")
    panel = viz.explore(
        lambda reserved: scenarios.concurrency(rate=100, duration_ms=200, seconds=5,
                                               reserved=reserved),
        lambda r: viz.concurrency(r.trace, {"reserved": r.params["reserved"]}),
        lambda r: r.summary(), {"reserved": slider})
    before = max(panel.figure.data[0].y)
    slider.value = 15                              # fires the observer, as a user's drag would
    after = max(panel.figure.data[0].y)
    assert (before, after) == (10, 15)
    assert "throttled" in panel.children[2].value
