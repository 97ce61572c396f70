"""CloudWatch Logs API operations answered by the lab (botocore service id ``cloudwatch-logs``).

The lab writes one log group per function that has run, ``/aws/lambda/<function>``, with one log
stream per execution environment (``2026/01/01/[$LATEST]<32 hex>``, what handlers see as
``context.log_stream_name``). Each attempt writes ``START``, what the handler printed, ``END``
and ``REPORT`` lines (``lab.awslambda.log_lines``). Timestamps are epoch milliseconds on the
lab's virtual clock: START at the request's start, printed lines after INIT, END and REPORT
when the attempt ends. Nothing is stored: the view is rebuilt from the attempt records.

CWL/ = https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/

Filter patterns (CW/FilterAndPatternSyntax.html,
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html) — the
lab supports the *unstructured* subset: ``ERROR`` (term), ``ERROR Exception`` (every term),
``"Task timed out"`` (an exact phrase), ``?ERROR ?WARN`` (any of the ``?`` terms), ``ERROR
-Retrying`` (exclude a term), and the empty pattern (everything). Terms are case sensitive, as on
AWS. JSON (``{ $.x = 1 }``), space-delimited (``[a, b]``) and regex (``%...%``) patterns answer
InvalidParameterException naming what to use instead.
"""
from __future__ import annotations

import hashlib
import weakref

from .. import facts
from ..clock import EPOCH_UNIX
from ..errors import InvalidParameterException, ResourceNotFoundException
from ..vtime import current

PREFIX = "/aws/lambda/"
_views: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()   # lab -> (attempts seen, view)


def ms(lab_seconds: float) -> int:
    """Epoch milliseconds of a lab time (the unit CloudWatch Logs uses)."""
    return int(round((EPOCH_UNIX + lab_seconds) * 1000))


class Group:
    """One log group: its events in (timestamp, write order) order, and its streams."""

    __slots__ = ("name", "created", "events", "streams")

    def __init__(self, name, created):
        self.name = name
        self.created = created
        self.events: list[tuple] = []    # (timestamp ms, seq, stream, message)
        self.streams: dict[str, list] = {}  # stream -> [created, first, last, bytes]


def _stream_of(lab, record) -> str:
    if record.log_stream:
        return record.log_stream
    # An environment whose INIT failed is not kept and has no stream of its own in the lab:
    # give it a stable name derived from the request (consumes no seeded IDs).
    date = lab.clock.to_datetime(record.start).strftime("%Y/%m/%d")
    return f"{date}/[$LATEST]{hashlib.sha256(record.request_id.encode()).hexdigest()[:32]}"


def view(lab) -> dict[str, Group]:
    """Log group name -> Group, built from ``lab.awslambda.attempts`` (cached until more
    attempts are recorded)."""
    attempts = lab.awslambda.attempts
    cached = _views.get(lab)
    if cached is not None and cached[0] == len(attempts):
        return cached[1]
    groups: dict[str, Group] = {}
    seq = 0
    for record in attempts:
        if record.outcome == "throttled":
            continue
        name = PREFIX + record.function
        group = groups.get(name)
        if group is None:
            group = groups[name] = Group(name, ms(record.start))
        stream = _stream_of(lab, record)
        lines = lab.awslambda.log_lines(record)
        times = ([record.start] + [record.start + record.init] * (len(lines) - 3)
                 + [record.end, record.end])
        info = group.streams.get(stream)
        if info is None:
            info = group.streams[stream] = [ms(record.start), None, None, 0]
        for t, line in zip(times, lines):
            stamp = ms(t)
            seq += 1
            group.events.append((stamp, seq, stream, line))
            info[1] = stamp if info[1] is None else min(info[1], stamp)
            info[2] = stamp if info[2] is None else max(info[2], stamp)
            info[3] += len(line.encode())
    for group in groups.values():
        group.events.sort()
    view_ = dict(sorted(groups.items()))
    if current() is None:
        # inside a handler its own attempt is still being written: do not cache that view
        _views[lab] = (len(attempts), view_)
    return view_


# --- request helpers ---------------------------------------------------------------------
def _group(lab, p) -> Group:
    name = p.get("logGroupName") or _name_from_identifier(p.get("logGroupIdentifier"))
    if not name:
        raise InvalidParameterException("Either logGroupName or logGroupIdentifier is required.")
    group = view(lab).get(name)
    if group is None:
        raise ResourceNotFoundException(
            f"The specified log group does not exist: {name}. The lab creates "
            f"{PREFIX}<function> when a function first runs.")
    return group


def _name_from_identifier(identifier):
    if identifier and identifier.startswith("arn:"):
        return identifier.split(":log-group:", 1)[-1].removesuffix(":*")
    return identifier


def _limit(p, high, default):
    limit = p.get("limit")
    if limit is None:
        return default
    if not 1 <= limit <= high:
        raise InvalidParameterException(
            f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
            f"constraint: Member must have value between 1 and {high}")
    return limit


def _offset(p) -> int:
    token = p.get("nextToken")
    if token is None:
        return 0
    try:
        return int(token.split("/", 1)[1]) if token.startswith("n/") else int("x")
    except ValueError:
        raise InvalidParameterException(f"The specified nextToken is invalid: {token!r}; pass "
                                        "the nextToken of the previous response") from None


def _page(items, p, high, default):
    start, limit = _offset(p), _limit(p, high, default)
    page = items[start:start + limit]
    token = f"n/{start + limit:020d}" if start + limit < len(items) else None
    return page, token


def _arn(lab, name):
    return lab.arn("logs", f"log-group:{name}")


# --- operations --------------------------------------------------------------------------
def describe_log_groups(lab, p):
    prefix = p.get("logGroupNamePrefix") or ""
    pattern = p.get("logGroupNamePattern")
    if prefix and pattern:
        raise InvalidParameterException(
            "LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
    groups = [g for g in view(lab).values() if g.name.startswith(prefix)
              and (pattern is None or pattern.lower() in g.name.lower())]
    page, token = _page(groups, p, facts.LOGS_DESCRIBE_LIMIT, facts.LOGS_DESCRIBE_LIMIT)
    body = {"logGroups": [{
        "logGroupName": g.name, "creationTime": g.created, "metricFilterCount": 0,
        "arn": _arn(lab, g.name) + ":*", "logGroupArn": _arn(lab, g.name),
        "storedBytes": sum(info[3] for info in g.streams.values()),
        "logGroupClass": "STANDARD"} for g in page]}
    if token:
        body["nextToken"] = token
    return 200, body


def describe_log_streams(lab, p):
    group = _group(lab, p)
    prefix = p.get("logStreamNamePrefix") or ""
    order = p.get("orderBy") or "LogStreamName"
    if prefix and order == "LastEventTime":
        raise InvalidParameterException(
            "Cannot order by LastEventTime with a logStreamNamePrefix.")
    streams = [(name, info) for name, info in group.streams.items() if name.startswith(prefix)]
    if order == "LastEventTime":
        streams.sort(key=lambda item: (item[1][2], item[0]))
    else:
        streams.sort(key=lambda item: item[0])
    if p.get("descending"):
        streams.reverse()
    page, token = _page(streams, p, facts.LOGS_DESCRIBE_LIMIT, facts.LOGS_DESCRIBE_LIMIT)
    body = {"logStreams": [{
        "logStreamName": name, "creationTime": info[0], "firstEventTimestamp": info[1],
        "lastEventTimestamp": info[2], "lastIngestionTime": info[2],
        "arn": f"{_arn(lab, group.name)}:log-stream:{name}", "storedBytes": 0}
        for name, info in page]}
    if token:
        body["nextToken"] = token
    return 200, body


def _in_range(events, p):
    start, end = p.get("startTime"), p.get("endTime")
    # CWL/API_GetLogEvents.html: startTime inclusive, endTime exclusive
    return [e for e in events if (start is None or e[0] >= start) and (end is None or e[0] < end)]


def get_log_events(lab, p):
    """GetLogEvents pages like AWS: ``nextForwardToken`` / ``nextBackwardToken``; at the end of
    the stream the forward token comes back unchanged (CWL/API_GetLogEvents.html)."""
    group = _group(lab, p)
    stream = p.get("logStreamName")
    if stream not in group.streams:
        raise ResourceNotFoundException(f"The specified log stream does not exist: {stream}.")
    events = _in_range([e for e in group.events if e[2] == stream], p)
    limit = _limit(p, facts.LOGS_GET_EVENTS_LIMIT, facts.LOGS_GET_EVENTS_LIMIT)
    token = p.get("nextToken")
    n = len(events)
    if token:
        try:
            direction, position = token[0], int(token[2:])
            if direction not in "fb" or token[1] != "/":
                raise ValueError
        except (ValueError, IndexError):
            raise InvalidParameterException(
                f"The specified nextToken is invalid: {token!r}; pass nextForwardToken or "
                "nextBackwardToken from the previous response") from None
        position = min(max(position, 0), n)
        lo, hi = (position, min(n, position + limit)) if direction == "f" \
            else (max(0, position - limit), position)
    elif p.get("startFromHead"):
        lo, hi = 0, min(n, limit)
    else:
        lo, hi = max(0, n - limit), n
    return 200, {
        "events": [{"timestamp": e[0], "message": e[3], "ingestionTime": e[0]}
                   for e in events[lo:hi]],
        "nextForwardToken": f"f/{hi:056d}", "nextBackwardToken": f"b/{lo:056d}"}


def compile_pattern(pattern: str | None):
    """A predicate for one filter pattern (the unstructured subset in the module docstring)."""
    pattern = (pattern or "").strip()
    if not pattern:
        return lambda message: True
    if pattern[0] in "{[%":
        kind = {"{": "JSON", "[": "space-delimited", "%": "regular-expression"}[pattern[0]]
        raise InvalidParameterException(
            f"lambdalab supports term filter patterns only (ERROR, \"exact phrase\", ?A ?B, "
            f"-term); {kind} patterns such as {pattern!r} are not emulated: filter the events "
            "in Python instead")
    required, optional, excluded = [], [], []
    i, n = 0, len(pattern)
    while i < n:
        if pattern[i].isspace():
            i += 1
            continue
        sign = ""
        if pattern[i] in "?-":
            sign, i = pattern[i], i + 1
        if i < n and pattern[i] == '"':
            close = pattern.find('"', i + 1)
            if close < 0:
                raise InvalidParameterException(
                    f"Invalid filter pattern {pattern!r}: a quoted phrase is not closed")
            term, i = pattern[i + 1:close], close + 1
        else:
            j = i
            while j < n and not pattern[j].isspace():
                j += 1
            term, i = pattern[i:j], j
        if not term:
            raise InvalidParameterException(f"Invalid filter pattern {pattern!r}: empty term")
        {"": required, "?": optional, "-": excluded}[sign].append(term)

    def match(message: str) -> bool:
        return (all(t in message for t in required)
                and (not optional or any(t in message for t in optional))
                and not any(t in message for t in excluded))
    return match


def filter_log_events(lab, p):
    group = _group(lab, p)
    names, prefix = p.get("logStreamNames"), p.get("logStreamNamePrefix")
    if names and prefix:
        raise InvalidParameterException(
            "logStreamNames and logStreamNamePrefix are mutually exclusive; pass one")
    match = compile_pattern(p.get("filterPattern"))
    events = _in_range(group.events, p)
    if names:
        wanted = set(names)
        events = [e for e in events if e[2] in wanted]
    elif prefix:
        events = [e for e in events if e[2].startswith(prefix)]
    events = [e for e in events if match(e[3])]
    page, token = _page(events, p, facts.LOGS_GET_EVENTS_LIMIT, facts.LOGS_GET_EVENTS_LIMIT)
    body = {"events": [{"logStreamName": e[2], "timestamp": e[0], "message": e[3],
                        "ingestionTime": e[0], "eventId": f"{e[0]:020d}{e[1]:036d}"}
                       for e in page],
            "searchedLogStreams": [{"logStreamName": s, "searchedCompletely": True}
                                   for s in sorted(group.streams)
                                   if (not names or s in names)
                                   and (not prefix or s.startswith(prefix))]}
    if token:
        body["nextToken"] = token
    return 200, body


OPERATIONS = {
    "DescribeLogGroups": describe_log_groups,
    "DescribeLogStreams": describe_log_streams,
    "GetLogEvents": get_log_events,
    "FilterLogEvents": filter_log_events,
}
