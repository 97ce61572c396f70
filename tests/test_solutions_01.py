"""The solutions in notebooks/solutions/01_what_is_serverless.py pass the exercises of
01_what_is_serverless.ipynb, and the notebook's check helpers agree."""
from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from lambdalab import facts, scenarios
from course import load_module

REPO_ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO_ROOT / "notebooks" / "01_what_is_serverless.ipynb"
SOLUTIONS = REPO_ROOT / "notebooks" / "solutions" / "01_what_is_serverless.py"
TRAITS = ["on-demand scaling", "pay per use", "no servers to manage", "event-driven", "stateless"]


def load_solutions():
    return load_module(SOLUTIONS)


def notebook_helper(name: str, namespace: dict):
    """A check helper taken from the notebook's cell and executed."""
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    source = next("".join(c["source"]) for c in cells
                  if c["cell_type"] == "code" and f"def {name}(" in "".join(c["source"]))
    source = source.split("\n\n\nanswer = ")[0]          # the definition, not the exercise call
    exec(compile(source, str(NOTEBOOK), "exec"), namespace)
    return namespace[name]


def run(helper, answer) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        helper(answer)
    return out.getvalue()


def test_exercise_1_solution_is_the_crossing():
    answer = load_solutions().break_even_requests()
    # first principles: $0.0416/h x 730 h against $0.20/1M + 0.2 s x 1 GB x $0.0000166667
    exact = 0.0416 * 730 / (0.20e-6 + 0.2 * 1.0 * 0.0000166667)
    assert answer == pytest.approx(8_594_700, rel=1e-4)
    assert abs(answer - exact) <= 0.05 * exact               # the notebook's condition
    # and the scenario agrees: Lambda is cheaper just below, dearer just above
    frame = scenarios.serverless_vs_server(duration_ms=200, memory_mb=1024,
                                           requests=[answer * 0.99, answer * 1.01])
    assert frame.serverless.iloc[0] < frame.server.iloc[0] < frame.serverless.iloc[1]


def test_exercise_1_check_ticks_only_near_the_crossing():
    check = notebook_helper("check_break_even", {"facts": facts})
    answer = load_solutions().break_even_requests()
    assert run(check, answer).startswith("✅")
    assert run(check, answer * 1.04).startswith("✅")
    assert run(check, None).startswith("💡")
    assert run(check, answer * 1.2).startswith("💡")
    assert run(check, answer / 2).startswith("💡")
    assert run(check, 29_388_340).startswith("💡")           # the 100 ms / 512 MB crossing
    assert run(check, "not a number").startswith("💡")       # never raises


def test_exercise_2_solution_and_check():
    answer = load_solutions().traits()
    assert answer == {"A": "pay per use", "B": "on-demand scaling", "C": "stateless"}
    assert set(answer.values()) <= set(TRAITS)
    check = notebook_helper("check_traits", {"TRAITS": TRAITS})
    assert run(check, answer).startswith("✅")
    assert run(check, {"A": None, "B": None, "C": None}).startswith("💡")
    assert run(check, {**answer, "C": "event-driven"}).startswith("💡 Hint: look again at experiment C")
    assert run(check, {**answer, "A": "cheap"}).startswith("💡")
    assert run(check, 42).startswith("💡")                    # never raises
