"""Course-wide pytest hook: under nbval, each notebook must run in under 60 s (DESIGN §6).

nbval runs a notebook as one test item per cell; this adds up their durations per notebook
(kernel start included) and fails the session when a notebook is over budget.
``LAMBDALAB_NOTEBOOK_BUDGET`` (seconds) overrides the budget, e.g. to check that this works.
"""
import collections
import os

_seconds: dict = collections.defaultdict(float)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _seconds[path] += report.duration


def pytest_sessionfinish(session, exitstatus):
    budget = float(os.environ.get("LAMBDALAB_NOTEBOOK_BUDGET", "60"))
    slow = {path: s for path, s in sorted(_seconds.items()) if s > budget}
    if slow:
        for path, s in slow.items():
            print(f"\n{path}: {s:.1f} s under nbval, over the {budget:g} s budget per notebook")
        session.exitstatus = 1
