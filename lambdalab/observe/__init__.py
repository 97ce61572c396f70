"""What happened in a lab, as pandas DataFrames: attempt traces, CloudWatch-style metrics, cost.

Built lazily from the facts the engine records; nothing here runs in the hot path.
"""
from .cost import cost
from .metrics import metrics, trace

__all__ = ["cost", "metrics", "trace"]
