"""Amazon SNS on the virtual clock (Python API): topics, subscriptions, message shapes,
filter policies, FIFO topics, delivery retries, dead-letter queues, HTTP/S confirmation,
metrics.

Sources (SNS/ = https://docs.aws.amazon.com/sns/latest/dg/, L/ =
https://docs.aws.amazon.com/lambda/latest/dg/):
* L/with-sns.html - the Lambda event (Subject null allowed, SigningCertUrl/UnsubscribeUrl);
  Lambda supports standard topics only.
* SNS/sns-message-and-json-formats.html - the notification document SQS and HTTP/S receive.
* SNS/sns-large-payload-raw-message-delivery.html - raw delivery, attributes become SQS ones.
* SNS/sns-message-delivery-retries.html - AWS-managed endpoints: 3 immediate, 2 at 1 s, 10
  backoff 1-20 s, then 20 s apart: 100,015 attempts over 23 days; HTTP/S default 3 retries.
* SNS/sns-dead-letter-queues.html - client-side errors are not retried; DLQ per subscription.
* SNS/sns-subscription-filter-policies.html, sns-message-filtering-scope.html.
* SNS/fifo-message-dedup.html - 5-minute deduplication on FIFO topics.
* SNS/sns-monitoring-using-cloudwatch.html - NumberOfNotificationsFailed counts every failed
  HTTP/S attempt but only the final failure for other protocols.
"""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aws_lambda_powertools.utilities.parser.models import (SnsModel, SnsNotificationModel,
                                                           SqsModel)

from lambdalab import Lab
from lambdalab.sns import HTTP_DEFAULT, MANAGED, InvalidParameter, NotFound, \
    ParameterValueInvalid
from lambdalab.sns.retry import http_policy


@pytest.fixture
def lab():
    return Lab(seed=0)


def _collector(lab, name="consumer", **settings):
    got = []

    def handler(event, context):
        got.append(event)
    fn = lab.function(handler, name=name, **settings)
    return fn, got


# --- topics -------------------------------------------------------------------------------
def test_create_topic_is_idempotent_and_named_like_aws(lab):
    topic = lab.sns.create_topic("orders")
    assert topic.arn == "arn:aws:sns:us-east-1:123456789012:orders"
    assert lab.sns.create_topic("orders") is topic
    with pytest.raises(InvalidParameter, match="different attributes"):
        lab.sns.create_topic("orders", {"DisplayName": "other"})
    with pytest.raises(InvalidParameter, match="Topic Name"):
        lab.sns.create_topic("bad name")
    with pytest.raises(InvalidParameter, match="FifoTopic=true"):
        lab.sns.create_topic("x.fifo")
    with pytest.raises(InvalidParameter, match="must end with .fifo"):
        lab.sns.create_topic("x", fifo=True)
    assert lab.sns.create_topic("x.fifo", fifo=True).fifo


def test_delete_topic_removes_subscriptions_and_is_idempotent(lab):
    topic = lab.sns.create_topic("t")
    sub = lab.sns.subscribe(topic, "sqs", lab.sqs.create_queue("q"))
    lab.sns.delete_topic(topic)
    lab.sns.delete_topic("t")            # no error: DeleteTopic is idempotent
    with pytest.raises(NotFound):
        lab.sns.get_subscription(sub.arn)
    with pytest.raises(NotFound, match="Topic does not exist"):
        lab.sns.publish("t", "x")


# --- shapes -------------------------------------------------------------------------------
def test_lambda_event_shape_matches_aws_and_powertools(lab):
    fn, got = _collector(lab)
    topic = lab.sns.create_topic("orders")
    sub = lab.sns.subscribe(topic, "lambda", fn)
    out = lab.sns.publish(topic, "hello", message_attributes={
        "kind": {"DataType": "String", "StringValue": "big"},
        "n": {"DataType": "Number", "StringValue": "3"}})
    lab.run()
    assert len(got) == 1
    event = got[0]
    model = SnsModel(**event)                      # powertools' independent check
    record = event["Records"][0]
    assert record["EventSource"] == "aws:sns" and record["EventVersion"] == "1.0"
    assert record["EventSubscriptionArn"] == sub.arn
    sns = record["Sns"]
    assert list(sns) == ["Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp",
                         "SignatureVersion", "Signature", "SigningCertUrl", "UnsubscribeUrl",
                         "MessageAttributes"]
    assert sns["Subject"] is None                  # null when the publisher gave none
    assert sns["MessageId"] == out["MessageId"]
    assert sns["Timestamp"] == "2026-01-01T00:00:00.000Z"
    assert sns["MessageAttributes"] == {"kind": {"Type": "String", "Value": "big"},
                                        "n": {"Type": "Number", "Value": "3"}}
    assert len(sns["Signature"]) == 344 and sns["SignatureVersion"] == "1"
    assert sns["UnsubscribeUrl"].endswith("SubscriptionArn=" + sub.arn)
    assert model.Records[0].Sns.Message == "hello"


def test_lambda_event_has_empty_attributes_and_a_subject_when_given(lab):
    fn, got = _collector(lab)
    topic = lab.sns.create_topic("t")
    lab.sns.subscribe(topic, "lambda", fn)
    lab.sns.publish(topic, {"order": 1}, subject="New order")
    lab.run()
    sns = got[0]["Records"][0]["Sns"]
    assert sns["MessageAttributes"] == {} and sns["Subject"] == "New order"
    assert json.loads(sns["Message"]) == {"order": 1}


def test_sqs_envelope_shape_matches_aws_and_powertools(lab):
    queue = lab.sqs.create_queue("q")
    topic = lab.sns.create_topic("t")
    sub = lab.sns.subscribe(topic, "sqs", queue)
    lab.sns.publish(topic, "plain")
    lab.sns.publish(topic, "with", subject="S",
                    message_attributes={"a": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}})
    fn, got = _collector(lab)
    lab.awslambda.create_event_source_mapping(fn, queue.arn, batch_size=10)
    lab.run("1m")
    records = [r for e in got for r in e["Records"]]
    assert len(records) == 2
    SqsModel(**{"Records": records})
    first, second = (json.loads(r["body"]) for r in records)
    for doc in (first, second):
        SnsNotificationModel(**doc)
        assert doc["SigningCertURL"].startswith("https://sns.us-east-1.amazonaws.com/")
        assert doc["UnsubscribeURL"].endswith(sub.arn)
        assert "SigningCertUrl" not in doc
    assert list(first) == ["Type", "MessageId", "TopicArn", "Message", "Timestamp",
                           "SignatureVersion", "Signature", "SigningCertURL", "UnsubscribeURL"]
    assert second["Subject"] == "S"
    assert second["MessageAttributes"] == {"a": {"Type": "Binary", "Value": "AAE="}}
    assert records[0]["body"].startswith('{\n  "Type" : "Notification",')   # SNS's layout


def test_raw_delivery_sends_the_message_and_sqs_attributes(lab):
    queue = lab.sqs.create_queue("q")
    topic = lab.sns.create_topic("t")
    lab.sns.subscribe(topic, "sqs", queue, raw_message_delivery=True)
    lab.sns.publish(topic, "just this", message_attributes={
        "tags": {"DataType": "String.Array", "StringValue": '["a","b"]'},
        "n": {"DataType": "Number", "StringValue": "1.5"}})
    msg = queue.receive(1, message_attribute_names=["All"])[0]
    assert msg["Body"] == "just this"
    assert msg["MessageAttributes"] == {
        "tags": {"DataType": "String", "StringValue": '["a","b"]'},
        "n": {"DataType": "Number", "StringValue": "1.5"}}


def test_raw_delivery_is_refused_for_lambda(lab):
    fn, _ = _collector(lab)
    topic = lab.sns.create_topic("t")
    with pytest.raises(InvalidParameter, match=r"\[lambda\] does not support raw"):
        lab.sns.subscribe(topic, "lambda", fn, raw_message_delivery=True)


def test_message_structure_json_sends_per_protocol_text(lab):
    fn, got = _collector(lab)
    queue = lab.sqs.create_queue("q")
    topic = lab.sns.create_topic("t")
    lab.sns.subscribe(topic, "lambda", fn)
    lab.sns.subscribe(topic, "sqs", queue, raw_message_delivery=True)
    lab.sns.publish(topic, json.dumps({"default": "d", "sqs": "for queues"}),
                    message_structure="json")
    lab.run()
    assert got[0]["Records"][0]["Sns"]["Message"] == "d"
    assert queue.receive(1)[0]["Body"] == "for queues"
    with pytest.raises(InvalidParameter, match="No default entry"):
        lab.sns.publish(topic, '{"sqs": "x"}', message_structure="json")


def test_publish_validation(lab):
    topic = lab.sns.create_topic("t")
    with pytest.raises(InvalidParameter, match="Empty message"):
        lab.sns.publish(topic, "")
    with pytest.raises(InvalidParameter, match="Message too long"):
        lab.sns.publish(topic, "x" * (256 * 1024 + 1))
    lab.sns.publish(topic, "x" * (256 * 1024))          # exactly 256 KiB is fine
    with pytest.raises(InvalidParameter, match="Subject"):
        lab.sns.publish(topic, "x", subject="two\nlines")
    with pytest.raises(InvalidParameter, match="Subject"):
        lab.sns.publish(topic, "x", subject="s" * 100)
    with pytest.raises(ParameterValueInvalid, match=r"\[11\] exceeds the allowed maximum \[10\]"):
        lab.sns.publish(topic, "x", message_attributes={f"a{i}": "v" for i in range(11)})
    with pytest.raises(ParameterValueInvalid, match="to number"):
        lab.sns.publish(topic, "x", message_attributes={
            "n": {"DataType": "Number", "StringValue": "abc"}})
    with pytest.raises(InvalidParameter, match="MessageDeduplicationId"):
        lab.sns.publish(topic, "x", message_deduplication_id="d")


# --- filter policies ----------------------------------------------------------------------
def test_filter_policy_on_attributes_and_body(lab):
    topic = lab.sns.create_topic("t")
    big = lab.sqs.create_queue("big")
    eu = lab.sqs.create_queue("eu")
    everything = lab.sqs.create_queue("all")
    lab.sns.subscribe(topic, "sqs", big, raw_message_delivery=True,
                      filter_policy={"size": [{"numeric": [">=", 100]}]})
    lab.sns.subscribe(topic, "sqs", eu, raw_message_delivery=True,
                      filter_policy={"order": {"region": [{"prefix": "eu-"}]}},
                      filter_policy_scope="MessageBody")
    lab.sns.subscribe(topic, "sqs", everything, raw_message_delivery=True)
    lab.sns.publish(topic, json.dumps({"order": {"region": "eu-west-1"}}),
                    message_attributes={"size": 150})
    lab.sns.publish(topic, json.dumps({"order": {"region": "us-east-1"}}),
                    message_attributes={"size": 5})
    lab.sns.publish(topic, "not json", message_attributes={"size": 100})
    assert big.attributes(["ApproximateNumberOfMessages"]) == {"ApproximateNumberOfMessages": "2"}
    assert [json.loads(m["Body"])["order"]["region"] for m in eu.receive(10)] == ["eu-west-1"]
    assert len(everything.receive(10)) == 3
    m = lab.sns.metrics()
    assert m["NumberOfMessagesPublished"].sum() == 3
    assert m["NumberOfNotificationsFilteredOut"].sum() == 3
    assert m["NumberOfNotificationsDelivered"].sum() == 6


def test_invalid_filter_policy_is_invalid_parameter(lab):
    topic = lab.sns.create_topic("t")
    queue = lab.sqs.create_queue("q")
    with pytest.raises(InvalidParameter, match="more than 5 keys"):
        lab.sns.subscribe(topic, "sqs", queue,
                          filter_policy={k: ["v"] for k in "abcdef"})
    with pytest.raises(InvalidParameter, match="does not support nested"):
        lab.sns.subscribe(topic, "sqs", queue, filter_policy={"a": {"b": ["c"]}})
    sub = lab.sns.subscribe(topic, "sqs", queue)
    with pytest.raises(InvalidParameter, match="FilterPolicyScope"):
        sub.set_attributes({"FilterPolicyScope": "Headers"})
    assert sub.filter_policy is None        # all or nothing


# --- FIFO topics --------------------------------------------------------------------------
def test_fifo_topic_subscriptions(lab):
    fifo = lab.sns.create_topic("orders.fifo", fifo=True)
    standard = lab.sns.create_topic("orders")
    fn, _ = _collector(lab)
    with pytest.raises(InvalidParameter, match="Invalid protocol type: lambda"):
        lab.sns.subscribe(fifo, "lambda", fn)
    fq = lab.sqs.create_queue("q.fifo", fifo_queue=True)
    with pytest.raises(InvalidParameter, match="FIFO SQS Queues can not be subscribed to "
                                               "standard SNS topics"):
        lab.sns.subscribe(standard, "sqs", fq)
    lab.sns.subscribe(fifo, "sqs", fq)


def test_fifo_topic_groups_dedup_and_sequence(lab):
    topic = lab.sns.create_topic("t.fifo", fifo=True, content_based_deduplication=True)
    queue = lab.sqs.create_queue("q.fifo", fifo_queue=True)
    lab.sns.subscribe(topic, "sqs", queue, raw_message_delivery=True)
    with pytest.raises(InvalidParameter, match="MessageGroupId parameter is required"):
        lab.sns.publish(topic, "a")
    first = lab.sns.publish(topic, "a", message_group_id="g1")
    again = lab.sns.publish(topic, "a", message_group_id="g1")   # same body: a duplicate
    assert again == first and "SequenceNumber" in first
    lab.sns.publish(topic, "b", message_group_id="g1", message_deduplication_id="id-b")
    msgs = queue.receive(10, attribute_names=["All"])
    assert [m["Body"] for m in msgs] == ["a", "b"]
    assert {m["Attributes"]["MessageGroupId"] for m in msgs} == {"g1"}
    assert msgs[1]["Attributes"]["MessageDeduplicationId"] == "id-b"
    lab.run("5m")                                                # the interval is over
    assert lab.sns.publish(topic, "a", message_group_id="g1")["MessageId"] != first["MessageId"]
    no_cbd = lab.sns.create_topic("n.fifo", fifo=True)
    with pytest.raises(InvalidParameter, match="ContentBasedDeduplication"):
        lab.sns.publish(no_cbd, "a", message_group_id="g")


# --- retries and dead-letter queues -------------------------------------------------------
def test_managed_retry_policy_numbers():
    schedule = MANAGED.schedule()
    assert MANAGED.attempts == 100_015                 # first attempt + 100,014 retries
    assert schedule[:3] == [0.0, 0.0, 0.0]             # 3 immediate
    assert schedule[3:5] == [1.0, 1.0]                 # 2 at 1 s
    backoff = schedule[5:15]
    assert backoff[0] == 1.0 and backoff[-1] == pytest.approx(20.0)
    assert all(a < b for a, b in zip(backoff, backoff[1:]))
    assert set(schedule[15:]) == {20.0}
    assert 23 < sum(schedule) / 86400 < 23.2           # "over 23 days"
    assert HTTP_DEFAULT.schedule() == [20.0, 20.0, 20.0]


def test_http_delivery_policy_limits():
    policy = http_policy({"healthyRetryPolicy": {"numRetries": 5, "minDelayTarget": 1,
                                                 "maxDelayTarget": 8, "numNoDelayRetries": 1,
                                                 "backoffFunction": "exponential"}})
    assert policy.schedule() == pytest.approx([0.0, 1.0, 2.0, 4.0, 8.0])
    with pytest.raises(InvalidParameter, match="3600 seconds"):
        http_policy({"healthyRetryPolicy": {"numRetries": 100, "minDelayTarget": 60,
                                            "maxDelayTarget": 60}})


def test_outage_is_retried_on_the_clock_then_delivered(lab):
    queue = lab.sqs.create_queue("q")
    topic = lab.sns.create_topic("t")
    lab.sns.subscribe(topic, "sqs", queue)
    lab.sns.set_unavailable(queue, 10)
    lab.sns.publish(topic, "x")
    assert queue.receive(1) == []
    lab.run()
    note = lab.sns.notifications[0]
    assert note.outcome == "delivered"
    times = note.attempt_times
    assert times[:4] == [0.0, 0.0, 0.0, 0.0]          # first try + 3 immediate retries
    assert 0.9 <= times[4] - times[3] <= 1.1          # pre-backoff, with ±10% jitter
    assert 0.9 <= times[5] - times[4] <= 1.1
    assert times[-2] < 10 <= times[-1]
    assert len(queue.receive(1)) == 1


def test_permanent_outage_exhausts_100015_attempts_then_uses_the_dlq(lab):
    queue = lab.sqs.create_queue("q")
    dlq = lab.sqs.create_queue("dlq")
    topic = lab.sns.create_topic("t")
    sub = lab.sns.subscribe(topic, "sqs", queue,
                            redrive_policy={"deadLetterTargetArn": dlq.arn})
    lab.sns.set_unavailable(queue, "30d")
    out = lab.sns.publish(topic, "x")
    lab.run()
    note = lab.sns.notifications[0]
    assert note.outcome == "dlq" and note.attempts == 100_015
    assert 22.9 < note.ended / 86400 < 23.4
    body = json.loads(dlq.receive(1)[0]["Body"])
    assert body["MessageId"] == out["MessageId"] and body["UnsubscribeURL"].endswith(sub.arn)
    totals = lab.sns.metrics(period="1d").sum(numeric_only=True)
    assert totals["NumberOfNotificationsFailed"] == 1       # once, when SNS gives up
    assert totals["NumberOfNotificationsRedrivenToDlq"] == 1


def test_a_deleted_queue_is_a_client_error_without_retries(lab):
    queue = lab.sqs.create_queue("q")
    dlq = lab.sqs.create_queue("dlq")
    topic = lab.sns.create_topic("t")
    lab.sns.subscribe(topic, "sqs", queue, redrive_policy={"deadLetterTargetArn": dlq.arn})
    other = lab.sqs.create_queue("other")
    lab.sns.subscribe(topic, "sqs", other)
    lab.sqs.delete_queue(queue)
    lab.sqs.delete_queue(other)
    lab.sns.publish(topic, "x")
    notes = lab.sns.notifications
    assert [(n.outcome, n.attempts) for n in notes] == [("dlq", 1), ("failed", 1)]
    assert "does not exist" in notes[1].error[1]
    assert len(dlq.receive(1)) == 1


def test_a_missing_dlq_counts_as_failed_to_redrive(lab):
    topic = lab.sns.create_topic("t")
    queue = lab.sqs.create_queue("q")
    dlq = lab.sqs.create_queue("dlq")
    lab.sns.subscribe(topic, "sqs", queue, redrive_policy={"deadLetterTargetArn": dlq.arn})
    lab.sqs.delete_queue(queue)
    lab.sqs.delete_queue(dlq)
    lab.sns.publish(topic, "x")
    assert lab.sns.notifications[0].outcome == "failed"
    assert lab.sns.metrics()["NumberOfNotificationsFailedToRedriveToDlq"].sum() == 1


def test_redrive_policy_validation(lab):
    fifo = lab.sns.create_topic("t.fifo", fifo=True)
    fq = lab.sqs.create_queue("q.fifo", fifo_queue=True)
    with pytest.raises(InvalidParameter, match="FIFO queue as DLQ"):
        lab.sns.subscribe(fifo, "sqs", fq, redrive_policy={
            "deadLetterTargetArn": lab.sqs.create_queue("std").arn})
    with pytest.raises(InvalidParameter, match="not an SQS queue ARN"):
        lab.sns.subscribe(fifo, "sqs", fq, redrive_policy={"deadLetterTargetArn": "nope"})


def test_a_deleted_function_is_a_client_error_and_a_throttle_is_not(lab):
    fn, got = _collector(lab, reserved_concurrency=0)
    topic = lab.sns.create_topic("t")
    lab.sns.subscribe(topic, "lambda", fn)
    lab.sns.publish(topic, "x")
    lab.run()
    note = lab.sns.notifications[0]
    # SNS handed the event to Lambda's async queue: delivered, whatever Lambda does next
    assert note.outcome == "delivered" and note.request_id is not None
    assert got == []
    lab.awslambda.delete_function("consumer")
    lab.sns.publish(topic, "y")
    assert lab.sns.notifications[1].outcome == "failed"
    assert lab.sns.notifications[1].attempts == 1


def test_lambda_outage_retries_then_invokes(lab):
    fn, got = _collector(lab)
    topic = lab.sns.create_topic("t")
    lab.sns.subscribe(topic, "lambda", fn)
    lab.sns.set_unavailable(fn, "1m")
    lab.sns.publish(topic, "x")
    lab.run()
    assert len(got) == 1
    note = lab.sns.notifications[0]
    assert note.outcome == "delivered" and note.attempts > 15


# --- HTTP/S, email, SMS --------------------------------------------------------------------
class _Server:
    def __init__(self, status=200):
        self.requests = []
        self.status = status
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                outer.requests.append((self.headers, self.rfile.read(length).decode()))  # any case
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args):
                pass
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = _Server()
    yield s
    s.close()


def test_http_subscription_confirmation_then_delivery(lab, server):
    topic = lab.sns.create_topic("t")
    sub = lab.sns.subscribe(topic, "http", server.url)
    assert sub.pending
    headers, body = server.requests[0]
    assert headers["x-amz-sns-message-type"] == "SubscriptionConfirmation"
    doc = json.loads(body)
    assert doc["Type"] == "SubscriptionConfirmation" and doc["Token"] == sub.token
    assert "Action=ConfirmSubscription" in doc["SubscribeURL"]
    lab.sns.publish(topic, "before confirmation")          # not delivered: pending
    assert len(server.requests) == 1
    with pytest.raises(InvalidParameter, match="Token"):
        lab.sns.confirm_subscription(topic, "wrong")
    assert lab.sns.confirm_subscription(topic, doc["Token"]) is sub and not sub.pending
    lab.sns.publish(topic, "after", subject="S")
    headers, body = server.requests[1]
    assert headers["x-amz-sns-message-type"] == "Notification"
    assert headers["x-amz-sns-subscription-arn"] == sub.arn
    notification = json.loads(body)
    SnsNotificationModel(**notification)
    assert notification["Message"] == "after" and notification["Subject"] == "S"


def test_http_server_errors_use_the_http_retry_policy(lab):
    server = _Server(status=500)
    try:
        topic = lab.sns.create_topic("t")
        sub = lab.sns.subscribe(topic, "http", server.url)
        lab.sns.confirm_subscription(topic, sub.token)
        lab.sns.publish(topic, "x")
        lab.run()
    finally:
        server.close()
    note = lab.sns.notifications[0]
    assert note.outcome == "failed" and note.attempts == 4      # 1 + 3 retries
    gaps = [b - a for a, b in zip(note.attempt_times, note.attempt_times[1:])]
    assert all(18 <= g <= 22 for g in gaps)                    # 20 s, ±10% jitter
    # HTTP/S: every failed attempt is counted
    assert lab.sns.metrics()["NumberOfNotificationsFailed"].sum() == 4


def test_remote_http_is_recorded_only(lab):
    topic = lab.sns.create_topic("t")
    sub = lab.sns.subscribe(topic, "https", "https://example.com/hook")
    assert sub.deliveries[0]["status"] == "recorded"
    lab.sns.confirm_subscription(topic, sub.token)
    lab.sns.publish(topic, "x")
    assert sub.deliveries[1]["status"] == "recorded"
    assert lab.sns.notifications[0].outcome == "delivered"


def test_email_and_sms_are_recorded(lab):
    topic = lab.sns.create_topic("t")
    email = lab.sns.subscribe(topic, "email", "ops@example.com")
    sms = lab.sns.subscribe(topic, "sms", "+12065550100")
    assert email.pending and not sms.pending
    assert "Subscription Confirmation" in email.deliveries[0]["subject"]
    lab.sns.confirm_subscription(topic, email.token)
    lab.sns.publish(topic, "disk full", subject="Alarm")
    assert email.deliveries[-1]["body"] == "disk full"
    assert email.deliveries[-1]["subject"] == "Alarm"
    assert sms.deliveries == [{"time": 0.0, "to": "+12065550100", "body": "disk full"}]
    with pytest.raises(InvalidParameter, match="E.164"):
        lab.sns.subscribe(topic, "sms", "555")


# --- other services deliver to topics ------------------------------------------------------
def test_lambda_destination_publishes_to_a_topic(lab):
    topic = lab.sns.create_topic("failures")
    queue = lab.sqs.create_queue("q")
    lab.sns.subscribe(topic, "sqs", queue, raw_message_delivery=True)

    def broken(event, context):
        raise ValueError("boom")
    fn = lab.function(broken)
    lab.awslambda.put_event_invoke_config(fn.name, maximum_retry_attempts=0,
                                          on_failure=topic.arn)
    fn.invoke({"a": 1}, invocation_type="Event")
    lab.run()
    record = json.loads(queue.receive(1)[0]["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestPayload"] == {"a": 1}


def test_same_seed_same_history():
    def run():
        lab = Lab(seed=3)
        topic = lab.sns.create_topic("t")
        queue = lab.sqs.create_queue("q")
        lab.sns.subscribe(topic, "sqs", queue)
        lab.sns.set_unavailable(queue, 30)
        for i in range(3):
            lab.sns.publish(topic, f"m{i}")
        lab.run()
        return [(n.message.id, n.attempt_times) for n in lab.sns.notifications], \
            [m["Body"] for m in queue.receive(10)]
    assert run() == run()


def test_lambda_dead_letter_queue_can_be_a_topic(lab):
    """L/dlq.html: the original payload with RequestID, ErrorCode and ErrorMessage attributes;
    published to the topic, they reach a raw SQS subscriber as SQS message attributes."""
    topic = lab.sns.create_topic("dead-letters")
    queue = lab.sqs.create_queue("q")
    lab.sns.subscribe(topic, "sqs", queue, raw_message_delivery=True,
                      filter_policy={"ErrorCode": [{"numeric": [">=", 200]}]})

    def broken(event, context):
        raise ValueError("boom")
    fn = lab.function(broken, dead_letter_arn=topic.arn)
    lab.awslambda.put_event_invoke_config(fn.name, maximum_retry_attempts=0)
    fn.invoke({"a": 1}, invocation_type="Event")
    lab.run()
    msg = queue.receive(1, message_attribute_names=["All"])[0]
    assert json.loads(msg["Body"]) == {"a": 1}
    assert msg["MessageAttributes"]["ErrorCode"] == {"DataType": "Number", "StringValue": "200"}
    assert lab.deliveries_to(topic.arn)[0].ok


def test_subscribe_validation_and_idempotence(lab):
    topic = lab.sns.create_topic("t")
    queue = lab.sqs.create_queue("q")
    with pytest.raises(InvalidParameter, match="does not support this protocol string: ftp"):
        lab.sns.subscribe(topic, "ftp", "ftp://x")
    with pytest.raises(InvalidParameter, match="give the queue ARN"):
        lab.sns.subscribe(topic, "sqs", queue.url)
    with pytest.raises(InvalidParameter, match="https://"):
        lab.sns.subscribe(topic, "https", "http://example.com")
    first = lab.sns.subscribe(topic, "sqs", queue)
    assert lab.sns.subscribe(topic, "sqs", queue.arn) is first
    assert topic.attributes()["SubscriptionsConfirmed"] == "1"
    lab.sns.unsubscribe(first)
    assert topic.attributes()["SubscriptionsDeleted"] == "1"
    with pytest.raises(NotFound, match="Subscription does not exist"):
        lab.sns.unsubscribe(first.arn)


def test_an_outage_can_be_ended_early(lab):
    queue = lab.sqs.create_queue("q")
    topic = lab.sns.create_topic("t")
    lab.sns.subscribe(topic, "sqs", queue)
    lab.sns.set_unavailable(queue, "1h")
    lab.sns.publish(topic, "x")
    lab.run(30)
    lab.sns.set_unavailable(queue, 0)
    lab.run()
    note = lab.sns.notifications[0]
    assert note.outcome == "delivered" and 30 <= note.ended <= 52   # the next 20 s retry


def test_outcomes_frame_has_one_row_per_message_and_subscription(lab):
    topic = lab.sns.create_topic("t")
    ok = lab.sqs.create_queue("ok")
    gone = lab.sqs.create_queue("gone")
    lab.sns.subscribe(topic, "sqs", ok, filter_policy={"kind": ["a"]})
    lab.sns.subscribe(topic, "sqs", gone)
    lab.sqs.delete_queue(gone)
    lab.sns.publish(topic, "1", message_attributes={"kind": "a"})
    lab.sns.publish(topic, "2", message_attributes={"kind": "b"})
    frame = lab.sns.outcomes(topic)
    assert list(frame["outcome"]) == ["delivered", "failed", "filtered", "failed"]
    assert list(frame["attempts"]) == [1, 1, 0, 1]
    assert frame["error"].iloc[1].startswith("the queue arn:aws:sqs:")
    metrics = lab.sns.metrics(topic)
    assert metrics[["NumberOfMessagesPublished", "NumberOfNotificationsDelivered",
                    "NumberOfNotificationsFailed", "NumberOfNotificationsFilteredOut"]
                   ].iloc[0].tolist() == [2, 1, 2, 1]


def test_subscribing_a_function_adds_the_sns_permission_like_the_console(lab):
    fn, got = _collector(lab)
    topic = lab.sns.create_topic("t")
    lab.sns.subscribe(topic, "lambda", fn)
    statement = lab.awslambda.get_policy(fn.name)["Statement"][0]
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Condition"] == {"ArnLike": {"AWS:SourceArn": topic.arn}}
    other = lab.sns.create_topic("other")
    lab.sns.subscribe(other, "lambda", fn, add_permission=False)
    lab.sns.publish(topic, "allowed")
    lab.sns.publish(other, "refused")
    lab.run()
    assert [e["Records"][0]["Sns"]["Message"] for e in got] == ["allowed"]
    refused = lab.sns.notifications[1]
    assert refused.outcome == "failed" and refused.attempts == 1      # client-side: no retry
    assert refused.error[1].startswith("AccessDeniedException")
