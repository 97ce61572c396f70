"""1,000,000 SQS messages through queue -> event source mapping -> Lambda function.

Target (issue: SQS and event source mappings): under 20 s of wall time for a million messages,
batch size 10, 100 concurrent batches (ScalingConfig.MaximumConcurrency=100; the pollers start
at 5 and add 300 per minute, as on AWS). The time covers sending (distinct bodies), polling,
invoking the handler (real Python, with the real SQS event JSON) and deleting.

Run: ``python benchmarks/sqs_esm_throughput.py [messages]``.
"""
from __future__ import annotations

import sys
import time

from lambdalab import Lab


def run(messages: int = 1_000_000, batch_size: int = 10, concurrency: int = 100):
    lab = Lab(seed=0)
    queue = lab.sqs.create_queue("orders")
    processed = [0]

    @lab.function(duration="20ms", timeout=10)
    def worker(event, context):
        processed[0] += len(event["Records"])

    mapping = lab.awslambda.create_event_source_mapping(
        worker, queue.arn, batch_size=batch_size, maximum_concurrency=concurrency)
    started = time.perf_counter()
    queue.send_many([f'{{"order": {i}}}' for i in range(messages)])
    sent = time.perf_counter()
    lab.run()
    done = time.perf_counter()
    stats = queue.stats()
    assert processed[0] == messages and stats["deleted"] == messages, (processed, stats)
    return {"messages": messages, "send_s": sent - started, "run_s": done - sent,
            "wall_s": done - started, "batches": mapping.batches,
            "peak_concurrency": max(c for _, c in mapping.scaling),
            "virtual_s": lab.clock.t}


def main() -> None:
    messages = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    r = run(messages)
    print(f"SQS -> ESM -> Lambda: {r['messages']:,d} messages in {r['batches']:,d} batches of "
          f"10, up to {r['peak_concurrency']} concurrent: {r['wall_s']:.2f} s wall "
          f"(send {r['send_s']:.2f} s, poll+invoke+delete {r['run_s']:.2f} s) = "
          f"{r['messages'] / r['wall_s']:,.0f} messages/s; {r['virtual_s']:.0f} s of virtual time")


if __name__ == "__main__":
    main()
