"""Custom metrics: what PutMetricData stores (namespaces not starting with ``AWS/``).

A datum is a ``Value``, ``Values`` with optional ``Counts``, or ``StatisticValues``
(SampleCount, Sum, Minimum, Maximum); each becomes one sample ``(t, count, sum, min, max)``
at its ``Timestamp`` (default: the lab's now). CW/API_PutMetricData.html and
CW/API_MetricDatum.html (CW/ = https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/):
at most 1,000 metrics per call, ``Values`` up to 150 entries, 30 dimensions per metric.
"""
from __future__ import annotations

import math

from .. import facts
from ..sqs import InvalidParameterValue


class CustomMetrics:
    """(namespace, metric, dimensions) -> samples; and the unit each was published with."""

    def __init__(self):
        self.series: dict[tuple, list[tuple]] = {}
        self.units: dict[tuple, str] = {}

    @staticmethod
    def key(namespace, metric, dimensions: dict) -> tuple:
        return namespace, metric, tuple(sorted(dimensions.items()))

    def put(self, namespace: str, data: list[dict], now: float, to_lab_seconds) -> None:
        if not namespace or namespace.startswith("AWS/"):
            raise InvalidParameterValue(
                f"The value {namespace!r} for parameter Namespace is invalid: namespaces "
                "starting with AWS/ are reserved for AWS services.")
        if len(data) > facts.CW_PUT_METRIC_DATA:
            raise InvalidParameterValue(
                f"The collection MetricData must not have a size greater than "
                f"{facts.CW_PUT_METRIC_DATA}.")
        rows = [self._sample(d, now, to_lab_seconds) for d in data]   # validate all first
        for datum, sample in zip(data, rows):
            dims = {x["Name"]: x["Value"] for x in datum.get("Dimensions") or []}
            key = self.key(namespace, datum["MetricName"], dims)
            self.series.setdefault(key, []).append(sample)
            if datum.get("Unit"):
                self.units[key] = datum["Unit"]

    @staticmethod
    def _sample(datum, now, to_lab_seconds) -> tuple:
        t = to_lab_seconds(datum["Timestamp"]) if datum.get("Timestamp") is not None else now
        given = [k for k in ("Value", "Values", "StatisticValues") if datum.get(k) is not None]
        if len(given) != 1:
            raise InvalidParameterValue(
                f"Metric {datum['MetricName']}: give exactly one of Value, Values or "
                "StatisticValues.")
        if "Value" in given:
            v = float(datum["Value"])
            _finite(datum, v)
            return (t, 1.0, v, v, v)
        if "Values" in given:
            values = [float(v) for v in datum["Values"]]
            counts = [float(c) for c in datum.get("Counts") or [1.0] * len(values)]
            if len(counts) != len(values) or len(values) > facts.CW_METRIC_VALUES:
                raise InvalidParameterValue(
                    f"Metric {datum['MetricName']}: Values (at most {facts.CW_METRIC_VALUES}) "
                    "and Counts must have the same length.")
            for v in values:
                _finite(datum, v)
            return (t, sum(counts), sum(v * c for v, c in zip(values, counts)), min(values),
                    max(values))
        s = datum["StatisticValues"]
        return (t, float(s["SampleCount"]), float(s["Sum"]), float(s["Minimum"]),
                float(s["Maximum"]))

    def samples(self, namespace, metric, dimensions: dict) -> list[tuple]:
        return self.series.get(self.key(namespace, metric, dimensions), [])

    def names(self):
        return [(ns, metric, dict(dims)) for ns, metric, dims in sorted(self.series)]


def _finite(datum, value):
    if not math.isfinite(value):
        raise InvalidParameterValue(
            f"Metric {datum['MetricName']}: the value {value} is not a finite number.")
