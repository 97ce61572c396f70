"""``lab.events``: Amazon EventBridge (buses, rules, targets, PutEvents, scheduled rules).

The classic model ("Custom Event Bus - Classic": rules and targets), as documented at
https://docs.aws.amazon.com/eventbridge/latest/userguide/ and the API reference
https://docs.aws.amazon.com/eventbridge/latest/APIReference/. Numbers live in
:mod:`lambdalab.facts`. Delivery to targets, retries and DLQs: :mod:`.targets`; what a target
receives: :mod:`.transformer`; schedule expressions: :mod:`.schedule`.

>>> lab = Lab(seed=0)                                                   # doctest: +SKIP
>>> lab.events.put_rule("orders", event_pattern={"source": ["shop"]})  # doctest: +SKIP
>>> lab.events.put_targets("orders", [{"Id": "q", "Arn": queue.arn}])   # doctest: +SKIP
>>> lab.events.put_events([{"Source": "shop", "DetailType": "OrderPlaced", "Detail": "{}"}])
"""
from __future__ import annotations

import json
import random
from datetime import datetime, timezone

from .. import facts
from ..clock import EPOCH
from ..errors import (LabError, LimitExceededException, ResourceAlreadyExistsException,
                      ResourceNotFoundException, ValidationException)
from ..ids import parse_arn
from . import targets as _targets
from .rules import EventBus, Rule, check_name, check_target, _BUS_NAME
from .transformer import target_input

METRICS = ("MatchedEvents", "TriggeredRules", "Invocations", "FailedInvocations",
           "DeadLetterInvocations", "InvocationsSentToDlq", "InvocationsFailedToBeSentToDlq")
_ENVELOPE = ("version", "id", "detail-type", "source", "account", "time", "region",
             "resources", "detail")


def _entry_size(entry: dict) -> int:
    """An entry's size as EventBridge counts it (EB/eb-putevent-size.html): 14 bytes for Time
    when given, plus the UTF-8 bytes of Source, DetailType, Detail and each Resource."""
    size = 14 if entry.get("Time") is not None else 0
    for key in ("Source", "DetailType", "Detail"):
        value = entry.get(key)
        if isinstance(value, str):
            size += len(value.encode())
    for resource in entry.get("Resources") or ():
        if isinstance(resource, str):
            size += len(resource.encode())
    return size


class EventsService:
    """``lab.events``: the event buses of one lab (``default`` always exists)."""

    def __init__(self, lab):
        self.lab = lab
        self.buses: dict[str, EventBus] = {}
        self.buses_by_arn: dict[str, EventBus] = {}
        self.rng = random.Random(f"lambdalab-events-{lab.seed}")   # retry jitter
        self.invocations: list[_targets.Invocation] = []
        self.events: list[dict] = []          # every event accepted (PutEvents, schedules)
        self.records: list[tuple] = []        # (t, bus, rule, metric): metric facts
        self.lines: list[tuple[float, str]] = []
        self.outages: dict[str, tuple[float, str]] = {}
        self.tags: dict[str, dict] = {}       # rule or bus ARN -> {key: value}
        self.archives: dict = {}              # name -> archive.Archive
        self.replays: dict = {}               # name -> archive.Replay
        self._create_bus("default")
        lab.receivers["events"] = self._receive
        # EventBridge Scheduler shares this service's delivery machinery: lab.scheduler
        from .scheduler import SchedulerService
        lab.scheduler = SchedulerService(lab, self)

    # --- buses ------------------------------------------------------------------------------
    def _create_bus(self, name: str, description: str | None = None) -> EventBus:
        bus = EventBus(name, self.lab.arn("events", f"event-bus/{name}"), self.lab.t, description)
        self.buses[name] = bus
        self.buses_by_arn[bus.arn] = bus
        return bus

    def create_event_bus(self, name: str, description: str | None = None) -> EventBus:
        """CreateEventBus (a custom bus)."""
        if not isinstance(name, str) or not _BUS_NAME.match(name):
            raise ValidationException(
                f"1 validation error detected: Value '{name}' at 'name' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: [/\\.\\-_A-Za-z0-9]+")
        if name == "default":
            raise ValidationException("The event bus name 'default' is reserved: choose another "
                                      "name for a custom bus.")
        if name in self.buses:
            raise ResourceAlreadyExistsException(f"Event bus {name} already exists.")
        return self._create_bus(name, description)

    def bus(self, name_or_arn: str | None = None) -> EventBus:
        """A bus by name or ARN (``None`` = the default bus)."""
        key = name_or_arn or "default"
        found = self.buses_by_arn.get(key) if key.startswith("arn:") else self.buses.get(key)
        if found is None:
            raise ResourceNotFoundException(f"Event bus {key} does not exist.")
        return found

    def delete_event_bus(self, name: str) -> None:
        """DeleteEventBus: the default bus stays; a bus with rules must be emptied first;
        deleting a bus that does not exist succeeds."""
        if name == "default":
            raise ValidationException("Cannot delete event bus default.")
        bus = self.buses.get(name)
        if bus is None:
            return
        if bus.rules:
            raise ValidationException(
                f"Event bus {name} still has {len(bus.rules)} rule(s): delete its rules "
                "(after removing their targets) first.")
        del self.buses[name]
        del self.buses_by_arn[bus.arn]
        self.tags.pop(bus.arn, None)

    def list_event_buses(self, prefix: str = "") -> list[EventBus]:
        return [b for name, b in sorted(self.buses.items()) if name.startswith(prefix or "")]

    # --- rules ------------------------------------------------------------------------------
    def rule(self, name: str, bus: str | None = None) -> Rule:
        event_bus = self.bus(bus)
        found = event_bus.rules.get(name)
        if found is None:
            raise ResourceNotFoundException(
                f"Rule {name} does not exist on EventBus {event_bus.name}.")
        return found

    def put_rule(self, name: str, *, event_pattern=None, schedule_expression: str | None = None,
                 state: str | None = None, description: str | None = None,
                 role_arn: str | None = None, event_bus: str | None = None) -> Rule:
        """PutRule: create or update a rule (an event pattern, a schedule, or both)."""
        check_name(name)
        bus = self.bus(event_bus)
        rule = bus.rules.get(name)
        new = rule is None
        if new:
            if len(bus.rules) >= facts.EVENTS_RULES_PER_BUS:
                raise LimitExceededException(
                    f"The requested resource exceeds the maximum number allowed: event bus "
                    f"{bus.name} already has {facts.EVENTS_RULES_PER_BUS} rules.")
            path = f"rule/{name}" if bus.name == "default" else f"rule/{bus.name}/{name}"
            rule = Rule(bus, name, self.lab.arn("events", path))
        old_schedule = rule.schedule_expression
        rule.configure(event_pattern=event_pattern, schedule_expression=schedule_expression,
                       state=state if state is not None else (None if not new else "ENABLED"),
                       description=description, role_arn=role_arn)
        if new:
            bus.rules[name] = rule
        if new or old_schedule != schedule_expression:
            rule.schedule_start = self.lab.t
        self._reschedule(rule)
        return rule

    def enable_rule(self, name: str, event_bus: str | None = None) -> Rule:
        rule = self.rule(name, event_bus)
        if not rule.enabled:
            rule.state = "ENABLED"
            rule.schedule_start = self.lab.t
            self._reschedule(rule)
        return rule

    def disable_rule(self, name: str, event_bus: str | None = None) -> Rule:
        rule = self.rule(name, event_bus)
        rule.state = "DISABLED"
        self._reschedule(rule)
        return rule

    def delete_rule(self, name: str, event_bus: str | None = None, force: bool = False) -> None:
        """DeleteRule: a rule with targets cannot be deleted (remove them first); deleting a
        rule that does not exist succeeds, as on AWS."""
        bus = self.bus(event_bus)
        rule = bus.rules.get(name)
        if rule is None:
            return
        if rule.targets and not force:
            raise ValidationException("Rule can't be deleted since it has targets.")
        rule.state = "DISABLED"
        self._reschedule(rule)
        del bus.rules[name]
        self.tags.pop(rule.arn, None)

    def list_rules(self, prefix: str = "", event_bus: str | None = None) -> list[Rule]:
        bus = self.bus(event_bus)
        return [r for name, r in sorted(bus.rules.items()) if name.startswith(prefix or "")]

    # --- targets ----------------------------------------------------------------------------
    def put_targets(self, rule: str, targets: list[dict], event_bus: str | None = None) -> list:
        """PutTargets: add or replace targets by Id. Returns the failed entries (empty when all
        were accepted); more than five targets on the rule is LimitExceededException."""
        found = self.rule(rule, event_bus)
        if not isinstance(targets, list) or not 1 <= len(targets) <= 10:
            raise ValidationException("Targets must hold 1 to 10 targets.")
        accepted, failed = {}, []
        for target in targets:
            try:
                clean = check_target(target, self.lab)
            except ValidationException as exc:
                failed.append({"TargetId": (target or {}).get("Id", ""),
                               "ErrorCode": "ValidationException", "ErrorMessage": exc.message})
                continue
            accepted[clean["Id"]] = clean
        ids = set(found.targets) | set(accepted)
        if len(ids) > facts.EVENTS_TARGETS_PER_RULE:
            raise LimitExceededException(
                f"The requested resource exceeds the maximum number allowed: a rule has at most "
                f"{facts.EVENTS_TARGETS_PER_RULE} targets (rule {found.name} would have "
                f"{len(ids)}).")
        found.targets.update(accepted)
        return failed

    def remove_targets(self, rule: str, ids: list[str], event_bus: str | None = None) -> list:
        found = self.rule(rule, event_bus)
        failed = []
        for target_id in ids:
            if found.targets.pop(target_id, None) is None:
                failed.append({"TargetId": target_id, "ErrorCode": "ResourceNotFoundException",
                               "ErrorMessage": f"Target {target_id} does not exist on rule "
                                               f"{found.name}."})
        return failed

    def rule_names_by_target(self, target_arn: str, event_bus: str | None = None) -> list[str]:
        bus = self.bus(event_bus)
        return [name for name, r in sorted(bus.rules.items())
                if any(t["Arn"] == target_arn for t in r.targets.values())]

    # --- events -----------------------------------------------------------------------------
    def _time(self, value) -> str:
        if value is None:
            moment = self.lab.now
        elif isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                moment = datetime.fromtimestamp(float(value), tz=timezone.utc)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
        elif isinstance(value, datetime):
            moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        else:
            moment = datetime.fromtimestamp(float(value), tz=timezone.utc)
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def put_events(self, entries: list[dict]) -> dict:
        """PutEvents: ``{"FailedEntryCount": n, "Entries": [{"EventId": ...} | {"ErrorCode":
        ..., "ErrorMessage": ...}]}``, one result per entry in order. Accepted events reach
        matching rules' targets on the lab clock (at the same virtual instant)."""
        if not isinstance(entries, list) or not 1 <= len(entries) <= facts.EVENTS_PUT_ENTRIES:
            raise ValidationException(
                f"1 validation error detected: Value at 'entries' failed to satisfy constraint: "
                f"Member must have length between 1 and {facts.EVENTS_PUT_ENTRIES} (got "
                f"{len(entries) if isinstance(entries, list) else 0}): send at most "
                f"{facts.EVENTS_PUT_ENTRIES} entries per PutEvents call.")
        total = sum(_entry_size(e) for e in entries if isinstance(e, dict))
        if total > facts.EVENTS_ENTRY_BYTES:
            raise ValidationException(
                f"Total size of the entries in the request is over the limit: {total} bytes > "
                f"{facts.EVENTS_ENTRY_BYTES} (1 MB). Send fewer or smaller entries.")
        results, failed = [], 0
        for entry in entries:
            try:
                bus, event, text = self._event(entry)
            except _EntryError as exc:
                failed += 1
                results.append({"ErrorCode": exc.code, "ErrorMessage": exc.message})
                continue
            results.append({"EventId": event["id"]})
            self.lab.clock.at(self.lab.t, self.route, bus, event, text)
        return {"FailedEntryCount": failed, "Entries": results}

    def _event(self, entry) -> tuple[EventBus, dict, str]:
        if not isinstance(entry, dict):
            raise _EntryError("InvalidArgument", "Each entry must be an object.")
        for key in ("Source", "DetailType", "Detail"):
            if not isinstance(entry.get(key), str) or not entry.get(key):
                raise _EntryError("InvalidArgument",
                                  f"Parameter {key} is not valid. Reason: {key} is a required "
                                  "argument.")
        if entry["Source"].startswith("aws."):
            raise _EntryError("NotAuthorizedForSourceException",
                              f"Not authorized for the source {entry['Source']}: sources that "
                              "begin with aws. are reserved for AWS services.")
        try:
            detail = json.loads(entry["Detail"])
        except ValueError:
            raise _EntryError("MalformedDetail", "Detail is malformed.") from None
        if not isinstance(detail, dict):
            raise _EntryError("MalformedDetail", "Detail is malformed: it must be a JSON object.")
        try:
            bus = self.bus(entry.get("EventBusName"))
        except ResourceNotFoundException as exc:
            raise _EntryError("InvalidArgument", exc.message) from None
        resources = entry.get("Resources") or []
        event = {"version": "0", "id": self.lab.ids.uuid("events"),
                 "detail-type": entry["DetailType"], "source": entry["Source"],
                 "account": self.lab.account, "time": self._time(entry.get("Time")),
                 "region": self.lab.region, "resources": list(resources), "detail": detail}
        return bus, event, json.dumps(event, ensure_ascii=False)

    def service_event(self, source: str, detail_type: str, detail: dict,
                      resources: list | None = None, event_bus: str | None = None) -> dict:
        """An event as an AWS service emits it (e.g. ``aws.ec2`` "EC2 Instance State-change
        Notification") onto the default bus: PutEvents refuses ``aws.`` sources, AWS services
        do not need it. Returns the event; it reaches targets on the lab clock."""
        bus = self.bus(event_bus)
        event = {"version": "0", "id": self.lab.ids.uuid("events"), "detail-type": detail_type,
                 "source": source, "account": self.lab.account, "time": self._time(None),
                 "region": self.lab.region, "resources": list(resources or []),
                 "detail": detail}
        self.lab.clock.at(self.lab.t, self.route, bus, event, None)
        return event

    def route(self, bus: EventBus, event: dict, text: str | None = None,
              only: list | None = None) -> int:
        """Deliver one event to the targets of every enabled rule on ``bus`` it matches
        (``only``: just these rules, for a replay's FilterArns); archives of the bus keep it."""
        text = text if text is not None else json.dumps(event, ensure_ascii=False)
        self.events.append(event)
        for archive in self.archives.values():
            if archive.bus is bus:
                archive.keep(self.lab.clock.t, event)
        matched = 0
        for rule in list(bus.rules.values()) if only is None else only:
            if not rule.enabled or rule.pattern is None or not rule.pattern.matches(event):
                continue
            matched += 1
            self.count("MatchedEvents", rule)
            self.count("TriggeredRules", rule)
            self._fan_out(rule, event, text)
        return matched

    def _fan_out(self, rule: Rule, event: dict, text: str) -> None:
        t = self.lab.clock.t
        targets = list(rule.targets.values())
        # only a transformer's <aws.events.event.ingestion-time> needs the formatted time
        ingestion = self.lab.iso(t) if any("InputTransformer" in x for x in targets) else None
        for target in targets:
            body = target_input(target, event, text, rule.arn, rule.name, ingestion)
            inv = _targets.Invocation(event, text, body, rule, target, t)
            self.invocations.append(inv)
            _targets.attempt(self, inv)

    def _receive(self, target: str, body: str, attributes: dict) -> None:
        """Deliveries addressed to a bus by another lab service (e.g. a Lambda destination)."""
        bus = self.buses_by_arn.get(target)
        if bus is None:
            raise ResourceNotFoundException(f"Event bus {target} does not exist.")
        try:
            event = json.loads(body)
        except ValueError:
            event = None
        if not (isinstance(event, dict) and all(k in event for k in _ENVELOPE)):
            # L/invocation-async-retain-records.html: a destination record becomes an event
            # from source "lambda", detail-type "Lambda Function Invocation Result - Success"
            # (or "- Failure"), resources [the function's ARN]
            context = event.get("requestContext", {}) if isinstance(event, dict) else {}
            outcome = "Success" if context.get("condition") == "Success" else "Failure"
            resources = [context["functionArn"].rsplit(":", 1)[0]] \
                if context.get("functionArn") else []
            event = {"version": "0", "id": self.lab.ids.uuid("events"),
                     "detail-type": f"Lambda Function Invocation Result - {outcome}",
                     "source": "lambda", "account": self.lab.account,
                     "time": self._time(None), "region": self.lab.region,
                     "resources": resources,
                     "detail": event if isinstance(event, dict) else {"body": body}}
        self.lab.clock.at(self.lab.t, self.route, bus, event, None)

    # --- tags (TagResource, UntagResource, ListTagsForResource) -------------------------
    def _taggable(self, arn: str) -> str:
        if arn in self.buses_by_arn or any(r.arn == arn for b in self.buses.values()
                                           for r in b.rules.values()):
            return arn
        raise ResourceNotFoundException(f"Resource {arn} does not exist.")

    def tag_resource(self, arn: str, tags: dict) -> None:
        self.tags.setdefault(self._taggable(arn), {}).update(tags)

    def untag_resource(self, arn: str, keys: list) -> None:
        for key in keys:
            self.tags.get(self._taggable(arn), {}).pop(key, None)

    def list_tags(self, arn: str) -> dict:
        return dict(self.tags.get(self._taggable(arn), {}))

    # --- archives and replays (lambdalab.events.archive) ----------------------------------
    def create_archive(self, name, source_arn, event_pattern=None, retention_days=0,
                       description=None):
        """CreateArchive: keep the events arriving on a bus (``source_arn``)."""
        from .archive import create_archive
        return create_archive(self, name, source_arn, event_pattern, retention_days, description)

    def archive(self, name):
        found = self.archives.get(name)
        if found is None:
            raise ResourceNotFoundException(f"Archive {name} does not exist.")
        return found

    def delete_archive(self, name) -> None:
        del self.archives[self.archive(name).name]

    def start_replay(self, name, archive_arn, start, end, destination):
        """StartReplay: send archived events from ``start`` to ``end`` (datetimes or lab
        seconds) to ``destination`` ({"Arn": bus ARN, "FilterArns": [rule ARNs]})."""
        from .archive import start_replay
        return start_replay(self, name, archive_arn, _seconds(start), _seconds(end),
                            destination)

    def replay(self, name):
        found = self.replays.get(name)
        if found is None:
            raise ResourceNotFoundException(f"Replay {name} does not exist.")
        return found

    # --- schedules --------------------------------------------------------------------------
    def _reschedule(self, rule: Rule) -> None:
        if rule.next_fire is not None:
            self.lab.clock.cancel(rule.next_fire)
            rule.next_fire = None
        if rule.schedule is None or not rule.enabled or rule.bus.rules.get(rule.name) is not rule:
            return
        when = rule.schedule.next_after(self.lab.clock.t, rule.schedule_start)
        if when is not None:
            # background: lab.run() with no argument ends when only schedules are left
            rule.next_fire = self.lab.clock.at(when, self._fire, rule, background=True)

    def _fire(self, rule: Rule) -> None:
        rule.next_fire = None
        t = self.lab.clock.t
        event = {"version": "0", "id": self.lab.ids.uuid("events"),
                 "detail-type": "Scheduled Event", "source": "aws.events",
                 "account": self.lab.account, "time": self._time(EPOCH.timestamp() + t),
                 "region": self.lab.region, "resources": [rule.arn], "detail": {}}
        self.events.append(event)
        self.count("TriggeredRules", rule)
        self._fan_out(rule, event, json.dumps(event))
        self._reschedule(rule)

    # --- faults, observability --------------------------------------------------------------
    def outage(self, target_arn: str, duration, code: str = "CONNECTION_FAILURE") -> None:
        """Make deliveries to ``target_arn`` fail for ``duration`` from now with ``code`` (a
        retryable error: CONNECTION_FAILURE, TIMEOUT, THROTTLING, INTERNAL_ERROR)."""
        from ..clock import parse_duration
        if code not in _targets.RETRYABLE:
            raise LabError(f"code must be one of {sorted(_targets.RETRYABLE)}")
        self.outages[target_arn] = (self.lab.t + parse_duration(duration), code)

    def count(self, metric: str, rule: Rule) -> None:
        # a Scheduler schedule keeps its own records (they are not AWS/Events metrics)
        records = getattr(rule, "metric_records", None)
        (self.records if records is None else records).append(
            (self.lab.clock.t, rule.bus.name, rule.name, metric))

    def log(self, line: str) -> None:
        self.lines.append((self.lab.clock.t, line))

    def logs(self) -> list[str]:
        """What the lab noted about deliveries (failures, retries, DLQ sends), with times."""
        return [f"{self.lab.iso(t)} {line}" for t, line in self.lines]

    def trace(self, rule: str | None = None):
        """One row per (event, target) delivery (a pandas DataFrame): event_id, bus, rule,
        target_id, target_arn, first and ended (lab datetimes), attempts, outcome (delivered |
        failed | pending), error_code, error_message."""
        import pandas as pd
        to_dt = self.lab.clock.to_datetime
        rows = [(i.event["id"], i.rule.bus.name, i.rule.name, i.target.get("Id"),
                 i.target["Arn"], to_dt(i.first), None if i.ended is None else to_dt(i.ended),
                 i.attempts, i.outcome or "pending",
                 None if i.error is None else i.error.code,
                 None if i.error is None else i.error.message)
                for i in self.invocations if rule is None or i.rule.name == rule]
        return pd.DataFrame(rows, columns=["event_id", "bus", "rule", "target_id", "target_arn",
                                           "first", "ended", "attempts", "outcome",
                                           "error_code", "error_message"])

    def metrics(self, rule: str | None = None, period="1m", event_bus: str | None = None):
        """CloudWatch ``AWS/Events`` metrics per period (Sum), indexed by time: MatchedEvents,
        TriggeredRules, Invocations, FailedInvocations, DeadLetterInvocations,
        InvocationsSentToDlq, InvocationsFailedToBeSentToDlq. ``rule`` narrows to one rule."""
        import numpy as np
        import pandas as pd
        from ..clock import parse_duration
        step = parse_duration(period)
        n = int(self.lab.clock.t // step) + 1
        bus_name = self.bus(event_bus).name if event_bus or rule else None
        columns = {m: np.zeros(n, dtype=np.int64) for m in METRICS}
        for t, bus, name, metric in self.records:
            if (rule is None or name == rule) and (bus == bus_name if bus_name is not None
                                                   else bus != "scheduler"):
                columns[metric][min(int(t // step), n - 1)] += 1
        frame = pd.DataFrame(columns)
        frame.index = pd.DatetimeIndex([EPOCH + pd.Timedelta(seconds=i * step)
                                        for i in range(n)], name="time")
        return frame

    def test_event_pattern(self, pattern, event) -> bool:
        """TestEventPattern: the event (a dict or JSON text) must carry the envelope fields
        AWS requires (id, account, source, time, region, resources, detail-type)."""
        from .patterns import compile_pattern
        compiled = compile_pattern(pattern if isinstance(pattern, str) else json.dumps(pattern))
        if isinstance(event, str):
            try:
                event = json.loads(event)
            except ValueError:
                raise ValidationException("Parameter Event is not valid.") from None
        required = ("id", "account", "source", "time", "region", "resources", "detail-type")
        if not isinstance(event, dict) or any(k not in event for k in required):
            missing = [k for k in required if not isinstance(event, dict) or k not in event]
            raise ValidationException(
                f"Parameter Event is not valid. Reason: missing {', '.join(missing)} (the event "
                "needs id, account, source, time, region, resources and detail-type).")
        return compiled.matches(event)


def _seconds(value) -> float:
    """Lab seconds from a datetime, an ISO string or lab seconds."""
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return (value - EPOCH).total_seconds()


class _EntryError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
