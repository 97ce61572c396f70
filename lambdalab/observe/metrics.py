"""Traces and CloudWatch-style metrics (``AWS/Lambda`` names and units) from lab records."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..clock import EPOCH, parse_duration

TRACE_COLUMNS = ["request_id", "function", "invocation_type", "attempt", "start", "end",
                 "init_ms", "duration_ms", "billed_ms", "memory_size", "cold", "provisioned",
                 "env", "outcome", "error_type", "reason"]


def trace(lab, function: str | None = None) -> pd.DataFrame:
    """One row per invocation attempt (throttled requests included, ``outcome="throttled"``).

    ``start`` and ``end`` are seconds since the lab's epoch (2026-01-01T00:00:00Z)."""
    rows = [(a.request_id, a.function, a.invocation_type, a.attempt, a.start, a.end,
             a.init * 1000, a.duration * 1000, a.billed_ms, a.memory_size, a.cold,
             a.provisioned, a.env, a.outcome, a.error_type, a.reason)
            for a in lab.awslambda.attempts if function is None or a.function == function]
    return pd.DataFrame(rows, columns=TRACE_COLUMNS)


def _bucket(times: np.ndarray, period: float) -> np.ndarray:
    return np.floor(times / period).astype(np.int64)


def _peak_concurrency(starts, ends, period, n_buckets) -> np.ndarray:
    """The highest number of overlapping [start, end) intervals within each period."""
    peak = np.zeros(n_buckets, dtype=np.int64)
    if len(starts) == 0:
        return peak
    boundaries = np.arange(n_buckets) * period
    # lab times are microsecond-precise: rounding makes an end and a start at the same instant tie
    times = np.round(np.concatenate([ends, starts, boundaries]), 6)
    deltas = np.concatenate([-np.ones(len(ends), np.int64), np.ones(len(starts), np.int64),
                             np.zeros(n_buckets, np.int64)])
    # at equal times: ends first, then boundaries, then starts
    kinds = np.concatenate([np.zeros(len(ends)), np.full(len(starts), 2), np.ones(n_buckets)])
    order = np.lexsort((kinds, times))
    level = np.cumsum(deltas[order])
    buckets = np.minimum(_bucket(times[order], period), n_buckets - 1)
    np.maximum.at(peak, buckets, level)
    return peak


def metrics(lab, function: str | None = None, period="1m", until: float | None = None) -> pd.DataFrame:
    """CloudWatch ``AWS/Lambda`` metrics per period (default one minute), indexed by time.

    Columns and CloudWatch statistics: Invocations, Errors, Throttles (Sum); Duration (Average,
    ms) and DurationMax (Maximum, ms); ConcurrentExecutions (Maximum);
    ProvisionedConcurrencyInvocations, ProvisionedConcurrencySpilloverInvocations (Sum);
    AsyncEventsReceived, AsyncEventsDropped (Sum); AsyncEventAge (Maximum, ms);
    DeadLetterErrors, DestinationDeliveryFailures (Sum); IteratorAge (Maximum, ms: the age of
    the last record of each stream batch sent, L/monitoring-metrics-types.html). Invocations
    counts attempts that ran (throttled requests are not invocations), as CloudWatch does."""
    period = parse_duration(period)
    t = trace(lab, function)
    svc = lab.awslambda
    events = [e for e in svc.async_events if function is None or e.function == function]
    failures = [f for f in svc.delivery_failures if function is None or f[1] == function]
    end = lab.clock.t if until is None else until
    n = int(np.floor(end / period)) + 1
    ran = t[t.outcome != "throttled"]

    def count(times) -> np.ndarray:
        times = np.asarray(times, dtype=float)
        return np.bincount(np.minimum(_bucket(times, period), n - 1), minlength=n) \
            if len(times) else np.zeros(n, np.int64)

    start_bucket = np.minimum(_bucket(ran.start.to_numpy(), period), n - 1)
    duration_sum = np.bincount(start_bucket, weights=ran.duration_ms.to_numpy(), minlength=n)
    duration_max = np.zeros(n)
    np.maximum.at(duration_max, start_bucket, ran.duration_ms.to_numpy())
    invocations = count(ran.start)
    received = {e.request_id: e.received for e in events}
    async_ran = ran[ran.invocation_type == "Event"]
    ages = (async_ran.start - async_ran.request_id.map(received)).to_numpy() * 1000
    age_max = np.full(n, np.nan)
    if len(ages):
        age_buckets = np.minimum(_bucket(async_ran.start.to_numpy(), period), n - 1)
        age_max[np.unique(age_buckets)] = 0.0
        np.maximum.at(age_max, age_buckets, ages)
    dropped = [e.ended for e in events if e.outcome in ("delivered", "dropped")]
    iterator_age = np.full(n, np.nan)
    for mapping in svc.mappings.mappings.values():
        log = getattr(mapping, "log", None)      # stream mappings (Kinesis, DynamoDB Streams)
        if log is None or (function is not None and mapping.function_name != function):
            continue
        for row in log:
            if row[8] != "throttled":
                b = min(int(row[0] // period), n - 1)
                age = float(row[9])
                iterator_age[b] = age if np.isnan(iterator_age[b]) else max(iterator_age[b], age)
    frame = pd.DataFrame({
        "Invocations": invocations,
        "Errors": count(ran.start[ran.outcome != "success"]),
        "Throttles": count(t.start[t.outcome == "throttled"]),
        "Duration": np.divide(duration_sum, invocations, out=np.full(n, np.nan),
                              where=invocations > 0),
        "DurationMax": np.where(invocations > 0, duration_max, np.nan),
        "ConcurrentExecutions": _peak_concurrency(ran.start.to_numpy(), ran.end.to_numpy(),
                                                  period, n),
        "ProvisionedConcurrencyInvocations": count(ran.start[ran.provisioned]),
        "ProvisionedConcurrencySpilloverInvocations": count(
            ran.start[~ran.provisioned]) if svc_has_provisioned(svc, function) else np.zeros(n, np.int64),
        "AsyncEventsReceived": count([e.received for e in events]),
        "AsyncEventAge": age_max,
        "AsyncEventsDropped": count(dropped),
        "DeadLetterErrors": count([f[0] for f in failures if f[2] == "dlq"]),
        "DestinationDeliveryFailures": count([f[0] for f in failures if f[2] != "dlq"]),
        "IteratorAge": iterator_age,
    })
    frame.index = pd.DatetimeIndex([EPOCH + pd.Timedelta(seconds=i * period) for i in range(n)],
                                   name="time")
    return frame


def svc_has_provisioned(svc, function) -> bool:
    """Spillover is only meaningful for functions with provisioned concurrency."""
    functions = svc.functions.values() if function is None else [svc.functions.get(function)]
    return any(fn is not None and fn.provisioned for fn in functions)
