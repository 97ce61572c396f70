"""Solutions to the exercises of notebook 09 · Streams: Kinesis and DynamoDB."""


def exercise_1_configure(lab, stream, dlq):
    """At most 2 retries, bisect so only the poison record is given up (the good records of its
    batch are processed), and an on-failure destination so the poison record is reported."""
    return lab.awslambda.create_event_source_mapping(
        "consumer", stream.arn, starting_position="TRIM_HORIZON", batch_size=8,
        maximum_retry_attempts=2, bisect_batch_on_function_error=True,
        destination_config={"OnFailure": {"Destination": dlq.arn}})


def exercise_2_concurrency() -> int:
    """One poller per shard, each running up to ParallelizationFactor batches at once."""
    return 4 * 3
