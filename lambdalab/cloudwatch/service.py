"""The lab's CloudWatch: metric queries over lab records, and metric alarms on the virtual clock.

``lab.cloudwatch`` (created on first use by :func:`lambdalab.cloudwatch.of`). Alarms are
evaluated at every period boundary as *background* clock events, so ``lab.run()`` still ends
when the real work does; ``lab.run("10m")`` evaluates them as time passes. A state change sends
the alarm's actions for the new state: every action ARN receives the AWS notification JSON via
``lab.deliver(alarm_arn, action_arn, "alarm", message)`` (an SNS topic delivers it to its
subscribers once the lab runs SNS; until then the delivery is recorded in ``lab.deliveries``).

CW/ = https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/
"""
from __future__ import annotations

import json
import math

from .. import facts
from ..errors import InvalidParameterCombination, ResourceNotFound
from ..sqs import InvalidParameterValue, MissingParameter
from . import sources
from .alarms import COMPARISONS, TREAT_MISSING, Alarm, decide, reason
from .custom import CustomMetrics
from .stats import buckets, check_period, check_statistic

LAMBDA_ALARM_PRINCIPAL = "lambda.alarms.cloudwatch.amazonaws.com"

#: region code -> the name CloudWatch writes in alarm notifications
REGION_NAMES = {"us-east-1": "US East (N. Virginia)", "us-east-2": "US East (Ohio)",
                "us-west-1": "US West (N. California)", "us-west-2": "US West (Oregon)",
                "eu-west-1": "EU (Ireland)", "eu-central-1": "EU (Frankfurt)",
                "ap-northeast-1": "Asia Pacific (Tokyo)", "ap-southeast-1":
                "Asia Pacific (Singapore)", "ap-southeast-2": "Asia Pacific (Sydney)"}


def of(lab) -> "CloudWatch":
    """The lab's CloudWatch, created on first use."""
    service = lab.__dict__.get("cloudwatch")
    if service is None:
        service = lab.cloudwatch = CloudWatch(lab)
    return service


class CloudWatch:
    def __init__(self, lab):
        self.lab = lab
        self.alarms: dict[str, Alarm] = {}
        self.custom = CustomMetrics()            # PutMetricData

    # --- metrics ------------------------------------------------------------------------
    def statistics(self, namespace, metric, dimensions: dict, start: float, end: float,
                   period: int, stats) -> list[dict]:
        """Datapoints (lab seconds, {stat: value}) for every period in [start, end) with data."""
        step = check_period(period)
        for stat in stats:
            check_statistic(stat)
        if end <= start:
            raise InvalidParameterValue(
                "The parameter StartTime must be less than the parameter EndTime.")
        found = sources.samples(self.lab, namespace, metric, dimensions, step, start, end) \
            if namespace in sources.SOURCES else self.custom.samples(namespace, metric,
                                                                     dimensions)
        data = buckets(found, start, end, step)
        return [(index * step, {s: data[index].get(s) for s in stats}) for index in sorted(data)]

    def list_metrics(self, namespace=None, metric=None, dimensions=()) -> list[tuple]:
        """(namespace, metric, dimensions dict) with data, sorted."""
        out = []
        for ns in sorted(sources.SOURCES):
            if namespace not in (None, ns):
                continue
            for name, dims in sources.SOURCES[ns].names(self.lab):
                if metric not in (None, name):
                    continue
                if all(d["Name"] in dims and d.get("Value") in (None, dims[d["Name"]])
                       for d in dimensions):
                    out.append((ns, name, dims))
        for ns, name, dims in self.custom.names():
            if namespace in (None, ns) and metric in (None, name) and all(
                    d["Name"] in dims and d.get("Value") in (None, dims[d["Name"]])
                    for d in dimensions):
                out.append((ns, name, dims))
        return out

    def unit(self, namespace, metric, dimensions: dict) -> str | None:
        """The unit datapoints carry: the service's, or the one a custom metric was put with."""
        if namespace in sources.SOURCES:
            return sources.unit(namespace, metric)
        return self.custom.units.get(self.custom.key(namespace, metric, dimensions))

    # --- alarms ---------------------------------------------------------------------------
    def put_metric_alarm(self, name, **config) -> Alarm:
        """Create or replace an alarm (its state is kept on update, as on AWS)."""
        if not name:
            raise MissingParameter("The parameter AlarmName is required.")
        for key in ("namespace", "metric_name", "period", "evaluation_periods", "threshold",
                    "comparison"):
            if config.get(key) is None:
                raise MissingParameter(f"The parameter {_member(key)} is required (the lab "
                                       "emulates single-metric alarms; Metrics is not supported).")
        if config.get("statistic") is None:
            raise InvalidParameterCombination(
                "Exactly one of the parameters Statistic or ExtendedStatistic must be specified "
                "(the lab supports Statistic: SampleCount, Average, Sum, Minimum, Maximum).")
        check_statistic(config["statistic"])
        check_period(config["period"])
        if config["comparison"] not in COMPARISONS:
            raise InvalidParameterValue(
                f"ComparisonOperator {config['comparison']!r} is not supported by the lab: use "
                f"one of {', '.join(COMPARISONS)}.")
        if config.get("treat_missing_data", "missing") not in TREAT_MISSING:
            raise InvalidParameterValue(
                f"TreatMissingData must be one of {', '.join(TREAT_MISSING)} "
                f"(got {config['treat_missing_data']!r}).")
        n, m = config["evaluation_periods"], config.get("datapoints_to_alarm") or \
            config["evaluation_periods"]
        if n < 1 or not 1 <= m <= n:
            raise InvalidParameterValue(
                f"DatapointsToAlarm ({m}) must be between 1 and EvaluationPeriods ({n}).")
        if config["period"] * n > facts.CW_ALARM_PERIOD_EVALUATION:
            raise InvalidParameterValue(
                "Period * EvaluationPeriods must be at most 86400 seconds (one day) "
                f"(got {config['period']} * {n}).")
        previous = self.alarms.get(name)
        alarm = Alarm(name, self.lab.arn("cloudwatch", f"alarm:{name}"), updated=self.lab.t,
                      **config)
        if previous is not None:
            alarm.state, alarm.reason, alarm.reason_data = \
                previous.state, previous.reason, previous.reason_data
            alarm.state_updated, alarm.history = previous.state_updated, previous.history
            self.lab.clock.cancel(previous.event)
        self.alarms[name] = alarm
        self._schedule(alarm)
        return alarm

    def delete_alarms(self, names) -> None:
        missing = [n for n in names if n not in self.alarms]
        if missing:
            raise ResourceNotFound(f"The following alarms were not found: {', '.join(missing)}")
        for name in names:
            self.lab.clock.cancel(self.alarms.pop(name).event)

    def set_alarm_state(self, name, state, reason, reason_data=None) -> None:
        """SetAlarmState: change the state now (actions run); the next evaluation decides
        again (CW/API_SetAlarmState.html)."""
        alarm = self.alarms.get(name)
        if alarm is None:
            raise ResourceNotFound(f"Alarm {name} not found")
        if state not in ("OK", "ALARM", "INSUFFICIENT_DATA"):
            raise InvalidParameterValue(
                f"StateValue must be OK, ALARM or INSUFFICIENT_DATA (got {state!r}).")
        if state != alarm.state:
            self._transition(alarm, state, reason, [])
            if reason_data is not None:
                alarm.reason_data = reason_data

    def _schedule(self, alarm: Alarm) -> None:
        """The next evaluation: the next boundary of the alarm's period (background)."""
        t = self.lab.clock.t
        boundary = (math.floor(round(t / alarm.period, 9)) + 1) * alarm.period
        alarm.event = self.lab.clock.at(boundary, self._evaluate, alarm, background=True)

    def _evaluate(self, alarm: Alarm) -> None:
        if self.alarms.get(alarm.name) is not alarm:
            return
        self.evaluate(alarm)
        self._schedule(alarm)

    def evaluate(self, alarm: Alarm) -> str:
        """Evaluate the last EvaluationPeriods complete periods now; return the state."""
        step = alarm.period
        last = math.floor(round(self.lab.clock.t / step, 9))      # first incomplete period
        first = last - alarm.evaluation_periods
        points = dict(self.statistics(alarm.namespace, alarm.metric_name, alarm.dimension_map,
                                      first * step, last * step, step, [alarm.statistic]))
        starts = [i * step for i in range(first, last)]
        values = [points[s][alarm.statistic] if s in points else None for s in starts]
        state, bad, _ = decide(alarm, values)
        if state != alarm.state:
            times = [self.lab.clock.to_datetime(s).strftime("%d/%m/%y %H:%M:%S") for s in starts]
            self._transition(alarm, state, reason(alarm, state, values, times, bad), values)
        return alarm.state

    def _transition(self, alarm: Alarm, state: str, why: str, values) -> None:
        old = alarm.state
        now = self.lab.clock.t
        alarm.history.append((now, old, state, why))
        alarm.state, alarm.reason, alarm.state_updated = state, why, now
        alarm.reason_data = json.dumps({
            "version": "1.0", "queryDate": _ts(self.lab, now),
            "statistic": alarm.statistic, "period": alarm.period,
            "recentDatapoints": [v for v in values if v is not None],
            "threshold": alarm.threshold, "evaluatedDatapoints": []},
            separators=(",", ":"))
        if alarm.actions_enabled:
            message = self.notification(alarm, old)
            for target in alarm.actions_for(state):
                if target.startswith("arn:aws:lambda:"):
                    self._invoke_action(alarm, target, old)
                else:
                    self.lab.deliver(alarm.arn, target, "alarm", message)

    def _invoke_action(self, alarm: Alarm, target: str, old_state: str) -> None:
        """A Lambda alarm action: an async invoke with CloudWatch's Lambda event, if the
        function's policy lets lambda.alarms.cloudwatch.amazonaws.com invoke it for this alarm
        (AlarmThatSendsEmail.html#alarms-and-actions-Lambda); otherwise the action fails and
        is noted in the alarm's history, as AWS does."""
        from ..errors import AWSError
        try:
            allowed = self.lab.awslambda.allows(target, LAMBDA_ALARM_PRINCIPAL, alarm.arn)
        except AWSError:
            allowed = False
        if not allowed:
            alarm.history.append((self.lab.clock.t, alarm.state, alarm.state,
                                  f"Failed to execute action {target}: the function does not "
                                  f"exist or does not allow {LAMBDA_ALARM_PRINCIPAL}"))
            return
        self.lab.deliver(alarm.arn, target, "alarm", json.dumps(self.lambda_event(alarm,
                                                                                 old_state)))

    def lambda_event(self, alarm: Alarm, old_state: str) -> dict:
        """The event a Lambda alarm action receives (AlarmThatSendsEmail.html, "Lambda alarm
        actions")."""
        def state(value, reason, t, reason_data=None):
            out = {"value": value, "reason": reason, "timestamp": _ts(self.lab, t)}
            if reason_data:
                out["reasonData"] = reason_data
            return out
        changes = [h for h in alarm.history if h[1] != h[2]]      # not failed-action notes
        previous = changes[-2] if len(changes) > 1 else None
        return {
            "source": "aws.cloudwatch", "alarmArn": alarm.arn, "accountId": self.lab.account,
            "time": _ts(self.lab, alarm.state_updated), "region": self.lab.region,
            "alarmData": {
                "alarmName": alarm.name,
                "state": state(alarm.state, alarm.reason, alarm.state_updated,
                               alarm.reason_data),
                "previousState": state(old_state, previous[3] if previous else
                                       "Unchecked: Initial alarm creation",
                                       previous[0] if previous else alarm.updated),
                "configuration": {
                    "description": alarm.description,
                    "metrics": [{"id": "m1", "metricStat": {
                        "metric": {"namespace": alarm.namespace, "name": alarm.metric_name,
                                   "dimensions": alarm.dimension_map},
                        "period": alarm.period, "stat": alarm.statistic},
                        "returnData": True}]}}}

    def notification(self, alarm: Alarm, old_state: str) -> str:
        """The JSON CloudWatch publishes to an SNS topic on a state change
        (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/
        AlarmThatSendsEmail.html#alarms-and-actions)."""
        return json.dumps({
            "AlarmName": alarm.name, "AlarmDescription": alarm.description,
            "AWSAccountId": self.lab.account,
            "AlarmConfigurationUpdatedTimestamp": _ts(self.lab, alarm.updated),
            "NewStateValue": alarm.state, "NewStateReason": alarm.reason,
            "StateChangeTime": _ts(self.lab, alarm.state_updated),
            "Region": REGION_NAMES.get(self.lab.region, self.lab.region),
            "AlarmArn": alarm.arn, "OldStateValue": old_state,
            "OKActions": alarm.ok_actions, "AlarmActions": alarm.alarm_actions,
            "InsufficientDataActions": alarm.insufficient_data_actions,
            "Trigger": {
                "MetricName": alarm.metric_name, "Namespace": alarm.namespace,
                "StatisticType": "Statistic", "Statistic": alarm.statistic.upper(),
                "Unit": alarm.unit,
                "Dimensions": [{"value": d["Value"], "name": d["Name"]}
                               for d in alarm.dimensions],
                "Period": alarm.period, "EvaluationPeriods": alarm.evaluation_periods,
                "DatapointsToAlarm": alarm.datapoints_to_alarm,
                "ComparisonOperator": alarm.comparison, "Threshold": alarm.threshold,
                "TreatMissingData": alarm.treat_missing_data,
                "EvaluateLowSampleCountPercentile": ""}})


def _ts(lab, t: float) -> str:
    """CloudWatch notification timestamps: ``2026-01-01T00:05:00.000+0000``."""
    moment = lab.clock.to_datetime(t)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _member(key: str) -> str:
    return {"namespace": "Namespace", "metric_name": "MetricName", "period": "Period",
            "evaluation_periods": "EvaluationPeriods", "threshold": "Threshold",
            "comparison": "ComparisonOperator"}[key]
