"""Concurrency and scaling: a function under load, with its limits."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..lab import Lab
from ..load import bursts as burst_rate


@dataclass
class ConcurrencyResult:
    params: dict
    trace: pd.DataFrame
    metrics: pd.DataFrame          # per second
    requests: int
    invocations: int
    throttles: int
    cold_starts: int
    peak: int                      # highest concurrent executions
    expected: float                # Little's law: arrival rate x (init-free) duration

    def summary(self) -> str:
        return (f"{self.requests} requests: {self.invocations} ran ({self.cold_starts} cold "
                f"starts), {self.throttles} throttled; peak concurrency {self.peak} "
                f"(rate x duration = {self.expected:g})")


def concurrency(rate: float = 50, duration_ms: float = 200, seconds: float = 30,
                reserved: int | None = None, provisioned: int = 0, account_limit: int = 1000,
                init_ms: float = 250, burst_rate: float | None = None, burst_every: float = 10,
                burst_length: float = 2, invocation_type: str = "RequestResponse",
                seed: int = 0) -> ConcurrencyResult:
    """``rate`` requests/s for ``seconds`` (with optional bursts to ``burst_rate``) against a
    function taking ``duration_ms``; returns what ran, what was throttled and the concurrency."""
    params = dict(locals())
    lab = Lab(seed=seed)
    lab.awslambda.account_limit = account_limit
    # timeout 900 s (the maximum): the scenario is about concurrency, not timeouts
    lab.function(lambda event, context: None, name="worker", duration=duration_ms / 1000,
                 timeout=900,
                 init_duration=init_ms / 1000, reserved_concurrency=reserved,
                 provisioned_concurrency=provisioned or None)
    pattern = rate if burst_rate is None else burst_rate_pattern(rate, burst_rate, burst_every,
                                                                   burst_length, seconds)
    lab.load("worker", pattern, seconds, invocation_type=invocation_type)
    lab.run()
    trace = lab.trace()
    ran = trace[trace.outcome != "throttled"]
    metrics = lab.metrics("worker", period="1s")
    return ConcurrencyResult(params, trace, metrics, requests=trace.request_id.nunique(),
                             invocations=len(ran), throttles=int((trace.outcome == "throttled").sum()),
                             cold_starts=int(ran.cold.sum()),
                             peak=int(metrics.ConcurrentExecutions.max()),
                             expected=round(rate * duration_ms / 1000, 3))


def burst_rate_pattern(base, peak, every, length, seconds):
    return burst_rate(base=base, peak=peak, every=every, length=length, until=seconds)
