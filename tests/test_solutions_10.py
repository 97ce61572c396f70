"""The solutions of notebook 10 satisfy the same conditions as its check helpers."""
from pathlib import Path

import pytest

from lambdalab import Lab
from lambdalab.sns_filters import compile_filter_policy
from course import load_module

PATH = (Path(__file__).resolve().parents[1] / "notebooks" / "solutions" / "10_sns_fan_out.py")


def load():
    return load_module(PATH)


def attributes(region=None, amount=None):
    out = {}
    if region is not None:
        out["region"] = {"Type": "String", "Value": region}
    if amount is not None:
        out["amount"] = {"Type": "Number", "Value": str(amount)}
    return out


# check_eu_policy: a valid attribute-scope policy that passes EU orders over 100 only
CASES = [("EU", 150, True), ("EU", 100.5, True), ("EU", 100, False), ("EU", 99, False),
         ("US", 150, False), ("UK", 500, False), ("eu", 150, False)]


def eu_policy_ok(policy) -> bool:
    checker = compile_filter_policy(policy)
    return (all(checker.matches(attributes(r, a)) == expected for r, a, expected in CASES)
            and not checker.matches(attributes("EU")))


def test_exercise_1_policy_delivers_only_eu_orders_over_100():
    assert eu_policy_ok(load().exercise_1_eu_policy())


@pytest.mark.parametrize("wrong", [
    {"region": ["EU"]},                                            # no amount condition
    {"region": ["EU"], "amount": [{"numeric": [">=", 100]}]},      # 100 itself passes
    {"$or": [{"region": ["EU"]}, {"amount": [{"numeric": [">", 100]}]}]},   # OR, not AND
    {"region": [{"equals-ignore-case": "EU"}], "amount": [{"numeric": [">", 100]}]},
])
def test_wrong_policies_fail_the_same_check(wrong):
    assert not eu_policy_ok(wrong)


POLICIES = {
    "audit": None,
    "warehouse": {"kind": ["order"], "region": [{"anything-but": ["US"]}]},
    "fraud-check": {"amount": [{"numeric": [">=", 1000]}]},
    "eu-marketing": {"region": [{"prefix": "EU"}], "coupon": [{"exists": False}]},
}
MESSAGES = {
    "m1": {"kind": "order", "region": "EU-DE", "amount": 250},
    "m2": {"kind": "order", "region": "US", "amount": 1200, "coupon": "SPRING"},
    "m3": {"kind": "refund", "region": "EU-FR", "amount": 1000},
    "m4": {"kind": "order", "region": "UK", "amount": 40, "coupon": "WELCOME"},
}


def delivered():
    """check_who_gets_what's ground truth: publish to a real lab topic."""
    lab = Lab(seed=0)
    topic = lab.sns.create_topic("events")
    queues = {}
    for name, policy in POLICIES.items():
        queues[name] = lab.sqs.create_queue(name)
        options = {"filter_policy": policy} if policy else {}
        lab.sns.subscribe(topic, "sqs", queues[name], raw_message_delivery=True, **options)
    for message, attrs in MESSAGES.items():
        lab.sns.publish(topic, message, message_attributes=attrs)
    lab.run()
    got = {message: set() for message in MESSAGES}
    for name, queue in queues.items():
        for m in queue.messages():
            got[m.body].add(name)
    return got


def test_exercise_2_matches_what_the_topic_delivers():
    answer = load().exercise_2_who_gets_what()
    truth = delivered()
    assert {k: set(v) for k, v in answer.items()} == truth
    assert truth["m3"] == {"audit", "fraud-check", "eu-marketing"}   # >= 1000 includes 1000
