"""Simulated Lambda invocations per second of wall time, on one core.

Target (issue: foundation): >= 50,000 simulated invocations per second for a warm function under
a load generator. Run: ``python benchmarks/lambda_throughput.py``. Prints one line per scenario.
"""
from __future__ import annotations

import time

from lambdalab import Lab
from lambdalab.load import drive


def warm(invocation_type: str, seconds: int = 60, rate: int = 2000) -> tuple[int, float]:
    lab = Lab(seed=0)

    @lab.function(duration="50ms")
    def handler(event, context):
        return {"ok": True}

    handler.invoke({})                     # warm one environment up first
    drive(lab, "handler", rate, seconds, invocation_type=invocation_type, payload={"n": 1})
    started = time.perf_counter()
    lab.run()
    wall = time.perf_counter() - started
    ran = sum(1 for a in lab.awslambda.attempts if a.outcome != "throttled") - 1
    return ran, wall


def async_retries(events: int = 20_000) -> tuple[int, float]:
    """Every event fails: each is tried 3 times (1 min, then 2 min apart) then dropped."""
    lab = Lab(seed=0)

    @lab.function(duration="20ms")
    def failing(event, context):
        raise RuntimeError("always fails")

    drive(lab, "failing", 1000, events / 1000, invocation_type="Event", payload={})
    started = time.perf_counter()
    lab.run()
    wall = time.perf_counter() - started
    ran = sum(1 for a in lab.awslambda.attempts if a.outcome != "throttled")
    assert ran == 3 * events, ran
    return ran, wall


def main() -> None:
    for name, (count, wall) in [
        ("warm, synchronous (RequestResponse)", warm("RequestResponse")),
        ("warm, asynchronous (Event)", warm("Event")),
        ("async retries (every attempt fails)", async_retries()),
    ]:
        print(f"{name:40s} {count:>8,d} invocations in {wall:6.2f} s wall = "
              f"{count / wall:>9,.0f} invocations/s")


if __name__ == "__main__":
    main()
