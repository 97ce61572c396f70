"""Scenarios: parameters in, results out. Pure and seeded, so notebooks, widgets and tests agree.

Each scenario builds a fresh :class:`~lambdalab.Lab`, runs it, and returns a result with the
trace, metrics and a one-line ``summary()``.
"""
from .async_retries import AsyncRetriesResult, async_retries
from .concurrency import ConcurrencyResult, concurrency
from .costs import power_tuning, serverless_vs_server
from .eda import EDAResult, eda_orders
from .sns import SNSFanOutResult, sns_fan_out
from .sqs import SQSMappingResult, sqs_mapping
from .streams import StreamMappingResult, stream_mapping
from .events import EventRetriesResult, ScheduleResult, event_retries, schedule_week

__all__ = ["StreamMappingResult", "stream_mapping", "EDAResult", "eda_orders", "EventRetriesResult", "ScheduleResult", "event_retries", "schedule_week", "SNSFanOutResult", "sns_fan_out",
           "AsyncRetriesResult", "ConcurrencyResult", "SQSMappingResult", "async_retries",
           "concurrency", "power_tuning", "serverless_vs_server", "sqs_mapping"]
