"""Kernel time of one slider move on the notebooks' default scenarios: re-simulate + redraw.

Budget (course platform issue): under 200 ms per move. Run: ``python benchmarks/interactivity.py``.
"""
from __future__ import annotations

import time

from lambdalab import scenarios, viz

MOVES = {
    "05 concurrency (reserved slider)": lambda: viz.concurrency(
        scenarios.concurrency(rate=100, duration_ms=200, seconds=30, reserved=15).trace,
        {"reserved concurrency": 15}),
    "05 timeline": lambda: viz.timeline(
        scenarios.concurrency(rate=20, duration_ms=500, seconds=10, reserved=8).trace),
    "04 async retries": lambda: viz.timeline(
        scenarios.async_retries(failure_rate=0.4, events=20).trace),
    "03 power tuning": lambda: viz.power_tuning(scenarios.power_tuning()),
    "01 cost curves": lambda: viz.cost_curves(scenarios.serverless_vs_server()),
}


def main(repeats: int = 5) -> None:
    import plotly.graph_objects as go
    for name, move in MOVES.items():
        target = go.FigureWidget(move())
        best = float("inf")
        for _ in range(repeats):
            started = time.perf_counter()
            viz.redraw(target, move())
            best = min(best, time.perf_counter() - started)
        print(f"{name:36s} {best * 1000:7.1f} ms per slider move (best of {repeats})")


if __name__ == "__main__":
    main()
