"""Virtual time inside handlers.

While the lab runs handler code, ``time.time()`` and ``datetime.now()`` read the lab's clock
(time-machine patches them at C level, so libraries such as moto follow too), and
``time.sleep(s)`` adds ``s`` virtual seconds to the running invocation instead of sleeping.
``time.monotonic()`` and ``time.perf_counter()`` are left alone: botocore and the runaway
guard rely on them.

The runaway guard: in-process code cannot be killed, so a periodic ``SIGALRM`` (main thread
only) raises :class:`RunawayHandler` inside a handler that has used more than its real-time
budget. It stops pure-Python loops; it cannot interrupt a blocking C call.
"""
from __future__ import annotations

import signal
import threading
import time

import time_machine

from datetime import datetime, timedelta

from .clock import EPOCH

_real_sleep = time.sleep
_running: list = []   # the stack of running invocations (innermost last)


class HandlerTimeout(BaseException):
    """Raised inside a handler whose virtual time ran past its timeout (AWS stops it there).

    A BaseException so that a handler's ``except Exception`` cannot swallow it."""


class RunawayHandler(BaseException):
    """Raised inside a handler that used more real time than the runaway guard allows."""


class Running:
    """One handler execution: where it started on the clock and the virtual time it used."""

    __slots__ = ("base", "elapsed", "limit", "real_start", "wall_limit", "thread")

    def __init__(self, base: float, limit: float, wall_limit: float):
        self.base = base            # lab time when the handler started
        self.elapsed = 0.0          # virtual seconds consumed (sleeps, nested sync calls)
        self.limit = limit          # the function timeout, in seconds
        self.real_start = time.perf_counter()
        self.wall_limit = wall_limit
        # Only the thread running the handler is inside it: other threads (ipykernel's poller
        # sleeps in a loop) keep real time.
        self.thread = threading.get_ident()

    def consume(self, seconds: float) -> None:
        """Add virtual seconds; raise HandlerTimeout when the timeout is reached."""
        self.elapsed += seconds
        if self.elapsed >= self.limit:
            self.elapsed = self.limit
            raise HandlerTimeout()
        VirtualTime.move(self.base + self.elapsed)


def _at(t: float) -> datetime:
    """Lab seconds as a datetime, rounded to the microsecond (no float noise in printed times)."""
    return EPOCH + timedelta(microseconds=round(t * 1_000_000))


def current() -> Running | None:
    """The handler execution this thread is inside, if any."""
    running = _running[-1] if _running else None
    return running if running is not None and running.thread == threading.get_ident() else None


def virtual_sleep(seconds: float) -> None:
    """``time.sleep`` while the lab is loaded: virtual inside a handler, real elsewhere."""
    running = current()
    if running is None:
        return _real_sleep(seconds)
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    running.consume(float(seconds))


def install_sleep() -> None:
    """Route ``time.sleep`` through :func:`virtual_sleep` (idempotent, real outside handlers)."""
    time.sleep = virtual_sleep


def _guard(signum, frame):
    running = current()
    if running is not None and time.perf_counter() - running.real_start > running.wall_limit:
        raise RunawayHandler()


class VirtualTime:
    """A re-entrant context that freezes wall-clock reads at lab time while the engine runs."""

    traveller = None      # the active time-machine traveller (shared: time is process-global)
    _depth = 0
    _travel = None
    _old_handler = None
    _t = None
    _us = 0

    @classmethod
    def enter(cls, t: float) -> None:
        cls._depth += 1
        if cls._depth > 1:
            cls.move(t)
            return
        cls._travel = time_machine.travel(_at(t), tick=False)
        cls.traveller = cls._travel.start()
        cls._t, cls._us = t, round(t * 1_000_000)
        if threading.current_thread() is threading.main_thread():
            cls._old_handler = signal.signal(signal.SIGALRM, _guard)
            signal.setitimer(signal.ITIMER_REAL, 0.25, 0.25)

    @classmethod
    def exit(cls) -> None:
        cls._depth -= 1
        if cls._depth:
            return
        if cls._old_handler is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, cls._old_handler)
            cls._old_handler = None
        cls._travel.stop()
        cls._travel = cls.traveller = cls._t = None

    @classmethod
    def move(cls, t: float) -> None:
        """Point wall-clock reads at lab time ``t`` (microsecond precision)."""
        if cls.traveller is not None and t != cls._t:
            cls._t = t
            us = round(t * 1_000_000)
            # shift() by a whole number of microseconds: cheap, and exact (no float noise)
            cls.traveller.shift((us - cls._us) / 1_000_000)
            cls._us = us

    @classmethod
    def push(cls, running: Running) -> None:
        _running.append(running)
        cls.move(running.base)

    @classmethod
    def pop(cls) -> None:
        _running.pop()
        if _running:
            outer = _running[-1]
            cls.move(outer.base + outer.elapsed)
