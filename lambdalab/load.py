"""Load generators: drive a function at a rate, in virtual time.

    lab.load("my-function", rate=200, duration="1m")                    # constant
    lab.load("my-function", rate=steps((0, 50), ("30s", 500)), duration="1m")
    lab.load("my-function", rate=bursts(base=10, peak=800, every="1m", length="5s"), duration="5m")
    lab.load("my-function", rate=100, duration="1m", poisson=True)     # seeded Poisson arrivals

Each arrival is one ``Invoke`` (``invocation_type="Event"`` by default, or
``"RequestResponse"``: a synchronous caller that gives up when throttled). Arrivals are scheduled
one at a time on the clock, so a long run costs no memory up front.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from .clock import parse_duration
from .errors import LabError


class Rate:
    """A piecewise-constant arrival rate (requests per second) over time since the load began."""

    def __init__(self, changes):
        points = sorted((parse_duration(at), float(rate)) for at, rate in changes)
        if not points or points[0][0] != 0:
            points.insert(0, (0.0, 0.0))
        if any(rate < 0 for _, rate in points):
            raise LabError("arrival rates cannot be negative")
        self.times = [t for t, _ in points]
        self.rates = [r for _, r in points]

    def at(self, t: float) -> float:
        return self.rates[bisect.bisect_right(self.times, t) - 1]

    def next_change(self, t: float) -> float | None:
        i = bisect.bisect_right(self.times, t)
        return self.times[i] if i < len(self.times) else None


def constant(rate) -> Rate:
    return Rate([(0, rate)])


def steps(*changes) -> Rate:
    """``steps((0, 10), ("1m", 100), ("2m", 0))``: the rate changes at those times."""
    return Rate(changes)


def bursts(base, peak, every, length, until="1d") -> Rate:
    """``base`` requests/s, with ``peak`` for ``length`` at the start of every ``every``."""
    every, length, until = parse_duration(every), parse_duration(length), parse_duration(until)
    if not 0 < length <= every:
        raise LabError("bursts need 0 < length <= every")
    changes, t = [], 0.0
    while t < until:
        changes += [(t, peak), (t + length, base)]
        t += every
    return Rate(changes)


@dataclass
class LoadRun:
    """What a load generator sent: counts, updated as the clock runs."""

    function: str
    invocation_type: str
    sent: int = 0
    throttled: int = 0          # synchronous callers that got a 429
    request_ids: list = field(default_factory=list)


def drive(lab, function, rate, duration, *, invocation_type="Event", payload=None,
          poisson=False, start=None) -> LoadRun:
    """Schedule arrivals for ``function`` from ``start`` (default: now) for ``duration``."""
    from .awslambda.service import to_payload
    svc = lab.awslambda
    fn = svc.get(function)
    if invocation_type not in ("Event", "RequestResponse"):
        raise LabError("a load generator sends 'Event' or 'RequestResponse' invocations")
    rate = rate if isinstance(rate, Rate) else constant(rate)
    t0 = lab.clock.t if start is None else parse_duration(start)
    t_end = t0 + parse_duration(duration)
    run = LoadRun(fn.name, invocation_type)
    static = None if callable(payload) else to_payload(payload)
    rng = lab.rng
    clock = lab.clock

    def next_arrival(t):
        """The arrival after one at ``t``; at a rate change, a steady rate restarts there."""
        while True:
            r = rate.at(t - t0)
            change = rate.next_change(t - t0)
            boundary = None if change is None else t0 + change
            if r > 0:
                gap = rng.expovariate(r) if poisson else 1.0 / r
                candidate = round(t + gap, 9)   # rounding: no drift over long runs
                if boundary is None or candidate < boundary:
                    return candidate
            if boundary is None:
                return None
            if not poisson and rate.at(change) > 0:
                return boundary
            t = boundary

    def arrive():
        t = clock.t
        data = static if static is not None else to_payload(payload(run.sent))
        request_id = lab.ids.request_id()
        run.sent += 1
        if invocation_type == "Event":
            svc.enqueue(fn, data, request_id)
        else:
            record, _ = svc.call(fn, data, request_id, "RequestResponse", 1)
            run.throttled += record.outcome == "throttled"
        following = next_arrival(t)
        if following is not None and following < t_end:
            clock.at(following, arrive)

    first = t0 if rate.at(0) > 0 and not poisson else next_arrival(t0)
    if first is not None and first < t_end:
        clock.at(first, arrive)
    return run
