"""How long a handler takes, in virtual seconds.

A function's ``duration`` is one of:

* a number or a string (``0.12``, ``"120ms"``): a fixed time, independent of memory;
* a callable ``f(event) -> seconds`` (number or string);
* a model from this module: :func:`fixed`, :func:`uniform`, :func:`normal`, :func:`lognormal`
  (seeded from the lab) or :func:`cpu_bound` (scales with memory the way Lambda's CPU share does).

Whatever the handler sleeps (``time.sleep``) and the time of synchronous calls it makes to other
functions are added on top.

CPU model (:func:`cpu_bound`): Lambda gives CPU in proportion to memory, 1,769 MB = 1 vCPU, up to
6 vCPUs at 10,240 MB (L/configuration-memory.html). Work of ``cpu`` seconds measured on one full
vCPU takes ``cpu / min(threads, vcpus)`` seconds where ``vcpus = memory / 1769``; below one vCPU a
single thread runs at ``memory / 1769`` of full speed. ``io`` seconds (waiting on the network)
do not scale. This is the lab's model of AWS's proportional CPU, not a measurement.
"""
from __future__ import annotations

import json
import math

from .. import facts
from ..clock import parse_duration
from ..errors import LabError


class Model:
    """A duration model: ``sample(payload, memory_mb, rng) -> seconds`` (payload: request bytes)."""

    def sample(self, payload: bytes, memory_mb: int, rng) -> float:
        raise NotImplementedError


class fixed(Model):
    def __init__(self, seconds):
        self.seconds = parse_duration(seconds)

    def sample(self, payload, memory_mb, rng):
        return self.seconds

    def __repr__(self):
        return f"fixed({self.seconds})"


class uniform(Model):
    def __init__(self, low, high):
        self.low, self.high = parse_duration(low), parse_duration(high)
        if self.high < self.low:
            raise LabError("uniform(low, high) needs low <= high")

    def sample(self, payload, memory_mb, rng):
        return rng.uniform(self.low, self.high)


class normal(Model):
    """Normal around ``mean`` with standard deviation ``sd``, never below ``floor``."""

    def __init__(self, mean, sd, floor="1ms"):
        self.mean, self.sd, self.floor = parse_duration(mean), parse_duration(sd), parse_duration(floor)

    def sample(self, payload, memory_mb, rng):
        return max(self.floor, rng.gauss(self.mean, self.sd))


class lognormal(Model):
    """Log-normal with the given ``median`` and shape ``sigma``: a long tail, as latencies have."""

    def __init__(self, median, sigma=0.5):
        self.median, self.sigma = parse_duration(median), float(sigma)

    def sample(self, payload, memory_mb, rng):
        return self.median * math.exp(rng.gauss(0.0, self.sigma))


class cpu_bound(Model):
    """``cpu`` seconds of work on one full vCPU plus ``io`` seconds of waiting; see module doc."""

    def __init__(self, cpu, io=0.0, threads=1):
        self.cpu, self.io, self.threads = parse_duration(cpu), parse_duration(io), int(threads)
        if self.threads < 1:
            raise LabError("cpu_bound(threads=...) needs at least 1 thread")

    def sample(self, payload, memory_mb, rng):
        return self.cpu / speedup(memory_mb, self.threads) + self.io


def speedup(memory_mb: int, threads: int = 1) -> float:
    """How many full vCPUs' worth of speed ``threads`` threads get at ``memory_mb``."""
    vcpus = min(memory_mb / facts.MB_PER_VCPU, facts.MAX_VCPUS)
    return min(float(threads), vcpus) if vcpus >= 1 else vcpus


class _call(Model):
    def __init__(self, fn):
        self.fn = fn

    def sample(self, payload, memory_mb, rng):
        return parse_duration(self.fn(json.loads(payload)))


def as_model(value) -> Model:
    """Turn what a user passed as ``duration`` into a model."""
    if isinstance(value, Model):
        return value
    if callable(value):
        return _call(value)
    return fixed(value)
