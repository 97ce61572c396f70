"""The solutions in notebooks/solutions/00_welcome.py pass the exercise of 00_welcome.ipynb."""
from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

from lambdalab import Lab
from course import load_module

REPO_ROOT = Path(__file__).resolve().parents[1]

NOTEBOOK = REPO_ROOT / "notebooks" / "00_welcome.ipynb"
SOLUTIONS = REPO_ROOT / "notebooks" / "solutions" / "00_welcome.py"


def load_solutions():
    return load_module(SOLUTIONS)


def report_duration_ms(fn) -> tuple[object, float]:
    """Invoke once; return the result and the Duration of the last REPORT line (the check's rule)."""
    result = fn.invoke({})
    report = [line for line in fn.logs() if line.startswith("REPORT")][-1]
    return result, float(re.search(r"\tDuration: ([0-9.]+) ms", report).group(1))


def test_exercise_1_solution_takes_250_ms():
    lab = Lab(seed=0)
    brew = load_solutions().make_brew(lab)
    result, took = report_duration_ms(brew)
    assert result.function_error is None
    assert result.json() == {"coffee": "ready"}
    assert abs(took - 250) < 0.005
    # warm calls take the same time (INIT is reported separately, not in Duration)
    result, took = report_duration_ms(brew)
    assert result.function_error is None and abs(took - 250) < 0.005


def test_exercise_1_starter_code_does_not_pass():
    lab = Lab(seed=0)

    @lab.function(duration="120ms")      # the notebook's starting point
    def brew(event, context):
        return {"coffee": "ready"}

    _, took = report_duration_ms(brew)
    assert abs(took - 250) >= 0.005


def notebook_check_duration():
    """The notebook's own check_duration helper, taken from its cell and executed."""
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    source = next("".join(c["source"]) for c in cells
                  if c["cell_type"] == "code" and "def check_duration(" in "".join(c["source"]))
    namespace = {"re": re}
    exec(compile(source, str(NOTEBOOK), "exec"), namespace)
    return namespace["check_duration"]


def run_check(fn) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        notebook_check_duration()(fn)
    return out.getvalue()


def test_notebook_check_ticks_for_the_solution():
    lab = Lab(seed=0)
    assert run_check(load_solutions().make_brew(lab)).startswith("✓")


def test_notebook_check_hints_and_never_raises():
    lab = Lab(seed=0)

    @lab.function(duration=250)          # 250 seconds: times out after 3 s
    def slow(event, context):
        return {}

    @lab.function(duration="250ms")
    def broken(event, context):
        raise ValueError("boom")

    assert "a plain number means seconds" in run_check(slow)
    assert "raised an error" in run_check(broken)
    assert run_check(lambda event, context: {}).startswith("✗ Could not invoke it")
    assert run_check(None).startswith("✗")
