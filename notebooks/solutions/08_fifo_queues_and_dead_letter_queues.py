"""Solutions to the exercises of 08_fifo_queues_and_dead_letter_queues.ipynb."""
import json


def send_payment(queue, payment):
    """Exercise 1: retries of one payment are stored once, each account's payments stay in order.

    The bodies of a payment and its retry differ (``sent_at``), so content-based deduplication
    would not catch the retry: use the payment's own ID as the deduplication ID, and the account
    as the message group."""
    return queue.send(json.dumps(payment), group_id=payment["account"],
                      deduplication_id=payment["payment_id"])


def make_queues(lab):
    """Exercise 2: a FIFO source queue whose messages move to a dead-letter queue after 3 receives.

    The dead-letter queue of a FIFO queue must be a FIFO queue too; it is created first, because
    the redrive policy must name an existing queue."""
    dlq = lab.sqs.create_queue("orders-dlq.fifo", fifo_queue=True)
    return lab.sqs.create_queue("orders.fifo", fifo_queue=True,
                                redrive_policy={"deadLetterTargetArn": dlq.arn,
                                                "maxReceiveCount": 3})
