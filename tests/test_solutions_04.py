"""The solutions of notebook 04 (invoking Lambda) meet the conditions its check_ helpers test."""
from pathlib import Path

from lambdalab import Lab
from course import load_module

SOLUTIONS = Path(__file__).resolve().parent.parent / "notebooks" / "solutions" / "04_invoking_lambda.py"


def load():
    return load_module(SOLUTIONS)


def always_fails(event, context):
    raise RuntimeError("downstream service unavailable")


def test_exercise_1_two_tries_then_dlq():
    solutions = load()
    lab = Lab(seed=0)
    lab.function(always_fails, name="flaky-job", duration="100ms")
    solutions.configure(lab, "flaky-job")
    lab.awslambda.invoke("flaky-job", {"job": 42}, "Event")
    lab.run()
    event = lab.awslambda.async_events[-1]
    attempts = [a for a in lab.awslambda.attempts if a.request_id == event.request_id]
    assert len(attempts) == 2                       # tried exactly twice
    assert event.outcome == "delivered"
    dlq = [d for d in lab.deliveries if d.kind == "dlq"]
    assert len(dlq) == 1 and dlq[0].ok
    assert dlq[0].attributes["RequestID"]["StringValue"] == event.request_id
    # the retry came 1 minute after the failed first attempt ended
    assert round(attempts[1].start - attempts[0].end, 6) == 60


def test_exercise_2_status_codes():
    codes = load().status_codes()
    assert codes == {"RequestResponse": 200, "Event": 202, "DryRun": 204}
    lab = Lab(seed=0)
    fn = lab.function(lambda event, context: None, name="f")
    assert {kind: fn.invoke({}, kind).status_code for kind in codes} == codes
