"""Metric alarms: configuration, and the state decision for one evaluation.

How AWS evaluates (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
AlarmThatSendsEmail.html, "Evaluating an alarm" and "Configuring how CloudWatch alarms treat
missing data"): every period the alarm looks at the most recent ``EvaluationPeriods`` (N)
complete periods and goes to ALARM when at least ``DatapointsToAlarm`` (M, default N) of them
breach the threshold. Missing periods are treated per ``TreatMissingData``: ``missing``
(the default: if every period is missing the alarm goes to INSUFFICIENT_DATA), ``notBreaching``
(good), ``breaching`` (bad), ``ignore`` (the current state is kept when every period is missing).

Simplification, stated: AWS may look back further than N periods when data is missing; the lab
evaluates exactly the N most recent periods.
"""
from __future__ import annotations

import operator

COMPARISONS = {
    "GreaterThanOrEqualToThreshold": (operator.ge, "greater than or equal to"),
    "GreaterThanThreshold": (operator.gt, "greater than"),
    "LessThanThreshold": (operator.lt, "less than"),
    "LessThanOrEqualToThreshold": (operator.le, "less than or equal to"),
}
TREAT_MISSING = ("breaching", "notBreaching", "ignore", "missing")
STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")


class Alarm:
    """One metric alarm (PutMetricAlarm's members, snake_case) and its current state."""

    def __init__(self, name, arn, *, namespace, metric_name, statistic, period,
                 evaluation_periods, threshold, comparison, dimensions=(), unit=None,
                 datapoints_to_alarm=None, treat_missing_data="missing", description=None,
                 actions_enabled=True, ok_actions=(), alarm_actions=(),
                 insufficient_data_actions=(), updated=None):
        self.name = name
        self.arn = arn
        self.namespace = namespace
        self.metric_name = metric_name
        self.statistic = statistic
        self.period = int(period)
        self.evaluation_periods = int(evaluation_periods)
        self.datapoints_to_alarm = int(datapoints_to_alarm or evaluation_periods)
        self.threshold = float(threshold)
        self.comparison = comparison
        self.dimensions = [dict(d) for d in dimensions]
        self.unit = unit
        self.treat_missing_data = treat_missing_data or "missing"
        self.description = description
        self.actions_enabled = actions_enabled
        self.ok_actions = list(ok_actions)
        self.alarm_actions = list(alarm_actions)
        self.insufficient_data_actions = list(insufficient_data_actions)
        self.updated = updated                    # configuration time (lab seconds)
        self.state = "INSUFFICIENT_DATA"
        self.reason = "Unchecked: Initial alarm creation"
        self.reason_data = None
        self.state_updated = updated
        self.history: list[tuple] = []            # (lab seconds, old state, new state, reason)
        self.event = None                         # the next evaluation on the clock

    @property
    def dimension_map(self) -> dict:
        return {d["Name"]: d["Value"] for d in self.dimensions}

    def actions_for(self, state: str) -> list[str]:
        return {"OK": self.ok_actions, "ALARM": self.alarm_actions,
                "INSUFFICIENT_DATA": self.insufficient_data_actions}[state]

    def breaches(self, value: float) -> bool:
        return COMPARISONS[self.comparison][0](value, self.threshold)


def decide(alarm: Alarm, values: list) -> tuple[str, int, int]:
    """The state after one evaluation of ``values`` (oldest first, None = missing period).

    Returns (state, breaching periods, periods counted)."""
    treat = alarm.treat_missing_data
    flags = []
    for value in values:
        if value is None:
            if treat == "breaching":
                flags.append(True)
            elif treat == "notBreaching":
                flags.append(False)
        else:
            flags.append(alarm.breaches(value))
    bad = sum(flags)
    if not flags:                              # every period missing, missing or ignore
        return ("INSUFFICIENT_DATA" if treat == "missing" else alarm.state), 0, 0
    if bad >= alarm.datapoints_to_alarm:
        return "ALARM", bad, len(flags)
    return "OK", bad, len(flags)


def reason(alarm: Alarm, state: str, values: list, times: list[str], bad: int) -> str:
    """A StateReason in AWS's wording."""
    if state == "INSUFFICIENT_DATA":
        return (f"Insufficient Data: {len(values)} datapoint"
                f"{'s were' if len(values) != 1 else ' was'} unknown.")
    shown = ", ".join(f"{v} ({t})" for v, t in zip(values, times) if v is not None)
    words = COMPARISONS[alarm.comparison][1]
    if state == "ALARM":
        return (f"Threshold Crossed: {bad} out of the last {len(values)} datapoints [{shown}] "
                f"{'was' if bad == 1 else 'were'} {words} the threshold ({alarm.threshold}) "
                f"(minimum {alarm.datapoints_to_alarm} datapoint"
                f"{'s' if alarm.datapoints_to_alarm != 1 else ''} for OK -> ALARM transition).")
    return (f"Threshold Crossed: {len(values) - bad} out of the last {len(values)} datapoints "
            f"[{shown}] {'was' if len(values) - bad == 1 else 'were'} not {words} the "
            f"threshold ({alarm.threshold}) (minimum 1 datapoint for ALARM -> OK transition).")
