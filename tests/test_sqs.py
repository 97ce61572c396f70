"""Amazon SQS on the virtual clock (Python API): standard and FIFO queues, visibility, delays,
retention, size limits, long polling, attributes and MD5s, dead-letter redrive, message move
tasks, metrics and the duplicate-delivery fault model.

Sources (SQS/ = https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/,
SQSAPI/ = https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/):
* SQSAPI/API_SetQueueAttributes.html - VisibilityTimeout 0-43,200 (default 30), DelaySeconds
  0-900, ReceiveMessageWaitTimeSeconds 0-20, MessageRetentionPeriod 60-1,209,600 (default
  345,600), RedrivePolicy / RedriveAllowPolicy.
* SQS/quotas-messages.html - message size up to 1 MiB (raised from 256 KiB in 2025), 10 message
  attributes, retention.
* SQSAPI/API_ChangeMessageVisibility.html - the new timeout counts from now; 12 h in total.
* SQSAPI/API_DeleteMessage.html - an old receipt handle of a re-received message does not delete.
* SQSAPI/API_ReceiveMessage.html - MaxNumberOfMessages 1-10, system attributes.
* SQS/FIFO-key-terms.html - group ordering, 5-minute deduplication, content-based = SHA-256 of
  the body.
* SQS/sqs-dead-letter-queues.html - maxReceiveCount, the DLQ must be of the same type.
* SQSAPI/API_StartMessageMoveTask.html - redrive from a DLQ back to the source queue(s).
* SQS/sqs-message-metadata.html - MD5 of message attributes.
* SQS/standard-queues-at-least-once-delivery.html - a copy can survive a delete.
* SQSAPI/API_PurgeQueue.html - one purge per 60 seconds.
"""
from __future__ import annotations

import hashlib
import json

import pytest

from lambdalab import Lab, LabError
from lambdalab import sqs as sqsmod
from lambdalab.sqs import (InvalidAttributeName, InvalidAttributeValue, InvalidParameterValue,
                           InvalidMessageContents, MessageNotInflight, MissingParameter,
                           PurgeQueueInProgress, QueueDeletedRecently, QueueDoesNotExist,
                           QueueNameExists, ReceiptHandleIsInvalid)


@pytest.fixture
def lab():
    return Lab(seed=0)


def bodies(messages):
    return [m["Body"] for m in messages]


# --- queues and attributes ----------------------------------------------------------------
def test_create_queue_defaults_url_and_arn(lab):
    q = lab.sqs.create_queue("orders")
    assert q.url == "https://sqs.us-east-1.amazonaws.com/123456789012/orders"
    assert q.arn == "arn:aws:sqs:us-east-1:123456789012:orders"
    attrs = q.attributes()
    assert attrs["VisibilityTimeout"] == "30"
    assert attrs["MessageRetentionPeriod"] == "345600"       # 4 days
    assert attrs["DelaySeconds"] == "0"
    assert attrs["MaximumMessageSize"] == "1048576"           # 1 MiB
    assert attrs["ReceiveMessageWaitTimeSeconds"] == "0"
    assert "FifoQueue" not in attrs
    assert lab.sqs.get(q.url) is q and lab.sqs.get("orders") is q and lab.sqs.get(q.arn) is q


@pytest.mark.parametrize("name, value", [
    ("VisibilityTimeout", "43201"), ("VisibilityTimeout", "-1"), ("DelaySeconds", "901"),
    ("MessageRetentionPeriod", "59"), ("MessageRetentionPeriod", "1209601"),
    ("ReceiveMessageWaitTimeSeconds", "21"), ("MaximumMessageSize", "1048577"),
    ("VisibilityTimeout", "ten")])
def test_attribute_ranges_are_enforced(lab, name, value):
    with pytest.raises(InvalidAttributeValue):
        lab.sqs.create_queue("q", {name: value})
    assert "q" not in lab.sqs.queues


@pytest.mark.parametrize("name, value", [
    ("VisibilityTimeout", "43200"), ("VisibilityTimeout", "0"), ("DelaySeconds", "900"),
    ("MessageRetentionPeriod", "60"), ("MessageRetentionPeriod", "1209600"),
    ("ReceiveMessageWaitTimeSeconds", "20")])
def test_attribute_range_edges_are_accepted(lab, name, value):
    assert lab.sqs.create_queue("q", {name: value}).attributes([name]) == {name: value}


def test_unknown_and_fifo_only_attributes_are_rejected(lab):
    with pytest.raises(InvalidAttributeName):
        lab.sqs.create_queue("q", {"Colour": "blue"})
    with pytest.raises(InvalidAttributeName):
        lab.sqs.create_queue("q", {"ContentBasedDeduplication": "true"})   # standard queue


def test_fifo_names_and_flag_must_agree(lab):
    with pytest.raises(InvalidParameterValue):
        lab.sqs.create_queue("jobs", {"FifoQueue": "true"})
    with pytest.raises(InvalidParameterValue):
        lab.sqs.create_queue("jobs.fifo")
    with pytest.raises(InvalidParameterValue):
        lab.sqs.create_queue("bad name!")
    q = lab.sqs.create_queue("jobs.fifo", fifo_queue=True)
    assert q.fifo and q.attributes()["FifoQueue"] == "true"


def test_create_is_idempotent_but_conflicting_attributes_fail(lab):
    q = lab.sqs.create_queue("q", visibility_timeout=60)
    assert lab.sqs.create_queue("q", visibility_timeout=60) is q
    with pytest.raises(QueueNameExists):
        lab.sqs.create_queue("q", visibility_timeout=90)


def test_deleted_queue_is_gone_and_its_name_waits_60_seconds(lab):
    q = lab.sqs.create_queue("q")
    lab.sqs.delete_queue(q.url)
    with pytest.raises(QueueDoesNotExist):
        lab.sqs.get("q")
    with pytest.raises(QueueDoesNotExist):
        q.send("late")
    with pytest.raises(QueueDeletedRecently):
        lab.sqs.create_queue("q")
    lab.run("60s")
    assert lab.sqs.create_queue("q") is not q


# --- send / receive / delete ----------------------------------------------------------------
def test_send_receive_delete_round_trip_with_md5s(lab):
    q = lab.sqs.create_queue("q")
    sent = q.send("hello")
    assert sent["MD5OfMessageBody"] == hashlib.md5(b"hello").hexdigest()
    (msg,) = q.receive(10, attribute_names=["All"])
    assert msg["MessageId"] == sent["MessageId"] and msg["Body"] == "hello"
    assert msg["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert msg["Attributes"]["ApproximateReceiveCount"] == "1"
    assert msg["Attributes"]["SentTimestamp"] == "1767225600000"   # 2026-01-01T00:00:00Z in ms
    q.delete(msg["ReceiptHandle"])
    assert q.stats()["deleted"] == 1 and q.stats()["visible"] == 0
    lab.run("1m")
    assert q.receive(10) == []


def test_md5_of_message_attributes_matches_an_independent_implementation(lab):
    from moto.sqs.models import Message as MotoMessage
    attributes = {"colour": {"DataType": "String", "StringValue": "blue"},
                  "count": {"DataType": "Number", "StringValue": "3"},
                  "blob": {"DataType": "Binary", "BinaryValue": b"\x00\xff"}}
    q = lab.sqs.create_queue("q")
    sent = q.send("x", attributes=attributes)
    moto = MotoMessage("id", "x")
    moto.message_attributes = attributes
    assert sent["MD5OfMessageAttributes"] == moto.attribute_md5
    (msg,) = q.receive(message_attribute_names=["All"])
    assert msg["MessageAttributes"] == attributes
    assert msg["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    q.send("y", attributes=attributes)
    (plain,) = q.receive()                       # attributes only when asked for
    assert plain["Body"] == "y" and "MessageAttributes" not in plain


def test_message_attribute_name_selection_with_prefix(lab):
    q = lab.sqs.create_queue("q")
    q.send("x", attributes={"app.a": {"DataType": "String", "StringValue": "1"},
                            "app.b": {"DataType": "String", "StringValue": "2"},
                            "other": {"DataType": "String", "StringValue": "3"}})
    (msg,) = q.receive(message_attribute_names=["app.*"])
    assert sorted(msg["MessageAttributes"]) == ["app.a", "app.b"]


def test_message_size_limit_is_1_mib_including_attributes(lab):
    q = lab.sqs.create_queue("q")
    q.send("x" * 1_048_576)                                   # exactly 1 MiB is accepted
    with pytest.raises(InvalidParameterValue):
        q.send("x" * 1_048_577)
    with pytest.raises(InvalidParameterValue):
        q.send("x" * 1_048_570, attributes={"abc": {"DataType": "String", "StringValue": "x"}})
    small = lab.sqs.create_queue("small", maximum_message_size=1024)
    with pytest.raises(InvalidParameterValue):
        small.send("x" * 1025)


def test_bad_messages_and_attributes(lab):
    q = lab.sqs.create_queue("q")
    with pytest.raises(MissingParameter):
        q.send(None)
    with pytest.raises(InvalidMessageContents):
        q.send("bell \x07")
    with pytest.raises(InvalidParameterValue):
        q.send("x", attributes={f"a{i}": {"DataType": "String", "StringValue": "v"}
                                for i in range(11)})            # at most 10 attributes
    with pytest.raises(InvalidParameterValue):
        q.send("x", attributes={"n": {"DataType": "Number", "StringValue": "abc"}})
    with pytest.raises(InvalidParameterValue):
        q.send("x", attributes={"n": {"DataType": "Colour", "StringValue": "red"}})
    with pytest.raises(InvalidParameterValue):
        q.receive(11)
    with pytest.raises(InvalidParameterValue):
        q.send("x", deduplication_id="d")                      # FIFO-only parameter


def test_visibility_timeout_hides_then_returns_the_message(lab):
    q = lab.sqs.create_queue("q", visibility_timeout=30)
    q.send("a")
    (first,) = q.receive()
    lab.run("29s")
    assert q.receive() == []
    assert q.stats()["in_flight"] == 1
    lab.run("1s")
    (again,) = q.receive(attribute_names=["ApproximateReceiveCount"])
    assert again["MessageId"] == first["MessageId"]
    assert again["ReceiptHandle"] != first["ReceiptHandle"]
    assert again["Attributes"] == {"ApproximateReceiveCount": "2"}


def test_receive_can_override_the_visibility_timeout(lab):
    q = lab.sqs.create_queue("q")
    q.send("a")
    q.receive(visibility_timeout=5)
    lab.run("5s")
    assert len(q.receive()) == 1


def test_old_receipt_handle_does_not_delete_a_re_received_message(lab):
    q = lab.sqs.create_queue("q", visibility_timeout=10)
    q.send("a")
    (old,) = q.receive()
    lab.run("10s")
    (new,) = q.receive()
    q.delete(old["ReceiptHandle"])                # succeeds, deletes nothing
    assert q.stats()["in_flight"] == 1
    q.delete(new["ReceiptHandle"])
    assert q.stats()["in_flight"] == 0 and q.stats()["deleted"] == 1
    q.delete(new["ReceiptHandle"])                # deleting again still succeeds
    with pytest.raises(ReceiptHandleIsInvalid):
        q.delete("not-a-receipt-handle")


def test_change_message_visibility(lab):
    q = lab.sqs.create_queue("q", visibility_timeout=30)
    q.send("a")
    (m,) = q.receive()
    q.change_visibility(m["ReceiptHandle"], 0)          # back at once
    (m,) = q.receive()
    q.change_visibility(m["ReceiptHandle"], 100)        # counts from now, not from the receive
    lab.run("99s")
    assert q.receive() == []
    lab.run("1s")
    (m,) = q.receive()
    with pytest.raises(InvalidParameterValue):          # 12 hours in total
        q.change_visibility(m["ReceiptHandle"], 43_200 + 1)
    lab.run("30s")
    with pytest.raises(MessageNotInflight):
        q.change_visibility(m["ReceiptHandle"], 10)


def test_queue_and_message_delays(lab):
    q = lab.sqs.create_queue("q", delay_seconds=10)
    q.send("queue-delay")
    q.send("own-delay", delay_seconds=0)                # a per-message value wins
    q.send("long", delay_seconds=900)
    with pytest.raises(InvalidParameterValue):
        q.send("too long", delay_seconds=901)
    assert bodies(q.receive(10, visibility_timeout=43_200)) == ["own-delay"]
    assert q.attributes()["ApproximateNumberOfMessagesDelayed"] == "2"
    lab.run("10s")
    assert bodies(q.receive(10, visibility_timeout=43_200)) == ["queue-delay"]
    lab.run("889s")
    assert q.receive(10) == []
    lab.run("1s")
    assert bodies(q.receive(10)) == ["long"]


def test_retention_expires_messages_and_counts_them(lab):
    q = lab.sqs.create_queue("q", message_retention_period=60)
    q.send("old")
    lab.run("30s")
    q.send("newer")
    lab.run("30s")
    assert bodies(q.receive(10)) == ["newer"]
    assert q.stats()["expired"] == 1
    lab.run("60s")                                       # "newer" is in flight and expires too
    assert q.stats()["expired"] == 2 and q.stats()["in_flight"] == 0


def test_default_retention_is_four_days(lab):
    q = lab.sqs.create_queue("q")
    q.send("a")
    lab.run(4 * 86400 - 1)
    assert q.stats()["visible"] == 1
    lab.run(1)
    assert q.stats()["visible"] == 0 and q.stats()["expired"] == 1


def test_long_polling_waits_on_the_virtual_clock(lab):
    q = lab.sqs.create_queue("q")
    q.send("later", delay_seconds=5)
    assert q.receive(wait_time=20)[0]["Body"] == "later"
    assert lab.clock.t == 5.0                   # returned as soon as the message was visible
    assert q.receive(wait_time=20) == []
    assert lab.clock.t == 25.0                  # waited the full 20 s, instantly
    with pytest.raises(InvalidParameterValue):
        q.receive(wait_time=21)


def test_long_polling_inside_a_handler_uses_the_handlers_time(lab):
    q = lab.sqs.create_queue("q")
    q.send("soon", delay_seconds=3)
    got = []

    @lab.function(timeout=30)
    def poller(event, context):
        got.extend(bodies(q.receive(wait_time=10)))
        return context.get_remaining_time_in_millis()

    # started after a 250 ms cold start, so it waited 2.75 s for the message
    assert poller.invoke({}).json() == 27_250
    assert got == ["soon"]


def test_purge_deletes_everything_once_per_60_seconds(lab):
    q = lab.sqs.create_queue("q")
    for i in range(5):
        q.send(str(i))
    q.receive(2)
    q.purge()
    assert q.stats()["visible"] == 0 and q.stats()["in_flight"] == 0
    with pytest.raises(PurgeQueueInProgress):
        q.purge()
    lab.run("60s")
    q.purge()


def test_system_attributes_and_sender_id(lab):
    q = lab.sqs.create_queue("q")
    q.send("a", system_attributes={"AWSTraceHeader": {"DataType": "String",
                                                      "StringValue": "Root=1-abc"}})
    lab.run("2s")
    (m,) = q.receive(attribute_names=["All"])
    a = m["Attributes"]
    assert set(a) == {"SenderId", "SentTimestamp", "ApproximateReceiveCount",
                      "ApproximateFirstReceiveTimestamp", "AWSTraceHeader"}
    assert int(a["ApproximateFirstReceiveTimestamp"]) - int(a["SentTimestamp"]) == 2000
    assert a["AWSTraceHeader"] == "Root=1-abc"


def test_ids_are_deterministic_per_seed():
    def run(seed):
        lab = Lab(seed=seed)
        q = lab.sqs.create_queue("q")
        return [q.send(str(i))["MessageId"] for i in range(3)] + [q.receive()[0]["ReceiptHandle"]]
    assert run(1) == run(1)
    assert run(1) != run(2)


def test_standard_queue_keeps_send_order_when_nothing_fails(lab):
    q = lab.sqs.create_queue("q")
    q.send_many([str(i) for i in range(25)])
    out = []
    while True:
        got = q.receive(10)
        if not got:
            break
        out += bodies(got)
    assert out == [str(i) for i in range(25)]


# --- FIFO -------------------------------------------------------------------------------------
def test_fifo_one_group_in_flight_at_a_time_and_order(lab):
    q = lab.sqs.create_queue("jobs.fifo", fifo_queue=True, visibility_timeout=30)
    for i in range(3):
        q.send(f"a{i}", group_id="A", deduplication_id=f"a{i}")
    q.send("b0", group_id="B", deduplication_id="b0")
    first = q.receive(2)
    assert bodies(first) == ["a0", "a1"]
    # group A is locked while a0/a1 are in flight: only B's message can be received
    (b0,) = q.receive(10)
    assert b0["Body"] == "b0"
    q.delete(b0["ReceiptHandle"])
    assert q.receive(10) == []
    q.delete(first[0]["ReceiptHandle"])
    assert q.receive(10) == []                       # a1 still in flight
    lab.run("30s")                                   # a1 comes back first, in order
    assert bodies(q.receive(10)) == ["a1", "a2"]


def test_fifo_sequence_numbers_and_required_group(lab):
    q = lab.sqs.create_queue("jobs.fifo", fifo_queue=True, content_based_deduplication=True)
    one, two = q.send("1", group_id="g"), q.send("2", group_id="g")
    assert len(one["SequenceNumber"]) == 20
    assert int(two["SequenceNumber"]) > int(one["SequenceNumber"])
    with pytest.raises(MissingParameter):
        q.send("x")
    with pytest.raises(InvalidParameterValue):
        q.send("x", group_id="g", delay_seconds=5)   # per-message delay: standard queues only


def test_fifo_deduplication_explicit_and_content_based_for_5_minutes(lab):
    q = lab.sqs.create_queue("jobs.fifo", fifo_queue=True)
    with pytest.raises(InvalidParameterValue):
        q.send("x", group_id="g")                    # no dedup ID and no content-based dedup
    first = q.send("x", group_id="g", deduplication_id="d1")
    again = q.send("other body", group_id="g", deduplication_id="d1")
    assert again["MessageId"] == first["MessageId"]
    assert q.stats()["sent"] == 1
    lab.run("299s")
    q.send("x", group_id="g", deduplication_id="d1")
    assert q.stats()["sent"] == 1
    lab.run("1s")                                    # 5 minutes after the first send
    q.send("x", group_id="g", deduplication_id="d1")
    assert q.stats()["sent"] == 2
    cbd = lab.sqs.create_queue("cbd.fifo", fifo_queue=True, content_based_deduplication=True)
    cbd.send("same", group_id="g")
    cbd.send("same", group_id="other")               # same body: a duplicate (scope: queue)
    cbd.send("different", group_id="g")
    assert cbd.stats()["sent"] == 2
    (m,) = cbd.receive(attribute_names=["MessageDeduplicationId"])
    assert m["Attributes"]["MessageDeduplicationId"] == hashlib.sha256(b"same").hexdigest()


def test_fifo_deduplication_scope_message_group(lab):
    q = lab.sqs.create_queue("q.fifo", fifo_queue=True, content_based_deduplication=True,
                             deduplication_scope="messageGroup",
                             fifo_throughput_limit="perMessageGroupId")
    q.send("same", group_id="a")
    q.send("same", group_id="b")
    assert q.stats()["sent"] == 2
    with pytest.raises(InvalidAttributeValue):
        lab.sqs.create_queue("r.fifo", fifo_queue=True, fifo_throughput_limit="perMessageGroupId")


def test_fifo_dedup_id_is_remembered_after_delete(lab):
    # SQS/FIFO-key-terms.html: the deduplication ID is tracked even after the message is deleted
    q = lab.sqs.create_queue("q.fifo", fifo_queue=True)
    q.send("x", group_id="g", deduplication_id="d")
    (m,) = q.receive()
    q.delete(m["ReceiptHandle"])
    q.send("x", group_id="g", deduplication_id="d")
    assert q.receive() == []


# --- dead-letter queues and redrive ------------------------------------------------------------
def test_redrive_policy_moves_after_max_receive_count(lab):
    dlq = lab.sqs.create_queue("dlq")
    q = lab.sqs.create_queue("q", visibility_timeout=10,
                             redrive_policy={"deadLetterTargetArn": dlq.arn,
                                             "maxReceiveCount": 3})
    sent = q.send("poison")
    for attempt in range(3):
        assert len(q.receive()) == 1
        lab.run("10s")
    assert q.receive() == []
    (m,) = dlq.receive(attribute_names=["All"])
    assert m["MessageId"] == sent["MessageId"] and m["Body"] == "poison"
    assert m["Attributes"]["DeadLetterQueueSourceArn"] == q.arn
    assert q.stats()["moved_to_dlq"] == 1
    assert json.loads(q.attributes()["RedrivePolicy"]) == {"deadLetterTargetArn": dlq.arn,
                                                            "maxReceiveCount": 3}
    assert lab.sqs.dead_letter_sources(dlq) == [q]


def test_redrive_policy_validation(lab):
    std, fifo = lab.sqs.create_queue("dlq"), lab.sqs.create_queue("dlq.fifo", fifo_queue=True)
    with pytest.raises(InvalidParameterValue):      # type must match
        lab.sqs.create_queue("q.fifo", fifo_queue=True,
                             redrive_policy={"deadLetterTargetArn": std.arn, "maxReceiveCount": 1})
    with pytest.raises(InvalidParameterValue):
        lab.sqs.create_queue("q", redrive_policy={"deadLetterTargetArn": fifo.arn,
                                                  "maxReceiveCount": 1})
    with pytest.raises(InvalidParameterValue):      # the DLQ must exist
        lab.sqs.create_queue("q", redrive_policy={"deadLetterTargetArn": std.arn + "x",
                                                  "maxReceiveCount": 1})
    with pytest.raises(InvalidParameterValue):      # maxReceiveCount 1-1,000
        lab.sqs.create_queue("q", redrive_policy={"deadLetterTargetArn": std.arn,
                                                  "maxReceiveCount": 1001})
    lab.sqs.create_queue("q.fifo", fifo_queue=True,
                         redrive_policy={"deadLetterTargetArn": fifo.arn, "maxReceiveCount": 5})


def test_redrive_allow_policy(lab):
    dlq = lab.sqs.create_queue("dlq", redrive_allow_policy={"redrivePermission": "denyAll"})
    with pytest.raises(InvalidParameterValue):
        lab.sqs.create_queue("q", redrive_policy={"deadLetterTargetArn": dlq.arn,
                                                  "maxReceiveCount": 2})
    allowed = lab.arn("sqs", "allowed")
    dlq.set_attributes({"RedriveAllowPolicy": json.dumps(
        {"redrivePermission": "byQueue", "sourceQueueArns": [allowed]})})
    with pytest.raises(InvalidParameterValue):
        lab.sqs.create_queue("q", redrive_policy={"deadLetterTargetArn": dlq.arn,
                                                  "maxReceiveCount": 2})
    lab.sqs.create_queue("allowed", redrive_policy={"deadLetterTargetArn": dlq.arn,
                                                    "maxReceiveCount": 2})
    with pytest.raises(InvalidAttributeValue):
        dlq.set_attributes({"RedriveAllowPolicy": json.dumps({"redrivePermission": "byQueue"})})


def test_message_move_task_redrives_back_to_the_source(lab):
    dlq = lab.sqs.create_queue("dlq")
    q = lab.sqs.create_queue("q", visibility_timeout=5,
                             redrive_policy={"deadLetterTargetArn": dlq.arn, "maxReceiveCount": 1})
    ids = [q.send(f"m{i}")["MessageId"] for i in range(5)]
    q.receive(10)
    lab.run("5s")
    q.refresh()
    assert dlq.stats()["visible"] == 5
    with pytest.raises(InvalidParameterValue):        # only a DLQ can be a move source
        lab.sqs.start_message_move_task(q.arn)
    task = lab.sqs.start_message_move_task(dlq.arn, rate=2)
    lab.run("1s")
    assert task.status == "RUNNING" and task.moved == 4      # 2 per second, on the clock
    lab.run("5s")
    assert task.status == "COMPLETED" and task.moved == 5
    back = q.receive(10, attribute_names=["All"])
    assert sorted(m["MessageId"] for m in back) == sorted(ids)
    assert all(m["Attributes"]["ApproximateReceiveCount"] == "1" for m in back)
    assert dlq.stats()["visible"] == 0


def test_cancel_message_move_task(lab):
    dlq = lab.sqs.create_queue("dlq")
    lab.sqs.create_queue("q", redrive_policy={"deadLetterTargetArn": dlq.arn,
                                              "maxReceiveCount": 1})
    for i in range(10):
        dlq.send(str(i))
    task = lab.sqs.start_message_move_task(dlq.arn, lab.arn("sqs", "q"), rate=1)
    lab.run("2s")
    lab.sqs.cancel_message_move_task(task.handle)
    moved = task.moved
    lab.run("10s")
    assert task.status == "CANCELLED" and task.moved == moved < 10


def test_lambda_dlq_deliveries_land_in_a_real_queue(lab):
    dlq = lab.sqs.create_queue("lambda-dlq")

    @lab.function(dead_letter_arn=dlq.arn)
    def failing(event, context):
        raise ValueError("nope")

    failing.invoke({"order": 1}, "Event")
    lab.run()
    (m,) = dlq.receive(message_attribute_names=["All"])
    assert json.loads(m["Body"]) == {"order": 1}
    assert m["MessageAttributes"]["ErrorCode"] == {"DataType": "Number", "StringValue": "200"}


# --- metrics and faults ------------------------------------------------------------------------
def test_metrics_per_minute(lab):
    q = lab.sqs.create_queue("q")
    for i in range(6):
        q.send(str(i))
    lab.run("30s")
    got = q.receive(4)
    for m in got[:3]:
        q.delete(m["ReceiptHandle"])
    lab.run("90s")
    frame = lab.sqs.metrics("q")
    first = frame.iloc[0]
    assert (first.NumberOfMessagesSent, first.NumberOfMessagesReceived,
            first.NumberOfMessagesDeleted) == (6, 4, 3)
    assert first.ApproximateNumberOfMessagesVisible == 3       # 2 never received + 1 back
    assert first.ApproximateNumberOfMessagesNotVisible == 0    # the 4th came back after 30 s
    assert first.ApproximateAgeOfOldestMessage == 60
    assert frame.iloc[1].NumberOfMessagesSent == 0
    assert frame.iloc[1].ApproximateAgeOfOldestMessage == 120


def test_duplicate_fault_model_is_seeded_and_standard_only(lab):
    lab.sqs.set_faults(duplicate_rate=0.5)
    q = lab.sqs.create_queue("q")
    f = lab.sqs.create_queue("f.fifo", fifo_queue=True, content_based_deduplication=True)
    for i in range(40):
        q.send(str(i))
        f.send(str(i), group_id=str(i))
    seen, fifo_seen = [], []
    for _ in range(20):
        for queue, out in ((q, seen), (f, fifo_seen)):
            for m in queue.receive(10):
                out.append(m["MessageId"])
                queue.delete(m["ReceiptHandle"])
        lab.run("31s")
    assert len(set(seen)) == 40 and len(seen) > 40          # some delivered more than once
    assert q.stats()["duplicates"] == len(seen) - 40
    assert len(fifo_seen) == 40                              # FIFO: exactly once
    with pytest.raises(LabError):
        lab.sqs.set_faults(duplicate_rate=2)


def test_send_many_fast_path_counts(lab):
    q = lab.sqs.create_queue("q")
    assert q.send_many(["a", "b", "c"]) == 3
    assert q.attributes()["ApproximateNumberOfMessages"] == "3"
    with pytest.raises(InvalidParameterValue):
        q.send_many(["ok", ""])
    assert q.stats()["sent"] == 4 and q.stats()["visible"] == 4
    f = lab.sqs.create_queue("f.fifo", fifo_queue=True, content_based_deduplication=True)
    assert f.send_many(["1", "2"], group_id="g") == 2
    assert bodies(f.receive(10)) == ["1", "2"]


def test_error_classes_carry_sqs_codes():
    assert sqsmod.QueueDoesNotExist.code == "QueueDoesNotExist"
    assert sqsmod.ReceiptHandleIsInvalid.status == 404
    assert sqsmod.PurgeQueueInProgress.status == 403


def test_dlq_retention_and_age_follow_the_original_enqueue_time(lab):
    # SQS/setting-up-dead-letter-queue-retention.html: in a standard DLQ a message expires by
    # its original enqueue timestamp; a FIFO DLQ resets it. ApproximateAgeOfOldestMessage
    # counts from the move in both.
    for suffix, extra in (("", {}), (".fifo", {"fifo_queue": True,
                                               "content_based_deduplication": True})):
        dlq = lab.sqs.create_queue("dlq" + suffix, message_retention_period=600, **extra)
        q = lab.sqs.create_queue("q" + suffix, visibility_timeout=300, **extra,
                                 redrive_policy={"deadLetterTargetArn": dlq.arn,
                                                 "maxReceiveCount": 1})
        start = lab.clock.t
        q.send("m", **({"group_id": "g"} if suffix else {}))
        q.receive()
        lab.run(300)                    # moved to the DLQ at start + 300 s
        q.refresh()
        assert dlq.age_of_oldest() == 0.0
        lab.run(299)
        assert dlq.stats()["visible"] == 1 and dlq.age_of_oldest() == 299
        lab.run(1)                      # 600 s after the original send
        assert dlq.stats()["visible"] == (1 if suffix else 0)
        lab.run(300)                    # 600 s after the move
        assert dlq.stats()["visible"] == 0
        assert lab.clock.t == start + 900


def test_lambda_destinations_deliver_invocation_records_to_queues(lab):
    # L/invocation-async-retain-records.html: on-failure / on-success destinations get the
    # invocation record (requestContext, requestPayload, responsePayload, ...)
    failures, successes = lab.sqs.create_queue("failures"), lab.sqs.create_queue("successes")

    @lab.function
    def work(event, context):
        if event.get("fail"):
            raise ValueError("bad input")
        return {"ok": True}

    lab.awslambda.put_event_invoke_config("work", maximum_retry_attempts=0,
                                          on_failure=failures.arn, on_success=successes.arn)
    work.invoke({"fail": True}, "Event")
    work.invoke({"fail": False}, "Event")
    lab.run()
    (bad,) = failures.receive()
    (good,) = successes.receive()
    bad, good = json.loads(bad["Body"]), json.loads(good["Body"])
    assert bad["requestContext"]["condition"] == "RetriesExhausted"
    assert bad["requestPayload"] == {"fail": True}
    assert bad["responsePayload"]["errorMessage"] == "bad input"
    assert good["responsePayload"] == {"ok": True}


def test_metrics_are_sampled_at_minute_boundaries_for_a_late_queue(lab):
    lab.run("30s")
    q = lab.sqs.create_queue("late")
    q.send("a")
    lab.run("60s")
    frame = lab.sqs.metrics("late")
    assert [str(t) for t in frame.time] == ["2026-01-01 00:00:00+00:00",
                                            "2026-01-01 00:01:00+00:00"]
    assert list(frame.NumberOfMessagesSent) == [1, 0]
    assert list(frame.ApproximateAgeOfOldestMessage) == [30, 60]


def test_finer_metrics_with_a_smaller_sample_period(lab):
    lab.sqs.sample_period = 1.0
    q = lab.sqs.create_queue("q")
    for i in range(3):
        q.send(str(i))
        lab.run("1s")
    frame = lab.sqs.metrics("q", period="1s")
    assert list(frame.NumberOfMessagesSent) == [1, 1, 1]
    assert list(frame.ApproximateNumberOfMessagesVisible) == [1, 2, 3]
    with pytest.raises(LabError):
        lab.sqs.metrics("q", period="1.5s")
