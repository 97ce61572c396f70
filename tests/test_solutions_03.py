"""The solutions in notebooks/solutions/03_lambda_functions.py pass the exercises of
03_lambda_functions.ipynb (each condition restated from the notebook's check helper)."""
from __future__ import annotations

import time
from pathlib import Path

from lambdalab import Lab, durations, scenarios
from course import load_module

REPO_ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO_ROOT / "notebooks" / "solutions" / "03_lambda_functions.py"


def load_solutions():
    return load_module(SOLUTIONS)


def test_exercise_1_is_the_argmin_of_the_cost_column():
    # the check: the memory_mb of the row with the smallest cost_per_million
    table = scenarios.power_tuning(cpu_ms=2000, io_ms=0, threads=1)
    answer = load_solutions().exercise_1()
    assert answer in set(table.memory_mb)
    assert answer == int(table.memory_mb[table.cost_per_million.idxmin()])
    # and strictly cheaper than every other size tested
    others = table[table.memory_mb != answer].cost_per_million
    assert (others > table.cost_per_million.min()).all()


def build_report(event, context):
    time.sleep(0.5)                     # waiting for the database
    return {"report": "ready", "ms_left": context.get_remaining_time_in_millis()}


def run_report(memory_mb):
    """The check's experiment: a fresh lab, timeout 3 s, 2 s of CPU on one vCPU + 0.5 s sleep."""
    lab = Lab(seed=0)
    fn = lab.function(build_report, name="build_report", timeout=3, memory_size=memory_mb,
                      duration=durations.cpu_bound("2s"))
    return fn, fn.invoke({})


def test_exercise_2_finishes_within_the_3_second_timeout():
    fn, result = run_report(load_solutions().exercise_2())
    # the check: no function error, and the timeout is still 3 s
    assert result.function_error is None and fn.timeout == 3
    assert result.json()["report"] == "ready"
    report = [line for line in fn.logs() if line.startswith("REPORT")][-1]
    assert "Status: timeout" not in report


def test_exercise_2_placeholder_times_out():
    # the notebook's starting value must fail the same condition (so the check can fail)
    fn, result = run_report(512)
    assert result.function_error == "Unhandled"
    assert result.json()["errorType"] == "Sandbox.Timedout"
