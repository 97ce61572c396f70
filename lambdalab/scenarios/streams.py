"""Kinesis -> Lambda through a stream event source mapping: shards, batch size,
parallelization factor, IteratorAge, and what a poison record does to a shard.

One call builds a fresh :class:`~lambdalab.Lab`, creates a stream with ``shards`` shards, and
writes ``rate`` records per second for ``seconds`` seconds (partition keys ``user-0`` ...
``user-{keys-1}`` in turn). A mapping feeds them to a function that takes ``function_ms`` plus
``per_record_ms`` for each record of the batch. ``poison_at`` makes that record (by write
order) one the function can never process: it raises whenever the record is in its batch.
"""
from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass

import pandas as pd

from ..lab import Lab


@dataclass
class StreamMappingResult:
    params: dict
    samples: pd.DataFrame    # per second: time, written, processed, throughput (records done in
                             # that second), oldest_age (s: the oldest record not yet done or
                             # reported to the destination; records dropped without one keep
                             # counting), concurrency (invocations running at the sample)
    trace: pd.DataFrame      # the mapping's trace: one row per batch attempt
    stats: dict              # the mapping's stats(): processed, reported_on_failure, waiting ...
    failures: list           # the on-failure destination's records (no data in them)
    counts: dict             # written, processed, peak_concurrency, max_iterator_age_s, ...

    def summary(self) -> str:
        c = self.counts
        return (f"{c['written']} records on {self.params['shards']} shards: {c['processed']} "
                f"processed, {c['reported']} reported to the on-failure destination, "
                f"{c['dropped']} dropped, {c['waiting']} waiting; {c['batches']} batch attempts "
                f"(mean size {c['mean_batch']:g}), peak concurrency {c['peak_concurrency']} "
                f"(limit {c['max_concurrency']}), max IteratorAge {c['max_iterator_age_s']:g} s")


def stream_mapping(shards: int = 4, rate: float = 100, seconds: int = 30, keys: int = 64,
                   batch_size: int = 100, batching_window: int = 0,
                   parallelization_factor: int = 1,
                   function_ms: float = 100, per_record_ms: float = 5,
                   poison_at: int | None = None, bisect: bool = False,
                   max_retries: int = -1, max_record_age: int = -1,
                   on_failure: bool = False, run_for: int | None = None,
                   seed: int = 0) -> StreamMappingResult:
    """Run the stream -> mapping -> function pipeline.

    Records are written for ``seconds`` seconds; the lab then runs until ``run_for`` seconds
    (default ``seconds`` + 30) and samples once a second. ``batching_window`` is
    MaximumBatchingWindowInSeconds (the lab reads a shard as soon as records arrive; AWS polls
    each shard about once a second, so a window of 1 s is closer to AWS's batches). ``max_retries`` / ``max_record_age``
    are MaximumRetryAttempts / MaximumRecordAgeInSeconds (-1: until the record expires);
    ``on_failure`` adds an SQS queue as the OnFailure destination."""
    params = dict(locals())
    lab = Lab(seed=seed)
    stream = lab.kinesis.create_stream("clicks", shards)
    handled: list[tuple[str, list[int]]] = []     # (request id, record indexes) that succeeded

    def consumer(event, context):
        numbers = [int(base64.b64decode(r["kinesis"]["data"])) for r in event["Records"]]
        if poison_at is not None and poison_at in numbers:
            raise ValueError(f"cannot parse record {poison_at}")
        handled.append((context.aws_request_id, numbers))

    lab.function(consumer, name="consumer",
                 duration=lambda event: (function_ms + per_record_ms
                                         * len(event["Records"])) / 1000,
                 timeout=max(3, math.ceil((function_ms + per_record_ms * batch_size) / 1000) + 1))
    dlq = lab.sqs.create_queue("clicks-failures") if on_failure else None
    mapping = lab.awslambda.create_event_source_mapping(
        "consumer", stream.arn, starting_position="TRIM_HORIZON", batch_size=batch_size,
        maximum_batching_window=batching_window,
        parallelization_factor=parallelization_factor, maximum_retry_attempts=max_retries,
        maximum_record_age=max_record_age, bisect_batch_on_function_error=bisect,
        destination_config={"OnFailure": {"Destination": dlq.arn}} if dlq else None)

    total = int(rate * seconds)
    written_at = [i / rate for i in range(total)]
    where: dict[tuple[str, int], int] = {}      # (shard, sequence number) -> record index

    def write(i):
        out = lab.kinesis.put_record(stream, str(i), f"user-{i % keys}")
        where[(out["ShardId"], int(out["SequenceNumber"]))] = i

    for i in range(total):
        lab.clock.at(written_at[i], write, i)

    end = int(run_for if run_for is not None else seconds + 30)
    lab.run(end)

    trace = mapping.trace()
    stats = mapping.stats()
    failures = [json.loads(m.body) for m in dlq.messages()] if dlq is not None else []
    # records reported to the destination stop waiting when they are reported (records dropped
    # without a destination cannot be seen here, so they keep counting as waiting)
    given_up: dict[int, float] = {}
    for delivery in (lab.deliveries_to(dlq.arn) if dlq is not None else []):
        info = json.loads(delivery.body)["KinesisBatchInfo"]
        first, last = int(info["startSequenceNumber"]), int(info["endSequenceNumber"])
        for (shard, seq), i in where.items():
            if shard == info["shardId"] and first <= seq <= last:
                given_up.setdefault(i, delivery.time)
    attempts = trace[trace.outcome != "throttled"]
    runs = lab.trace("consumer")
    runs = runs[runs.outcome != "throttled"]
    spans = list(zip(runs.start.astype(float), runs.end.astype(float)))
    ends = dict(zip(runs.request_id, runs.end.astype(float)))
    done_at: dict[int, float] = {}
    for request_id, numbers in handled:
        for n in numbers:
            done_at.setdefault(n, ends[request_id])
    finished = sorted(done_at.values())
    rows = []
    times = list(range(end + 1))
    done_sorted = sorted(done_at.items(), key=lambda kv: kv[1])
    k = 0
    done_now: set[int] = set()
    oldest = 0
    for t in times:
        while k < len(done_sorted) and done_sorted[k][1] <= t:
            done_now.add(done_sorted[k][0])
            k += 1
        while oldest < total and (oldest in done_now or given_up.get(oldest, math.inf) <= t):
            oldest += 1
        written = min(total, int(math.floor(t * rate)) + 1) if t < seconds else total
        age = round(t - written_at[oldest], 3) if oldest < total and written_at[oldest] <= t \
            else 0.0
        rows.append((t, written, len(done_now), age, sum(1 for a, b in spans if a <= t < b)))
    samples = pd.DataFrame(rows, columns=["time", "written", "processed", "oldest_age",
                                          "concurrency"])
    samples["throughput"] = samples.processed.diff().fillna(0).astype(int)
    samples = samples[["time", "written", "processed", "throughput", "oldest_age",
                       "concurrency"]]

    peak = level = 0
    for _, d in sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans],
                       key=lambda x: (x[0], x[1])):
        level += d
        peak = max(peak, level)
    counts = {"written": total, "processed": stats["processed"],
              "reported": stats["reported_on_failure"], "dropped": stats["dropped"],
              "waiting": stats["waiting"], "batches": len(attempts),
              "mean_batch": round(float(attempts["size"].mean()), 1) if len(attempts) else 0.0,
              "peak_concurrency": peak, "max_concurrency": shards * parallelization_factor,
              "max_iterator_age_s": round(float(attempts.iterator_age_ms.max()) / 1000, 1)
              if len(attempts) else 0.0,
              "bisections": stats["bisections"], "failed_batches": stats["failed_batches"],
              "all_done_at": round(finished[-1], 3) if finished else None}
    return StreamMappingResult(params, samples, trace, stats, failures, counts)
