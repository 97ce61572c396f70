"""The solutions of notebook 08 (FIFO queues and dead-letter queues) meet the conditions its
check_ helpers test."""
import json
from pathlib import Path

import pytest

from lambdalab import Lab
from lambdalab.errors import AWSError
from course import load_module

SOLUTIONS = (Path(__file__).resolve().parent.parent / "notebooks" / "solutions"
             / "08_fifo_queues_and_dead_letter_queues.py")


def load():
    return load_module(SOLUTIONS)


SENDS = [{"payment_id": "pay-42", "account": "acct-7", "amount": 25, "sent_at": "10:00:00"},
         {"payment_id": "pay-42", "account": "acct-7", "amount": 25, "sent_at": "10:00:03"},
         {"payment_id": "pay-43", "account": "acct-7", "amount": 12, "sent_at": "10:00:05"}]


def sent_messages(send_payment):
    lab = Lab(seed=0)
    queue = lab.sqs.create_queue("payments.fifo", fifo_queue=True)   # no content-based dedup
    for payment in SENDS:
        send_payment(queue, dict(payment))
        lab.run(3)
    return queue.receive(10, attribute_names=["MessageGroupId"])


def test_exercise_1_retries_are_stored_once_in_the_account_group():
    messages = sent_messages(load().send_payment)
    bodies = [json.loads(m["Body"]) for m in messages]
    assert [b["payment_id"] for b in bodies] == ["pay-42", "pay-43"]     # one each, in order
    assert bodies[0]["sent_at"] == "10:00:00"                             # the first send kept
    assert {m["Attributes"]["MessageGroupId"] for m in messages} == {"acct-7"}


def test_exercise_1_condition_can_fail():
    # content-based deduplication cannot work here (no dedup ID -> the send is refused), and a
    # fresh ID per send stores the retry twice
    def unique_ids(queue, payment):
        return queue.send(json.dumps(payment), group_id=payment["account"],
                          deduplication_id=payment["sent_at"].replace(":", ""))
    ids = [json.loads(m["Body"])["payment_id"] for m in sent_messages(unique_ids)]
    assert ids == ["pay-42", "pay-42", "pay-43"]
    with pytest.raises(AWSError):
        sent_messages(lambda queue, p: queue.send(json.dumps(p), group_id=p["account"]))


def moved_after_three_receives(make_queues):
    lab = Lab(seed=0)
    source = make_queues(lab)
    assert source.name == "orders.fifo" and source.fifo
    assert source.redrive_policy["maxReceiveCount"] == 3
    dlq = lab.sqs.get(source.redrive_policy["deadLetterTargetArn"])
    source.send('{"order": 1}', group_id="customer-1", deduplication_id="order-1")
    for _ in range(3):
        assert len(source.receive(1, visibility_timeout=1)) == 1
        lab.run(2)
    return dlq, [m.body for m in dlq.messages()]


def test_exercise_2_fifo_source_with_a_fifo_dlq_after_3_receives():
    dlq, moved = moved_after_three_receives(load().make_queues)
    assert dlq.fifo
    assert moved == ['{"order": 1}']


def test_exercise_2_a_standard_dlq_is_rejected():
    def standard_dlq(lab):
        dlq = lab.sqs.create_queue("orders-dlq")
        return lab.sqs.create_queue("orders.fifo", fifo_queue=True, redrive_policy={
            "deadLetterTargetArn": dlq.arn, "maxReceiveCount": 3})
    with pytest.raises(AWSError, match="same type"):
        moved_after_three_receives(standard_dlq)
