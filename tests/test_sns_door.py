"""The boto3 door, SNS part.

Member names and error codes are botocore's (SNS query-protocol model): ``NotFound``,
``InvalidParameter`` (``client.exceptions.InvalidParameterException``), ``ResourceNotFound``
for tagging, the batch errors of SNSAPI/API_PublishBatch.html (at most 10 entries, distinct
IDs). List operations return 100 items per page (SNSAPI/API_ListTopics.html). Subscribe
answers "pending confirmation" for HTTP/S and email unless ReturnSubscriptionArn is set
(SNSAPI/API_Subscribe.html).

Also the property test: every message published to a topic with N subscriptions ends in
exactly one outcome per subscription - delivered, in the subscription's DLQ, or filtered out
(or discarded, only when delivery failed and the subscription has no DLQ).
"""
from __future__ import annotations

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambdalab import Lab


@pytest.fixture
def lab():
    return Lab(seed=0)


@pytest.fixture
def clients(lab):
    with lab.aws():
        yield boto3.client("sns"), boto3.client("sqs")


def code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def _queue(sqs, name, **attributes):
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"]
    return url, arn


def test_topic_lifecycle_attributes_and_tags(lab, clients):
    sns, _ = clients
    arn = sns.create_topic(Name="orders", Attributes={"DisplayName": "Orders"},
                           Tags=[{"Key": "team", "Value": "a"}])["TopicArn"]
    assert arn == "arn:aws:sns:us-east-1:123456789012:orders"
    attrs = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert attrs["DisplayName"] == "Orders" and attrs["SubscriptionsConfirmed"] == "0"
    assert "FifoTopic" not in attrs
    sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName", AttributeValue="O")
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["DisplayName"] == "O"
    sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"}])
    sns.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert sns.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "env",
                                                                    "Value": "dev"}]
    with pytest.raises(ClientError) as e:
        sns.tag_resource(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"}
                                                for i in range(50)])
    assert code(e) == "TagLimitExceeded"
    with pytest.raises(sns.exceptions.ResourceNotFoundException):
        sns.list_tags_for_resource(ResourceArn=arn + "-missing")
    fifo = sns.create_topic(Name="o.fifo", Attributes={"FifoTopic": "true",
                                                       "ContentBasedDeduplication": "true"})
    attrs = sns.get_topic_attributes(TopicArn=fifo["TopicArn"])["Attributes"]
    assert attrs["FifoTopic"] == "true" and attrs["ContentBasedDeduplication"] == "true"
    sns.delete_topic(TopicArn=arn)
    sns.delete_topic(TopicArn=arn)                         # idempotent
    with pytest.raises(sns.exceptions.NotFoundException):
        sns.get_topic_attributes(TopicArn=arn)


def test_list_topics_pages_of_100(lab, clients):
    sns, _ = clients
    for i in range(205):
        sns.create_topic(Name=f"t{i:03d}")
    first = sns.list_topics()
    assert len(first["Topics"]) == 100 and first["NextToken"]
    second = sns.list_topics(NextToken=first["NextToken"])
    third = sns.list_topics(NextToken=second["NextToken"])
    assert len(third["Topics"]) == 5 and "NextToken" not in third
    paginated = [t["TopicArn"] for page in sns.get_paginator("list_topics").paginate()
                 for t in page["Topics"]]
    assert len(paginated) == 205 == len(set(paginated))
    with pytest.raises(sns.exceptions.InvalidParameterException):
        sns.list_topics(NextToken="garbage")


def test_subscribe_publish_and_subscription_attributes(lab, clients):
    sns, sqs = clients
    topic = sns.create_topic(Name="t")["TopicArn"]
    url, qarn = _queue(sqs, "q")
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn,
                        Attributes={"RawMessageDelivery": "true",
                                    "FilterPolicy": json.dumps({"kind": ["a"]})})[
        "SubscriptionArn"]
    attrs = sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
    assert attrs["RawMessageDelivery"] == "true" and attrs["Protocol"] == "sqs"
    assert attrs["FilterPolicyScope"] == "MessageAttributes"
    assert attrs["PendingConfirmation"] == "false"
    sns.publish(TopicArn=topic, Message="yes",
                MessageAttributes={"kind": {"DataType": "String", "StringValue": "a"}})
    sns.publish(TopicArn=topic, Message="no",
                MessageAttributes={"kind": {"DataType": "String", "StringValue": "b"}})
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
              ["Messages"]]
    assert bodies == ["yes"]
    sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                    AttributeValue="")
    sns.publish(TopicArn=topic, Message="now everything")
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "now everything"
    listed = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert listed == [{"SubscriptionArn": sub, "Owner": "123456789012", "Protocol": "sqs",
                       "Endpoint": qarn, "TopicArn": topic}]
    assert sns.list_subscriptions()["Subscriptions"] == listed
    sns.unsubscribe(SubscriptionArn=sub)
    assert sns.list_subscriptions()["Subscriptions"] == []
    with pytest.raises(sns.exceptions.NotFoundException):
        sns.unsubscribe(SubscriptionArn=sub)


def test_filter_policy_errors_are_invalid_parameter(lab, clients):
    sns, sqs = clients
    topic = sns.create_topic(Name="t")["TopicArn"]
    _, qarn = _queue(sqs, "q")
    with pytest.raises(sns.exceptions.InvalidParameterException) as e:
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn,
                      Attributes={"FilterPolicy": json.dumps({"a": [{"numeric": [">"]}]})})
    assert code(e) == "InvalidParameter"
    assert e.value.response["Error"]["Message"].startswith("Invalid parameter: FilterPolicy:")
    sub = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)["SubscriptionArn"]
    with pytest.raises(sns.exceptions.InvalidParameterException, match="5 keys"):
        sns.set_subscription_attributes(
            SubscriptionArn=sub, AttributeName="FilterPolicy",
            AttributeValue=json.dumps({k: ["v"] for k in "abcdef"}))


def test_http_confirmation_through_the_door(lab, clients):
    sns, _ = clients
    topic = sns.create_topic(Name="t")["TopicArn"]
    out = sns.subscribe(TopicArn=topic, Protocol="https", Endpoint="https://example.com/x")
    assert out["SubscriptionArn"] == "pending confirmation"
    listed = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"][0]
    assert listed["SubscriptionArn"] == "PendingConfirmation"
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["SubscriptionsPending"] == "1"
    sub = lab.sns.list_subscriptions(topic)[0]
    token = json.loads(sub.deliveries[0]["body"])["Token"]
    with pytest.raises(sns.exceptions.InvalidParameterException):
        sns.confirm_subscription(TopicArn=topic, Token="bad")
    confirmed = sns.confirm_subscription(TopicArn=topic, Token=token)["SubscriptionArn"]
    assert confirmed == sub.arn
    again = sns.subscribe(TopicArn=topic, Protocol="https", Endpoint="https://example.com/y",
                          ReturnSubscriptionArn=True)["SubscriptionArn"]
    assert again.startswith(topic + ":")


def test_fifo_publish_and_errors(lab, clients):
    sns, sqs = clients
    topic = sns.create_topic(Name="t.fifo", Attributes={"FifoTopic": "true"})["TopicArn"]
    url, qarn = _queue(sqs, "q.fifo", FifoQueue="true")
    with pytest.raises(sns.exceptions.InvalidParameterException):
        sns.subscribe(TopicArn=topic, Protocol="lambda",
                      Endpoint="arn:aws:lambda:us-east-1:123456789012:function:f")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn)
    with pytest.raises(sns.exceptions.InvalidParameterException, match="MessageGroupId"):
        sns.publish(TopicArn=topic, Message="x", MessageDeduplicationId="d")
    out = sns.publish(TopicArn=topic, Message="x", MessageGroupId="g",
                      MessageDeduplicationId="d")
    assert out["SequenceNumber"]
    body = json.loads(sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"])
    assert body["SequenceNumber"] == out["SequenceNumber"]


def test_publish_batch(lab, clients):
    sns, sqs = clients
    topic = sns.create_topic(Name="t")["TopicArn"]
    url, qarn = _queue(sqs, "q")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=qarn,
                  Attributes={"RawMessageDelivery": "true"})
    out = sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
        {"Id": "a", "Message": "one"}, {"Id": "b", "Message": "two", "Subject": "bad\nsubject"},
        {"Id": "c", "Message": "three"}])
    assert [s["Id"] for s in out["Successful"]] == ["a", "c"]
    assert out["Failed"] == [{"Id": "b", "Code": "InvalidParameter", "SenderFault": True,
                              "Message": out["Failed"][0]["Message"]}]
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
              ["Messages"]]
    assert bodies == ["one", "three"]
    for entries, error in (([], "EmptyBatchRequest"),
                           ([{"Id": str(i), "Message": "x"} for i in range(11)],
                            "TooManyEntriesInBatchRequest"),
                           ([{"Id": "a", "Message": "x"}, {"Id": "a", "Message": "y"}],
                            "BatchEntryIdsNotDistinct"),
                           ([{"Id": "a b", "Message": "x"}], "InvalidBatchEntryId")):
        with pytest.raises(ClientError) as e:
            sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)
        assert code(e) == error


def test_lambda_subscription_via_boto3(lab, clients):
    sns, _ = clients
    got = []

    @lab.function
    def consumer(event, context):
        got.append(event["Records"][0]["Sns"]["Message"])
    topic = sns.create_topic(Name="t")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=consumer.arn)
    sns.publish(TopicArn=topic, Message="refused")
    lab.run()
    # L/with-sns.html: without a resource-based permission SNS may not invoke the function
    assert got == [] and lab.sns.notifications[0].outcome == "failed"
    assert "add-permission" in lab.sns.notifications[0].error[1]
    boto3.client("lambda").add_permission(
        FunctionName="consumer", StatementId="sns", Action="lambda:InvokeFunction",
        Principal="sns.amazonaws.com", SourceArn=topic)
    sns.publish(TopicArn=topic, Message="hello")
    lab.run()
    assert got == ["hello"]


def test_direct_sms_and_unknown_operations(lab, clients):
    sns, _ = clients
    out = sns.publish(PhoneNumber="+12065550100", Message="code 1234")
    assert lab.sns.sms[0]["body"] == "code 1234" and out["MessageId"]
    with pytest.raises(ClientError) as e:
        sns.create_platform_application(Name="x", Platform="GCM", Attributes={})
    assert code(e) == "NotImplemented"


# --- property: one final outcome per (message, subscription) --------------------------------
subscription = st.fixed_dictionaries({
    "filter": st.sampled_from([None, {"color": ["red"]}, {"color": [{"anything-but": "red"}]},
                               {"size": [{"numeric": [">", 5]}]}]),
    "dlq": st.booleans(),
    "fault": st.sampled_from(["none", "outage", "deleted"]),
    "raw": st.booleans(),
})
scenario = st.fixed_dictionaries({
    "seed": st.integers(0, 1000),
    "subscriptions": st.lists(subscription, min_size=1, max_size=5),
    "messages": st.lists(st.fixed_dictionaries({
        "color": st.sampled_from(["red", "blue", None]),
        "size": st.integers(0, 10)}), min_size=1, max_size=6),
})


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(scenario)
def test_every_message_has_exactly_one_outcome_per_subscription(s):
    lab = Lab(seed=s["seed"])
    topic = lab.sns.create_topic("t")
    subs = []
    for i, spec in enumerate(s["subscriptions"]):
        queue = lab.sqs.create_queue(f"q{i}")
        dlq = lab.sqs.create_queue(f"dlq{i}") if spec["dlq"] else None
        sub = lab.sns.subscribe(topic, "sqs", queue, raw_message_delivery=spec["raw"],
                                filter_policy=spec["filter"],
                                redrive_policy={"deadLetterTargetArn": dlq.arn} if dlq else None)
        if spec["fault"] == "outage":
            lab.sns.set_unavailable(queue, "2m")
        subs.append((sub, spec, queue, dlq))
    for spec, (_, _, queue, _) in zip(s["subscriptions"], subs):
        if spec["fault"] == "deleted":
            lab.sqs.delete_queue(queue)
    ids = []
    for m in s["messages"]:
        attributes = {"size": m["size"]}
        if m["color"] is not None:
            attributes["color"] = m["color"]
        ids.append(lab.sns.publish(topic, json.dumps(m), message_attributes=attributes)
                   ["MessageId"])
    lab.run()
    notes = lab.sns.notifications
    assert len(notes) == len(ids) * len(subs)
    by_pair = {(n.message.id, n.subscription.arn): n for n in notes}
    assert len(by_pair) == len(notes)                       # one record per pair
    for sub, spec, queue, dlq in subs:
        delivered = [n for n in notes if n.subscription is sub and n.outcome == "delivered"]
        dead = [n for n in notes if n.subscription is sub and n.outcome == "dlq"]
        filtered = [n for n in notes if n.subscription is sub and n.outcome == "filtered"]
        failed = [n for n in notes if n.subscription is sub and n.outcome == "failed"]
        # no pending, nothing lost: a message is discarded only when SNS gave up on a
        # subscription without a dead-letter queue
        assert len(delivered) + len(dead) + len(filtered) + len(failed) == len(ids)
        assert not failed or (spec["fault"] == "deleted" and not spec["dlq"])
        assert all(n.attempts == (0 if n.outcome == "filtered" else 1) for n in notes
                   if n.subscription is sub and spec["fault"] != "outage")
        if spec["filter"] is None:
            assert not filtered
        if spec["fault"] == "deleted":
            # a deleted queue is a client-side error: no retry, straight to the DLQ
            assert not delivered
        else:
            live = lab.sqs.get(queue.arn)
            assert int(live.attributes(["ApproximateNumberOfMessages"])
                       ["ApproximateNumberOfMessages"]) == len(delivered)
        if dlq is not None:
            assert int(dlq.attributes(["ApproximateNumberOfMessages"])
                       ["ApproximateNumberOfMessages"]) == len(dead)
    m = lab.sns.metrics(period="1d").sum(numeric_only=True)
    assert m["NumberOfMessagesPublished"] == len(ids)
    assert m["NumberOfNotificationsDelivered"] == sum(n.outcome == "delivered" for n in notes)
    assert m["NumberOfNotificationsFilteredOut"] == sum(n.outcome == "filtered" for n in notes)
