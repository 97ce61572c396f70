"""SQS -> Lambda through an event source mapping: polling, batches, visibility timeout, partial
batch responses, redrive to a dead-letter queue, poller scaling and maximum concurrency.

One call builds a fresh :class:`~lambdalab.Lab`, sends ``messages`` to a queue (all at once or
at ``arrival_rate`` per second), lets a mapping feed them to a function that takes
``function_ms`` per batch and fails each message with probability ``failure_rate`` (seeded), and
samples the queue once a second for ``seconds`` seconds.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

import pandas as pd

from ..lab import Lab


@dataclass
class SQSMappingResult:
    params: dict
    samples: pd.DataFrame     # per second: time, visible, in_flight, dlq, concurrency, done
    batches: pd.DataFrame     # one row per invocation: start, end, size, outcome, failed
    messages: pd.DataFrame    # one row per message: message, sent, receives, processed (times
                              # its work was done), done_at, latency, in_dlq, deleted
    counts: dict              # sent, deleted, processed, duplicates, dlq, left, batches, ...
    scaling: list             # (time, concurrent batches allowed) as the pollers scale
    visibility_lowered: bool  # the queue's timeout was set below the function timeout after
                              # the mapping was created (AWS checks only at create/update)

    def summary(self) -> str:
        c = self.counts
        return (f"{c['sent']} messages: {c['deleted']} done, {c['dlq']} in the DLQ, "
                f"{c['left']} still queued; {c['batches']} batches (mean size "
                f"{c['mean_batch']:g}), peak concurrency {c['peak_concurrency']}, "
                f"{c['duplicates']} processed more than once; median latency "
                + (f"{c['median_latency']:g} s" if c["median_latency"] is not None else "n/a"))


def sqs_mapping(messages: int = 300, arrival_rate: float | None = None, batch_size: int = 10,
                batching_window: int = 0, visibility_timeout: int = 30,
                function_ms: float = 2000, function_timeout: int | None = None,
                per_message_ms: float = 0, init_ms: float = 250,
                failure_rate: float = 0.0, max_receive_count: int | None = 3,
                maximum_concurrency: int | None = None, reserved: int | None = None,
                report_batch_item_failures: bool = False, seconds: int = 120,
                seed: int = 0) -> SQSMappingResult:
    """Run the queue -> mapping -> function pipeline for ``seconds`` virtual seconds.

    ``arrival_rate`` None sends every message at t = 0; otherwise message ``i`` is sent at
    ``i / arrival_rate``. ``function_timeout`` defaults to the duration rounded up plus 1 s;
    ``per_message_ms`` adds that much per message of the batch; ``init_ms`` is each new
    environment's cold start.
    ``max_receive_count`` None means no dead-letter queue. A message that fails makes the
    whole batch fail (the handler raises) unless ``report_batch_item_failures``, when the
    handler returns ``batchItemFailures`` with just the failed message IDs."""
    params = dict(locals())
    lab = Lab(seed=seed)
    draw = random.Random(f"sqs-failures-{seed}")
    longest = (function_ms + per_message_ms * batch_size) / 1000
    timeout = function_timeout or max(1, math.ceil(longest) + 1)
    redrive = None
    dlq = None
    if max_receive_count:
        dlq = lab.sqs.create_queue("orders-dlq", message_retention_period=1_209_600)
        redrive = {"deadLetterTargetArn": dlq.arn, "maxReceiveCount": max_receive_count}
    # The mapping refuses a function timeout above the queue's visibility timeout, so a queue
    # meant to have a shorter one is created long enough, then lowered (SetQueueAttributes is
    # not checked against mappings, on AWS either).
    queue = lab.sqs.create_queue("orders", visibility_timeout=max(visibility_timeout, timeout),
                                 redrive_policy=redrive)
    handled = []     # (request id, [(message index, ok), ...])

    def worker(event, context):
        results, failed = [], []
        for record in event["Records"]:
            ok = not (failure_rate and draw.random() < failure_rate)
            results.append((int(record["body"]), ok))
            if not ok:
                failed.append({"itemIdentifier": record["messageId"]})
        handled.append((context.aws_request_id, results))
        if failed:
            if report_batch_item_failures:
                return {"batchItemFailures": failed}
            raise RuntimeError(f"{len(failed)} of {len(results)} messages failed")
        return {"batchItemFailures": []} if report_batch_item_failures else None

    duration = function_ms / 1000
    if per_message_ms:
        def duration(event):
            return (function_ms + per_message_ms * len(event["Records"])) / 1000
    lab.function(worker, name="worker", duration=duration, timeout=timeout,
                 init_duration=init_ms / 1000, reserved_concurrency=reserved)
    mapping = lab.awslambda.create_event_source_mapping(
        "worker", queue.arn, batch_size=batch_size, maximum_batching_window=batching_window,
        maximum_concurrency=maximum_concurrency,
        function_response_types=["ReportBatchItemFailures"] if report_batch_item_failures
        else None)
    lowered = visibility_timeout < timeout
    if lowered:
        queue.set_attributes({"VisibilityTimeout": str(visibility_timeout)})

    sent_at = [0.0] * messages
    if arrival_rate:
        for i in range(messages):
            sent_at[i] = i / arrival_rate
            lab.clock.at(sent_at[i], queue.send, str(i))
    else:
        queue.send_many([str(i) for i in range(messages)])

    rows = []

    def sample():
        s = queue.stats()
        rows.append((round(lab.clock.t, 3), s["visible"], s["in_flight"],
                     dlq.stats()["visible"] if dlq is not None else 0, mapping.inflight,
                     s["deleted"]))

    sample()
    for _ in range(int(seconds)):
        lab.run(1)
        sample()
    samples = pd.DataFrame(rows, columns=["time", "visible", "in_flight", "dlq", "concurrency",
                                          "done"])

    attempts = {a.request_id: a for a in lab.awslambda.attempts if a.function == "worker"}
    in_dlq = {int(m.body) for m in dlq.messages()} if dlq is not None else set()
    left = {int(m.body) for m in queue.messages()}
    batch_rows = []
    receives, processed = [0] * messages, [0] * messages
    done_at = [math.nan] * messages
    for request_id, results in handled:
        a = attempts[request_id]
        end = a.start + a.init + a.duration
        nfailed = sum(1 for _, ok in results if not ok)
        batch_rows.append((round(a.start, 3), round(end, 3), len(results), a.outcome, nfailed))
        finished = a.outcome == "success"
        kept = finished and (report_batch_item_failures or not nfailed)
        for i, ok in results:
            receives[i] += 1
            if ok and a.outcome in ("success", "error"):
                # the handler did this message's work (its side effects), even when another
                # message of the batch made it raise afterwards
                processed[i] += 1
            if ok and kept and i not in in_dlq and i not in left:
                done_at[i] = end      # the last such batch is the one whose delete counted
    batches = pd.DataFrame(batch_rows, columns=["start", "end", "size", "outcome", "failed"])
    throttles = sum(1 for a in lab.awslambda.attempts if a.outcome == "throttled")
    frame = pd.DataFrame({"message": range(messages), "sent": sent_at, "receives": receives,
                          "processed": processed, "done_at": done_at})
    frame["latency"] = (frame.done_at - frame.sent).round(3)
    frame["in_dlq"] = frame.message.isin(in_dlq)
    frame["deleted"] = ~frame.message.isin(in_dlq | left)

    peak = 0
    level = 0
    for _, d in sorted([(s, 1) for s, *_ in batch_rows] + [(e, -1) for _, e, *_ in batch_rows]):
        level += d
        peak = max(peak, level)
    latency = frame.latency.dropna()
    stats = queue.stats()
    counts = {"sent": messages, "deleted": stats["deleted"],
              "processed": int((frame.processed > 0).sum()),
              "duplicates": int((frame.processed > 1).sum()),
              "dlq": len(in_dlq), "left": len(left),
              "batches": len(batch_rows), "failed_batches": mapping.failed_batches,
              "throttles": throttles,
              "mean_batch": round(float(batches["size"].mean()), 1) if len(batches) else 0.0,
              "peak_concurrency": peak,
              "median_latency": round(float(latency.median()), 1) if len(latency) else None}
    return SQSMappingResult(params, samples, batches, frame, counts,
                            [(round(t, 3), n) for t, n in mapping.scaling], lowered)
