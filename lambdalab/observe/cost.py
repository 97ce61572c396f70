"""What the recorded invocations would cost on AWS (us-east-1 on-demand prices, facts.py)."""
from __future__ import annotations

from .. import facts


def cost(lab, function: str | None = None, free_tier: bool = False) -> dict:
    """Requests, GB-seconds and dollars for the attempts that ran.

    Price = requests x $0.20 per million + GB-seconds x the architecture's rate, where
    GB-seconds = billed duration (1 ms granularity, INIT included) x memory in GB
    (https://aws.amazon.com/lambda/pricing/). ``free_tier=True`` subtracts the monthly free tier
    (1M requests, 400,000 GB-s) once."""
    requests = 0
    gb_seconds = {arch: 0.0 for arch in facts.PRICE_PER_GB_SECOND}
    for a in lab.awslambda.attempts:
        if a.outcome == "throttled" or (function is not None and a.function != function):
            continue
        requests += 1
        gb_seconds[a.architecture] += a.billed_ms / 1000 * a.memory_size / 1024
    billable_requests = max(0, requests - facts.FREE_TIER["requests"]) if free_tier else requests
    free_gbs = facts.FREE_TIER["gb_seconds"] if free_tier else 0.0
    compute = 0.0
    for arch, gbs in gb_seconds.items():
        used = min(free_gbs, gbs)
        free_gbs -= used
        compute += (gbs - used) * facts.PRICE_PER_GB_SECOND[arch]
    request_cost = billable_requests * facts.PRICE_PER_REQUEST
    return {"requests": requests, "gb_seconds": sum(gb_seconds.values()),
            "request_cost": request_cost, "compute_cost": compute,
            "total": request_cost + compute}
