"""``lab.scheduler``: Amazon EventBridge Scheduler, the recommended form of scheduled work.

As documented at https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html and
https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html:

- expressions ``at(yyyy-mm-ddThh:mm:ss)`` (one-time), ``rate(...)`` and ``cron(...)`` (the same
  syntax as scheduled rules, :mod:`.schedule`), read in ``ScheduleExpressionTimezone`` (an IANA
  name, UTC by default), between an optional ``StartDate`` and ``EndDate``;
- ``FlexibleTimeWindow``: ``{"Mode": "OFF"}`` or ``{"Mode": "FLEXIBLE",
  "MaximumWindowInMinutes": 1-1440}``: each invocation happens at a moment drawn (from the lab's
  seed) within the window after the scheduled time;
- one target with ``Arn``, ``RoleArn`` (required; the lab does not evaluate IAM, so the role is
  what lets Scheduler invoke: no resource-based permission is needed, unlike rules), ``Input``
  (sent as is; ``{}`` when absent), ``RetryPolicy`` (0-185 attempts, 60-86,400 s; defaults 185
  and 86,400) and ``DeadLetterConfig``; delivery and failures as for rule targets (:mod:`.targets`);
- ``State`` ENABLED/DISABLED; ``ActionAfterCompletion`` NONE or DELETE (a finished one-time
  schedule is deleted);
- schedule groups: the ``default`` group (other group names are accepted as given).

Lab choices: a one-time schedule whose time has passed when it is created never fires; the
dead-letter message is the target input with attributes named ``X-Amz-Scheduler-Attempt``,
``-Schedule-Arn``, ``-Target-Arn``, ``-Error-Code`` and ``-Error-Message``.
"""
from __future__ import annotations

import random
import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .. import facts
from ..clock import EPOCH
from ..errors import (ResourceNotFoundException, ValidationException, _error)
from ..ids import parse_arn
from . import targets as _targets
from .schedule import parse_schedule

ConflictException = _error("ConflictException", 409)
_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
_NAME = re.compile(r"^[0-9a-zA-Z-_.]{1,64}$")
MAX_WINDOW_MINUTES = 1440   # API_FlexibleTimeWindow.html: MaximumWindowInMinutes 1-1440


class _Bus:
    name = "scheduler"


class Schedule:
    """One schedule; it also plays the part of a rule for :mod:`.targets`."""

    uses_role = True          # Scheduler invokes with its execution role
    bus = _Bus()

    def __init__(self, name, group, arn):
        self.name = name
        self.group = group
        self.arn = arn
        self.expression = None
        self.schedule = None      # Rate | Cron | float (one-time lab time)
        self.tz = None
        self.timezone = "UTC"
        self.start_date = None
        self.end_date = None
        self.state = "ENABLED"
        self.window = {"Mode": "OFF"}
        self.target = {}
        self.description = None
        self.after_completion = "NONE"
        self.created = 0.0
        self.modified = 0.0
        self.origin = 0.0         # rate schedules count from here
        self.pending = None       # the clock event of the next invocation

    def dlq_attributes(self, inv, condition) -> dict:
        def attr(value):
            return {"DataType": "String", "StringValue": str(value)}
        return {"X-Amz-Scheduler-Attempt": attr(inv.attempts),
                "X-Amz-Scheduler-Schedule-Arn": attr(self.arn),
                "X-Amz-Scheduler-Target-Arn": attr(self.target["Arn"]),
                "X-Amz-Scheduler-Error-Code": attr(inv.error.code),
                "X-Amz-Scheduler-Error-Message": attr(inv.error.message)}

    def describe(self, iso) -> dict:
        out = {"Arn": self.arn, "Name": self.name, "GroupName": self.group,
               "ScheduleExpression": self.expression,
               "ScheduleExpressionTimezone": self.timezone, "State": self.state,
               "FlexibleTimeWindow": dict(self.window), "Target": dict(self.target),
               "ActionAfterCompletion": self.after_completion,
               "CreationDate": iso(self.created), "LastModificationDate": iso(self.modified)}
        if self.description:
            out["Description"] = self.description
        if self.start_date is not None:
            out["StartDate"] = iso(self.start_date)
        if self.end_date is not None:
            out["EndDate"] = iso(self.end_date)
        return out


def _lab_time(value) -> float | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return (value - EPOCH).total_seconds()
    return float(value) - EPOCH.timestamp()


class SchedulerService:
    """``lab.scheduler``: EventBridge Scheduler schedules of one lab."""

    def __init__(self, lab, events):
        self.lab = lab
        self.events = events      # the EventBridge service: shares targets, logs and metrics
        self.schedules: dict[tuple[str, str], Schedule] = {}
        self.rng = random.Random(f"lambdalab-scheduler-{lab.seed}")   # flexible windows
        self.invocations: list = []
        # (t, "scheduler", schedule name, metric): delivery facts, kept apart from AWS/Events
        self.records: list[tuple] = []

    def create_schedule(self, name, schedule_expression, target, *, flexible_time_window=None,
                        group="default", timezone_name=None, start_date=None, end_date=None,
                        state="ENABLED", description=None, action_after_completion="NONE",
                        update=False) -> Schedule:
        """CreateSchedule (``update=True``: UpdateSchedule, which replaces every setting)."""
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValidationException(
                f"1 validation error detected: Value '{name}' at 'name' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: [0-9a-zA-Z-_.]+")
        group = group or "default"
        key = (group, name)
        existing = self.schedules.get(key)
        if existing is not None and not update:
            raise ConflictException(f"Schedule {name} already exists.")
        if existing is None and update:
            raise ResourceNotFoundException(f"Schedule {name} does not exist.")
        s = existing or Schedule(name, group, self.lab.arn("scheduler", f"schedule/{group}/{name}"))
        s.metric_records = self.records
        tz_name = timezone_name or "UTC"
        try:
            tz = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationException(f"Invalid time zone: {tz_name} (use an IANA name such as "
                                      "Europe/Paris or America/New_York).") from None
        match = _AT.match(schedule_expression or "")
        if match:
            local = datetime.fromisoformat(match.group(1)).replace(tzinfo=tz)
            parsed = (local - EPOCH).total_seconds()
        else:
            parsed = parse_schedule(schedule_expression)
        window = flexible_time_window or {}
        mode = window.get("Mode")
        if mode not in ("OFF", "FLEXIBLE"):
            raise ValidationException("FlexibleTimeWindow.Mode must be OFF or FLEXIBLE.")
        if mode == "FLEXIBLE":
            minutes = window.get("MaximumWindowInMinutes")
            if not isinstance(minutes, int) or not 1 <= minutes <= MAX_WINDOW_MINUTES:
                raise ValidationException(
                    "FlexibleTimeWindow.MaximumWindowInMinutes must be between 1 and "
                    f"{MAX_WINDOW_MINUTES} when Mode is FLEXIBLE.")
        elif "MaximumWindowInMinutes" in window:
            raise ValidationException("MaximumWindowInMinutes is only for Mode FLEXIBLE.")
        if not isinstance(target, dict) or not target.get("Arn") or not target.get("RoleArn"):
            raise ValidationException("Target needs Arn and RoleArn (the execution role "
                                      "EventBridge Scheduler assumes to invoke the target).")
        if parse_arn(target["Arn"]) is None:
            raise ValidationException(f"Target Arn {target['Arn']!r} is not a valid ARN.")
        policy = target.get("RetryPolicy") or {}
        r_attempts, r_age = facts.EVENTS_RETRY_ATTEMPTS, facts.EVENTS_EVENT_AGE
        if not r_attempts.low <= policy.get("MaximumRetryAttempts", 185) <= r_attempts.high or \
                not r_age.low <= policy.get("MaximumEventAgeInSeconds", 86_400) <= r_age.high:
            raise ValidationException("RetryPolicy: MaximumRetryAttempts 0-185, "
                                      "MaximumEventAgeInSeconds 60-86400.")
        if state not in ("ENABLED", "DISABLED"):
            raise ValidationException("State must be ENABLED or DISABLED.")
        if action_after_completion not in ("NONE", "DELETE"):
            raise ValidationException("ActionAfterCompletion must be NONE or DELETE.")
        s.expression, s.schedule, s.tz, s.timezone = schedule_expression, parsed, tz, tz_name
        s.start_date, s.end_date = _lab_time(start_date), _lab_time(end_date)
        s.state, s.window, s.target = state, dict(window), dict(target)
        s.description, s.after_completion = description, action_after_completion
        t = self.lab.t
        if existing is None:
            s.created = t
        s.modified = t
        s.origin = max(t, s.start_date) if s.start_date is not None else t
        self.schedules[key] = s
        self._plan(s, t)
        return s

    def get_schedule(self, name, group="default") -> Schedule:
        found = self.schedules.get((group or "default", name))
        if found is None:
            raise ResourceNotFoundException(f"Schedule {name} does not exist.")
        return found

    def delete_schedule(self, name, group="default") -> None:
        s = self.get_schedule(name, group)
        self._cancel(s)
        del self.schedules[(s.group, s.name)]

    def list_schedules(self, group=None, prefix="", state=None) -> list[Schedule]:
        return [s for (g, n), s in sorted(self.schedules.items())
                if (group is None or g == group) and n.startswith(prefix or "")
                and (state is None or s.state == state)]

    # --- on the clock -----------------------------------------------------------------------
    def _cancel(self, s: Schedule) -> None:
        if s.pending is not None:
            self.lab.clock.cancel(s.pending)
            s.pending = None

    def _plan(self, s: Schedule, after: float) -> None:
        """Schedule the next invocation strictly after lab time ``after``."""
        self._cancel(s)
        if s.state != "ENABLED":
            return
        if isinstance(s.schedule, float):
            when = s.schedule if s.schedule > after else None
        else:
            low = after if s.start_date is None else max(after, s.start_date - 1e-9)
            when = s.schedule.next_after(low, s.origin, s.tz)
        if when is None or (s.end_date is not None and when >= s.end_date):
            return
        delay = 0.0
        if s.window.get("Mode") == "FLEXIBLE":
            delay = self.rng.uniform(0.0, s.window["MaximumWindowInMinutes"] * 60.0)
        s.pending = self.lab.clock.at(when + delay, self._invoke, s, when, background=True)

    def _invoke(self, s: Schedule, scheduled: float) -> None:
        s.pending = None
        t = self.lab.clock.t
        body = s.target.get("Input") or "{}"
        event = {"id": self.lab.ids.uuid("events"), "scheduled": scheduled}
        inv = _targets.Invocation(event, body, body, s, s.target, t)
        self.invocations.append(inv)
        _targets.attempt(self.events, inv)
        if isinstance(s.schedule, float):
            if s.after_completion == "DELETE":
                self.schedules.pop((s.group, s.name), None)
            return
        self._plan(s, scheduled)
