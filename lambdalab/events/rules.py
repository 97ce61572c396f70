"""Event buses, rules and targets as the lab stores them, with PutRule/PutTargets validation.

Names, ARNs and limits follow https://docs.aws.amazon.com/eventbridge/latest/APIReference/
(API_PutRule.html, API_PutTargets.html, API_Target.html, API_RetryPolicy.html) and
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html.
"""
from __future__ import annotations

import json
import re

from .. import facts
from ..errors import ValidationException
from ..ids import parse_arn
from .patterns import compile_pattern
from .schedule import parse_schedule
from .transformer import check_path, check_transformer

_NAME = re.compile(r"^[\.\-_A-Za-z0-9]{1,64}$")
_BUS_NAME = re.compile(r"^[/\.\-_A-Za-z0-9]{1,256}$")
STATES = ("ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")


def check_name(name, what: str = "Rule name") -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValidationException(
            f"1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length "
            f"1-64 ({what}).")
    return name


class EventBus:
    """One event bus: its rules by name (insertion order = creation order)."""

    def __init__(self, name: str, arn: str, created: float, description: str | None = None):
        self.name = name
        self.arn = arn
        self.created = created
        self.description = description
        self.rules: dict[str, Rule] = {}

    def describe(self) -> dict:
        out = {"Name": self.name, "Arn": self.arn}
        if self.description:
            out["Description"] = self.description
        return out


class Rule:
    """A rule: an event pattern or a schedule, a state and up to five targets."""

    def __init__(self, bus: EventBus, name: str, arn: str):
        self.bus = bus
        self.name = name
        self.arn = arn
        self.event_pattern: str | None = None
        self.pattern = None               # compiled EventPattern
        self.schedule_expression: str | None = None
        self.schedule = None              # Rate | Cron
        self.schedule_start = 0.0         # when the schedule (re)started (rate rules count from it)
        self.next_fire = None             # the pending clock event of a schedule
        self.state = "ENABLED"
        self.description: str | None = None
        self.role_arn: str | None = None
        self.targets: dict[str, dict] = {}

    @property
    def enabled(self) -> bool:
        return self.state != "DISABLED"

    def configure(self, *, event_pattern=None, schedule_expression=None, state=None,
                  description=None, role_arn=None) -> None:
        """Validate and apply PutRule's settings (all-or-nothing)."""
        if event_pattern is None and schedule_expression is None:
            raise ValidationException(
                "Parameter(s) EventPattern or ScheduleExpression must be specified.")
        pattern = schedule = None
        if event_pattern is not None:
            text = event_pattern if isinstance(event_pattern, str) else json.dumps(event_pattern)
            pattern = compile_pattern(text)
        if schedule_expression is not None:
            if self.bus.name != "default":
                raise ValidationException(
                    "ScheduleExpression is supported only on the default event bus.")
            schedule = parse_schedule(schedule_expression)
        if state is not None and state not in STATES:
            raise ValidationException(
                f"1 validation error detected: Value '{state}' at 'state' failed to satisfy "
                f"constraint: Member must satisfy enum value set: [{', '.join(STATES)}]")
        self.event_pattern = None if pattern is None else text
        self.pattern = pattern
        self.schedule_expression = schedule_expression
        self.schedule = schedule
        if state is not None:
            self.state = state
        self.description = description
        self.role_arn = role_arn

    def describe(self) -> dict:
        out = {"Name": self.name, "Arn": self.arn}
        if self.event_pattern is not None:
            out["EventPattern"] = self.event_pattern
        if self.schedule_expression is not None:
            out["ScheduleExpression"] = self.schedule_expression
        out["State"] = self.state
        if self.description:
            out["Description"] = self.description
        if self.role_arn:
            out["RoleArn"] = self.role_arn
        out["EventBusName"] = self.bus.name
        return out


def check_target(target: dict, lab) -> dict:
    """Validate one PutTargets entry; returns a cleaned copy (AWS member names kept)."""
    if not isinstance(target, dict):
        raise ValidationException("Each target must be an object with Id and Arn.")
    check_name(target.get("Id"), "target Id")
    arn = target.get("Arn")
    parts = parse_arn(arn) if isinstance(arn, str) else None
    if parts is None:
        raise ValidationException(f"Parameter {arn!r} is not valid. Reason: Provided Arn is not "
                                  "in correct format.")
    given = [k for k in ("Input", "InputPath", "InputTransformer") if target.get(k) is not None]
    if len(given) > 1:
        raise ValidationException(
            f"Only one of Input, InputPath, or InputTransformer must be provided (got "
            f"{', '.join(given)}).")
    if target.get("Input") is not None:
        try:
            json.loads(target["Input"])
        except (TypeError, ValueError):
            raise ValidationException("Input is not valid JSON: give a JSON text, e.g. "
                                      "'{\"key\": \"value\"}'.") from None
    if target.get("InputPath") is not None:
        check_path(target["InputPath"], "InputPath")
    if target.get("InputTransformer") is not None:
        check_transformer(target["InputTransformer"])
    policy = target.get("RetryPolicy") or {}
    attempts = policy.get("MaximumRetryAttempts")
    age = policy.get("MaximumEventAgeInSeconds")
    r_attempts, r_age = facts.EVENTS_RETRY_ATTEMPTS, facts.EVENTS_EVENT_AGE
    if attempts is not None and not r_attempts.low <= attempts <= r_attempts.high:
        raise ValidationException(
            f"RetryPolicy MaximumRetryAttempts must be between {r_attempts.low:g} and "
            f"{r_attempts.high:g} (got {attempts}).")
    if age is not None and not r_age.low <= age <= r_age.high:
        raise ValidationException(
            f"RetryPolicy MaximumEventAgeInSeconds must be between {r_age.low:g} and "
            f"{r_age.high:g} (got {age}).")
    dlq = (target.get("DeadLetterConfig") or {}).get("Arn")
    if dlq is not None:
        dparts = parse_arn(dlq) if isinstance(dlq, str) else None
        if dparts is None or dparts["service"] != "sqs":
            raise ValidationException(
                f"DeadLetterConfig Arn {dlq!r} is not valid: it must be an Amazon SQS queue ARN.")
        if dlq.endswith(".fifo"):
            raise ValidationException(
                "DeadLetterConfig Arn must be a standard SQS queue: FIFO queues are not supported "
                "as EventBridge dead-letter queues.")
    if parts["service"] == "sqs" and arn.endswith(".fifo") and \
            not (target.get("SqsParameters") or {}).get("MessageGroupId"):
        raise ValidationException(
            "Parameter(s) SqsParameters must be specified for target: "
            f"{target['Id']}. A FIFO queue target needs SqsParameters.MessageGroupId.")
    return dict(target)
