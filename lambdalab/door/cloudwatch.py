"""CloudWatch (metrics and alarms) API operations answered by the lab (service id ``cloudwatch``).

Metrics come from the lab's records (:mod:`lambdalab.cloudwatch.sources`: AWS/Lambda by
``FunctionName`` or account-wide, AWS/SQS by ``QueueName``); alarms live in ``lab.cloudwatch``
and are evaluated on the virtual clock; PutMetricData stores custom metrics (alarms work on
them too). Percentile statistics, metric math (``Expression``, ``Metrics`` in alarms), anomaly
detection and composite alarms answer a clear error.

CW/ = https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

from .. import facts
from ..clock import EPOCH
from ..cloudwatch import of
from ..errors import InvalidNextToken, InvalidParameterCombination
from ..sqs import InvalidParameterValue, MissingParameter
from .paging import page


def _lab_seconds(value) -> float:
    """Lab seconds from a datetime, epoch seconds, or a timestamp string (what the AWS CLI
    passes through: ISO 8601 or epoch seconds)."""
    if isinstance(value, str):
        from botocore.utils import parse_timestamp
        value = parse_timestamp(value)
    if isinstance(value, (int, float)):
        value = datetime.fromtimestamp(value, timezone.utc)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return (value - EPOCH).total_seconds()


def _when(lab, t: float) -> datetime:
    return lab.clock.to_datetime(t)


def _dimensions(p) -> dict:
    dims = {}
    for d in p.get("Dimensions") or []:
        if d["Name"] in dims:
            raise InvalidParameterValue(f"The dimension {d['Name']} is given twice.")
        dims[d["Name"]] = d["Value"]
    return dims


def _token(p) -> int:
    token = p.get("NextToken")
    if token is None:
        return 0
    try:
        return int(token)
    except ValueError:
        raise InvalidNextToken(f"The NextToken {token!r} is invalid: pass the NextToken of the "
                               "previous response") from None


def get_metric_statistics(lab, p):
    if p.get("ExtendedStatistics"):
        raise InvalidParameterValue(
            "ExtendedStatistics (percentiles) are not emulated by lambdalab: use Statistics "
            "(SampleCount, Average, Sum, Minimum, Maximum).")
    stats = p.get("Statistics") or []
    if not stats:
        raise MissingParameter("The parameter Statistics or ExtendedStatistics is required.")
    start, end = _lab_seconds(p["StartTime"]), _lab_seconds(p["EndTime"])
    period = p["Period"]
    if period and (end - start) / period > facts.CW_MAX_DATAPOINTS and period > 0:
        raise InvalidParameterCombination(
            f"You have requested up to {int((end - start) // period)} datapoints, which exceeds "
            f"the limit of {facts.CW_MAX_DATAPOINTS}. You may reduce the datapoints requested by "
            "increasing Period, or decreasing the time range.")
    namespace, metric = p["Namespace"], p["MetricName"]
    points = of(lab).statistics(namespace, metric, _dimensions(p), start, end, period, stats)
    metric_unit = of(lab).unit(namespace, metric, _dimensions(p))
    if p.get("Unit") not in (None, metric_unit):
        points = []          # CloudWatch filters by unit: another unit matches no data
    datapoints = []
    for t, values in points:
        point = {"Timestamp": _when(lab, t), **values}
        if metric_unit:
            point["Unit"] = metric_unit
        datapoints.append(point)
    return 200, {"Label": metric, "Datapoints": datapoints}


def get_metric_data(lab, p):
    queries = p.get("MetricDataQueries") or []
    if not 1 <= len(queries) <= facts.CW_GET_METRIC_DATA_QUERIES:
        raise InvalidParameterValue(f"MetricDataQueries must hold 1 to "
                                    f"{facts.CW_GET_METRIC_DATA_QUERIES} queries.")
    start, end = _lab_seconds(p["StartTime"]), _lab_seconds(p["EndTime"])
    descending = (p.get("ScanBy") or "TimestampDescending") == "TimestampDescending"
    ids = [q["Id"] for q in queries]
    if len(set(ids)) != len(ids):
        raise InvalidParameterValue("The Id of each MetricDataQuery must be unique.")
    results = []
    for q in queries:
        if q.get("Expression"):
            raise InvalidParameterValue(
                f"Query {q['Id']}: metric math (Expression) is not emulated by lambdalab; query "
                "each metric with MetricStat and combine the values in Python.")
        stat = q.get("MetricStat")
        if stat is None:
            raise MissingParameter(f"Query {q['Id']}: give MetricStat (or Expression).")
        metric = stat["Metric"]
        namespace, name = metric.get("Namespace"), metric.get("MetricName")
        dims = {d["Name"]: d["Value"] for d in metric.get("Dimensions") or []}
        points = of(lab).statistics(namespace, name, dims, start, end, stat["Period"],
                                    [stat["Stat"]])
        if stat.get("Unit") not in (None, of(lab).unit(namespace, name, dims)):
            points = []
        if descending:
            points.reverse()
        if q.get("ReturnData", True):
            results.append({"Id": q["Id"], "Label": q.get("Label") or name,
                            "Timestamps": [_when(lab, t) for t, _ in points],
                            "Values": [v[stat["Stat"]] for _, v in points],
                            "StatusCode": "Complete"})
    return 200, {"MetricDataResults": results, "Messages": []}


def list_metrics(lab, p):
    found = of(lab).list_metrics(p.get("Namespace"), p.get("MetricName"),
                                 p.get("Dimensions") or [])
    start = _token(p)
    page = found[start:start + facts.CW_LIST_METRICS_PAGE]
    body = {"Metrics": [{"Namespace": ns, "MetricName": name,
                         "Dimensions": [{"Name": k, "Value": v} for k, v in dims.items()]}
                        for ns, name, dims in page]}
    if start + facts.CW_LIST_METRICS_PAGE < len(found):
        body["NextToken"] = str(start + facts.CW_LIST_METRICS_PAGE)
    return 200, body


def put_metric_alarm(lab, p):
    if p.get("Metrics"):
        raise InvalidParameterValue("Alarms on metric math (Metrics) are not emulated by "
                                    "lambdalab: give MetricName, Namespace and Statistic.")
    if p.get("ExtendedStatistic"):
        raise InvalidParameterValue("Percentile alarms (ExtendedStatistic) are not emulated by "
                                    "lambdalab: use Statistic.")
    of(lab).put_metric_alarm(
        p["AlarmName"], namespace=p.get("Namespace"), metric_name=p.get("MetricName"),
        statistic=p.get("Statistic"), period=p.get("Period"),
        evaluation_periods=p["EvaluationPeriods"], threshold=p.get("Threshold"),
        comparison=p["ComparisonOperator"], dimensions=p.get("Dimensions") or [],
        unit=p.get("Unit"), datapoints_to_alarm=p.get("DatapointsToAlarm"),
        treat_missing_data=p.get("TreatMissingData") or "missing",
        description=p.get("AlarmDescription"), actions_enabled=p.get("ActionsEnabled", True),
        ok_actions=p.get("OKActions") or [], alarm_actions=p.get("AlarmActions") or [],
        insufficient_data_actions=p.get("InsufficientDataActions") or [])
    return 200, {}


def _describe(lab, alarm) -> dict:
    out = {"AlarmName": alarm.name, "AlarmArn": alarm.arn,
           "AlarmConfigurationUpdatedTimestamp": _when(lab, alarm.updated),
           "ActionsEnabled": alarm.actions_enabled, "OKActions": alarm.ok_actions,
           "AlarmActions": alarm.alarm_actions,
           "InsufficientDataActions": alarm.insufficient_data_actions,
           "StateValue": alarm.state, "StateReason": alarm.reason,
           "StateUpdatedTimestamp": _when(lab, alarm.state_updated),
           "StateTransitionedTimestamp": _when(lab, alarm.state_updated),
           "MetricName": alarm.metric_name, "Namespace": alarm.namespace,
           "Statistic": alarm.statistic, "Dimensions": alarm.dimensions,
           "Period": alarm.period, "EvaluationPeriods": alarm.evaluation_periods,
           "DatapointsToAlarm": alarm.datapoints_to_alarm, "Threshold": alarm.threshold,
           "ComparisonOperator": alarm.comparison,
           "TreatMissingData": alarm.treat_missing_data}
    if alarm.description is not None:
        out["AlarmDescription"] = alarm.description
    if alarm.unit is not None:
        out["Unit"] = alarm.unit
    if alarm.reason_data is not None:
        out["StateReasonData"] = alarm.reason_data
    return out


def describe_alarms(lab, p):
    names, prefix = p.get("AlarmNames"), p.get("AlarmNamePrefix")
    if names and prefix:
        raise InvalidParameterCombination("AlarmNames and AlarmNamePrefix cannot be used together.")
    size = p.get("MaxRecords") or facts.CW_DESCRIBE_ALARMS_DEFAULT
    if not 1 <= size <= facts.CW_DESCRIBE_ALARMS_PAGE:
        raise InvalidParameterValue(
            f"MaxRecords must be between 1 and {facts.CW_DESCRIBE_ALARMS_PAGE} (got {size}).")
    types = p.get("AlarmTypes") or ["MetricAlarm"]
    alarms = [a for name, a in sorted(of(lab).alarms.items())
              if (not names or name in names) and (not prefix or name.startswith(prefix))
              and p.get("StateValue") in (None, a.state)
              and (not p.get("ActionPrefix") or any(
                  x.startswith(p["ActionPrefix"]) for x in
                  a.ok_actions + a.alarm_actions + a.insufficient_data_actions))]
    if "MetricAlarm" not in types:
        alarms = []
    body = page(alarms, _token(p), size, "MetricAlarms")
    body["MetricAlarms"] = [_describe(lab, a) for a in body["MetricAlarms"]]
    body["CompositeAlarms"] = []
    return 200, body


def delete_alarms(lab, p):
    names = p.get("AlarmNames") or []
    if len(names) > facts.CW_DELETE_ALARMS:
        raise InvalidParameterValue(f"Delete at most {facts.CW_DELETE_ALARMS} alarms per call.")
    of(lab).delete_alarms(names)
    return 200, {}


def put_metric_data(lab, p):
    """Custom metrics (CW/API_PutMetricData.html); the timestamp defaults to lab time."""
    of(lab).custom.put(p.get("Namespace"), p.get("MetricData") or [], lab.t, _lab_seconds)
    return 200, {}


def set_alarm_state(lab, p):
    of(lab).set_alarm_state(p["AlarmName"], p["StateValue"], p["StateReason"],
                            p.get("StateReasonData"))
    return 200, {}


def describe_alarm_history(lab, p):
    """State changes (``StateUpdate``) and failed actions (``Action``), newest first."""
    name = p.get("AlarmName")
    items = []
    for alarm in of(lab).alarms.values():
        if name not in (None, alarm.name):
            continue
        for t, old, new, why in alarm.history:
            kind = "StateUpdate" if old != new else "Action"
            summary = f"Alarm updated from {old} to {new}" if kind == "StateUpdate" else why
            items.append((t, alarm.name, kind, summary, why, old, new))
    wanted = p.get("HistoryItemType")
    start = _lab_seconds(p["StartDate"]) if p.get("StartDate") else None
    end = _lab_seconds(p["EndDate"]) if p.get("EndDate") else None
    items = [i for i in items if wanted in (None, i[2]) and (start is None or i[0] >= start)
             and (end is None or i[0] <= end)]
    items.sort(key=lambda i: i[0], reverse=(p.get("ScanBy") or "TimestampDescending")
               == "TimestampDescending")
    size = p.get("MaxRecords") or 100
    body = page(items, _token(p), size, "AlarmHistoryItems")
    body["AlarmHistoryItems"] = [{
        "AlarmName": n, "AlarmType": "MetricAlarm", "Timestamp": _when(lab, t),
        "HistoryItemType": kind, "HistorySummary": summary,
        "HistoryData": json.dumps({"version": "1.0", "oldState": {"stateValue": old},
                                   "newState": {"stateValue": new, "stateReason": why}})}
        for t, n, kind, summary, why, old, new in body["AlarmHistoryItems"]]
    return 200, body


OPERATIONS = {
    "SetAlarmState": set_alarm_state,
    "DescribeAlarmHistory": describe_alarm_history,
    "PutMetricData": put_metric_data,
    "GetMetricStatistics": get_metric_statistics,
    "GetMetricData": get_metric_data,
    "ListMetrics": list_metrics,
    "PutMetricAlarm": put_metric_alarm,
    "DescribeAlarms": describe_alarms,
    "DeleteAlarms": delete_alarms,
}
