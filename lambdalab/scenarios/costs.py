"""Cost: memory vs duration vs price (power tuning), and pay per use vs an always-on server."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import facts
from ..awslambda.durations import cpu_bound
from ..lab import Lab

MEMORIES = (128, 256, 512, 1024, 1769, 3008, 5120, 10240)


def power_tuning(memories=MEMORIES, cpu_ms: float = 800, io_ms: float = 50, threads: int = 1,
                 invocations: int = 10, architecture: str = "x86_64",
                 seed: int = 0) -> pd.DataFrame:
    """Run the same work at each memory size (warm invocations) and price it, the way the
    AWS Lambda Power Tuning tool does. Columns: memory_mb, duration_ms, billed_ms,
    cost_per_million (USD per million invocations)."""
    rows = []
    for memory in memories:
        lab = Lab(seed=seed)
        fn = lab.function(lambda event, context: None, name="work", memory_size=memory,
                          architecture=architecture, timeout=900,
                          duration=cpu_bound(cpu_ms / 1000, io_ms / 1000, threads))
        fn.invoke({})                                     # the cold start is not measured
        lab.awslambda.attempts.clear()
        for _ in range(invocations):
            fn.invoke({})
        bill = lab.cost()
        trace = lab.trace()
        rows.append((memory, trace.duration_ms.mean(), trace.billed_ms.mean(),
                     bill["total"] / invocations * 1_000_000))
    return pd.DataFrame(rows, columns=["memory_mb", "duration_ms", "billed_ms",
                                       "cost_per_million"])


def serverless_vs_server(duration_ms: float = 100, memory_mb: int = 512,
                         server_per_hour: float = facts.EXAMPLE_SERVER_PER_HOUR,
                         servers: int = 1, free_tier: bool = False,
                         requests=None) -> pd.DataFrame:
    """Monthly cost of Lambda (requests + GB-seconds, x86, us-east-1) against ``servers``
    always-on instances at ``server_per_hour``, across monthly request volumes."""
    requests = np.unique(np.round(np.logspace(3, 9, 61))) if requests is None else \
        np.asarray(requests, dtype=float)
    gb_seconds = requests * duration_ms / 1000 * memory_mb / 1024
    if free_tier:
        billable_requests = np.maximum(0, requests - facts.FREE_TIER["requests"])
        gb_seconds = np.maximum(0, gb_seconds - facts.FREE_TIER["gb_seconds"])
    else:
        billable_requests = requests
    serverless = billable_requests * facts.PRICE_PER_REQUEST + \
        gb_seconds * facts.PRICE_PER_GB_SECOND["x86_64"]
    server = np.full_like(requests, servers * server_per_hour * facts.HOURS_PER_MONTH)
    return pd.DataFrame({"requests": requests, "serverless": serverless, "server": server})


def break_even(frame: pd.DataFrame) -> float | None:
    """The first monthly request volume at which Lambda costs more than the server(s)."""
    over = frame[frame.serverless > frame.server]
    return float(over.requests.iloc[0]) if len(over) else None
