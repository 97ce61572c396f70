"""The solutions of notebook 09 satisfy the same conditions as its check helpers."""
import base64
import json
from pathlib import Path

from lambdalab import Lab, scenarios
from course import load_module

PATH = (Path(__file__).resolve().parents[1] / "notebooks" / "solutions"
        / "09_streams_kinesis_and_dynamodb.py")


def load():
    return load_module(PATH)


def run_poison_check(configure):
    """check_poison_mapping: 16 records on one shard, record 5 poison, one hour."""
    test = Lab(seed=3)
    stream = test.kinesis.create_stream("orders", 1)
    dlq = test.sqs.create_queue("orders-dlq")
    done = []

    def consumer(event, context):
        data = [base64.b64decode(r["kinesis"]["data"]).decode() for r in event["Records"]]
        if "poison" in data:
            raise ValueError("cannot parse the poison record")
        done.extend(data)

    test.function(consumer, name="consumer")
    mapping = configure(test, stream, dlq)
    sequences = {}
    for i in range(16):
        body = "poison" if i == 5 else str(i)
        sequences[body] = test.kinesis.put_record(stream, body, "k")["SequenceNumber"]
    test.run("1h")
    info = [json.loads(m.body)["KinesisBatchInfo"] for m in dlq.messages()]
    poison = int(sequences["poison"])
    caught = [i for i in info
              if int(i["startSequenceNumber"]) <= poison <= int(i["endSequenceNumber"])]
    return mapping.describe()["MaximumRetryAttempts"], caught, done


def test_exercise_1_poison_costs_at_most_2_retries_and_lands_in_the_dlq():
    retries, caught, done = run_poison_check(load().exercise_1_configure)
    assert 0 <= retries <= 2
    assert caught and all(i["batchSize"] == 1 for i in caught)
    assert done == [str(i) for i in range(16) if i != 5]


def test_the_placeholder_configuration_fails_the_same_check():
    def placeholder(lab, stream, dlq):
        return lab.awslambda.create_event_source_mapping(
            "consumer", stream.arn, starting_position="TRIM_HORIZON", batch_size=8)
    retries, caught, done = run_poison_check(placeholder)
    assert retries == -1 and not caught and done == []   # the poison batch blocks the shard


def test_without_bisect_good_records_are_lost():
    def no_bisect(lab, stream, dlq):
        return lab.awslambda.create_event_source_mapping(
            "consumer", stream.arn, starting_position="TRIM_HORIZON", batch_size=8,
            maximum_retry_attempts=2, destination_config={"OnFailure": {"Destination": dlq.arn}})
    retries, caught, done = run_poison_check(no_bisect)
    assert caught and done != [str(i) for i in range(16) if i != 5]


def test_exercise_2_four_shards_times_three():
    answer = load().exercise_2_concurrency()
    assert answer == 12
    r = scenarios.stream_mapping(shards=4, parallelization_factor=3, rate=200, seconds=10,
                                 batch_size=1, run_for=20)
    assert r.counts["peak_concurrency"] == answer == r.counts["max_concurrency"]
