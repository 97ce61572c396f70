"""Solutions for notebooks/00_welcome.ipynb.

Try the exercises in the notebook first; the notebook's check helpers tell you when you are done.
tests/test_solutions_00.py verifies these solutions.
"""


def make_brew(lab):
    """Exercise 1: a function whose every call takes 250 ms.

    ``duration`` takes a string with a unit ("250ms") or a number of seconds (0.25).
    A bare ``250`` would mean 250 seconds, far past the default 3-second timeout.
    """
    @lab.function(duration="250ms")
    def brew(event, context):
        return {"coffee": "ready"}

    return brew
