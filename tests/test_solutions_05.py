"""The solutions of notebook 05 satisfy the same conditions as its check helpers."""
from pathlib import Path

from lambdalab import scenarios
from course import load_module

PATH = Path(__file__).resolve().parents[1] / "notebooks" / "solutions" / "05_concurrency_and_scaling.py"


def load():
    return load_module(PATH)


def test_exercise_1_reserved_concurrency_is_enough_and_not_wasteful():
    answer = load().exercise_1_reserved_concurrency()
    # check_reserved: an int, zero throttles over 30 s, and at most 60 reserved
    assert isinstance(answer, int) and not isinstance(answer, bool)
    result = scenarios.concurrency(rate=100, duration_ms=300, seconds=30, reserved=answer)
    assert result.throttles == 0
    assert answer <= 60


def test_exercise_2_environments_match_littles_law_and_the_lab():
    answer = load().exercise_2_environments()
    # check_environments: equal to the measured peak; rate x duration = 50/s x 2 s = 100
    measured = scenarios.concurrency(rate=50, duration_ms=2000, seconds=20, init_ms=0).peak
    assert answer == measured == 100
