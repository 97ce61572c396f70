"""Property test of Kinesis event source mappings: whatever the settings and the poison records,

* successful processing never breaks order: per shard with ParallelizationFactor 1, and per
  partition key always (L/services-kinesis-parameters.html), also across a reshard in the
  middle (UpdateShardCount: parents are finished before their children, L/with-kinesis.html);
* no record is processed successfully twice (the checkpoint only moves forward);
* every record is accounted for exactly once: processed, filtered out (FilterCriteria), reported to the
  on-failure destination, dropped after the retry/age limits (no destination), or expired from
  the stream (retention) — and the destination's batch sizes add up to what was reported.
"""
from __future__ import annotations

import base64
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdalab import Lab

# (partition key, seconds to the next put): mostly bursts, so batches hold several records
records_st = st.lists(st.tuples(st.sampled_from("abcdef"),
                                st.sampled_from([0, 0, 0, 0, 0, 0.5, 5, 30])),
                      min_size=1, max_size=60)


@settings(max_examples=150, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(records=records_st,
       shards=st.integers(1, 3), parallelization=st.integers(1, 3),
       batch_size=st.integers(1, 12), bisect=st.booleans(),
       retries=st.sampled_from([-1, 0, 1, 3]), max_age=st.sampled_from([-1, 60, 600]),
       report=st.booleans(), destination=st.booleans(), poison_every=st.integers(0, 6),
       duration=st.sampled_from(["10ms", "400ms", "2s"]),
       reshard=st.sampled_from([None, 0.5, 2.0]), skip_key_f=st.booleans())
def test_order_and_accounting(records, shards, parallelization, batch_size, bisect, retries,
                              max_age, report, destination, poison_every, duration, reshard,
                              skip_key_f):
    lab = Lab(seed=1)
    stream = lab.kinesis.create_stream("s", shards)
    dlq = lab.sqs.create_queue("failures")
    successes = []

    @lab.function(duration=duration)
    def consumer(event, context):
        items = event["Records"]
        bad = [i for i, r in enumerate(items)
               if base64.b64decode(r["kinesis"]["data"]).startswith(b"poison")]
        if bad and not report:
            raise ValueError("poison")
        good = items[:bad[0]] if bad else items
        successes.extend((r["eventID"].split(":")[0], r["kinesis"]["partitionKey"],
                          int(r["kinesis"]["sequenceNumber"])) for r in good)
        if bad:
            return {"batchItemFailures": [{"itemIdentifier": items[i]["kinesis"]
                                           ["sequenceNumber"]} for i in bad]}
        return {"batchItemFailures": []}

    options = {}
    if skip_key_f:      # FilterCriteria: records of partition key "f" are skipped
        options["filter_criteria"] = {"Filters": [
            {"Pattern": json.dumps({"partitionKey": [{"anything-but": "f"}]})}]}
    if destination:
        options["destination_config"] = {"OnFailure": {"Destination": dlq.arn}}
    mapping = lab.awslambda.create_event_source_mapping(
        consumer, stream.arn, starting_position="TRIM_HORIZON", batch_size=batch_size,
        parallelization_factor=parallelization, bisect_batch_on_function_error=bisect,
        maximum_retry_attempts=retries, maximum_record_age=max_age,
        function_response_types=["ReportBatchItemFailures"] if report else None, **options)
    put = 0
    for i, (key, gap) in enumerate(records):
        is_poison = poison_every and i % poison_every == poison_every - 1
        lab.kinesis.put_record(stream, f"{'poison' if is_poison else 'ok'}-{i}", key)
        put += 1
        lab.run(gap)
        if reshard and i == len(records) // 2:
            target = max(1, round(len(stream.open_shards) * reshard))
            if target != len(stream.open_shards):
                lab.kinesis.update_shard_count(stream, target)
    lab.run("26h")

    # no success twice, and order per shard (per key when parallelized)
    assert len(set(successes)) == len(successes)
    per_shard: dict = {}
    per_key: dict = {}
    for shard, key, seq in successes:
        per_shard.setdefault(shard, []).append(seq)
        per_key.setdefault(key, []).append(seq)    # children's numbers exceed their parents'
    for seqs in per_key.values():
        assert seqs == sorted(seqs)
    if parallelization == 1:
        for seqs in per_shard.values():
            assert seqs == sorted(seqs)

    stats = mapping.stats()
    assert stats["processed"] == len(successes)
    if skip_key_f:
        assert all(key != "f" for _, key, _ in successes)
        # a record behind a poison record on a blocked shard can expire before it is read
        # (and filtered), so: every "f" record filtered at most once, none processed
        assert stats["filtered_out"] <= sum(key == "f" for key, _ in records)
    else:
        assert stats["filtered_out"] == 0
    assert stats["waiting"] == 0
    assert (stats["processed"] + stats["filtered_out"] + stats["reported_on_failure"]
            + stats["dropped"] + stats["expired"]) == put
    if destination:
        bodies = [json.loads(d.body) for d in lab.deliveries_to(dlq.arn)]
        assert sum(b["KinesisBatchInfo"]["batchSize"] for b in bodies) == \
            stats["reported_on_failure"]
        assert stats["dropped"] == 0
    else:
        assert stats["reported_on_failure"] == 0
