"""S3 event notifications through the door: moto stores the objects, the lab delivers the events.

S3/ = https://docs.aws.amazon.com/AmazonS3/latest/userguide/. Record shape:
S3/notification-content-structure.html (eventVersion 2.1, URL-encoded keys); event types:
S3/notification-how-to-event-types-and-destinations.html; filters:
S3/notification-how-to-filtering.html; EventBridge mode: S3/EventBridge.html, S3/ev-events.html.
Shapes are checked against aws-lambda-powertools' parser models.
"""
from __future__ import annotations

import json

import boto3
import pytest
from aws_lambda_powertools.utilities.parser.models import (S3EventNotificationEventBridgeModel,
                                                           S3Model)
from botocore.exceptions import ClientError

from lambdalab import Lab

BUCKET = "uploads"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"


@pytest.fixture
def lab():
    lab = Lab(seed=0)
    lab.received = []

    @lab.function(duration="50ms")
    def thumbnail(event, context):
        lab.received.append(event)

    lab.awslambda.add_permission("thumbnail", "s3", "lambda:InvokeFunction",
                                 "s3.amazonaws.com", source_arn=BUCKET_ARN)
    lab.sqs.create_queue("uploads-queue")
    return lab


def configure(s3, **config):
    s3.put_bucket_notification_configuration(Bucket=BUCKET,
                                             NotificationConfiguration=config)


def fn_arn(lab):
    return lab.awslambda.get("thumbnail").arn


def test_put_invokes_the_function_with_an_s3_event_on_the_virtual_clock(lab):
    lab.run("1h")
    with lab.aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        configure(s3, LambdaFunctionConfigurations=[{
            "Id": "images", "LambdaFunctionArn": fn_arn(lab), "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "images/"},
                                               {"Name": "suffix", "Value": ".jpg"}]}}}])
        s3.put_object(Bucket=BUCKET, Key="images/my cat.jpg", Body=b"x" * 10)
        s3.put_object(Bucket=BUCKET, Key="images/notes.txt", Body=b"no")      # suffix
        s3.put_object(Bucket=BUCKET, Key="docs/cat.jpg", Body=b"no")          # prefix
        assert lab.received == []                  # delivered through the lab, not inline
        lab.run()
    (event,) = lab.received
    model = S3Model(**event)                       # validates the AWS shape
    record = model.Records[0]
    assert record.eventName == "ObjectCreated:Put"
    assert record.s3.object.key == "images/my+cat.jpg"          # URL-encoded, as on AWS
    assert record.s3.object.size == 10
    assert record.s3.configurationId == "images"
    assert record.s3.bucket.arn == BUCKET_ARN
    raw = event["Records"][0]
    assert raw["eventTime"] == "2026-01-01T01:00:00.000Z"       # lab time
    (attempt,) = [a for a in lab.awslambda.attempts if a.function == "thumbnail"]
    assert attempt.invocation_type == "Event"


def test_copy_multipart_and_delete_events_go_to_a_queue(lab):
    queue = lab.sqs.get("uploads-queue")
    with lab.aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        configure(s3, QueueConfigurations=[{
            "QueueArn": queue.arn, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]}])
        s3.put_object(Bucket=BUCKET, Key="a.txt", Body=b"hello")
        s3.copy_object(Bucket=BUCKET, Key="b.txt", CopySource={"Bucket": BUCKET, "Key": "a.txt"})
        upload = s3.create_multipart_upload(Bucket=BUCKET, Key="big.bin")
        part = s3.upload_part(Bucket=BUCKET, Key="big.bin", UploadId=upload["UploadId"],
                              PartNumber=1, Body=b"y" * 100)
        s3.complete_multipart_upload(
            Bucket=BUCKET, Key="big.bin", UploadId=upload["UploadId"],
            MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]})
        s3.delete_object(Bucket=BUCKET, Key="a.txt")
        s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "b.txt"},
                                                             {"Key": "never-there"}]})
    bodies = [json.loads(d.body) for d in lab.deliveries_to(queue.arn)]
    assert bodies[0]["Event"] == "s3:TestEvent"      # S3 tests a new queue destination
    names = [b["Records"][0]["eventName"] for b in bodies[1:]]
    assert names == ["ObjectCreated:Put", "ObjectCreated:Copy",
                     "ObjectCreated:CompleteMultipartUpload", "ObjectRemoved:Delete",
                     "ObjectRemoved:Delete"]
    for body in bodies[1:]:
        S3Model(**body)
    sequencers = [b["Records"][0]["s3"]["object"]["sequencer"] for b in bodies[1:]]
    assert sequencers == sorted(sequencers)
    # the test event and five records are waiting in the lab's queue
    assert queue.attributes(["ApproximateNumberOfMessages"]) == \
        {"ApproximateNumberOfMessages": "6"}
    assert "size" not in bodies[-1]["Records"][0]["s3"]["object"]   # removals carry no size
    config_id = bodies[1]["Records"][0]["s3"]["configurationId"]
    assert config_id and config_id == bodies[2]["Records"][0]["s3"]["configurationId"]


def test_topic_and_eventbridge_destinations(lab):
    topic = lab.sns.create_topic("uploads-topic").arn
    lab.sns.subscribe(topic, "sqs", lab.sqs.get("uploads-queue").arn)
    with lab.aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        configure(s3, TopicConfigurations=[{"TopicArn": topic,
                                            "Events": ["s3:ObjectRemoved:Delete"]}],
                  EventBridgeConfiguration={})
        s3.put_object(Bucket=BUCKET, Key="k", Body=b"1")
        s3.delete_object(Bucket=BUCKET, Key="k")
    to_topic = [json.loads(d.body) for d in lab.deliveries_to(topic)]
    assert to_topic[0]["Event"] == "s3:TestEvent"
    assert [b["Records"][0]["eventName"] for b in to_topic[1:]] == ["ObjectRemoved:Delete"]
    # fanned out by SNS to its queue subscriber, in SNS's envelope
    lab.run()
    queued = lab.sqs.get("uploads-queue").attributes(["ApproximateNumberOfMessages"])
    assert queued == {"ApproximateNumberOfMessages": "2"}       # test event + the delete
    bus = "arn:aws:events:us-east-1:123456789012:event-bus/default"
    events = [json.loads(d.body) for d in lab.deliveries_to(bus)]
    assert [e["detail-type"] for e in events] == ["Object Created", "Object Deleted"]
    for event in events:
        S3EventNotificationEventBridgeModel(**event)
    assert events[0]["detail"]["reason"] == "PutObject"
    assert events[1]["detail"]["deletion-type"] == "Permanently Deleted"
    assert events[0]["time"] == "2026-01-01T00:00:00Z"


def test_destinations_are_validated(lab):
    with lab.aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)

        @lab.function
        def unpermitted(event, context):
            return None

        for config in (
                {"LambdaFunctionConfigurations": [{
                    "LambdaFunctionArn": unpermitted.arn, "Events": ["s3:ObjectCreated:*"]}]},
                {"LambdaFunctionConfigurations": [{
                    "LambdaFunctionArn": fn_arn(lab).replace("thumbnail", "missing"),
                    "Events": ["s3:ObjectCreated:*"]}]},
                {"QueueConfigurations": [{
                    "QueueArn": "arn:aws:sqs:us-east-1:123456789012:nope",
                    "Events": ["s3:ObjectCreated:*"]}]},
                {"QueueConfigurations": [{
                    "QueueArn": "arn:aws:sqs:eu-west-1:123456789012:uploads-queue",
                    "Events": ["s3:ObjectCreated:*"]}]},
                {"TopicConfigurations": [{
                    "TopicArn": "arn:aws:sns:us-east-1:123456789012:no-such-topic",
                    "Events": ["s3:ObjectCreated:*"]}]}):
            with pytest.raises(ClientError) as err:
                configure(s3, **config)
            assert err.value.response["Error"]["Code"] == "InvalidArgument"
            assert "Unable to validate" in str(err.value)
        assert "s3.amazonaws.com" in str(pytest.raises(ClientError, configure, s3, **{
            "LambdaFunctionConfigurations": [{"LambdaFunctionArn": unpermitted.arn,
                                              "Events": ["s3:ObjectCreated:*"]}]}).value)
        # nothing was stored by the rejected calls
        assert "LambdaFunctionConfigurations" not in \
            s3.get_bucket_notification_configuration(Bucket=BUCKET)
    assert lab.deliveries == []


def test_same_seed_same_events_and_last_modified_is_lab_time(lab):
    def run(seed):
        lab = Lab(seed=seed)
        lab.sqs.create_queue("q")
        lab.run("90s")
        with lab.aws():
            s3 = boto3.client("s3")
            s3.create_bucket(Bucket=BUCKET)
            configure(s3, QueueConfigurations=[{"QueueArn": lab.sqs.get("q").arn,
                                                "Events": ["s3:ObjectCreated:*"]}])
            s3.put_object(Bucket=BUCKET, Key="x", Body=b"1")
            first = s3.head_object(Bucket=BUCKET, Key="x")["LastModified"]
            lab.run("5m")
            s3.put_object(Bucket=BUCKET, Key="y", Body=b"1")
            listed = {o["Key"]: o["LastModified"]
                      for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]}
        return lab, first, listed, [d.body for d in lab.deliveries]

    one, first, listed, bodies = run(0)
    assert first == one.clock.to_datetime(90)
    assert listed == {"x": one.clock.to_datetime(90), "y": one.clock.to_datetime(390)}
    assert run(0)[3] == bodies


def test_versioned_bucket_delete_marker_and_version_ids(lab):
    queue = lab.sqs.get("uploads-queue")
    with lab.aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        configure(s3, QueueConfigurations=[{
            "QueueArn": queue.arn, "Events": ["s3:ObjectCreated:Put", "s3:ObjectRemoved:*"]}])
        version = s3.put_object(Bucket=BUCKET, Key="v", Body=b"1")["VersionId"]
        s3.delete_object(Bucket=BUCKET, Key="v")                       # a delete marker
        s3.delete_object(Bucket=BUCKET, Key="v", VersionId=version)    # a permanent delete
    records = [json.loads(d.body)["Records"][0] for d in lab.deliveries_to(queue.arn)[1:]]
    assert [r["eventName"] for r in records] == [
        "ObjectCreated:Put", "ObjectRemoved:DeleteMarkerCreated", "ObjectRemoved:Delete"]
    assert records[0]["s3"]["object"]["versionId"] == version
    assert records[2]["s3"]["object"]["versionId"] == version
    assert records[1]["s3"]["object"]["versionId"] not in (None, version)


def test_s3_to_sqs_to_lambda_event_validates(lab):
    """The SQS event a function receives wraps the S3 event as the message body."""
    from aws_lambda_powertools.utilities.parser.models import S3SqsEventNotificationModel
    queue = lab.sqs.get("uploads-queue")
    seen = []

    @lab.function(duration="20ms")
    def consumer(event, context):
        seen.append(event)

    with lab.aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        configure(s3, QueueConfigurations=[{"QueueArn": queue.arn,
                                            "Events": ["s3:ObjectCreated:*"]}])
        queue.purge()                               # drop S3's s3:TestEvent
        s3.put_object(Bucket=BUCKET, Key="reports/q1.csv", Body=b"a,b")
    lab.awslambda.create_event_source_mapping(consumer, queue.arn)
    lab.run("1m")
    (event,) = seen
    model = S3SqsEventNotificationModel(**event)
    (inner,) = model.Records[0].body.Records
    assert inner.s3.object.key == "reports/q1.csv" and inner.eventName == "ObjectCreated:Put"


def test_eventbridge_rule_routes_s3_events_to_a_function(lab):
    """EventBridge-enabled bucket -> default bus -> rule -> function; the handler's event
    validates with powertools' S3EventNotificationEventBridgeModel, and AWS/Events metrics
    count the rule's invocations."""
    got = []

    @lab.function(duration="20ms")
    def on_upload(event, context):
        got.append(event)

    with lab.aws():
        boto3.client("lambda").add_permission(
            FunctionName="on_upload", StatementId="eb", Action="lambda:InvokeFunction",
            Principal="events.amazonaws.com")
        events = boto3.client("events")
        events.put_rule(Name="uploads", EventPattern=json.dumps({
            "source": ["aws.s3"], "detail-type": ["Object Created"],
            "detail": {"bucket": {"name": [BUCKET]}}}))
        events.put_targets(Rule="uploads", Targets=[{"Id": "fn", "Arn": on_upload.arn}])
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        configure(s3, EventBridgeConfiguration={})
        s3.put_object(Bucket=BUCKET, Key="a b.png", Body=b"png")
        s3.delete_object(Bucket=BUCKET, Key="a b.png")           # not matched by the rule
    lab.run("2m")
    (event,) = got
    model = S3EventNotificationEventBridgeModel(**event)
    assert model.detail.object.key == "a b.png"                 # not URL-encoded here
    assert model.detail.reason == "PutObject"
    with lab.aws():
        points = boto3.client("cloudwatch").get_metric_statistics(
            Namespace="AWS/Events", MetricName="Invocations",
            Dimensions=[{"Name": "RuleName", "Value": "uploads"}],
            StartTime=lab.clock.to_datetime(0), EndTime=lab.now, Period=60,
            Statistics=["Sum"])["Datapoints"]
    assert sum(d["Sum"] for d in points) == 1


def test_the_aws_cli_s3_commands_notify_too(lab, tmp_path):
    """`aws s3 cp` (s3transfer, worker threads) and `aws s3api` go through the same hooks."""
    from lambdalab.cli import aws
    queue = lab.sqs.get("uploads-queue")
    assert aws(f"s3 mb s3://{BUCKET}", lab=lab).exit_code == 0
    config = json.dumps({"QueueConfigurations": [{
        "QueueArn": queue.arn, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]}]})
    out = aws(["s3api", "put-bucket-notification-configuration", "--bucket", BUCKET,
               "--notification-configuration", config], lab=lab)
    assert out.exit_code == 0, out.stderr
    source = tmp_path / "report.csv"
    source.write_text("a,b\n")
    assert aws(f"s3 cp {source} s3://{BUCKET}/in/report.csv", lab=lab).exit_code == 0
    assert aws(f"s3 rm s3://{BUCKET}/in/report.csv", lab=lab).exit_code == 0
    bodies = [json.loads(d.body) for d in lab.deliveries_to(queue.arn)]
    assert [b["Records"][0]["eventName"] for b in bodies[1:]] == [
        "ObjectCreated:Put", "ObjectRemoved:Delete"]
    assert bodies[1]["Records"][0]["s3"]["object"]["key"] == "in/report.csv"


def test_objects_written_by_handlers_carry_the_handlers_virtual_time():
    lab = Lab(seed=0)

    @lab.function(duration="10ms")
    def writer(event, context):
        import time as _time
        _time.sleep(2)                                    # 2 virtual seconds into the call
        boto3.client("s3").put_object(Bucket=BUCKET, Key=event["key"], Body=b"1")

    with lab.aws():
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        lab.run("10m")
        writer.invoke({"key": "a"}, invocation_type="Event")
        lab.run()
        started = [a for a in lab.awslambda.attempts if a.function == "writer"][0]
        modified = boto3.client("s3").head_object(Bucket=BUCKET, Key="a")["LastModified"]
    # S3's LastModified has one-second precision (an HTTP date)
    expected = lab.clock.to_datetime(int(started.start + started.init + 2))
    assert modified == expected


def test_overlapping_configurations_are_rejected(lab):
    queue = lab.sqs.get("uploads-queue")

    def config(events, prefix=None, suffix=None):
        rules = [{"Name": n, "Value": v} for n, v in (("prefix", prefix), ("suffix", suffix))
                 if v is not None]
        entry = {"QueueArn": queue.arn, "Events": events}
        if rules:
            entry["Filter"] = {"Key": {"FilterRules": rules}}
        return entry

    with lab.aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        for pair in ((config(["s3:ObjectCreated:*"]), config(["s3:ObjectCreated:Put"])),
                     (config(["s3:ObjectCreated:Put"], "images/"),
                      config(["s3:ObjectCreated:Put"], "images/big/")),
                     (config(["s3:ObjectCreated:Put"], suffix=".jpg"),
                      config(["s3:ObjectCreated:Put"], suffix="big.jpg"))):
            with pytest.raises(ClientError) as err:
                configure(s3, QueueConfigurations=list(pair))
            assert "Configurations overlap" in str(err.value)
        # allowed (S3's own examples): different event types, or disjoint prefixes / suffixes
        configure(s3, QueueConfigurations=[config(["s3:ObjectCreated:*"]),
                                           config(["s3:ObjectRemoved:*"])])
        configure(s3, QueueConfigurations=[config(["s3:ObjectCreated:Put"], "images/"),
                                           config(["s3:ObjectCreated:Put"], "logs/")])
        configure(s3, QueueConfigurations=[config(["s3:ObjectCreated:Put"], suffix=".jpg"),
                                           config(["s3:ObjectCreated:Put"], suffix=".png")])
