"""CloudWatch in the lab: metrics read from the services' records, and metric alarms.

- :mod:`.sources`: per-namespace metric sources (AWS/Lambda, AWS/SQS; others plug in);
- :mod:`.stats`: periods and statistics;
- :mod:`.alarms`: alarm configuration and the state decision;
- :mod:`.service`: ``lab.cloudwatch`` (queries, alarms on the virtual clock, notifications).
"""
from .service import CloudWatch, of

__all__ = ["CloudWatch", "of"]
