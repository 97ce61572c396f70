"""EventBridge event patterns: validate once, match many events fast.

``compile_pattern(pattern)`` takes a pattern (a JSON string or a dict), checks it the way
EventBridge does (raising :class:`~lambdalab.errors.InvalidEventPatternException` with AWS's
``Event pattern is not valid. Reason: ...`` messages) and returns an :class:`EventPattern`
whose ``.matches(event)`` answers for one event (a dict). ``matches(pattern, event)`` is the
one-shot form.

Supported, as documented at https://docs.aws.amazon.com/eventbridge/latest/userguide/
``eb-create-pattern-operators.html``, ``eb-event-patterns-arrays.html`` and
``eb-event-patterns-null-values.html``:

- exact values: strings (character by character, case-sensitive), numbers (compared as numbers,
  so ``300`` matches ``300.0``), ``true``/``false``, ``null`` and the empty string ``""``;
- ``prefix``, ``suffix`` (each also with ``{"equals-ignore-case": ...}`` inside),
  ``equals-ignore-case``, ``wildcard`` (``*`` = any run of characters, ``\\*`` a literal star);
- ``anything-but`` with a value, a list of values, or ``prefix``, ``suffix``,
  ``equals-ignore-case``, ``wildcard`` (each a string or a list of strings). A field that is
  present but ``null`` or of another type matches ``anything-but``; a missing field does not;
- ``numeric`` with ``=``, ``<``, ``<=``, ``>``, ``>=`` and ranges (``[">", 0, "<=", 5]``). Only
  JSON numbers match (a numeric string like ``"300"`` does not);
- ``exists`` true/false (leaf fields only: an object or an empty array does not "exist");
- ``cidr`` for IPv4 and IPv6;
- ``$or`` at any level, and several alternatives in one list (any may match);
- nested objects; dotted keys (``{"a.b": [...]}`` matches ``{"a": {"b": ...}}`` and the other
  way round, as EventBridge flattens field names with ``.``);
- arrays in the event: a field matches when any element matches. When a pattern tests several
  fields inside one array of objects, the values must come from the same array element.

Numbers follow EventBridge's documented numeric rules: values are compared after rounding to
six digits after the decimal point. The documented range (-5.0e9 to +5.0e9) is not enforced:
larger numbers are compared as doubles rather than rejected or ignored.
"""
from __future__ import annotations

import ipaddress
import json
import re
from typing import Any, Callable

from ..errors import InvalidEventPatternException

__all__ = ["compile_pattern", "matches", "EventPattern", "InvalidEventPatternException"]

_NUMERIC_OPS = ("=", "<", "<=", ">", ">=")
_EB_PREFIX = "Event pattern is not valid. Reason: "


class _Dialect:
    """Which operators a pattern language accepts and how it reports a bad pattern.

    EventBridge patterns and SNS filter policies share the operator machinery; they differ in
    the operators they accept, the error class and message prefix, and numeric precision.
    """

    def __init__(self, name: str, error: type, prefix: str, operators: frozenset,
                 anything_but_operators: frozenset, case_in_affix: bool, decimals: int):
        self.name = name
        self.error = error
        self.prefix = prefix
        self.operators = operators
        self.anything_but_operators = anything_but_operators
        self.case_in_affix = case_in_affix  # prefix/suffix may hold {"equals-ignore-case": ...}
        self.decimals = decimals

    number_limit: float | None = None  # SNS: 1e9; EventBridge documents no hard limit

    def fail(self, reason: str):
        raise self.error(self.prefix + reason)

    def nested_error(self):
        self.fail("nested objects are not allowed here")


EVENTBRIDGE = _Dialect(
    "eventbridge", InvalidEventPatternException, _EB_PREFIX,
    frozenset({"prefix", "suffix", "equals-ignore-case", "wildcard", "anything-but",
               "numeric", "exists", "cidr"}),
    frozenset({"prefix", "suffix", "equals-ignore-case", "wildcard"}),
    case_in_affix=True, decimals=6)


# --------------------------------------------------------------------------- leaf conditions

def _is_number(value) -> bool:
    return value.__class__ is int or value.__class__ is float


def _wildcard_regex(pattern: str, dialect: _Dialect) -> re.Pattern:
    """``*`` matches any run of characters (also none); ``\\*`` and ``\\\\`` are literals."""
    parts = []
    i, n = 0, len(pattern)
    previous_star = False
    while i < n:
        ch = pattern[i]
        if ch == "*":
            if previous_star:
                dialect.fail(f"Consecutive wildcard characters at pos {i}")
            parts.append(".*")
            previous_star = True
        elif ch == "\\" and i + 1 < n and pattern[i + 1] in "*\\":
            parts.append(re.escape(pattern[i + 1]))
            i += 1
            previous_star = False
        else:
            parts.append(re.escape(ch))
            previous_star = False
        i += 1
    if parts.count(".*") > 5:
        # EventBridge bounds the matching machine a wildcard can create; it is documented
        # ("eb-filtering-wildcard-matching-complexity") but not as a formula. More than five
        # wildcards in one value is what the AWS-validated cases reject.
        dialect.fail("Rule is too complex - try using fewer wildcard characters or fewer "
                     "repeating character sequences after a wildcard character")
    return re.compile("".join(parts), re.DOTALL)


def _strings(value, dialect: _Dialect, message: str) -> list[str]:
    """A string or a non-empty list of strings, as a list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value
    dialect.fail(message)


def _affix_test(kind: str, value, dialect: _Dialect) -> Callable[[Any], bool]:
    """``prefix``/``suffix``: a string, or ``{"equals-ignore-case": string}`` (EventBridge)."""
    fold = False
    if isinstance(value, dict) and dialect.case_in_affix:
        if len(value) != 1 or "equals-ignore-case" not in value:
            dialect.fail(f"Unsupported {kind} pattern: {next(iter(value), '')}")
        value = value["equals-ignore-case"]
        fold = True
    if not isinstance(value, str):
        dialect.fail(f"{kind} match pattern must be a string")
    if fold:
        value = value.lower()
        if kind == "prefix":
            return lambda v: v.__class__ is str and v.lower().startswith(value)
        return lambda v: v.__class__ is str and v.lower().endswith(value)
    if kind == "prefix":
        return lambda v: v.__class__ is str and v.startswith(value)
    return lambda v: v.__class__ is str and v.endswith(value)


def _numeric_test(spec, dialect: _Dialect) -> Callable[[Any], bool]:
    if not isinstance(spec, list):
        dialect.fail("Value of numeric must be an array.")
    if not spec:
        dialect.fail("Invalid member in numeric match: ]")
    terms = list(spec)
    checks = []
    first = terms.pop(0)
    if not isinstance(first, str):
        dialect.fail(f"Invalid member in numeric match: {first}")
    if first not in _NUMERIC_OPS:
        dialect.fail(f"Unrecognized numeric range operator: {first}")
    low = terms.pop(0) if terms else None
    if not _is_number(low):
        dialect.fail(f"Value of {'equals' if first == '=' else first} must be numeric")
    _check_number(low, dialect)
    checks.append((first, low))
    if terms:
        if first not in (">", ">="):
            dialect.fail("Too many elements in numeric expression")
        second = terms.pop(0)
        if not isinstance(second, str):
            dialect.fail(f"Bad value in numeric range: {second}")
        if second not in ("<", "<="):
            dialect.fail(f"Bad numeric range operator: {second}")
        high = terms.pop(0) if terms else None
        if not _is_number(high):
            dialect.fail(f"Value of {second} must be numeric")
        _check_number(high, dialect)
        if high <= low:
            dialect.fail("Bottom must be less than top")
        if terms:
            dialect.fail("Too many terms in numeric range expression")
        checks.append((second, high))
    digits = dialect.decimals
    checks = [(op, round(float(n), digits)) for op, n in checks]

    def test(v) -> bool:
        if v.__class__ is not int and v.__class__ is not float:
            return False
        x = round(float(v), digits)
        for op, n in checks:
            if op == "=":
                if x != n:
                    return False
            elif op == ">":
                if x <= n:
                    return False
            elif op == ">=":
                if x < n:
                    return False
            elif op == "<":
                if x >= n:
                    return False
            elif x > n:  # "<="
                return False
        return True
    return test


def _check_number(n, dialect: _Dialect) -> None:
    limit = dialect.number_limit
    if limit is not None and not -limit <= n <= limit:
        dialect.fail(f"Numeric value {n} is out of range: numbers must be between "
                     f"{-limit:.0f} and {limit:.0f}")


def _cidr_test(value, dialect: _Dialect) -> Callable[[Any], bool]:
    if not isinstance(value, str):
        dialect.fail("prefix match pattern must be a string")
    parts = value.split("/")
    if len(parts) != 2:
        dialect.fail("Malformed CIDR, one '/' required")
    address, bits = parts
    try:
        int(bits)
    except ValueError:
        dialect.fail("Malformed CIDR, mask bits must be an integer")
    try:
        network = ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            dialect.fail(f"Nonstandard IP address: {address}")
        dialect.fail(f"Malformed CIDR, mask bits must be between 0 and "
                     f"{32 if ':' not in address else 128}")
    version = network.version

    def test(v) -> bool:
        if v.__class__ is not str:
            return False
        try:
            ip = ipaddress.ip_address(v)
        except ValueError:
            return False
        return ip.version == version and ip in network
    return test


def _exact_sets(values) -> Callable[[Any], bool]:
    """One test for a run of exact values: strings, numbers, booleans, null."""
    strings = frozenset(v for v in values if isinstance(v, str))
    numbers = frozenset(float(v) for v in values if _is_number(v))
    bools = frozenset(v for v in values if isinstance(v, bool))
    null = any(v is None for v in values)

    def test(v) -> bool:
        cls = v.__class__
        if cls is str:
            return v in strings
        if cls is int or cls is float:
            return v in numbers
        if cls is bool:
            return v in bools
        return v is None and null
    return test


def _anything_but_test(value, dialect: _Dialect) -> Callable[[Any], bool]:
    """Matches a present leaf that none of the listed values / operators match."""
    if isinstance(value, dict):
        if len(value) != 1:
            dialect.fail("Value of anything-but must be an array or single string/number value.")
        (kind, inner), = value.items()
        if kind not in dialect.anything_but_operators:
            dialect.fail(f"Unsupported anything-but pattern: {kind}")
        if kind in ("prefix", "suffix"):
            if isinstance(inner, dict):
                dialect.fail("Value of anything-but must be an array or single string/number "
                             "value.")
            items = _strings(inner, dialect, "prefix/suffix match pattern must be a string")
            if any(s == "" for s in items):
                dialect.fail("Null prefix/suffix not allowed")
            items = tuple(items)
            if kind == "prefix":
                return lambda v: not (v.__class__ is str and v.startswith(items))
            return lambda v: not (v.__class__ is str and v.endswith(items))
        if kind == "equals-ignore-case":
            items = _strings(inner, dialect, "Inside anything-but/equals-ignore-case list, "
                                             "number|start|null|boolean is not supported.")
            folded = frozenset(s.lower() for s in items)
            return lambda v: not (v.__class__ is str and v.lower() in folded)
        # wildcard
        items = _strings(inner, dialect, "wildcard match pattern must be a string")
        regexes = [_wildcard_regex(s, dialect) for s in items]
        return lambda v: not (v.__class__ is str and any(r.fullmatch(v) for r in regexes))
    if isinstance(value, list):
        if not value:
            dialect.fail("Empty arrays are not allowed")
        for v in value:
            if not (isinstance(v, str) or _is_number(v)):
                dialect.fail("Inside anything but list, start|null|boolean is not supported.")
            if _is_number(v):
                _check_number(v, dialect)
        excluded = _exact_sets(value)
        return lambda v: not excluded(v)
    if isinstance(value, str) or _is_number(value):
        if _is_number(value):
            _check_number(value, dialect)
        excluded = _exact_sets([value])
        return lambda v: not excluded(v)
    dialect.fail("Value of anything-but must be an array or single string/number value.")


def _compile_leaf_list(key: str, values: list, dialect: _Dialect) -> "_Leaf":
    if not values:
        dialect.fail("Empty arrays are not allowed")
    tests: list[Callable[[Any], bool]] = []
    exact: list = []
    absent_ok = False
    for item in values:
        if item is None or isinstance(item, (str, bool)) or _is_number(item):
            if _is_number(item):
                _check_number(item, dialect)
            exact.append(item)
            continue
        if not isinstance(item, dict):
            dialect.fail("Match value must be String, number, true, false, or null")
        if len(item) != 1:
            dialect.fail("Only one key allowed in match expression")
        (op, arg), = item.items()
        if op not in dialect.operators:
            dialect.fail(f"Unrecognized match type {op}")
        if op == "exists":
            if not isinstance(arg, bool):
                dialect.fail("exists match pattern must be either true or false.")
            if arg:
                tests.append(_present)
            else:
                absent_ok = True
        elif op in ("prefix", "suffix"):
            tests.append(_affix_test(op, arg, dialect))
        elif op == "equals-ignore-case":
            if not isinstance(arg, str):
                dialect.fail("equals-ignore-case match pattern must be a string")
            folded = arg.lower()
            tests.append(lambda v, f=folded: v.__class__ is str and v.lower() == f)
        elif op == "wildcard":
            if not isinstance(arg, str):
                dialect.fail("wildcard match pattern must be a string")
            regex = _wildcard_regex(arg, dialect)
            tests.append(lambda v, r=regex: v.__class__ is str and r.fullmatch(v) is not None)
        elif op == "anything-but":
            tests.append(_anything_but_test(arg, dialect))
        elif op == "numeric":
            tests.append(_numeric_test(arg, dialect))
        elif op == "cidr":
            tests.append(_cidr_test(arg, dialect))
    if exact:
        tests.insert(0, _exact_sets(exact))
    return _Leaf(tuple(tests), absent_ok, len(values))


def _present(v) -> bool:
    return True


class _Leaf:
    """The alternatives listed for one field: leaf tests, and whether absence is accepted."""

    __slots__ = ("tests", "absent_ok", "size")

    def __init__(self, tests: tuple, absent_ok: bool, size: int = 1):
        self.tests = tests
        self.absent_ok = absent_ok
        self.size = size  # how many values the pattern listed (SNS counts combinations)

    def accepts(self, value) -> bool:
        for test in self.tests:
            if test(value):
                return True
        return False


# --------------------------------------------------------------------------- structure

def _flatten(node: dict, prefix: str, dialect: _Dialect, nested: bool = True) -> list[list]:
    """Pattern object -> branches (one per ``$or`` choice); a branch is [(path, _Leaf)]."""
    branches: list[list] = [[]]
    for key, value in node.items():
        if key == "$or" and isinstance(value, list):
            if len(value) < 2:
                dialect.fail('"$or" must contain at least two patterns')
            alternatives = []
            for alt in value:
                if not isinstance(alt, dict):
                    dialect.fail("Filter is not an object")
                if not alt:
                    dialect.fail("Empty objects are not allowed")
                alternatives.extend(_flatten(alt, prefix, dialect, nested))
            branches = [b + a for b in branches for a in alternatives]
            continue
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            if not nested:
                dialect.nested_error()
            if not value:
                dialect.fail("Empty objects are not allowed")
            subs = _flatten(value, path, dialect, nested)
            branches = [b + s for b in branches for s in subs]
        elif isinstance(value, list):
            leaf = _compile_leaf_list(key, value, dialect)
            for b in branches:
                b.append((path, leaf))
        else:
            dialect.fail(f'"{key}" must be an object or an array')
    return branches


def _parse(pattern, dialect: _Dialect) -> dict:
    if isinstance(pattern, (str, bytes)):
        try:
            pattern = json.loads(pattern)
        except ValueError as exc:
            dialect.fail(f"{exc.msg if hasattr(exc, 'msg') else exc}")
    if not isinstance(pattern, dict):
        dialect.fail("Filter is not an object")
    return pattern


def _consistent(choices: list[list[tuple]]) -> bool:
    """Pick one candidate per field so that values inside one array share an element."""
    def pick(i: int, fixed: dict) -> bool:
        if i == len(choices):
            return True
        for trail in choices[i]:
            added = []
            ok = True
            for array_id, index in trail:
                have = fixed.get(array_id)
                if have is None:
                    fixed[array_id] = index
                    added.append(array_id)
                elif have != index:
                    ok = False
                    break
            if ok and pick(i + 1, fixed):
                return True
            for array_id in added:
                del fixed[array_id]
        return False
    return pick(0, {})


class EventPattern:
    """A validated pattern. ``matches(event)`` tells whether an event (a dict) matches."""

    __slots__ = ("source", "_branches", "_paths", "_walk")

    def __init__(self, pattern: dict, branches: list[list], source=None):
        self.source = pattern
        self._branches = [tuple(b) for b in branches]
        paths = {path for b in branches for path, _ in b}
        walk = set()
        for path in paths:
            # every dot-boundary prefix, so dotted event keys and nested objects both reach it
            pieces = path.split(".")
            for i in range(1, len(pieces) + 1):
                walk.add(".".join(pieces[:i]))
        self._paths = frozenset(paths)
        self._walk = frozenset(walk)

    def __repr__(self) -> str:
        return f"EventPattern({json.dumps(self.source, separators=(',', ':'))})"

    # -- flattening the event: only the parts the pattern names are visited
    def _leaves(self, event: dict) -> tuple[dict, bool]:
        leaves: dict[str, list] = {}
        paths, walk = self._paths, self._walk
        counter = [0]
        arrays = False

        def visit(value, path, trail):
            nonlocal arrays
            cls = value.__class__
            if cls is dict:
                for k, v in value.items():
                    p = f"{path}.{k}" if path else k
                    if p in walk:
                        visit(v, p, trail)
            elif cls is list:
                arrays = True
                counter[0] += 1
                array_id = counter[0]
                for i, v in enumerate(value):
                    visit(v, path, trail + ((array_id, i),))
            elif path in paths:
                leaves.setdefault(path, []).append((value, trail))

        if isinstance(event, dict):
            for k, v in event.items():
                if k in walk:
                    visit(v, k, ())
        return leaves, arrays

    def match_leaves(self, leaves: dict, arrays: bool = True) -> bool:
        """Match pre-flattened leaves ``{path: [(value, trail), ...]}`` (used by SNS)."""
        for branch in self._branches:
            choices = []
            for path, leaf in branch:
                found = leaves.get(path)
                if not found:
                    if leaf.absent_ok:
                        continue
                    break
                if arrays:
                    hits = [trail for value, trail in found if leaf.accepts(value)]
                    if not hits:
                        break
                    choices.append(hits)
                elif not any(leaf.accepts(value) for value, _ in found):
                    break
            else:
                if not arrays or _consistent(choices):
                    return True
        return False

    def matches(self, event: dict) -> bool:
        """True when the event (a dict, e.g. an EventBridge envelope) matches the pattern."""
        leaves, arrays = self._leaves(event)
        return self.match_leaves(leaves, arrays)

    __call__ = matches


def compile_pattern(pattern) -> EventPattern:
    """Validate an EventBridge pattern (JSON text or dict) and return a reusable matcher.

    Raises ``InvalidEventPatternException`` (HTTP 400) with AWS's message for an invalid pattern.
    An ``EventPattern`` is returned unchanged.
    """
    if isinstance(pattern, EventPattern):
        return pattern
    parsed = _parse(pattern, EVENTBRIDGE)
    return EventPattern(parsed, _flatten(parsed, "", EVENTBRIDGE))


def matches(pattern, event: dict) -> bool:
    """One-shot: does ``event`` match ``pattern``? (Compile once with ``compile_pattern`` to
    match many events.)"""
    return compile_pattern(pattern).matches(event)
