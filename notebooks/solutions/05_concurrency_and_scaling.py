"""Solutions to the exercises of notebook 05 · Concurrency and scaling."""


def exercise_1_reserved_concurrency() -> int:
    """Just enough reserved concurrency for 100 req/s of 300 ms requests, without a throttle.

    Little's law gives 100 x 0.3 = 30 once warm, but during ramp-up each cold request holds its
    environment for INIT + duration = 0.25 + 0.3 s, so the first second needs about
    100 x 0.55 = 55 environments, plus one for the request arriving as the first one ends.
    ``scenarios.concurrency(rate=100, duration_ms=300, seconds=30, reserved=56)`` has no throttles;
    55 still throttles one request.
    """
    return 56


def exercise_2_environments() -> int:
    """50 requests/s x 2 s per request = 100 concurrent execution environments."""
    return 50 * 2
