"""Solutions to the exercises of 03_lambda_functions.ipynb."""


def exercise_1() -> int:
    """The cheapest memory size for 2 s of single-threaded CPU work (no I/O).

    Below 1,769 MB a single thread gets memory/1,769 of a vCPU, so halving the memory doubles the
    duration and GB-seconds stay the same: the cost is flat, except that each size's duration is
    rounded up to the next millisecond. At 1,769 MB the job takes exactly 2,000 ms (no rounding),
    so it is the cheapest by a hair, and almost 14 times faster than 128 MB. Above 1,769 MB the
    job gets no faster, so cost grows with memory."""
    return 1769


def exercise_2() -> int:
    """A memory size at which build_report (2 s CPU on 1 vCPU + 0.5 s wait) ends within 3 s.

    It needs 2,000 x 1,769 / memory + 500 < 3,000 ms, i.e. memory >= 1,416 MB. At 1,769 MB
    (one full vCPU) it takes 2,500 ms."""
    return 1769
