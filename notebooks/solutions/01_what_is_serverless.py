"""Solutions for notebooks/01_what_is_serverless.ipynb.

Try the exercises in the notebook first; the notebook's check helpers tell you when you are done.
tests/test_solutions_01.py verifies these solutions.
"""
from lambdalab import facts


def break_even_requests(duration_ms: float = 200, memory_mb: int = 1024) -> float:
    """Exercise 1: the monthly request volume at which Lambda costs as much as one server.

    Lambda per month = requests x (price per request + seconds x GB x price per GB-second);
    the server per month = $0.0416/h x 730 h. Set them equal and solve for requests.
    For 200 ms and 1024 MB: $30.368 / $0.00000353334 = about 8.59 million requests a month.
    """
    server = facts.EXAMPLE_SERVER_PER_HOUR * facts.HOURS_PER_MONTH
    per_request = facts.PRICE_PER_REQUEST + \
        duration_ms / 1000 * memory_mb / 1024 * facts.PRICE_PER_GB_SECOND["x86_64"]
    return server / per_request


def traits() -> dict:
    """Exercise 2: the trait each experiment shows.

    A: a week without requests costs $0: pay per use.
    B: the environments jump from 1 to 166 when the traffic jumps: on-demand scaling.
    C: three environments each saw only their own event: stateless.
    """
    return {"A": "pay per use", "B": "on-demand scaling", "C": "stateless"}
