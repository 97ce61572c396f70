"""The solutions of notebook 11 satisfy the same conditions as its check helpers."""
import json
from pathlib import Path

from lambdalab import scenarios
from lambdalab.events import compile_pattern
from course import load_module

PATH = Path(__file__).resolve().parents[1] / "notebooks" / "solutions" / "11_eventbridge.py"
STATES = ("pending", "running", "stopping", "stopped", "shutting-down", "terminated")


def load():
    return load_module(PATH)


def ec2(state, source="aws.ec2", detail_type="EC2 Instance State-change Notification"):
    return {"version": "0", "id": "x", "detail-type": detail_type, "source": source,
            "account": "123456789012", "time": "2026-01-01T00:00:00Z", "region": "us-west-2",
            "resources": [], "detail": {"instance-id": "i-1", "state": state}}


def stop_pattern_is_right(pattern) -> bool:
    # check_stop_pattern: matches exactly stopped/terminated EC2 state changes of the fixed list
    compiled = compile_pattern(json.dumps(pattern))
    cases = [(ec2(s), s in ("stopped", "terminated")) for s in STATES]
    cases += [(ec2("stopped", source="my.fake.ec2"), False),
              (ec2("terminated", detail_type="EC2 Spot Instance Interruption Warning"), False)]
    return all(compiled.matches(e) == want for e, want in cases)


def weekday_firings(expression):
    # check_weekday_cron: the firings over the lab's first week (Thu 1 - Thu 8 January 2026)
    return [t.strftime("%a %H:%M") for t in scenarios.schedule_week(expression, days=7).firings.time]


def test_exercise_1_pattern_matches_only_stopped_and_terminated():
    answer = load().exercise_1_stop_pattern()
    assert isinstance(answer, dict)
    assert stop_pattern_is_right(answer)


def test_exercise_1_check_can_fail():
    assert not stop_pattern_is_right({"source": ["aws.ec2"]})
    assert not stop_pattern_is_right({"detail": {"state": ["stopped", "terminated"]}})
    assert not stop_pattern_is_right({"source": ["aws.ec2"], "detail": {"state": [{"prefix": "s"}]}})


def test_exercise_2_cron_fires_at_0930_on_weekdays():
    answer = load().exercise_2_weekday_cron()
    assert isinstance(answer, str)
    assert weekday_firings(answer) == ["Thu 09:30", "Fri 09:30", "Mon 09:30", "Tue 09:30",
                                       "Wed 09:30"]


def test_exercise_2_check_can_fail():
    assert len(weekday_firings("cron(30 9 * * ? *)")) == 7          # weekends too
    assert weekday_firings("cron(0 9 ? * MON-FRI *)")[0] == "Thu 09:00"  # wrong minute
    assert weekday_firings("cron(30 9 ? * 1-5 *)") != ["Thu 09:30", "Fri 09:30", "Mon 09:30",
                                                       "Tue 09:30", "Wed 09:30"]   # 1 = Sunday
