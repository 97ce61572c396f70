"""The solutions of notebook 07 satisfy the same conditions as its check helpers."""
from pathlib import Path

from lambdalab import Lab, scenarios
from course import load_module

PATH = (Path(__file__).resolve().parents[1] / "notebooks" / "solutions"
        / "07_sqs_event_source_mapping.py")


def load():
    return load_module(PATH)


def test_exercise_1_visibility_timeout_avoids_duplicates_and_follows_the_6x_rule():
    answer = load().exercise_1_visibility_timeout()
    # check_visibility_timeout: a whole number of seconds in 0-43,200, no duplicates for a 40 s
    # job with a 60 s timeout, and at least 6 x 60 s
    assert isinstance(answer, int) and not isinstance(answer, bool)
    assert 6 * 60 <= answer <= 43_200
    r = scenarios.sqs_mapping(messages=20, function_ms=40_000, function_timeout=60,
                              visibility_timeout=answer, max_receive_count=None, seconds=300)
    assert r.counts["duplicates"] == 0 and r.counts["deleted"] == 20


def test_a_short_visibility_timeout_fails_the_same_check():
    r = scenarios.sqs_mapping(messages=20, function_ms=40_000, function_timeout=60,
                              visibility_timeout=30, max_receive_count=None, seconds=300)
    assert r.counts["duplicates"] > 0


def test_exercise_2_poison_message_reaches_the_dlq_after_exactly_3_receives():
    # check_poison: a function failing on "poison", batch size 1; after an hour the DLQ holds
    # exactly ["poison"], received 3 times, and "fine" was deleted
    lab = Lab(seed=1)
    queue, dlq = load().exercise_2_build(lab)
    receives = []

    def consumer(event, context):
        for record in event["Records"]:
            if record["body"] == "poison":
                receives.append(record["attributes"]["ApproximateReceiveCount"])
                raise ValueError("poison")

    lab.function(consumer, name="consumer", timeout=min(30, queue.visibility_timeout))
    lab.awslambda.create_event_source_mapping("consumer", queue.arn, batch_size=1)
    queue.send("poison")
    queue.send("fine")
    lab.run("1h")
    assert queue.redrive_policy is not None
    assert [m.body for m in dlq.messages()] == ["poison"]
    assert receives == ["1", "2", "3"]
    assert queue.stats()["deleted"] == 1
