"""Solutions to the exercises of notebook 07 · SQS → Lambda: the event source mapping."""


def exercise_1_visibility_timeout() -> int:
    """A 40 s job with a 60 s function timeout: AWS recommends a visibility timeout of at least
    6 x the function timeout, 6 x 60 = 360 s. Anything from 41 s avoids duplicates in the lab,
    below 60 s AWS rejects the mapping, and below 360 s a throttled batch has little room."""
    return 6 * 60


def exercise_2_build(lab):
    """A DLQ and a queue whose redrive policy moves a message there after 3 receives."""
    dlq = lab.sqs.create_queue("payments-dlq")
    queue = lab.sqs.create_queue(
        "payments", visibility_timeout=30,
        redrive_policy={"deadLetterTargetArn": dlq.arn, "maxReceiveCount": 3})
    return queue, dlq
