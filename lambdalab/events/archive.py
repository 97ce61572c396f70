"""Archives and replays of an event bus.

As documented at https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-archive.html and
eb-replay-archived-event.html, API_CreateArchive.html, API_StartReplay.html:

- an archive keeps the events that arrive on its source bus (all of them, or those matching its
  ``EventPattern``) for ``RetentionDays`` (0 = indefinitely); replayed events are not archived
  again;
- a replay sends the archived events whose time lies in ``[EventStartTime, EventEndTime)`` to
  the bus in ``Destination`` (the archive's own bus), to every rule or only to the rules in
  ``FilterArns``; each replayed event carries a ``replay-name`` field.

Lab simplification: a replay delivers all its events at the instant it starts (AWS paces them
and does not guarantee their order; the lab keeps arrival order) and is COMPLETED at once.
"""
from __future__ import annotations

import json
import re

from ..errors import (ResourceAlreadyExistsException, ResourceNotFoundException,
                      ValidationException)
from .patterns import compile_pattern

_NAME = re.compile(r"^[\.\-_A-Za-z0-9]{1,48}$")


class Archive:
    def __init__(self, name, arn, bus, pattern_text, retention_days, description, created):
        self.name = name
        self.arn = arn
        self.bus = bus
        self.event_pattern = pattern_text
        self.pattern = compile_pattern(pattern_text) if pattern_text else None
        self.retention_days = retention_days
        self.description = description
        self.created = created
        self.events: list[tuple[float, dict]] = []   # (arrival time, event)

    def keep(self, t: float, event: dict) -> None:
        if "replay-name" in event:
            return
        if self.pattern is None or self.pattern.matches(event):
            self.events.append((t, event))

    def expire(self, now: float) -> None:
        if self.retention_days:
            horizon = now - self.retention_days * 86400
            self.events = [(t, e) for t, e in self.events if t >= horizon]

    def describe(self, to_datetime) -> dict:
        out = {"ArchiveArn": self.arn, "ArchiveName": self.name, "EventSourceArn": self.bus.arn,
               "State": "ENABLED", "RetentionDays": self.retention_days,
               "SizeBytes": sum(len(json.dumps(e)) for _, e in self.events),
               "EventCount": len(self.events), "CreationTime": to_datetime(self.created)}
        if self.event_pattern:
            out["EventPattern"] = self.event_pattern
        if self.description:
            out["Description"] = self.description
        return out


class Replay:
    def __init__(self, name, arn, archive, start, end, destination, started):
        self.name = name
        self.arn = arn
        self.archive = archive
        self.start = start
        self.end = end
        self.destination = destination
        self.started = started
        self.ended = started
        self.state = "COMPLETED"
        self.count = 0

    def describe(self, to_datetime) -> dict:
        return {"ReplayName": self.name, "ReplayArn": self.arn, "State": self.state,
                "EventSourceArn": self.archive.arn, "Destination": dict(self.destination),
                "EventStartTime": to_datetime(self.start), "EventEndTime": to_datetime(self.end),
                "ReplayStartTime": to_datetime(self.started),
                "ReplayEndTime": to_datetime(self.ended)}


def create_archive(service, name, source_arn, event_pattern=None, retention_days=0,
                   description=None) -> Archive:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValidationException(
            f"1 validation error detected: Value '{name}' at 'archiveName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ "
            "and have length 1-48")
    if name in service.archives:
        raise ResourceAlreadyExistsException(f"Archive {name} already exists.")
    bus = service.buses_by_arn.get(source_arn)
    if bus is None:
        raise ResourceNotFoundException(f"Event bus {source_arn} does not exist.")
    if retention_days is not None and retention_days < 0:
        raise ValidationException("RetentionDays must be 0 (keep forever) or more.")
    text = None
    if event_pattern is not None:
        text = event_pattern if isinstance(event_pattern, str) else json.dumps(event_pattern)
    archive = Archive(name, service.lab.arn("events", f"archive/{name}"), bus, text,
                      retention_days or 0, description, service.lab.t)
    service.archives[name] = archive
    return archive


def start_replay(service, name, archive_arn, start, end, destination) -> Replay:
    if name in service.replays:
        raise ResourceAlreadyExistsException(f"Replay {name} already exists.")
    archive = next((a for a in service.archives.values() if a.arn == archive_arn), None)
    if archive is None:
        raise ResourceNotFoundException(f"Archive {archive_arn} does not exist.")
    if not isinstance(destination, dict) or destination.get("Arn") != archive.bus.arn:
        raise ValidationException(
            "Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not "
            f"permitted: replay to the archive's own bus, {archive.bus.arn}.")
    if not start < end:
        raise ValidationException("EventStartTime must be before EventEndTime.")
    filters = destination.get("FilterArns")
    rules = None
    if filters:
        rules = [r for r in archive.bus.rules.values() if r.arn in filters]
        if len(rules) != len(filters):
            raise ValidationException("Every FilterArns entry must be a rule on the "
                                      "destination bus.")
    replay = Replay(name, service.lab.arn("events", f"replay/{name}"), archive, start, end,
                    destination, service.lab.t)
    service.replays[name] = replay
    archive.expire(service.lab.t)
    for t, event in archive.events:
        if not start <= _event_seconds(event) < end:
            continue
        replayed = dict(event, **{"replay-name": name})
        replay.count += 1
        service.lab.clock.at(service.lab.clock.t, service.route, archive.bus, replayed, None,
                             rules)
    return replay


def _event_seconds(event: dict) -> float:
    from datetime import datetime
    from ..clock import EPOCH
    moment = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    return (moment - EPOCH).total_seconds()
