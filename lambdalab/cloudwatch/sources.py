"""Where CloudWatch metrics come from: one source per namespace, read from the lab's records.

A source answers two questions:

- ``names(lab)``: the (metric name, dimensions dict) pairs that have data (what ListMetrics
  shows; CloudWatch lists a metric once data has been published for it);
- ``samples(lab, metric, dimensions, period)``: ``(lab seconds, value)`` pairs. Counters and
  timings give one sample per event (so SampleCount, Minimum and Average mean what they mean
  on AWS); gauges give one sample per ``period`` bucket, already reduced the way AWS publishes
  them (``Maximum`` concurrency, the queue depth at the end of the minute).

Other services plug in by adding to :data:`SOURCES` (``"AWS/Events": source`` with
``names``, ``samples`` and ``UNITS``).

Metric names and units: AWS/Lambda https://docs.aws.amazon.com/lambda/latest/dg/
monitoring-metrics-types.html; AWS/SQS https://docs.aws.amazon.com/AWSSimpleQueueService/
latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html.
"""
from __future__ import annotations

from bisect import bisect_left

import numpy as np

from ..errors import AWSError


class _Lambda:
    """``AWS/Lambda``, per function (``FunctionName``) and account-wide (no dimensions)."""

    UNITS = {"Invocations": "Count", "Errors": "Count", "Throttles": "Count",
             "Duration": "Milliseconds", "ConcurrentExecutions": "Count",
             "AsyncEventsReceived": "Count", "AsyncEventAge": "Milliseconds",
             "AsyncEventsDropped": "Count", "DeadLetterErrors": "Count",
             "DestinationDeliveryFailures": "Count", "IteratorAge": "Milliseconds"}
    GAUGES = {"ConcurrentExecutions"}

    @staticmethod
    def _function(dimensions):
        if not dimensions:
            return None, True
        if set(dimensions) == {"FunctionName"}:
            return dimensions["FunctionName"], True
        return None, False      # Resource, ExecutedVersion, ...: not published by the lab

    def samples(self, lab, metric, dimensions, period, start=None, end=None):
        name, known = self._function(dimensions)
        if not known or metric not in self.UNITS:
            return []
        svc = lab.awslambda
        if metric == "IteratorAge":
            return _iterator_ages(svc, name)
        attempts = _window(svc.attempts, start, end)
        if start is not None and metric not in self.GAUGES:
            # every other Lambda metric is sampled at the attempt's start: filter exactly
            stop = float("inf") if end is None else end
            attempts = [a for a in attempts if start <= a.start < stop]
        attempts = [a for a in attempts if name is None or a.function == name]
        ran = [a for a in attempts if a.outcome != "throttled"]
        if metric == "Invocations":
            return [(a.start, 1.0) for a in ran]
        if metric == "Errors":
            # published for every invocation, 0 or 1, so Average is the error rate
            return [(a.start, 0.0 if a.outcome == "success" else 1.0) for a in ran]
        if metric == "Throttles":
            return [(a.start, 1.0) for a in attempts if a.outcome == "throttled"]
        if metric == "Duration":
            return [(a.start, a.duration * 1000) for a in ran]
        if metric == "ConcurrentExecutions":
            return _concurrency(ran, period)
        events = [e for e in svc.async_events if name is None or e.function == name]
        if metric == "AsyncEventsReceived":
            return [(e.received, 1.0) for e in events]
        if metric == "AsyncEventsDropped":
            return [(e.ended, 1.0) for e in events if e.outcome in ("delivered", "dropped")]
        if metric == "AsyncEventAge":
            received = {e.request_id: e.received for e in events}
            return [(a.start, (a.start - received[a.request_id]) * 1000) for a in ran
                    if a.invocation_type == "Event" and a.request_id in received]
        failures = [f for f in svc.delivery_failures if name is None or f[1] == name]
        if metric == "DeadLetterErrors":
            return [(f[0], 1.0) for f in failures if f[2] == "dlq"]
        return [(f[0], 1.0) for f in failures if f[2] != "dlq"]   # DestinationDeliveryFailures

    def names(self, lab):
        out = []
        functions = sorted({a.function for a in lab.awslambda.attempts})
        for dims in [{}] + [{"FunctionName": f} for f in functions]:
            for metric in self.UNITS:
                if self.samples(lab, metric, dims, 60.0):
                    out.append((metric, dims))
        return out


def _iterator_ages(svc, name):
    """IteratorAge of stream mappings (Kinesis, DynamoDB Streams): the age of the last record
    of each batch attempt (L/monitoring-metrics-types.html), from each mapping's trace. A
    deleted mapping's history goes with it."""
    out = []
    for mapping in svc.mappings.mappings.values():
        log = getattr(mapping, "log", None)
        if log is None or (name is not None and mapping.function_name != name):
            continue
        out.extend((row[0], float(row[9])) for row in log if row[8] != "throttled")
    out.sort()
    return out


# Attempts are recorded in start order, except that a call made from inside a handler starts at
# the handler's own (later) time: look this far around a window, then filter exactly.
_SKEW = 900.0 + 60.0      # a maximum timeout (L/configuration-timeout.html) and a margin


def _window(attempts, start, end):
    """The attempts that can matter for samples in [start, end): a bisected slice, so alarms on
    long runs do not rescan every attempt each period."""
    if start is None or not attempts:
        return attempts
    lo = bisect_left(attempts, start - _SKEW, key=_start)
    hi = bisect_left(attempts, end + _SKEW, key=_start) if end is not None else len(attempts)
    return attempts[lo:hi]


def _start(attempt):
    return attempt.start


def _concurrency(ran, period):
    """Peak concurrent executions per period (CloudWatch publishes it as Maximum)."""
    if not ran:
        return []
    from ..observe.metrics import _peak_concurrency
    starts = np.array([a.start for a in ran])
    ends = np.array([a.end for a in ran])
    n = int(np.floor(ends.max() / period)) + 1
    peak = _peak_concurrency(starts, ends, period, n)
    return [(i * period, float(v)) for i, v in enumerate(peak) if v > 0]


class _SQS:
    """``AWS/SQS`` per queue (``QueueName``), from ``lab.sqs`` samples (one a minute by
    default, ``lab.sqs.sample_period``): sums per minute and end-of-minute gauges."""

    UNITS = {"NumberOfMessagesSent": "Count", "NumberOfMessagesReceived": "Count",
             "NumberOfMessagesDeleted": "Count", "NumberOfEmptyReceives": "Count",
             "ApproximateNumberOfMessagesVisible": "Count",
             "ApproximateNumberOfMessagesNotVisible": "Count",
             "ApproximateNumberOfMessagesDelayed": "Count",
             "ApproximateAgeOfOldestMessage": "Seconds"}

    def samples(self, lab, metric, dimensions, period, start=None, end=None):
        if set(dimensions) != {"QueueName"} or metric not in self.UNITS:
            return []
        try:
            frame = lab.sqs.metrics(dimensions["QueueName"], period=lab.sqs.sample_period)
        except AWSError:
            return []          # a deleted queue: no data
        times = [(t - lab.clock.to_datetime(0)).total_seconds() for t in frame["time"]]
        return list(zip(times, frame[metric].astype(float)))

    def names(self, lab):
        return [(metric, {"QueueName": q.name}) for q in lab.sqs.list_queues()
                for metric in self.UNITS]


class _SNS:
    """``AWS/SNS`` per topic (``TopicName``): one sample per counted event (``lab.sns.events``,
    SNS/sns-monitoring-using-cloudwatch.html)."""

    @property
    def UNITS(self):
        from ..sns.delivery import METRIC_NAMES
        return {name: "Count" for name in METRIC_NAMES}

    def samples(self, lab, metric, dimensions, period, start=None, end=None):
        sns = getattr(lab, "sns", None)
        if sns is None or set(dimensions) != {"TopicName"} or metric not in self.UNITS:
            return []
        code = list(self.UNITS).index(metric)
        topic = dimensions["TopicName"]
        return [(t, 1.0) for t, name, c in sns.events if c == code and name == topic]

    def names(self, lab):
        sns = getattr(lab, "sns", None)
        names = list(self.UNITS)
        seen = sorted({(names[c], topic) for _, topic, c in sns.events}) if sns else []
        return [(metric, {"TopicName": topic}) for metric, topic in seen]


class _Events:
    """``AWS/Events`` per rule: ``RuleName`` for rules on the default bus, ``EventBusName`` and
    ``RuleName`` for rules on a custom bus (EB/eb-monitoring.html); one sample per counted
    event (``lab.events.records``)."""

    @property
    def UNITS(self):
        from ..events.service import METRICS
        return {name: "Count" for name in METRICS}

    def samples(self, lab, metric, dimensions, period, start=None, end=None):
        events = getattr(lab, "events", None)
        if events is None or metric not in self.UNITS or "RuleName" not in dimensions or \
                set(dimensions) - {"RuleName", "EventBusName"}:
            return []
        bus = dimensions.get("EventBusName", "default")
        rule = dimensions["RuleName"]
        return [(t, 1.0) for t, b, name, m in events.records
                if m == metric and name == rule and b == bus]

    def names(self, lab):
        events = getattr(lab, "events", None)
        seen = sorted({(m, b, name) for _, b, name, m in events.records}) if events else []
        return [(m, {"RuleName": name} if b == "default" else
                 {"EventBusName": b, "RuleName": name}) for m, b, name in seen]


class _Kinesis:
    """``AWS/Kinesis`` per stream (``StreamName``): IncomingRecords and IncomingBytes, one
    sample per record still held by the stream (KDG/monitoring-with-cloudwatch.html; records
    older than the stream's retention have been trimmed, and their samples with them)."""

    UNITS = {"IncomingRecords": "Count", "IncomingBytes": "Bytes"}

    def samples(self, lab, metric, dimensions, period, start=None, end=None):
        kinesis = getattr(lab, "kinesis", None)
        if kinesis is None or set(dimensions) != {"StreamName"} or metric not in self.UNITS:
            return []
        stream = kinesis.streams.get(dimensions["StreamName"])
        if stream is None:
            return []
        bytes_ = metric == "IncomingBytes"
        return [(r.arrival, float(r.size) if bytes_ else 1.0)
                for shard in stream.shards for r in shard.records]

    def names(self, lab):
        kinesis = getattr(lab, "kinesis", None)
        if kinesis is None:
            return []
        return [(metric, {"StreamName": name}) for name in sorted(kinesis.streams)
                for metric in self.UNITS
                if any(shard.records for shard in kinesis.streams[name].shards)]


#: namespace -> source
SOURCES = {"AWS/Lambda": _Lambda(), "AWS/SQS": _SQS(), "AWS/SNS": _SNS(),
           "AWS/Events": _Events(), "AWS/Kinesis": _Kinesis()}


def unit(namespace: str, metric: str) -> str | None:
    source = SOURCES.get(namespace)
    return source.UNITS.get(metric) if source is not None else None


def samples(lab, namespace, metric, dimensions: dict, period: float, start=None,
            end=None) -> list[tuple[float, float]]:
    """Samples of one metric; ``start``/``end`` (lab seconds) let a source skip what cannot
    fall in [start, end) (callers still filter exactly)."""
    source = SOURCES.get(namespace)
    return source.samples(lab, metric, dimensions, period, start, end) \
        if source is not None else []
