"""SNS delivery retry policies (SNS/sns-message-delivery-retries.html).

A policy has four phases after the first attempt: retries with no delay, retries at the minimum
delay, a backoff phase from the minimum to the maximum delay, and retries at the maximum delay.

* AWS-managed endpoints (Lambda, SQS): 3 with no delay, 2 at 1 s, 10 with exponential backoff
  from 1 s to 20 s, then 20 s apart; AWS's table gives 100,015 attempts over 23 days. The lab
  counts the first attempt among those 100,015, so the last phase has 99,999 retries. Not
  configurable on AWS, nor in the lab.
* HTTP/S: AWS's default ``healthyRetryPolicy`` is 3 retries 20 s apart (minDelayTarget 20,
  maxDelayTarget 20, numRetries 3); a subscription's or topic's DeliveryPolicy can change it,
  within 3,600 s of total retry time and 100 retries.
* Email and SMS deliveries are recorded by the lab and never fail, so they never retry.

Jitter: "Amazon SNS applies jittering to delivery retries" (same page); AWS does not publish the
formula. The lab multiplies every non-zero delay by a factor drawn uniformly from
``1 ± JITTER`` with the lab's seeded generator (lab assumption).
"""
from __future__ import annotations

from dataclasses import dataclass

from .. import facts
from .errors import InvalidParameter

JITTER = facts.SNS_RETRY_JITTER


@dataclass(frozen=True)
class RetryPolicy:
    no_delay: int          # numNoDelayRetries
    min_retries: int       # numMinDelayRetries
    min_delay: float       # minDelayTarget, s
    backoff: int           # retries in the backoff phase
    max_delay: float       # maxDelayTarget, s
    max_retries: int       # numMaxDelayRetries
    function: str = "exponential"   # linear | arithmetic | geometric | exponential

    @property
    def retries(self) -> int:
        return self.no_delay + self.min_retries + self.backoff + self.max_retries

    @property
    def attempts(self) -> int:
        return self.retries + 1

    def delay(self, k: int) -> float | None:
        """The delay before retry ``k`` (1 = the first retry), before jitter; None when the
        policy is exhausted."""
        if k < 1 or k > self.retries:
            return None
        if k <= self.no_delay:
            return 0.0
        k -= self.no_delay
        if k <= self.min_retries:
            return self.min_delay
        k -= self.min_retries
        if k <= self.backoff:
            if self.backoff == 1:
                return self.max_delay
            x = (k - 1) / (self.backoff - 1)           # 0 .. 1 across the phase
            if self.function in ("linear", "arithmetic") or self.min_delay <= 0:
                return self.min_delay + (self.max_delay - self.min_delay) * x
            return self.min_delay * (self.max_delay / self.min_delay) ** x
        return self.max_delay

    def schedule(self) -> list[float]:
        """Every retry delay in order, without jitter (for tables and plots)."""
        return [self.delay(k) for k in range(1, self.retries + 1)]


# SNS/sns-message-delivery-retries.html, "AWS managed endpoints" row
MANAGED = RetryPolicy(no_delay=3, min_retries=2, min_delay=1.0, backoff=10, max_delay=20.0,
                      max_retries=facts.SNS_MANAGED_ATTEMPTS - 1 - 3 - 2 - 10)
# same page, "Creating an HTTP/S delivery policy": the default healthyRetryPolicy
HTTP_DEFAULT = RetryPolicy(no_delay=0, min_retries=0, min_delay=20.0, backoff=3,
                           max_delay=20.0, max_retries=0, function="linear")


def http_policy(document) -> RetryPolicy:
    """The HTTP/S retry policy of a DeliveryPolicy document (dict), validated."""
    if not document:
        return HTTP_DEFAULT
    healthy = (document.get("healthyRetryPolicy") if isinstance(document, dict) else None) or {}
    if not isinstance(healthy, dict):
        raise InvalidParameter("Invalid parameter: DeliveryPolicy: healthyRetryPolicy must be "
                               "a JSON object")
    try:
        lo = float(healthy.get("minDelayTarget", 20))
        hi = float(healthy.get("maxDelayTarget", 20))
        n = int(healthy.get("numRetries", 3))
        n0 = int(healthy.get("numNoDelayRetries", 0))
        n1 = int(healthy.get("numMinDelayRetries", 0))
        n3 = int(healthy.get("numMaxDelayRetries", 0))
    except (TypeError, ValueError):
        raise InvalidParameter("Invalid parameter: DeliveryPolicy: healthyRetryPolicy values "
                               "must be numbers") from None
    function = healthy.get("backoffFunction", "linear")
    if function not in ("linear", "arithmetic", "geometric", "exponential"):
        raise InvalidParameter(f"Invalid parameter: DeliveryPolicy: backoffFunction must be "
                               f"linear, arithmetic, geometric or exponential (got {function})")
    if not 0 <= n <= facts.SNS_HTTP_MAX_RETRIES or min(n0, n1, n3) < 0 or n0 + n1 + n3 > n:
        raise InvalidParameter(
            f"Invalid parameter: DeliveryPolicy: numRetries must be 0-"
            f"{facts.SNS_HTTP_MAX_RETRIES} and at least numNoDelayRetries + "
            "numMinDelayRetries + numMaxDelayRetries")
    if not 0 < lo <= hi:
        raise InvalidParameter("Invalid parameter: DeliveryPolicy: minDelayTarget must be "
                               "positive and at most maxDelayTarget")
    policy = RetryPolicy(n0, n1, lo, n - n0 - n1 - n3, hi, n3, function)
    total = sum(policy.schedule())
    if total > facts.SNS_HTTP_MAX_RETRY_TIME:
        raise InvalidParameter(
            f"Invalid parameter: DeliveryPolicy: the total retry time ({total:g} s) cannot be "
            f"greater than {facts.SNS_HTTP_MAX_RETRY_TIME} seconds")
    return policy


def jittered(delay: float, rng) -> float:
    """A delay with the lab's seeded jitter (zero stays zero)."""
    if delay <= 0:
        return 0.0
    return delay * (1.0 + JITTER * (2.0 * rng.random() - 1.0))
