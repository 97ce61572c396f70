"""SNS subscription filter policies: every operator, both scopes, and the policy constraints.

Examples follow the AWS SNS developer guide, https://docs.aws.amazon.com/sns/latest/dg/ :
sns-subscription-filter-policies.html, string-value-matching.html (STR),
numeric-value-matching.html (NUM), attribute-key-matching.html (KEY), and-or-logic.html (ANDOR),
example-filter-policies.html (EX), subscription-filter-policy-constraints.html (LIMITS).
"""
from __future__ import annotations

import json

import pytest

from lambdalab import errors
from lambdalab.sns_filters import FilterPolicy, compile_filter_policy

# EX: the transaction message, as attributes and as a body
ATTRS = {
    "customer_interests": {"Type": "String.Array", "Value": '["soccer", "rugby", "hockey"]'},
    "store": {"Type": "String", "Value": "example_corp"},
    "event": {"Type": "String", "Value": "order_placed"},
    "price_usd": {"Type": "Number", "Value": "210.75"},
}
BODY = json.dumps({"customer_interests": ["soccer", "rugby", "hockey"], "store": "example_corp",
                   "event": "order_placed", "price_usd": 210.75})


def s(value):
    return {"Type": "String", "Value": value}


def arr(*values):
    return {"Type": "String.Array", "Value": json.dumps(list(values))}


def num(value):
    return {"Type": "Number", "Value": str(value)}


def attr_match(policy, **attributes):
    return compile_filter_policy(policy).matches(message_attributes=attributes)


def body_match(policy, body):
    return compile_filter_policy(policy, scope="MessageBody").matches(message=json.dumps(body))


def test_example_policy_both_scopes():  # EX
    policy = {"store": ["example_corp"], "event": [{"anything-but": "order_cancelled"}],
              "customer_interests": ["rugby", "football", "baseball"],
              "price_usd": [{"numeric": [">=", 100]}]}
    assert compile_filter_policy(policy).matches(message_attributes=ATTRS)
    assert compile_filter_policy(policy, scope="MessageBody").matches(message=BODY)
    assert not compile_filter_policy(policy).matches(
        message_attributes={**ATTRS, "price_usd": num(99)})


def test_exact_string_matching():  # STR "Exact matching"
    policy = {"customer_interests": ["rugby", "tennis"]}
    assert attr_match(policy, customer_interests=s("rugby"))
    assert attr_match(policy, customer_interests=s("tennis"))
    assert attr_match(policy, customer_interests=arr("rugby", "tennis"))
    assert body_match(policy, {"customer_interests": "rugby"})
    assert not attr_match(policy, customer_interests=s("baseball"))
    assert not attr_match(policy, customer_interests=arr("baseball"))
    assert not body_match(policy, {"customer_interests": "baseball"})
    assert not attr_match(policy, customer_interests=s("Rugby"))  # LIMITS: case-sensitive


def test_anything_but():  # STR "Anything-but matching"
    policy = {"customer_interests": [{"anything-but": ["rugby", "tennis"]}]}
    assert attr_match(policy, customer_interests=s("baseball"))
    assert attr_match(policy, customer_interests=arr("rugby", "baseball"))
    assert body_match(policy, {"customer_interests": "baseball"})
    assert not attr_match(policy, customer_interests=s("rugby"))
    assert not attr_match(policy)  # the key must be present
    prefix = {"event": [{"anything-but": {"prefix": "order-"}}]}
    assert attr_match(prefix, event=s("data-entry"))
    assert not attr_match(prefix, event=s("order-cancelled"))
    suffix = {"event": [{"anything-but": {"suffix": "-cancelled"}}]}
    assert attr_match(suffix, event=s("order-placed"))
    assert not attr_match(suffix, event=s("order-cancelled"))


def test_equals_ignore_case():  # STR "Equals-ignore-case matching"
    policy = {"customer_interests": [{"equals-ignore-case": "tennis"}]}
    assert attr_match(policy, customer_interests=s("TENNIS"))
    assert attr_match(policy, customer_interests=s("Tennis"))
    assert body_match(policy, {"customer_interests": "tEnNiS"})
    assert not attr_match(policy, customer_interests=s("rugby"))


def test_ip_address_matching():  # STR "IP address matching"
    policy = {"source_ip": [{"cidr": "10.0.0.0/24"}]}
    assert attr_match(policy, source_ip=s("10.0.0.0"))
    assert attr_match(policy, source_ip=s("10.0.0.255"))
    assert body_match(policy, {"source_ip": "10.0.0.255"})
    assert not attr_match(policy, source_ip=s("10.1.1.0"))
    assert attr_match({"ip": [{"cidr": "2001:db8::/32"}]}, ip=s("2001:db8::7"))


def test_prefix_and_suffix():  # STR "Prefix matching", "Suffix matching"
    prefix = {"customer_interests": [{"prefix": "bas"}]}
    assert attr_match(prefix, customer_interests=s("baseball"))
    assert attr_match(prefix, customer_interests=s("basketball"))
    assert body_match(prefix, {"customer_interests": "baseball"})
    assert not attr_match(prefix, customer_interests=s("rugby"))
    suffix = {"customer_interests": [{"suffix": "ball"}]}
    assert attr_match(suffix, customer_interests=s("baseball"))
    assert attr_match(suffix, customer_interests=arr("rugby", "basketball"))
    assert not attr_match(suffix, customer_interests=s("rugby"))


def test_numeric_exact_anything_but_and_ranges():  # NUM
    exact = {"price_usd": [{"numeric": ["=", 301.5]}]}
    assert attr_match(exact, price_usd=num(301.5))
    assert attr_match(exact, price_usd=num("3.015e2"))
    assert body_match(exact, {"price_usd": 301.5}) and body_match(exact, {"price_usd": 3.015e2})
    assert not attr_match(exact, price_usd=s("301.5"))  # a String attribute is not a number
    but = {"price": [{"anything-but": [100, 500]}]}
    assert attr_match(but, price=num(101)) and attr_match(but, price=num(99))
    assert not attr_match(but, price=num(100)) and not body_match(but, {"price": 500})
    below = {"price_usd": [{"numeric": ["<", 0]}]}
    assert attr_match(below, price_usd=num(-1)) and not attr_match(below, price_usd=num(0))
    window = {"price_usd": [{"numeric": [">", 0, "<=", 150]}]}
    assert attr_match(window, price_usd=num(100)) and attr_match(window, price_usd=num(150))
    assert not attr_match(window, price_usd=num(0)) and not attr_match(window, price_usd=num(151))
    # LIMITS: five digits of accuracy after the decimal point
    assert attr_match({"p": [{"numeric": ["=", 1.00001]}]}, p=num(1.000012))
    assert not attr_match({"p": [{"numeric": ["=", 1.00001]}]}, p=num(1.00002))


def test_key_matching():  # KEY
    present = {"store": [{"exists": True}]}
    absent = {"store": [{"exists": False}]}
    assert attr_match(present, store=s("example_corp"))
    assert not attr_match(present, event=s("order_placed"))
    assert attr_match(absent, event=s("order_placed"))
    assert not attr_match(absent, store=s("example_corp"))
    assert body_match(present, {"store": "example_corp"}) and body_match(absent, {"event": "x"})


def test_binary_attributes_are_ignored():  # LIMITS: only String, String.Array, Number compared
    binary = {"Type": "Binary", "Value": "AAEC"}
    assert not attr_match({"blob": [{"exists": True}]}, blob=binary)
    assert attr_match({"blob": [{"exists": False}]}, blob=binary)


def test_publish_api_attribute_shape_is_accepted():
    policy = compile_filter_policy({"store": ["example_corp"], "n": [{"numeric": [">", 1]}]})
    assert policy.matches(message_attributes={
        "store": {"DataType": "String", "StringValue": "example_corp"},
        "n": {"DataType": "Number", "StringValue": "2"}})


def test_and_or_logic_and_or_operator():  # ANDOR
    policy = {"customer_interests": ["rugby", "football", "baseball"],
              "price_usd": [{"numeric": [">=", 100]}]}
    assert attr_match(policy, customer_interests=s("football"), price_usd=num(150))
    assert not attr_match(policy, customer_interests=s("football"), price_usd=num(50))
    assert not attr_match(policy, customer_interests=s("soccer"), price_usd=num(150))
    ors = {"source": ["aws.cloudwatch"],
           "$or": [{"metricName": ["CPUUtilization", "ReadLatency"]},
                   {"namespace": ["AWS/EC2", "AWS/ES"]}]}
    assert attr_match(ors, source=s("aws.cloudwatch"), metricName=s("ReadLatency"))
    assert attr_match(ors, source=s("aws.cloudwatch"), namespace=s("AWS/EC2"))
    assert not attr_match(ors, source=s("aws.cloudwatch"), namespace=s("AWS/S3"))
    assert not attr_match(ors, source=s("aws.s3"), metricName=s("ReadLatency"))


def test_message_body_nesting_and_arrays():  # sns-message-filtering-scope / payload filtering
    policy = {"store": {"location": [{"prefix": "eu-"}]}, "items": {"sku": ["A1"]}}
    body = {"store": {"location": "eu-west-1"}, "items": [{"sku": "B2"}, {"sku": "A1"}]}
    assert body_match(policy, body)
    assert not body_match(policy, {"store": {"location": "us-east-1"}, "items": [{"sku": "A1"}]})
    p = compile_filter_policy(policy, scope="MessageBody")
    assert not p.matches(message="not json") and not p.matches(message='["a"]')
    assert compile_filter_policy({}, scope="MessageBody").matches(message="plain text")


def raises(policy, reason, scope="MessageAttributes"):
    with pytest.raises(errors.InvalidParameterException) as info:
        compile_filter_policy(policy, scope=scope)
    assert info.value.code == "InvalidParameterException" and info.value.status == 400
    assert info.value.message == reason, info.value.message


def test_constraints():  # LIMITS
    six = {f"k{i}": ["v"] for i in range(6)}
    raises(six, "Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys")
    compile_filter_policy({f"k{i}": ["v"] for i in range(5)})
    # 3 x 4 x 5 x 3 = 180 combinations > 150
    too_complex = {"a": list("xyz"), "b": list("wxyz"), "c": list("vwxyz"), "d": list("xyz")}
    raises(too_complex, "Invalid parameter: FilterPolicy: Filter policy is too complex")
    compile_filter_policy({"a": list("xyz"), "b": list("wxyz"), "c": list("vwxyz")})  # 60
    # nested keys count their depth: 4 x 3 x 3 x 2 = 72 (the guide's payload example)
    compile_filter_policy({"key_a": {"key_b": {"key_c": ["1", "2", "3", "4"]}},
                           "key_d": {"key_e": ["1", "2", "3"]}}, scope="MessageBody")
    raises({"price": [{"numeric": [">", 1_000_000_001]}]},
           "Invalid parameter: FilterPolicy: Numeric value 1000000001 is out of range: numbers "
           "must be between -1000000000 and 1000000000")
    compile_filter_policy({"price": [{"numeric": [">=", -1e9, "<=", 1e9]}]})
    raises({"a": {"b": ["c"]}}, "Invalid parameter: Filter policy scope MessageAttributes does "
                                "not support nested filter policy")


def test_validation_messages():
    prefix = "Invalid parameter: FilterPolicy: "
    raises({"a": "b"}, prefix + '"a" must be an object or an array')
    raises({"a": [{"wildcard": "x*"}]}, prefix + "Unrecognized match type wildcard")
    raises({"a": [{"exists": "yes"}]}, prefix + "exists match pattern must be either true or false.")
    raises({"a": [{"numeric": [">", "1"]}]}, prefix + "Value of > must be numeric")
    raises({"a": [{"numeric": ["<", 1, ">", 0]}]}, prefix + "Too many elements in numeric expression")
    raises({"a": [{"prefix": {"equals-ignore-case": "x"}}]}, prefix + "prefix match pattern must be a string")
    raises({"a": [{"anything-but": {"wildcard": "x"}}]}, prefix + "Unsupported anything-but pattern: wildcard")
    raises({"a": [["x"]]}, prefix + "Match value must be String, number, true, false, or null")
    raises({"a": []}, prefix + "Empty arrays are not allowed")
    raises("[1]", prefix + "Filter is not an object")
    with pytest.raises(errors.InvalidParameterException):
        compile_filter_policy({"a": ["b"]}, scope="Body")


def test_compiled_policy_reuse():
    policy = compile_filter_policy(json.dumps({"store": ["example_corp"]}))
    assert isinstance(policy, FilterPolicy) and policy.scope == "MessageAttributes"
    assert all(policy.matches(message_attributes=ATTRS) for _ in range(1000))
    assert compile_filter_policy(policy).source == {"store": ["example_corp"]}
