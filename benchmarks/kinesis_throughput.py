"""Records per second through a 4-shard Kinesis stream -> event source mapping -> Lambda.

Issue 5 (streams) asks for the rate through a 4-shard stream with batch size 100. The time
covers writing the records (PutRecords, 500 per call, distinct partition keys and payloads),
reading the shards, building the Kinesis event JSON (base64 data), invoking the handler (real
Python that decodes every record) and the checkpointing.

Run: ``python benchmarks/kinesis_throughput.py [records] [parallelization_factor]``.
"""
from __future__ import annotations

import base64
import sys
import time

from lambdalab import Lab


def run(records: int = 200_000, shards: int = 4, batch_size: int = 100,
        parallelization: int = 1) -> dict:
    lab = Lab(seed=0)
    stream = lab.kinesis.create_stream("clicks", shards)
    seen = [0]

    @lab.function(duration="20ms")
    def consumer(event, context):
        for record in event["Records"]:
            base64.b64decode(record["kinesis"]["data"])
        seen[0] += len(event["Records"])

    mapping = lab.awslambda.create_event_source_mapping(
        consumer, stream.arn, starting_position="TRIM_HORIZON", batch_size=batch_size,
        parallelization_factor=parallelization)
    started = time.perf_counter()
    for start in range(0, records, 500):
        lab.kinesis.put_records(stream, [
            {"Data": f'{{"click": {i}}}'.encode(), "PartitionKey": f"user-{i % 10_000}"}
            for i in range(start, min(start + 500, records))])
    written = time.perf_counter()
    lab.run()
    done = time.perf_counter()
    stats = mapping.stats()
    assert seen[0] == records and stats["processed"] == records, (seen, stats)
    return {"records": records, "put_s": written - started, "run_s": done - written,
            "wall_s": done - started, "batches": stats["batches"],
            "virtual_s": lab.clock.t}


def main() -> None:
    records = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    factor = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    r = run(records, parallelization=factor)
    print(f"Kinesis (4 shards) -> ESM (batch 100, parallelization {factor}) -> Lambda: "
          f"{r['records']:,d} records in {r['batches']:,d} batches: {r['wall_s']:.2f} s wall "
          f"(put {r['put_s']:.2f} s, poll+invoke {r['run_s']:.2f} s) = "
          f"{r['records'] / r['wall_s']:,.0f} records/s; {r['virtual_s']:.0f} s of virtual time")


if __name__ == "__main__":
    main()
