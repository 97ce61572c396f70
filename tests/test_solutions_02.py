"""The solutions of notebook 02 satisfy the same conditions as its check helpers."""
import json
from pathlib import Path

from lambdalab import Lab
from course import load_module

PATH = (Path(__file__).resolve().parents[1] / "notebooks" / "solutions"
        / "02_event_driven_architecture.py")
TOTALS = [50, 1000, 1000.01, 2500, 999, 1200, 10, 5000, 1000, 300]


def load():
    return load_module(PATH)


def run_fraud_check(add_fraud_check):
    """What check_fraud_rule does: the producer's 10 orders on bus 'shop'; returns (orders the
    fraud function received, failed deliveries)."""
    lab = Lab(seed=1)
    lab.events.create_event_bus("shop")
    got = []
    fraud = lab.function(lambda event, context: got.append(event["detail"]["order_id"]),
                         name="fraud", duration="50ms")
    add_fraud_check(lab, fraud)
    for i, total in enumerate(TOTALS):
        lab.events.put_events([{"Source": "shop.orders", "DetailType": "OrderPlaced",
                                "EventBusName": "shop",
                                "Detail": json.dumps({"order_id": i, "total": total})}])
    lab.run()
    trace = lab.events.trace()
    return sorted(got), int((trace.outcome == "failed").sum())


def test_exercise_1_fraud_receives_exactly_the_orders_over_1000():
    got, failed = run_fraud_check(load().exercise_1_add_fraud_check)
    assert failed == 0
    assert got == [2, 3, 5, 7]          # 1000.01, 2500, 1200, 5000; not 1000 itself


def test_a_pattern_with_greater_or_equal_fails_the_same_check():
    def wrong(lab, fraud):
        rule = lab.events.put_rule("f", event_bus="shop", event_pattern={
            "detail": {"total": [{"numeric": [">=", 1000]}]}})
        lab.events.put_targets("f", [{"Id": "fraud", "Arn": fraud.arn}], event_bus="shop")
        lab.awslambda.add_permission("fraud", "eb", "lambda:InvokeFunction",
                                     "events.amazonaws.com", source_arn=rule.arn)
    got, failed = run_fraud_check(wrong)
    assert got != [2, 3, 5, 7]


def test_forgetting_the_permission_fails_the_deliveries():
    def no_permission(lab, fraud):
        lab.events.put_rule("f", event_bus="shop", event_pattern={
            "detail": {"total": [{"numeric": [">", 1000]}]}})
        lab.events.put_targets("f", [{"Id": "fraud", "Arn": fraud.arn}], event_bus="shop")
    got, failed = run_fraud_check(no_permission)
    assert got == [] and failed == 4


def test_exercise_2_advantages_in_order():
    # check_advantages: exactly these four words, in order (case and spaces ignored)
    answer = load().exercise_2_advantages()
    assert [str(a).strip().lower() for a in answer] == ["decoupling", "scalability",
                                                       "availability", "real-time"]
