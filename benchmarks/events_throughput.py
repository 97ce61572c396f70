"""EventBridge on the lab clock: schedules and PutEvents fan-out, in wall-clock seconds.

Budget (issue 6): a week of ``cron(0 8 * * ? *)`` in well under a second. Run:
``python benchmarks/events_throughput.py [events]``.
"""
from __future__ import annotations

import json
import sys
import time

from lambdalab import Lab


def timed(label, fn) -> None:
    started = time.perf_counter()
    detail = fn()
    print(f"{label:52s} {time.perf_counter() - started:8.3f} s  {detail}")


def week_of_daily_cron():
    lab = Lab(seed=0)
    q = lab.sqs.create_queue("ticks")
    lab.events.put_rule("daily", schedule_expression="cron(0 8 * * ? *)")
    lab.events.put_targets("daily", [{"Id": "q", "Arn": q.arn}])
    lab.run("7d")
    return f"{len(lab.events.events)} firings"


def year_of_minutely_rate():
    lab = Lab(seed=0)
    lab.events.put_rule("tick", schedule_expression="rate(1 minute)")
    lab.run("365d")
    return f"{len(lab.events.events)} firings"


def put_events(n: int):
    lab = Lab(seed=0)
    queues = [lab.sqs.create_queue(f"q{i}") for i in range(3)]
    lab.events.put_rule("orders", event_pattern={"source": ["shop"],
                                                 "detail": {"total": [{"numeric": [">", 10]}]}})
    lab.events.put_targets("orders", [{"Id": f"q{i}", "Arn": q.arn} for i, q in enumerate(queues)])
    entries = [{"Source": "shop", "DetailType": "Order", "Detail": json.dumps({"total": 5 * (i + 1)})}
               for i in range(10)]
    for _ in range(n // 10):
        lab.events.put_events(entries)
    lab.run()
    return f"{n:,} events, {sum(q.stats()['sent'] for q in queues):,} deliveries (8 in 10 match)"


def main(n: int = 100_000) -> None:
    timed("a week of cron(0 8 * * ? *)", week_of_daily_cron)
    timed("a year of rate(1 minute) (525,600 firings)", year_of_minutely_rate)
    timed(f"PutEvents x {n // 10:,} (10 entries), 1 rule, 3 SQS targets", lambda: put_events(n))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
