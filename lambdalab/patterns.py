"""A small, PARTIAL EventBridge event-pattern matcher (for Lambda FilterCriteria).

Supported (EB/eb-event-patterns-content-based-filtering.html, EB = https://docs.aws.amazon.com/
eventbridge/latest/userguide/): nested objects, lists of alternatives, exact values (strings,
numbers, booleans, ``null``), ``{"prefix": "..."}``, ``{"numeric": [op, n, (op, n)]}`` with
``=``, ``<``, ``<=``, ``>``, ``>=``, ``{"exists": true|false}`` and ``{"anything-but": value |
[values] | {"prefix": "..."}}``. Event arrays match when any element matches.

Not supported yet — a pattern using them is REJECTED with ``InvalidParameterValueException``
rather than matched wrongly: ``suffix``, ``equals-ignore-case``, ``wildcard``, ``cidr``,
``$or``, ``anything-but`` with ``suffix``/``wildcard``/``equals-ignore-case``. The full
EventBridge engine (with the AWS conformance corpus) is a separate piece of work.
"""
from __future__ import annotations

import json

from .errors import InvalidParameterValueException

_NUMERIC_OPS = ("=", "<", "<=", ">", ">=")
_UNSUPPORTED = ("suffix", "equals-ignore-case", "wildcard", "cidr")


def compile_pattern(pattern) -> dict:
    """Parse and check a pattern (a JSON string or a dict); raise for what is unsupported."""
    if isinstance(pattern, str):
        try:
            pattern = json.loads(pattern)
        except ValueError as exc:
            raise InvalidParameterValueException(f"Invalid filter pattern definition: {exc}")
    if not isinstance(pattern, dict) or not pattern:
        raise InvalidParameterValueException(
            "Invalid filter pattern definition: a pattern is a non-empty JSON object.")
    _check(pattern)
    return pattern


def _check(node) -> None:
    for key, value in node.items():
        if key == "$or":
            raise InvalidParameterValueException(
                "lambdalab's filter matcher does not support '$or' yet (partial EventBridge "
                "pattern support; see lambdalab/patterns.py).")
        if isinstance(value, dict):
            if not value:
                raise InvalidParameterValueException(
                    f"Invalid filter pattern definition: empty object at {key!r}.")
            _check(value)
        elif isinstance(value, list):
            if not value:
                raise InvalidParameterValueException(
                    f"Invalid filter pattern definition: empty array at {key!r}.")
            for rule in value:
                _check_rule(key, rule)
        else:
            raise InvalidParameterValueException(
                f"Invalid filter pattern definition: the value of {key!r} must be an array or "
                "an object.")


def _check_rule(key, rule) -> None:
    if rule is None or isinstance(rule, (str, bool, int, float)):
        return
    if not isinstance(rule, dict) or len(rule) != 1:
        raise InvalidParameterValueException(
            f"Invalid filter pattern definition at {key!r}: {json.dumps(rule)}")
    (op, arg), = rule.items()
    if op in _UNSUPPORTED:
        raise InvalidParameterValueException(
            f"lambdalab's filter matcher does not support the '{op}' operator yet (partial "
            "EventBridge pattern support; see lambdalab/patterns.py).")
    if op == "prefix":
        if not isinstance(arg, str):
            raise InvalidParameterValueException(
                f"lambdalab's filter matcher supports only a string prefix (at {key!r}).")
    elif op == "exists":
        if not isinstance(arg, bool):
            raise InvalidParameterValueException(
                f"Invalid filter pattern definition at {key!r}: exists takes true or false.")
    elif op == "numeric":
        if not isinstance(arg, list) or len(arg) not in (2, 4):
            raise InvalidParameterValueException(
                f"Invalid filter pattern definition at {key!r}: numeric takes [op, n] or "
                "[op, n, op, n].")
        for i in range(0, len(arg), 2):
            if arg[i] not in _NUMERIC_OPS or isinstance(arg[i + 1], bool) or \
                    not isinstance(arg[i + 1], (int, float)):
                raise InvalidParameterValueException(
                    f"Invalid filter pattern definition at {key!r}: bad numeric {arg}.")
    elif op == "anything-but":
        if isinstance(arg, dict):
            if list(arg) != ["prefix"] or not isinstance(arg["prefix"], str):
                raise InvalidParameterValueException(
                    f"lambdalab's filter matcher supports anything-but with a value, a list of "
                    f"values or a prefix only (at {key!r}).")
        elif isinstance(arg, list):
            if not arg or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool)
                                  for v in arg):
                raise InvalidParameterValueException(
                    f"Invalid filter pattern definition at {key!r}: anything-but list.")
        elif not isinstance(arg, (str, int, float)) or isinstance(arg, bool):
            raise InvalidParameterValueException(
                f"Invalid filter pattern definition at {key!r}: anything-but value.")
    else:
        raise InvalidParameterValueException(
            f"Unrecognized match type {op} (at {key!r}); lambdalab supports exact, prefix, "
            "numeric, exists and anything-but.")


_MISSING = object()


def matches(pattern: dict, event) -> bool:
    """Whether ``event`` (a dict) matches a compiled ``pattern``."""
    if not isinstance(event, dict):
        return False
    for key, rule in pattern.items():
        value = event.get(key, _MISSING)
        if isinstance(rule, dict):
            if value is _MISSING or not isinstance(value, dict):
                # a nested pattern can still be satisfied by exists:false leaves alone
                if not _only_absent(rule):
                    return False
                continue
            if not matches(rule, value):
                return False
        elif not _leaf(rule, value):
            return False
    return True


def _only_absent(rule: dict) -> bool:
    for sub in rule.values():
        if isinstance(sub, dict):
            if not _only_absent(sub):
                return False
        elif not any(isinstance(r, dict) and r.get("exists") is False for r in sub):
            return False
    return True


def _leaf(rules: list, value) -> bool:
    values = value if isinstance(value, list) else [value]
    for rule in rules:
        if isinstance(rule, dict) and "exists" in rule:
            present = value is not _MISSING and not isinstance(value, dict)
            if present == rule["exists"]:
                return True
            continue
        if value is _MISSING:
            continue
        for v in values:
            if _one(rule, v):
                return True
    return False


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _one(rule, v) -> bool:
    if not isinstance(rule, dict):
        if rule is None or isinstance(rule, bool) or isinstance(v, bool):
            return v is rule if (rule is None or isinstance(rule, bool)) else False
        if _is_number(rule):
            return _is_number(v) and float(v) == float(rule)
        return isinstance(v, str) and v == rule
    (op, arg), = rule.items()
    if op == "prefix":
        return isinstance(v, str) and v.startswith(arg)
    if op == "numeric":
        if not _is_number(v):
            return False
        for i in range(0, len(arg), 2):
            o, n = arg[i], arg[i + 1]
            if not ((o == "=" and v == n) or (o == "<" and v < n) or (o == "<=" and v <= n)
                    or (o == ">" and v > n) or (o == ">=" and v >= n)):
                return False
        return True
    if op == "anything-but":
        if isinstance(arg, dict):
            return isinstance(v, str) and not v.startswith(arg["prefix"])
        excluded = arg if isinstance(arg, list) else [arg]
        for x in excluded:
            if _is_number(x) and _is_number(v) and float(x) == float(v):
                return False
            if isinstance(x, str) and v == x:
                return False
        return v is not None
    return False
