"""What a target receives: the whole event, ``Input``, ``InputPath`` or ``InputTransformer``.

As documented at https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html
and https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_InputTransformer.html:

- ``Input``: a fixed JSON text replaces the event.
- ``InputPath``: a JSONPath (``$.detail``, ``$.detail.items[0]``) selects part of the event.
- ``InputTransformer``: ``InputPathsMap`` (up to 100 variables, each a JSONPath) and an
  ``InputTemplate`` with ``<variable>`` placeholders. Inside a JSON string (``"<var>"``) a value is
  inserted as text (a string without its quotes, escaped for JSON); outside quotes it is inserted
  as JSON (a string with its quotes). Reserved variables: ``aws.events.rule-arn``,
  ``aws.events.rule-name``, ``aws.events.event.ingestion-time``, ``aws.events.event`` (the event
  without ``detail``) and ``aws.events.event.json`` (the whole event).

Lab choices (AWS does not publish them): a path that selects nothing yields JSON ``null``
(inserted as an empty string inside quotes); placeholders that name no variable stay as written.
"""
from __future__ import annotations

import json
import re

from ..errors import ValidationException

MAX_INPUT_PATHS = 100       # API_InputTransformer.html: up to 100 variables
MAX_TEMPLATE = 8192         # API_InputTransformer.html: InputTemplate length 1-8192
RESERVED = ("aws.events.rule-arn", "aws.events.rule-name", "aws.events.event.ingestion-time",
            "aws.events.event", "aws.events.event.json")
_VAR_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")
_PATH_TOKEN = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\['([^']*)'\]")
_PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.\-]+)>")
_MISSING = object()


def check_path(path, what: str) -> None:
    """Raise ValidationException unless ``path`` is a JSONPath the lab can follow."""
    if not isinstance(path, str) or not path.startswith("$"):
        raise ValidationException(f"{what} '{path}' is not a valid JSONPath: start it with $, "
                                  "e.g. $.detail.state")
    rest = path[1:]
    pos = 0
    for match in _PATH_TOKEN.finditer(rest):
        if match.start() != pos:
            break
        pos = match.end()
    if pos != len(rest):
        raise ValidationException(f"{what} '{path}' is not a valid JSONPath: use $.field, "
                                  "$.a.b or $.list[0]")


def select(event: dict, path: str):
    """Follow a JSONPath in ``event``; ``_MISSING`` when it leads nowhere."""
    value = event
    for match in _PATH_TOKEN.finditer(path[1:]):
        key, index, quoted = match.groups()
        key = quoted if quoted is not None else key
        if index is not None:
            if not isinstance(value, list) or int(index) >= len(value):
                return _MISSING
            value = value[int(index)]
        elif isinstance(value, dict) and key in value:
            value = value[key]
        else:
            return _MISSING
    return value


def check_transformer(transformer: dict) -> None:
    """Validate an InputTransformer as PutTargets does."""
    paths = transformer.get("InputPathsMap") or {}
    template = transformer.get("InputTemplate")
    if not isinstance(template, str) or not 1 <= len(template) <= MAX_TEMPLATE:
        raise ValidationException(
            f"InputTemplate is required and must be 1 to {MAX_TEMPLATE} characters.")
    if len(paths) > MAX_INPUT_PATHS:
        raise ValidationException(
            f"InputPathsMap has {len(paths)} variables; the maximum is {MAX_INPUT_PATHS}.")
    for name, path in paths.items():
        if name in RESERVED or name.startswith("aws."):
            raise ValidationException(
                f"InputTemplate variable '{name}' is reserved by EventBridge; choose another name.")
        if not _VAR_NAME.match(name):
            raise ValidationException(
                f"InputPathsMap key '{name}' is not valid: use letters, digits, _ and -.")
        check_path(path, f"InputPathsMap value for '{name}'")


def _inside_strings(template: str) -> list[tuple[int, int]]:
    """Spans of ``template`` that lie inside JSON string literals."""
    spans, start, i, n = [], None, 0, len(template)
    while i < n:
        c = template[i]
        if c == "\\" and start is not None:
            i += 2
            continue
        if c == '"':
            if start is None:
                start = i
            else:
                spans.append((start, i))
                start = None
        i += 1
    return spans


def render(template: str, values: dict) -> str:
    """Substitute ``<name>`` placeholders (``values`` maps names to Python values)."""
    spans = _inside_strings(template)

    def quoted(pos: int) -> bool:
        return any(a < pos < b for a, b in spans)

    def replace(match):
        name = match.group(1)
        if name not in values:
            return match.group(0)
        value = values[name]
        if quoted(match.start()):
            if value is _MISSING or value is None:
                return ""
            if isinstance(value, _Raw):
                text = value.text
            elif isinstance(value, str):
                text = value
            else:
                text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
            return json.dumps(text, ensure_ascii=False)[1:-1]
        if value is _MISSING:
            return "null"
        if isinstance(value, _Raw):
            return value.text
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    return _PLACEHOLDER.sub(replace, template)


class _Raw:
    """A reserved variable inserted as prepared JSON text."""

    def __init__(self, text: str):
        self.text = text


def target_input(target: dict, event: dict, event_json: str, rule_arn: str, rule_name: str,
                 ingestion_time: str) -> str:
    """The body ``target`` receives for ``event`` (a dict) whose JSON text is ``event_json``."""
    if target.get("Input") is not None:
        return target["Input"]
    if target.get("InputPath") is not None:
        value = select(event, target["InputPath"])
        return "null" if value is _MISSING else json.dumps(value, separators=(",", ":"),
                                                           ensure_ascii=False)
    transformer = target.get("InputTransformer")
    if transformer is None:
        return event_json
    values = {name: select(event, path)
              for name, path in (transformer.get("InputPathsMap") or {}).items()}
    template = transformer["InputTemplate"]
    if "<aws." in template:
        without_detail = {k: v for k, v in event.items() if k != "detail"}
        values.update({
            "aws.events.rule-arn": rule_arn,
            "aws.events.rule-name": rule_name,
            "aws.events.event.ingestion-time": ingestion_time,
            "aws.events.event": _Raw(json.dumps(without_detail, separators=(",", ":"),
                                                ensure_ascii=False)),
            "aws.events.event.json": _Raw(event_json),
        })
    return render(template, values)
