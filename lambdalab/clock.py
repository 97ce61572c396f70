"""The virtual clock: a discrete-event scheduler ordered by (time, insertion sequence).

Time is a float of seconds since the lab's epoch (2026-01-01T00:00:00Z). Nothing here sleeps.
"""
from __future__ import annotations

import heapq
import math
import re
from datetime import datetime, timedelta, timezone

from .errors import LabError

EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)
EPOCH_UNIX = EPOCH.timestamp()

_UNITS = {"ms": 0.001, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h|d)?\s*$")


def parse_duration(value) -> float:
    """Seconds from a number or a string such as ``"90s"``, ``"250ms"``, ``"5m"``, ``"2h"``."""
    if isinstance(value, timedelta):
        value = value.total_seconds()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise LabError(f"a duration must be a finite number of seconds (got {value})")
        if value < 0:
            raise LabError(f"a duration cannot be negative (got {value})")
        return float(value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            return float(match.group(1)) * _UNITS[match.group(2) or "s"]
    raise LabError(f"cannot read {value!r} as a duration: use seconds (90) or a string "
                   "such as '250ms', '90s', '5m', '2h' or '1d'")


class Clock:
    """Events are ``[time, seq, fn, args, background]`` lists; cancelling clears ``fn``."""

    def __init__(self):
        self.t = 0.0          # seconds since EPOCH
        self._seq = 0
        self._heap: list[list] = []
        self._foreground = 0  # pending events that keep run() from being idle

    @property
    def now(self) -> datetime:
        return EPOCH + timedelta(seconds=self.t)

    def to_datetime(self, t: float) -> datetime:
        return EPOCH + timedelta(seconds=t)

    def at(self, t: float, fn, *args, background: bool = False) -> list:
        """Schedule ``fn(*args)`` at time ``t`` (never earlier than now)."""
        if t < self.t:
            t = self.t
        self._seq += 1
        event = [t, self._seq, fn, args, background]
        heapq.heappush(self._heap, event)
        if not background:
            self._foreground += 1
        return event

    def after(self, delay: float, fn, *args, background: bool = False) -> list:
        return self.at(self.t + delay, fn, *args, background=background)

    def cancel(self, event: list) -> None:
        if event[2] is not None:
            event[2] = None
            if not event[4]:
                self._foreground -= 1

    @property
    def idle(self) -> bool:
        return self._foreground == 0

    def next_time(self) -> float | None:
        heap = self._heap
        while heap and heap[0][2] is None:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def step(self) -> bool:
        """Run the next event; False when none is left."""
        heap = self._heap
        while heap:
            event = heapq.heappop(heap)
            t, _, fn, args, background = event
            if fn is None:
                continue
            event[2] = None   # it ran: cancelling it later is a no-op
            if not background:
                self._foreground -= 1
            self.t = t
            fn(*args)
            return True
        return False

    def run_until(self, t_end: float) -> int:
        """Run every event due up to ``t_end`` and leave the clock at ``t_end``."""
        heap, pop, n = self._heap, heapq.heappop, 0
        while heap and heap[0][0] <= t_end:   # step() inlined: this is the hot loop
            event = pop(heap)
            t, _, fn, args, background = event
            if fn is None:
                continue
            event[2] = None
            if not background:
                self._foreground -= 1
            self.t = t
            fn(*args)
            n += 1
        if t_end > self.t:
            self.t = t_end
        return n
