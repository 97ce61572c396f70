"""Solutions to the exercises of 04_invoking_lambda.ipynb."""


def configure(lab, name):
    """Exercise 1: a failing async event is tried exactly twice, then lands in a DLQ.

    Two tries = the first attempt + one retry (MaximumRetryAttempts=1); the DLQ is a
    standard SQS queue (a FIFO queue would be rejected)."""
    dlq = lab.sqs.create_queue("failed-jobs")
    lab.awslambda.get(name).configure(dead_letter_arn=dlq.arn)
    lab.awslambda.put_event_invoke_config(name, maximum_retry_attempts=1)


def status_codes():
    """Exercise 2: the status code of each invocation type."""
    return {"RequestResponse": 200, "Event": 202, "DryRun": 204}
