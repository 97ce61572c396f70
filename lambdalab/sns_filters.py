"""SNS subscription filter policies, on the EventBridge pattern machinery.

``compile_filter_policy(policy, scope="MessageAttributes")`` validates a policy (JSON text or a
dict) as SNS does on Subscribe / SetSubscriptionAttributes, raising
:class:`~lambdalab.errors.InvalidParameterException` (``Invalid parameter: FilterPolicy: ...``),
and returns a :class:`FilterPolicy` whose ``matches(message_attributes=..., message=...)``
decides delivery.

Supported (https://docs.aws.amazon.com/sns/latest/dg/sns-subscription-filter-policies.html,
string-value-matching.html, numeric-value-matching.html, attribute-key-matching.html,
and-or-logic.html, subscription-filter-policy-constraints.html):

- operators: exact strings and numbers, ``prefix``, ``suffix``, ``equals-ignore-case``,
  ``anything-but`` (a value, a list, or ``{"prefix": ...}`` / ``{"suffix": ...}``),
  ``numeric`` (``=``, ``<``, ``<=``, ``>``, ``>=`` and ranges), ``exists`` true/false,
  ``cidr`` (IPv4/IPv6), ``$or``; several values for one key = OR, several keys = AND;
- ``FilterPolicyScope`` ``MessageAttributes`` (default): flat keys only; attributes are
  ``{"Type"|"DataType": ..., "Value"|"StringValue": ...}``. ``String`` values are strings,
  ``String.Array`` values are JSON arrays whose elements are matched one by one, ``Number``
  values are numbers, ``Binary`` attributes are ignored (as if absent);
- ``FilterPolicyScope`` ``MessageBody``: the message must be a JSON object; nested keys, arrays
  match when any element matches (EventBridge semantics);
- constraints: at most 5 keys, at most 150 value combinations (product of the number of values
  per key, times the key's nesting depth, summed over ``$or`` alternatives), numbers within
  -1e9..1e9 and compared with five digits after the decimal point, 256 KB of policy JSON.

Differences from EventBridge that the lab keeps: no ``wildcard``, no ``equals-ignore-case``
inside ``prefix``/``suffix``/``anything-but``.
"""
from __future__ import annotations

import json

from . import facts
from .errors import InvalidParameterException
from .events.patterns import EventPattern, _Dialect, _flatten, _parse

__all__ = ["FilterPolicy", "compile_filter_policy", "MAX_KEYS", "MAX_COMBINATIONS",
           "NUMBER_LIMIT", "MAX_POLICY_BYTES"]

MAX_KEYS = facts.SNS_FILTER_MAX_KEYS
MAX_COMBINATIONS = facts.SNS_FILTER_MAX_COMBINATIONS
NUMBER_LIMIT = facts.SNS_FILTER_NUMBER_LIMIT
MAX_POLICY_BYTES = facts.SNS_FILTER_MAX_BYTES
SCOPES = ("MessageAttributes", "MessageBody")


class _SnsDialect(_Dialect):
    number_limit = NUMBER_LIMIT

    def nested_error(self):
        raise InvalidParameterException(
            "Invalid parameter: Filter policy scope MessageAttributes does not support nested "
            "filter policy")


SNS = _SnsDialect(
    "sns", InvalidParameterException, "Invalid parameter: FilterPolicy: ",
    frozenset({"prefix", "suffix", "equals-ignore-case", "anything-but", "numeric", "exists",
               "cidr"}),
    frozenset({"prefix", "suffix"}),
    case_in_affix=False, decimals=5)


class FilterPolicy:
    """A validated SNS filter policy for one scope; ``matches(...)`` decides delivery."""

    __slots__ = ("source", "scope", "_pattern")

    def __init__(self, source: dict, scope: str, pattern: EventPattern):
        self.source = source
        self.scope = scope
        self._pattern = pattern

    def __repr__(self) -> str:
        return f"FilterPolicy({json.dumps(self.source, separators=(',', ':'))}, scope={self.scope!r})"

    def matches(self, message_attributes: dict | None = None, message=None) -> bool:
        """Does a published message pass? ``message_attributes`` for scope MessageAttributes,
        ``message`` (the Message string, or an already-parsed dict) for scope MessageBody."""
        if self.scope == "MessageBody":
            return self.matches_body(message)
        return self.matches_attributes(message_attributes or {})

    def matches_attributes(self, attributes: dict) -> bool:
        leaves: dict[str, list] = {}
        for name, attribute in attributes.items():
            values = _attribute_values(attribute)
            if values:
                leaves[name] = [(v, ()) for v in values]
        return self._pattern.match_leaves(leaves, arrays=False)

    def matches_body(self, message) -> bool:
        if isinstance(message, (str, bytes)):
            try:
                message = json.loads(message)
            except ValueError:
                message = None
        if not isinstance(message, dict):
            return not self.source  # an empty policy accepts every message
        return self._pattern.matches(message)


def _attribute_values(attribute) -> list:
    """The values a message attribute offers to the policy (empty = treated as absent)."""
    if not isinstance(attribute, dict):
        return []
    kind = attribute.get("Type", attribute.get("DataType", "String"))
    raw = attribute.get("Value", attribute.get("StringValue"))
    base = kind.split(".", 1)[0] if kind not in ("String.Array",) else kind
    if base == "String":
        return [raw] if isinstance(raw, str) else []
    if base == "String.Array":
        try:
            items = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            return []
        if not isinstance(items, list):
            return []
        return [v for v in items if v is None or isinstance(v, (str, bool, int, float))]
    if base == "Number":
        try:
            number = float(raw)
        except (TypeError, ValueError):
            return []
        return [int(number) if number.is_integer() and abs(number) < 2**53 else number]
    return []  # Binary (and custom Binary.* types) are not compared


def _combinations(branches) -> int:
    total = 0
    for branch in branches:
        product = 1
        for path, leaf in branch:
            product *= leaf.size * (path.count(".") + 1)
        total += product
    return total


def compile_filter_policy(policy, scope: str = "MessageAttributes") -> FilterPolicy:
    """Validate ``policy`` (JSON text or dict) for ``scope`` and return a ``FilterPolicy``.

    Raises ``InvalidParameterException`` with SNS's message for an invalid policy.
    """
    if scope not in SCOPES:
        raise InvalidParameterException(
            f"Invalid parameter: Attributes Reason: FilterPolicyScope: Invalid value [{scope}]. "
            f"Please use either MessageBody or MessageAttributes")
    if isinstance(policy, FilterPolicy):
        policy = policy.source
    if isinstance(policy, (str, bytes)):
        size = len(policy.encode() if isinstance(policy, str) else policy)
        if size > MAX_POLICY_BYTES:
            raise InvalidParameterException(
                "Invalid parameter: FilterPolicy: Filter policy is too large "
                f"({size} bytes; the maximum is {MAX_POLICY_BYTES})")
    parsed = _parse(policy, SNS)
    branches = _flatten(parsed, "", SNS, nested=(scope == "MessageBody"))
    keys = {path for branch in branches for path, _ in branch}
    if len(keys) > MAX_KEYS:
        raise InvalidParameterException(
            "Invalid parameter: FilterPolicy: Filter policy can not have more than 5 keys")
    if _combinations(branches) > MAX_COMBINATIONS:
        raise InvalidParameterException(
            "Invalid parameter: FilterPolicy: Filter policy is too complex")
    return FilterPolicy(parsed, scope, EventPattern(parsed, branches))
