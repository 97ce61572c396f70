"""CloudWatch statistics over samples: periods, buckets, Sum/Average/Maximum/Minimum/SampleCount.

CW/ = https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/
"""
from __future__ import annotations

import math

from .. import facts
from ..sqs import InvalidParameterValue

STATISTICS = ("SampleCount", "Average", "Sum", "Minimum", "Maximum")


def check_period(period) -> float:
    """CW/API_GetMetricStatistics.html: a period is 1, 5, 10, 30, 60 or a multiple of 60 s."""
    if not isinstance(period, int) or isinstance(period, bool) or period < 1 or (
            period not in facts.CW_HIGH_RESOLUTION_PERIODS and period % 60):
        raise InvalidParameterValue(
            f"The parameter Period must be 1, 5, 10, 30, 60 or a multiple of 60 (got {period}).")
    return float(period)


def check_statistic(stat: str) -> str:
    if stat not in STATISTICS:
        raise InvalidParameterValue(
            f"The statistic {stat!r} is not supported by lambdalab: use one of "
            f"{', '.join(STATISTICS)} (percentiles and trimmed means are not emulated).")
    return stat


class Bucket:
    """The running statistics of one period."""

    __slots__ = ("count", "total", "low", "high")

    def __init__(self):
        self.count, self.total, self.low, self.high = 0, 0.0, math.inf, -math.inf

    def add(self, value: float) -> None:
        self.count += 1
        self.total += value
        self.low = min(self.low, value)
        self.high = max(self.high, value)

    def get(self, stat: str) -> float:
        return {"SampleCount": float(self.count), "Sum": self.total,
                "Average": self.total / self.count, "Minimum": self.low,
                "Maximum": self.high}[stat]


    def merge(self, count: float, total: float, low: float, high: float) -> None:
        """Add a pre-aggregated sample (PutMetricData's StatisticValues or Values/Counts)."""
        self.count += count
        self.total += total
        self.low = min(self.low, low)
        self.high = max(self.high, high)


def buckets(samples, start: float, end: float, period: float) -> dict[int, Bucket]:
    """Samples in [start, end) grouped by period index (periods aligned on the epoch).

    A sample is ``(t, value)`` or ``(t, count, sum, minimum, maximum)``."""
    out: dict[int, Bucket] = {}
    for sample in samples:
        t = sample[0]
        if start <= t < end:
            index = int(math.floor(round(t / period, 9)))
            bucket = out.get(index)
            if bucket is None:
                bucket = out[index] = Bucket()
            if len(sample) == 2:
                bucket.add(sample[1])
            else:
                bucket.merge(*sample[1:])
    return out
