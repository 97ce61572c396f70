"""Scenarios: parameters in, results out. Pure and seeded, so notebooks, widgets and tests agree.

Each scenario builds a fresh :class:`~lambdalab.Lab`, runs it, and returns a result with the
trace, metrics and a one-line ``summary()``.
"""
from .async_retries import AsyncRetriesResult, async_retries
from .concurrency import ConcurrencyResult, concurrency
from .costs import power_tuning, serverless_vs_server
from .sqs import SQSMappingResult, sqs_mapping

__all__ = ["AsyncRetriesResult", "ConcurrencyResult", "SQSMappingResult", "async_retries",
           "concurrency", "power_tuning", "serverless_vs_server", "sqs_mapping"]
