"""EventBridge event patterns: the AWS-validated conformance corpus, plus one test per operator.

The corpus lives outside the repository (``../shared/conformance/eventbridge-patterns/``, from
LocalStack, Apache-2.0; see its SOURCE.md) and is read at test time, never copied here. File
suffix: none = match, ``_NEG`` = no match, ``_EXC`` = InvalidEventPatternException.

Operator examples come from
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html (OPS),
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html (ARRAYS),
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-null-values.html (NULLS).
"""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from lambdalab import errors
from lambdalab.events import InvalidEventPatternException, compile_pattern, matches

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "conformance" / "eventbridge-patterns"
SNAPSHOT = CORPUS / "aws-recorded-responses.snapshot.json"


def read_json5(text: str):
    """The JSON5 subset the corpus uses: ``//`` and ``/* */`` comments and trailing commas."""
    out = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            while i < n and text[i] != "\n":
                i += 1
        elif text.startswith("/*", i):
            i = text.index("*/", i) + 2
        elif ch in "}]":
            k = len(out) - 1
            while k >= 0 and out[k].isspace():
                k -= 1
            if k >= 0 and out[k] == ",":
                out[k] = ""
            out.append(ch)
            i += 1
        else:
            out.append(ch)
            i += 1
    return json.loads("".join(out))


def corpus_cases():
    if not CORPUS.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(
            reason=f"conformance corpus not found at {CORPUS}"), id="corpus-absent")]
    cases = [pytest.param(p.name, id=p.stem) for p in sorted(CORPUS.glob("*.json5"))]
    cases.append(pytest.param("complex_multi_key_event.json", id="complex_multi_key_event"))
    return cases


def load_case(name: str):
    if name == "complex_multi_key_event.json":
        event = read_json5((CORPUS / name).read_text())
        pattern_text = (CORPUS / "complex_multi_key_event_pattern.json").read_text()
        return event, pattern_text, "match"
    case = read_json5((CORPUS / name).read_text())
    stem = name.rsplit(".", 1)[0]
    outcome = "error" if stem.endswith("_EXC") else "no-match" if stem.endswith("_NEG") else "match"
    return case["Event"], case["EventPattern"], outcome


def recorded_message(stem: str) -> str | None:
    if not SNAPSHOT.exists():
        return None
    for key, value in json.loads(SNAPSHOT.read_text()).items():
        if key.endswith(f"[{stem}]"):
            content = value["recorded-content"].get(stem)
            if content:
                return content["exception_message"]["Error"]["Message"]
    return None


@pytest.mark.parametrize("name", corpus_cases())
def test_conformance_case(name):
    event, pattern, outcome = load_case(name)
    if outcome == "error":
        with pytest.raises(InvalidEventPatternException) as info:
            compile_pattern(pattern)
        assert info.value.code == "InvalidEventPatternException" and info.value.status == 400
        expected = recorded_message(name.rsplit(".", 1)[0])
        if expected is not None:
            assert info.value.message == expected
    else:
        assert compile_pattern(pattern).matches(event) is (outcome == "match")


def test_corpus_is_complete_when_present():
    if not CORPUS.is_dir():
        pytest.skip(f"conformance corpus not found at {CORPUS}")
    assert len(list(CORPUS.glob("*.json5"))) >= 150


# ----------------------------------------------------------------------------- operators

EC2 = {  # NULLS / ARRAYS sample envelope
    "version": "0", "id": "3e3c153a-8339-4e30-8c35-687ebef853fe",
    "detail-type": "EC2 Instance Launch Successful", "source": "aws.autoscaling",
    "account": "123456789012", "time": "2015-11-11T21:31:47Z", "region": "us-east-1",
    "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"],
    "detail": {"eventVersion": "", "responseElements": None},
}


def ev(**detail):
    return {**EC2, "detail": detail}


def test_exception_class_lives_in_errors():
    assert InvalidEventPatternException is errors.InvalidEventPatternException
    assert issubclass(InvalidEventPatternException, errors.AWSError)


def test_exact_and_and():  # OPS "And", "Equals"
    p = compile_pattern({"detail": {"Location": ["New York"], "Day": ["Monday"]}})
    assert p.matches(ev(Location="New York", Day="Monday"))
    assert not p.matches(ev(Location="New York", Day="Tuesday"))
    assert not p.matches(ev(Location="new york", Day="Monday"))  # case-sensitive


def test_exact_numbers_booleans_and_types():
    p = compile_pattern({"detail": {"n": [300], "b": [True]}})
    assert p.matches(ev(n=300.0, b=True))
    assert not p.matches(ev(n="300", b=True))
    assert not p.matches(ev(n=300, b=1))  # a number is not a boolean
    assert not compile_pattern({"detail": {"b": [1]}}).matches(ev(b=True))


def test_empty_string_and_null():  # OPS "Empty", NULLS
    assert matches({"detail": {"eventVersion": [""]}}, EC2)
    assert matches({"detail": {"responseElements": [None]}}, EC2)
    assert not matches({"detail": {"eventVersion": [None]}}, EC2)  # "" is not null
    assert not matches({"detail": {"responseElements": [""]}}, EC2)
    assert not matches({"detail": {"missing": [None]}}, EC2)  # null is not missing


def test_prefix_and_prefix_ignore_case():  # OPS "Begins with"
    assert matches({"region": [{"prefix": "us-"}]}, EC2)
    assert not matches({"region": [{"prefix": "eu-"}]}, EC2)
    p = compile_pattern({"detail": {"service": [{"prefix": {"equals-ignore-case": "eventb"}}]}})
    assert p.matches(ev(service="EventBridge")) and p.matches(ev(service="EVENTBRIDGE"))
    assert not p.matches(ev(service="Lambda"))


def test_suffix_and_suffix_ignore_case():  # OPS "Ends with"
    p = compile_pattern({"detail": {"FileName": [{"suffix": ".png"}]}})
    assert p.matches(ev(FileName="image.png")) and not p.matches(ev(FileName="image.PNG"))
    p = compile_pattern({"detail": {"service": [{"suffix": {"equals-ignore-case": "tbridge"}}]}})
    assert p.matches(ev(service="EventBridge")) and p.matches(ev(service="EVENTBRIDGE"))


def test_equals_ignore_case():  # OPS "Equals (ignore case)"
    p = compile_pattern({"detail": {"Name": [{"equals-ignore-case": "alice"}]}})
    assert p.matches(ev(Name="Alice")) and p.matches(ev(Name="ALICE"))
    assert not p.matches(ev(Name="Alicia")) and not p.matches(ev(Name=1))


def test_wildcard():  # OPS "Wildcard"
    p = compile_pattern({"detail": {"FileName": [{"wildcard": "dir/*.png"}]}})
    assert p.matches(ev(FileName="dir/image.png")) and p.matches(ev(FileName="dir/.png"))
    assert p.matches(ev(FileName="dir/a/b.png"))
    assert not p.matches(ev(FileName="other/image.png"))
    literal = compile_pattern({"detail": {"f": [{"wildcard": "a\\*b"}]}})
    assert literal.matches(ev(f="a*b")) and not literal.matches(ev(f="axb"))
    with pytest.raises(InvalidEventPatternException, match="Consecutive wildcard"):
        compile_pattern({"detail": {"f": [{"wildcard": "a**b"}]}})


def test_anything_but_forms():  # OPS "Anything-but" rows
    assert matches({"detail": {"state": [{"anything-but": "initializing"}]}}, ev(state="running"))
    assert not matches({"detail": {"state": [{"anything-but": "initializing"}]}},
                       ev(state="initializing"))
    assert not matches({"detail": {"x": [{"anything-but": [100, 200]}]}}, ev(x=200.0))
    region = {"region": [{"anything-but": {"prefix": "us-"}}]}
    assert not matches(region, EC2) and matches(region, {**EC2, "region": "eu-west-1"})
    png = {"detail": {"FileName": [{"anything-but": {"suffix": ".png"}}]}}
    assert matches(png, ev(FileName="a.jpg")) and not matches(png, ev(FileName="a.png"))
    ic = {"detail": {"state": [{"anything-but": {"equals-ignore-case": "initializing"}}]}}
    assert not matches(ic, ev(state="INITIALIZING")) and matches(ic, ev(state="running"))
    wc = {"detail": {"FilePath": [{"anything-but": {"wildcard": "*/lib/*"}}]}}
    assert not matches(wc, ev(FilePath="/usr/lib/x")) and matches(wc, ev(FilePath="/usr/bin/x"))
    # present-but-null matches anything-but; a missing field does not
    assert matches({"detail": {"state": [{"anything-but": "x"}]}}, ev(state=None))
    assert not matches({"detail": {"state": [{"anything-but": "x"}]}}, ev())


def test_numeric():  # OPS "Numeric (equals)", "Numeric (range)"
    p = compile_pattern({"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}})
    assert p.matches(ev(**{"c-count": 5})) and p.matches(ev(**{"c-count": 0.5}))
    assert not p.matches(ev(**{"c-count": 0})) and not p.matches(ev(**{"c-count": "3"}))
    assert matches({"detail": {"x": [{"numeric": ["=", 3.018e2]}]}}, ev(x=301.8))
    assert matches({"detail": {"x": [{"numeric": ["=", 1]}]}}, ev(x=1.0000001))  # 6 decimals
    assert not matches({"detail": {"x": [{"numeric": ["<", 10]}]}}, ev(x=True))
    for bad, reason in [([">", 0, ">", 0], "Bad numeric range operator: >"),
                        (["<", 1, ">", 0], "Too many elements in numeric expression"),
                        ([">", 5, "<", 1], "Bottom must be less than top"),
                        (["!", 1], "Unrecognized numeric range operator: !"),
                        (["=", "1"], "Value of equals must be numeric")]:
        with pytest.raises(InvalidEventPatternException) as info:
            compile_pattern({"detail": {"x": [{"numeric": bad}]}})
        assert info.value.message == "Event pattern is not valid. Reason: " + reason


def test_exists():  # OPS "Exists", "Does not exist"
    assert matches({"detail": {"eventVersion": [{"exists": True}]}}, EC2)
    assert matches({"detail": {"responseElements": [{"exists": True}]}}, EC2)  # null exists
    assert matches({"detail": {"nope": [{"exists": False}]}}, EC2)
    assert not matches({"detail": {"eventVersion": [{"exists": False}]}}, EC2)
    assert not matches({"detail": [{"exists": True}]}, EC2)  # leaf nodes only


def test_cidr_ipv4_and_ipv6():  # OPS "IP address"
    p = compile_pattern({"detail": {"sourceIPAddress": [{"cidr": "10.0.0.0/24"}]}})
    assert p.matches(ev(sourceIPAddress="10.0.0.7"))
    assert not p.matches(ev(sourceIPAddress="10.0.1.7"))
    assert not p.matches(ev(sourceIPAddress="2001:db8::1"))
    v6 = compile_pattern({"detail": {"ip": [{"cidr": "2001:db8:1234:1a00::/64"}]}})
    assert v6.matches(ev(ip="2001:db8:1234:1a00::abcd"))
    assert not v6.matches(ev(ip="2001:db8:1234:1a01::"))


def test_or():  # OPS "Or" / "$or"
    p = compile_pattern({"detail": {"$or": [{"c-count": [{"numeric": [">", 0, "<=", 5]}]},
                                            {"d-count": [{"numeric": ["<", 10]}]}]}})
    assert p.matches(ev(**{"c-count": 1, "d-count": 20}))
    assert p.matches(ev(**{"c-count": 9, "d-count": 2}))
    assert not p.matches(ev(**{"c-count": 9, "d-count": 20}))
    top = compile_pattern({"source": ["aws.autoscaling"],
                           "$or": [{"region": ["eu-west-1"]}, {"account": ["123456789012"]}]})
    assert top.matches(EC2)


def test_arrays():  # ARRAYS
    p = compile_pattern({"resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
                                       "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f"]})
    assert p.matches(EC2)
    assert not p.matches({**EC2, "resources": ["arn:other"]})
    assert not p.matches({**EC2, "resources": []})
    # fields tested together inside an array of objects must come from the same element
    q = compile_pattern({"detail": {"items": {"kind": ["book"], "price": [{"numeric": ["<", 10]}]}}})
    assert q.matches(ev(items=[{"kind": "pen", "price": 1}, {"kind": "book", "price": 5}]))
    assert not q.matches(ev(items=[{"kind": "book", "price": 50}, {"kind": "pen", "price": 5}]))


def test_validation_messages():
    cases = [
        ('["a"]', "Filter is not an object"),
        ({"source": "aws.ec2"}, '"source" must be an object or an array'),
        ({"source": []}, "Empty arrays are not allowed"),
        ({"source": [{"EXISTS": True}]}, "Unrecognized match type EXISTS"),
        ({"source": [{"exists": "yes"}]}, "exists match pattern must be either true or false."),
        ({"source": [{"prefix": 1}]}, "prefix match pattern must be a string"),
        ({"source": [{"cidr": "10.0.0.0"}]}, "Malformed CIDR, one '/' required"),
        ({"source": [{"cidr": "10.0.0.300/8"}]}, "Nonstandard IP address: 10.0.0.300"),
        ({"source": [["nested"]]}, "Match value must be String, number, true, false, or null"),
    ]
    for pattern, reason in cases:
        with pytest.raises(InvalidEventPatternException) as info:
            compile_pattern(pattern)
        assert info.value.message == "Event pattern is not valid. Reason: " + reason


def test_compile_once_match_many_is_fast():
    p = compile_pattern(json.dumps({"source": ["aws.autoscaling"],
                                    "detail": {"eventVersion": [{"prefix": ""}]}}))
    assert compile_pattern(p) is p
    start = time.perf_counter()
    hits = sum(p.matches(EC2) for _ in range(20000))
    assert hits == 20000
    assert time.perf_counter() - start < 2.0  # ~100k events/s on a laptop
