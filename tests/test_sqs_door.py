"""The boto3 door, SQS part (and Lambda's event source mapping operations).

Response member names and error codes are botocore's (the SQS JSON-protocol service model);
numbers as in tests/test_sqs.py (SQSAPI/ = https://docs.aws.amazon.com/AWSSimpleQueueService/
latest/APIReference/): batches of at most 10 entries with distinct IDs
(SQSAPI/API_SendMessageBatch.html), MaxNumberOfMessages 1-10, WaitTimeSeconds 0-20
(SQSAPI/API_ReceiveMessage.html).
"""
from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError

from lambdalab import Lab, make_zip

ROLE = "arn:aws:iam::123456789012:role/lambda-role"


@pytest.fixture
def lab():
    return Lab(seed=0)


@pytest.fixture
def sqs(lab):
    with lab.aws():
        yield boto3.client("sqs")


def code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_queue_lifecycle(lab, sqs):
    url = sqs.create_queue(QueueName="orders", Attributes={"VisibilityTimeout": "60"},
                           tags={"team": "a"})["QueueUrl"]
    assert url == "https://sqs.us-east-1.amazonaws.com/123456789012/orders"
    assert sqs.get_queue_url(QueueName="orders")["QueueUrl"] == url
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "60" and attrs["QueueArn"].endswith(":orders")
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "5"})
    assert lab.sqs.get("orders").delay_seconds == 5                # same state as Python
    sqs.create_queue(QueueName="other")
    assert sqs.list_queues()["QueueUrls"] == [url, url.replace("orders", "other")]
    assert sqs.list_queues(QueueNamePrefix="oth")["QueueUrls"] == [url.replace("orders", "other")]
    page = sqs.list_queues(MaxResults=1)
    assert len(page["QueueUrls"]) == 1 and page["NextToken"]
    sqs.tag_queue(QueueUrl=url, Tags={"env": "lab"})
    sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "lab"}
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName="orders")


def test_error_codes_for_bad_input(sqs):
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    with pytest.raises(sqs.exceptions.InvalidAttributeName):
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Colour": "blue"})
    with pytest.raises(ClientError) as e:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "43201"})
    assert code(e) == "InvalidAttributeValue"
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=901)
    assert code(e) == "InvalidParameterValue"
    for bad in (0, 11):
        with pytest.raises(ClientError) as e:
            sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=bad)
        assert code(e) == "InvalidParameterValue"
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):
        sqs.delete_message(QueueUrl=url, ReceiptHandle="garbage")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=url + "-missing", MessageBody="x")
    with pytest.raises(sqs.exceptions.QueueNameExists):
        sqs.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "1"})
    sqs.purge_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.PurgeQueueInProgress):
        sqs.purge_queue(QueueUrl=url)


def test_send_receive_delete_and_visibility(lab, sqs):
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    sent = sqs.send_message(QueueUrl=url, MessageBody="hello", MessageAttributes={
        "kind": {"DataType": "String", "StringValue": "greeting"}})
    assert set(sent) >= {"MessageId", "MD5OfMessageBody", "MD5OfMessageAttributes"}
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                              MessageSystemAttributeNames=["ApproximateReceiveCount"],
                              MessageAttributeNames=["All"])["Messages"]
    (m,) = got
    assert m["Body"] == "hello" and m["Attributes"] == {"ApproximateReceiveCount": "1"}
    assert m["MessageAttributes"]["kind"]["StringValue"] == "greeting"
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                                  VisibilityTimeout=0)
    (m,) = sqs.receive_message(QueueUrl=url)["Messages"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_long_poll_through_the_door_advances_the_virtual_clock(lab, sqs):
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=7)
    (m,) = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)["Messages"]
    assert lab.clock.t == 7.0


def test_batches(sqs):
    url = sqs.create_queue(QueueName="q")["QueueUrl"]
    out = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "ok", "MessageBody": "a"}, {"Id": "late", "MessageBody": "b", "DelaySeconds": 1000}])
    assert [e["Id"] for e in out["Successful"]] == ["ok"]
    assert out["Failed"][0]["Id"] == "late" and out["Failed"][0]["Code"] == "InvalidParameterValue"
    assert out["Failed"][0]["SenderFault"] is True
    with pytest.raises(sqs.exceptions.TooManyEntriesInBatchRequest):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "x"}
                                                      for i in range(11)])
    with pytest.raises(sqs.exceptions.BatchEntryIdsNotDistinct):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "x"}] * 2)
    with pytest.raises(sqs.exceptions.EmptyBatchRequest):
        sqs.send_message_batch(QueueUrl=url, Entries=[])
    with pytest.raises(sqs.exceptions.InvalidBatchEntryId):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "bad id!", "MessageBody": "x"}])
    with pytest.raises(sqs.exceptions.BatchRequestTooLong):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "x" * 600_000}
                                                      for i in range(2)])
    (m,) = sqs.receive_message(QueueUrl=url)["Messages"]
    changed = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": "1", "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 100},
        {"Id": "2", "ReceiptHandle": "garbage", "VisibilityTimeout": 1}])
    assert [e["Id"] for e in changed["Successful"]] == ["1"]
    assert changed["Failed"][0]["Code"] == "ReceiptHandleIsInvalid"
    deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": "1", "ReceiptHandle": m["ReceiptHandle"]}])
    assert deleted["Successful"] == [{"Id": "1"}]


def test_fifo_through_the_door(sqs):
    url = sqs.create_queue(QueueName="q.fifo", Attributes={
        "FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    one = sqs.send_message(QueueUrl=url, MessageBody="1", MessageGroupId="g")
    dup = sqs.send_message(QueueUrl=url, MessageBody="1", MessageGroupId="g")
    assert dup["MessageId"] == one["MessageId"] and "SequenceNumber" in one
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x")
    assert code(e) == "MissingParameter"
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["FifoQueue",
                                                                   "ContentBasedDeduplication"])
    assert attrs["Attributes"] == {"FifoQueue": "true", "ContentBasedDeduplication": "true"}


def test_dead_letter_sources_and_move_task(lab, sqs):
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    src = sqs.create_queue(QueueName="src", Attributes={
        "VisibilityTimeout": "1",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "1"})})[
        "QueueUrl"]
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [src]
    sqs.send_message(QueueUrl=src, MessageBody="poison")
    sqs.receive_message(QueueUrl=src)
    (m,) = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=5,
                               MessageSystemAttributeNames=["DeadLetterQueueSourceArn"])[
        "Messages"]
    assert m["Attributes"]["DeadLetterQueueSourceArn"].endswith(":src")
    sqs.change_message_visibility(QueueUrl=dlq, ReceiptHandle=m["ReceiptHandle"],
                                  VisibilityTimeout=0)
    handle = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
    (m,) = sqs.receive_message(QueueUrl=src, WaitTimeSeconds=5)["Messages"]
    assert m["Body"] == "poison"
    (task,) = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
    assert task["TaskHandle"] == handle and task["Status"] == "COMPLETED"
    assert task["ApproximateNumberOfMessagesMoved"] == 1


def test_event_source_mapping_operations(lab):
    zip_bytes = make_zip({"lambda_function.py": (
        "def lambda_handler(event, context):\n"
        "    return {'batchItemFailures': []}\n")})
    with lab.aws():
        sqs, lam = boto3.client("sqs"), boto3.client("lambda")
        url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        lam.create_function(FunctionName="worker", Runtime="python3.13", Role=ROLE,
                            Handler="lambda_function.lambda_handler", Code={"ZipFile": zip_bytes})
        created = lam.create_event_source_mapping(
            EventSourceArn=arn, FunctionName="worker", BatchSize=5,
            FunctionResponseTypes=["ReportBatchItemFailures"],
            ScalingConfig={"MaximumConcurrency": 10},
            FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"ok": [True]}})}]})
        assert created["ResponseMetadata"]["HTTPStatusCode"] == 202
        assert created["State"] == "Creating" and created["BatchSize"] == 5
        uuid = created["UUID"]
        got = lam.get_event_source_mapping(UUID=uuid)
        assert got["State"] == "Enabled" and got["ScalingConfig"] == {"MaximumConcurrency": 10}
        assert got["FunctionArn"].endswith(":function:worker")
        assert [m["UUID"] for m in lam.list_event_source_mappings(FunctionName="worker")[
            "EventSourceMappings"]] == [uuid]
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"ok": True}))
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"ok": False}))
        lab.run()
        assert lab.sqs.get("jobs").stats()["deleted"] == 2      # one ran, one filtered out
        assert len([a for a in lab.awslambda.attempts if a.function == "worker"]) == 1
        updated = lam.update_event_source_mapping(UUID=uuid, Enabled=False)
        assert updated["State"] == "Disabling"
        assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabled"
        with pytest.raises(lam.exceptions.InvalidParameterValueException):
            lam.update_event_source_mapping(UUID=uuid, BatchSize=20)      # needs a window
        assert lam.delete_event_source_mapping(UUID=uuid)["State"] == "Deleting"
        with pytest.raises(lam.exceptions.ResourceNotFoundException):
            lam.get_event_source_mapping(UUID=uuid)
        with pytest.raises(lam.exceptions.InvalidParameterValueException):
            lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="worker",
                                            BatchSize=11)
