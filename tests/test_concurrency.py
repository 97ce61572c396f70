"""Lambda concurrency: account limit, reserved and provisioned concurrency, the scaling rate,
warm reuse and Little's law.

Sources (L/ = https://docs.aws.amazon.com/lambda/latest/dg/):
* L/gettingstarted-limits.html - 1,000 concurrent executions per Region by default, can be raised.
* L/configuration-concurrency.html - reserved concurrency; at least 100 must stay unreserved;
  provisioned concurrency = pre-initialized environments, never more than reserved.
* L/scaling-behavior.html - 1,000 new execution environments every 10 s per function,
  refilled continuously (100 per second), unused rate does not accumulate.
* https://docs.aws.amazon.com/botocore/latest/reference/services/lambda/client/exceptions/TooManyRequestsException.html
  - 429 TooManyRequestsException with a Reason.
"""
from __future__ import annotations

import pytest

from lambdalab import Lab
from lambdalab.errors import InvalidParameterValueException, TooManyRequestsException


def noop(event, context):
    return {"ok": True}


def burst(lab, name, n, at):
    """Schedule ``n`` simultaneous synchronous invokes of ``name`` at lab time ``at``.

    Returns a list filled when the clock reaches ``at``: "ok" or the TooManyRequestsException."""
    results = []

    def go():
        for _ in range(n):
            try:
                lab.awslambda.invoke(name, {})
                results.append("ok")
            except TooManyRequestsException as exc:
                results.append(exc)

    lab.clock.at(at, go)
    return results


def reasons(results):
    out = {}
    for r in results:
        key = r if r == "ok" else r.reason
        out[key] = out.get(key, 0) + 1
    return out


def peak_concurrency(attempts):
    """Most attempts running at once, over [start, end) intervals of attempts that ran."""
    edges = []
    for a in attempts:
        if a.outcome != "throttled":
            edges += [(a.start, 1), (a.end, -1)]
    edges.sort(key=lambda e: (e[0], e[1]))   # at equal times, ends (-1) before starts (+1)
    level = peak = 0
    for _, delta in edges:
        level += delta
        peak = max(peak, level)
    return peak


# --- account limit ----------------------------------------------------------------------------
def test_account_limit_defaults_to_1000():
    # L/gettingstarted-limits.html: 1,000 concurrent executions per Region by default.
    lab = Lab(seed=0)
    assert lab.awslambda.account_limit == 1000
    assert lab.awslambda.unreserved_capacity() == 1000


def test_1001st_concurrent_request_is_throttled_by_the_default_account_limit():
    lab = Lab(seed=0)
    lab.function(noop, name="f", duration="30s", timeout=60)
    results = burst(lab, "f", 1001, at=0)
    lab.run("1s")
    assert reasons(results) == {"ok": 1000, "ConcurrentInvocationLimitExceeded": 1}
    assert lab.awslambda.in_use == 1000
    # once they finish, capacity is free again
    lab.run("31s")
    assert lab.awslambda.in_use == 0
    assert lab.function(noop, name="g").invoke({}).status_code == 200


def test_account_limit_is_configurable():
    lab = Lab(seed=0)
    lab.awslambda.account_limit = 200
    lab.function(noop, name="f", duration="10s")
    results = burst(lab, "f", 250, at=0)
    lab.run("1s")
    assert reasons(results) == {"ok": 200, "ConcurrentInvocationLimitExceeded": 50}


def test_sync_throttle_is_a_429_with_a_reason_and_is_recorded():
    lab = Lab(seed=0)
    lab.awslambda.account_limit = 100
    lab.function(noop, name="f", duration="5s")
    results = burst(lab, "f", 101, at=0)
    lab.run("1s")
    exc = results[-1]
    assert isinstance(exc, TooManyRequestsException)
    assert exc.status == 429
    assert exc.code == "TooManyRequestsException"
    assert exc.reason == "ConcurrentInvocationLimitExceeded"
    assert exc.fields["Reason"] == "ConcurrentInvocationLimitExceeded"
    throttled = [a for a in lab.awslambda.attempts if a.outcome == "throttled"]
    assert len(throttled) == 1
    assert throttled[0].reason == "ConcurrentInvocationLimitExceeded"
    assert throttled[0].duration == 0 and throttled[0].billed_ms == 0


# --- reserved concurrency ---------------------------------------------------------------------
def test_reserved_concurrency_zero_always_throttles():
    lab = Lab(seed=0)
    calls = []
    fn = lab.function(lambda e, c: calls.append(e), name="f", reserved_concurrency=0)
    for _ in range(3):
        with pytest.raises(TooManyRequestsException) as info:
            fn.invoke({})
        assert info.value.status == 429
        assert info.value.reason == "ReservedFunctionConcurrentInvocationLimitExceeded"
        lab.run("10m")   # time passing does not help
    assert calls == []
    assert [a.outcome for a in lab.awslambda.attempts] == ["throttled"] * 3


def test_reserved_concurrency_caps_the_function():
    lab = Lab(seed=0)
    lab.function(noop, name="f", duration="10s", reserved_concurrency=3)
    first = burst(lab, "f", 5, at=0)
    later = burst(lab, "f", 3, at=20)      # after the first three finished (10.25 s)
    lab.run("30s")
    assert reasons(first) == {"ok": 3, "ReservedFunctionConcurrentInvocationLimitExceeded": 2}
    assert reasons(later) == {"ok": 3}
    assert peak_concurrency(lab.awslambda.attempts) == 3


def test_reserved_concurrency_is_not_consumed_by_other_functions():
    lab = Lab(seed=0)
    lab.awslambda.account_limit = 110
    lab.function(noop, name="reserved", duration="10s", reserved_concurrency=10)
    lab.function(noop, name="other", duration="10s")
    assert lab.awslambda.unreserved_capacity() == 100
    other = burst(lab, "other", 150, at=0)           # floods the unreserved pool first
    mine = burst(lab, "reserved", 10, at=0.5)
    lab.run("1s")
    assert reasons(other) == {"ok": 100, "ConcurrentInvocationLimitExceeded": 50}
    assert reasons(mine) == {"ok": 10}
    assert lab.awslambda.in_use == 110


def test_reserved_function_cannot_borrow_from_the_unreserved_pool():
    lab = Lab(seed=0)
    lab.function(noop, name="f", duration="10s", reserved_concurrency=5)
    results = burst(lab, "f", 6, at=0)
    lab.run("1s")
    # 995 unreserved are free, but f is capped at its reservation
    assert lab.awslambda.unreserved_capacity() == 995
    assert reasons(results) == {"ok": 5, "ReservedFunctionConcurrentInvocationLimitExceeded": 1}


def test_at_least_100_must_stay_unreserved():
    # L/configuration-concurrency.html: you can reserve up to the unreserved account
    # concurrency minus 100.
    lab = Lab(seed=0)
    fn = lab.function(noop, name="f")
    with pytest.raises(InvalidParameterValueException) as info:
        fn.configure(reserved_concurrency=901)
    assert "[100]" in info.value.message
    assert info.value.status == 400
    assert fn.reserved_concurrency is None
    assert lab.awslambda.unreserved_capacity() == 1000
    fn.configure(reserved_concurrency=900)
    assert lab.awslambda.unreserved_capacity() == 100
    g = lab.function(noop, name="g")
    with pytest.raises(InvalidParameterValueException):
        g.configure(reserved_concurrency=1)
    # lowering f's reservation frees room for g
    fn.configure(reserved_concurrency=800)
    g.configure(reserved_concurrency=100)
    assert lab.awslambda.unreserved_capacity() == 100


def test_unreserved_minimum_follows_a_raised_account_limit():
    lab = Lab(seed=0)
    lab.awslambda.account_limit = 5000
    fn = lab.function(noop, name="f", reserved_concurrency=4900)
    assert fn.reserved_concurrency == 4900
    with pytest.raises(InvalidParameterValueException):
        fn.configure(reserved_concurrency=4901)


def test_rejected_reservation_at_create_leaves_no_function_behind():
    lab = Lab(seed=0)
    with pytest.raises(InvalidParameterValueException):
        lab.function(noop, name="f", reserved_concurrency=901)
    assert "f" not in lab.awslambda.functions
    assert lab.awslambda.unreserved_capacity() == 1000
    lab.function(noop, name="f", reserved_concurrency=900)   # the name is free again


# --- provisioned concurrency ------------------------------------------------------------------
def test_provisioned_environments_serve_first_then_spill_over_cold():
    lab = Lab(seed=0)
    lab.function(noop, name="f", duration="2s", provisioned_concurrency=2)
    results = burst(lab, "f", 3, at=0)
    lab.run("5s")
    assert reasons(results) == {"ok": 3}
    a1, a2, a3 = lab.awslambda.attempts
    assert (a1.provisioned, a1.cold, a1.init) == (True, False, 0.0)
    assert (a2.provisioned, a2.cold, a2.init) == (True, False, 0.0)
    assert (a3.provisioned, a3.cold) == (False, True)
    assert a3.init > 0
    reports = [lab.awslambda.log_lines(a)[-1] for a in (a1, a2, a3)]
    assert ["Init Duration" in r for r in reports] == [False, False, True]
    # the spill-over environment came from on-demand scaling, the others did not
    fn = lab.awslambda.get("f")
    assert fn.environments == 1


def test_provisioned_concurrency_cannot_exceed_reserved():
    lab = Lab(seed=0)
    fn = lab.function(noop, name="f", reserved_concurrency=5)
    with pytest.raises(InvalidParameterValueException):
        fn.configure(provisioned_concurrency=6)
    assert fn.provisioned == 0
    fn.configure(provisioned_concurrency=5)
    assert fn.provisioned == 5
    with pytest.raises(InvalidParameterValueException):
        fn.configure(reserved_concurrency=4)   # below the provisioned amount
    assert fn.reserved_concurrency == 5


def test_provisioned_concurrency_counts_against_the_unreserved_minimum():
    lab = Lab(seed=0)
    lab.function(noop, name="p", provisioned_concurrency=400)
    assert lab.awslambda.unreserved_capacity() == 600
    g = lab.function(noop, name="g")
    with pytest.raises(InvalidParameterValueException):
        g.configure(reserved_concurrency=501)
    g.configure(reserved_concurrency=500)


# --- scaling rate -----------------------------------------------------------------------------
def test_scaling_rate_1000_new_environments_then_100_per_second():
    # L/scaling-behavior.html: 1,000 execution environments every 10 seconds per function,
    # refilled continuously: after 1 s, 100 more.
    lab = Lab(seed=0)
    lab.awslambda.account_limit = 5000
    lab.function(noop, name="f", duration="600s", timeout=900)
    first = burst(lab, "f", 1500, at=0)
    half = burst(lab, "f", 100, at=0.5)
    second = burst(lab, "f", 200, at=1.5)
    lab.run("2s")
    assert reasons(first) == {"ok": 1000, "FunctionInvocationRateLimitExceeded": 500}
    assert reasons(half) == {"ok": 50, "FunctionInvocationRateLimitExceeded": 50}
    assert reasons(second) == {"ok": 100, "FunctionInvocationRateLimitExceeded": 100}
    assert lab.awslambda.in_use == 1150


def test_scaling_rate_does_not_accumulate_beyond_1000():
    lab = Lab(seed=0)
    lab.awslambda.account_limit = 5000
    lab.function(noop, name="f", duration="800s", timeout=900)
    burst(lab, "f", 1000, at=0)
    later = burst(lab, "f", 1500, at=300)   # 300 s of refill would be 30,000 if it accumulated
    lab.run("301s")
    assert reasons(later) == {"ok": 1000, "FunctionInvocationRateLimitExceeded": 500}


def test_scaling_rate_is_per_function():
    lab = Lab(seed=0)
    lab.awslambda.account_limit = 5000
    lab.function(noop, name="f", duration="60s")
    lab.function(noop, name="g", duration="60s")
    f = burst(lab, "f", 1000, at=0)
    g = burst(lab, "g", 1000, at=0)
    lab.run("1s")
    assert reasons(f) == {"ok": 1000} and reasons(g) == {"ok": 1000}


def test_warm_environments_do_not_use_the_scaling_rate():
    lab = Lab(seed=0)
    lab.awslambda.account_limit = 5000
    lab.function(noop, name="f", duration="1s")
    burst(lab, "f", 1000, at=0)          # 1,000 cold starts use the whole rate
    again = burst(lab, "f", 1000, at=2)  # ... and 2 s later they are warm and idle (refill: 200)
    lab.run("3s")
    assert reasons(again) == {"ok": 1000}
    later = [a for a in lab.awslambda.attempts if a.start == 2]
    assert not any(a.cold for a in later)


def test_async_events_throttled_by_the_scaling_rate_retry_one_second_later():
    # L/invocation-async-error-handling.html: throttled events go back to the queue; the retry
    # interval starts at 1 s. With 100 environments/s refilled, 100 of them start at t=1 s.
    lab = Lab(seed=0)
    lab.awslambda.account_limit = 5000
    fn = lab.function(noop, name="f", duration="600s", timeout=900)
    for _ in range(1500):
        fn.invoke({}, "Event")
    lab.run("1.5s")
    ran = [a for a in lab.awslambda.attempts if a.outcome != "throttled"]
    throttled = [a for a in lab.awslambda.attempts if a.outcome == "throttled"]
    assert sum(a.start == 0 for a in ran) == 1000
    assert sum(a.start == 1 for a in ran) == 100
    assert sum(a.start == 0 for a in throttled) == 500
    assert sum(a.start == 1 for a in throttled) == 400
    assert {a.reason for a in throttled} == {"FunctionInvocationRateLimitExceeded"}


# --- warm reuse -------------------------------------------------------------------------------
def test_sequential_invokes_reuse_one_environment():
    lab = Lab(seed=0)
    fn = lab.function(noop, name="f", duration="100ms")
    for _ in range(5):
        fn.invoke({})
    attempts = lab.awslambda.attempts
    assert [a.cold for a in attempts] == [True, False, False, False, False]
    assert len({a.env for a in attempts}) == 1
    assert fn.environments == 1


def test_module_state_survives_between_warm_invokes():
    lab = Lab(seed=0)
    state = {"n": 0}

    def counter(event, context):
        state["n"] += 1
        return state["n"]

    fn = lab.function(counter, name="f")
    assert [fn.invoke({}).json() for _ in range(3)] == [1, 2, 3]


def test_idle_environment_past_keep_alive_starts_cold_again():
    lab = Lab(seed=0)
    keep_alive = lab.awslambda.keep_alive
    fn = lab.function(noop, name="f", duration="100ms")
    fn.invoke({})
    lab.run(keep_alive - 1)          # idle just under the keep-alive: still warm
    fn.invoke({})
    lab.run(keep_alive + 1)          # idle past it: retired
    fn.invoke({})
    assert [a.cold for a in lab.awslambda.attempts] == [True, False, True]
    assert fn.environments == 1


def test_keep_alive_is_a_setting():
    lab = Lab(seed=0)
    lab.awslambda.keep_alive = 10
    fn = lab.function(noop, name="f")
    fn.invoke({})
    lab.run(11)
    fn.invoke({})
    assert [a.cold for a in lab.awslambda.attempts] == [True, True]


def test_overlapping_requests_need_separate_environments():
    lab = Lab(seed=0)
    fn = lab.function(noop, name="f", duration="1s")
    burst(lab, "f", 3, at=0)
    burst(lab, "f", 3, at=5)
    lab.run("10s")
    attempts = lab.awslambda.attempts
    assert [a.cold for a in attempts] == [True] * 3 + [False] * 3
    assert len({a.env for a in attempts}) == 3
    assert fn.environments == 3


# --- Little's law -----------------------------------------------------------------------------
def test_littles_law_concurrency_equals_rate_times_duration():
    # First principles: with arrivals every 1/r seconds and each request busy d seconds,
    # r*d requests are in flight once the system is in steady state (Little's law L = lambda*W).
    rate, duration = 4.0, 2.5    # exact in binary floating point
    lab = Lab(seed=0)
    fn = lab.function(noop, name="f", duration=duration, init_duration=0)
    for i in range(200):
        lab.clock.at(i / rate, lambda: lab.awslambda.invoke("f", {}, "Event"))
    lab.run()
    assert peak_concurrency(lab.awslambda.attempts) == rate * duration
    assert fn.environments == rate * duration
    assert all(e.outcome == "succeeded" for e in lab.awslambda.async_events)


def test_littles_law_with_cold_starts_is_close_to_rate_times_duration():
    rate, duration = 10.0, 2.0
    lab = Lab(seed=0)
    lab.function(noop, name="f", duration=duration)
    for i in range(300):
        lab.clock.at(i / rate, lambda: lab.awslambda.invoke("f", {}, "Event"))
    lab.run()
    init = max(a.init for a in lab.awslambda.attempts)
    assert init > 0
    peak = peak_concurrency(lab.awslambda.attempts)
    # cold starts make the first requests longer by the init time
    assert rate * duration <= peak <= rate * (duration + init) + 1
    steady = [a for a in lab.awslambda.attempts if a.start >= 10]
    assert peak_concurrency(steady) == rate * duration
