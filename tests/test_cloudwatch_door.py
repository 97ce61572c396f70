"""The boto3 door, CloudWatch part: metrics from lab records, alarms on the virtual clock.

CW/ = https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/. Periods: 1, 5, 10, 30,
60 or a multiple of 60 s (CW/API_GetMetricStatistics.html); at most 1,440 datapoints per
GetMetricStatistics call. Alarm semantics: https://docs.aws.amazon.com/AmazonCloudWatch/latest/
monitoring/AlarmThatSendsEmail.html (M out of N, TreatMissingData).
"""
from __future__ import annotations

import json
from datetime import timedelta

import boto3
import pytest
from botocore.exceptions import ClientError

from lambdalab import Lab
from lambdalab.cloudwatch.alarms import Alarm, decide

TOPIC = "arn:aws:sns:us-east-1:123456789012:ops"


@pytest.fixture
def lab():
    lab = Lab(seed=0)

    @lab.function(duration="100ms")
    def worker(event, context):
        if event.get("fail"):
            raise RuntimeError("boom")
        return "ok"

    return lab


def code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def invoke_at(lab, fn, seconds, payloads):
    lab.run(until=lab.clock.to_datetime(seconds))
    for payload in payloads:
        fn.invoke(payload)


def test_get_metric_statistics_matches_the_lab_records(lab):
    fn = lab.awslambda.get("worker")
    invoke_at(lab, fn, 10, [{}, {}, {"fail": True}])        # minute 0: 3 calls, 1 error
    invoke_at(lab, fn, 130, [{}])                           # minute 2: 1 call
    lab.run("1m")
    start, end = lab.clock.to_datetime(0), lab.now
    with lab.aws():
        cw = boto3.client("cloudwatch")
        got = cw.get_metric_statistics(
            Namespace="AWS/Lambda", MetricName="Invocations",
            Dimensions=[{"Name": "FunctionName", "Value": "worker"}],
            StartTime=start, EndTime=end, Period=60, Statistics=["Sum", "SampleCount"])
        points = sorted(got["Datapoints"], key=lambda d: d["Timestamp"])
        assert [(d["Timestamp"], d["Sum"]) for d in points] == \
            [(start, 3.0), (start + timedelta(minutes=2), 1.0)]   # no datapoint for minute 1
        assert points[0]["Unit"] == "Count"
        errors = cw.get_metric_statistics(
            Namespace="AWS/Lambda", MetricName="Errors",
            Dimensions=[{"Name": "FunctionName", "Value": "worker"}],
            StartTime=start, EndTime=end, Period=300, Statistics=["Sum", "Average"])
        (point,) = errors["Datapoints"]
        assert point["Sum"] == 1.0 and point["Average"] == pytest.approx(1 / 4)
        durations = [a.duration * 1000 for a in lab.awslambda.attempts]
        duration = cw.get_metric_statistics(
            Namespace="AWS/Lambda", MetricName="Duration", StartTime=start, EndTime=end,
            Period=300, Statistics=["Minimum", "Maximum", "Average"])["Datapoints"][0]
        assert duration["Minimum"] == pytest.approx(min(durations))
        assert duration["Maximum"] == pytest.approx(max(durations))
        assert duration["Unit"] == "Milliseconds"
        # and the same numbers as lab.metrics()
        frame = lab.metrics("worker")
        assert frame.Invocations.sum() == sum(d["Sum"] for d in points)
        # high-resolution period: the three calls of minute 0 all fall in [10 s, 11 s)
        fine = cw.get_metric_statistics(
            Namespace="AWS/Lambda", MetricName="Invocations", StartTime=start,
            EndTime=start + timedelta(minutes=1), Period=1, Statistics=["Sum"])["Datapoints"]
        assert [(d["Timestamp"], d["Sum"]) for d in fine] == [(start + timedelta(seconds=10),
                                                                3.0)]


def test_get_metric_data_and_list_metrics(lab):
    fn = lab.awslambda.get("worker")
    invoke_at(lab, fn, 5, [{}, {}])
    invoke_at(lab, fn, 65, [{}])
    lab.sqs.create_queue("jobs").send("hello")
    lab.run("3m")
    with lab.aws():
        cw = boto3.client("cloudwatch")
        out = cw.get_metric_data(
            MetricDataQueries=[
                {"Id": "inv", "MetricStat": {"Metric": {
                    "Namespace": "AWS/Lambda", "MetricName": "Invocations",
                    "Dimensions": [{"Name": "FunctionName", "Value": "worker"}]},
                    "Period": 60, "Stat": "Sum"}},
                {"Id": "sent", "MetricStat": {"Metric": {
                    "Namespace": "AWS/SQS", "MetricName": "NumberOfMessagesSent",
                    "Dimensions": [{"Name": "QueueName", "Value": "jobs"}]},
                    "Period": 60, "Stat": "Sum"}, "Label": "sent"}],
            StartTime=lab.clock.to_datetime(0), EndTime=lab.now)
        inv, sent = out["MetricDataResults"]
        assert inv["Values"] == [1.0, 2.0]                      # newest first by default
        assert inv["Timestamps"][0] > inv["Timestamps"][1]
        assert inv["StatusCode"] == "Complete"
        assert sent["Label"] == "sent" and sum(sent["Values"]) == 1.0
        visible = cw.get_metric_statistics(
            Namespace="AWS/SQS", MetricName="ApproximateNumberOfMessagesVisible",
            Dimensions=[{"Name": "QueueName", "Value": "jobs"}],
            StartTime=lab.clock.to_datetime(0), EndTime=lab.now, Period=60,
            Statistics=["Maximum"])["Datapoints"]
        assert visible and max(d["Maximum"] for d in visible) == 1.0

        metrics = cw.list_metrics(Namespace="AWS/Lambda")["Metrics"]
        names = {(m["MetricName"], tuple((d["Name"], d["Value"]) for d in m["Dimensions"]))
                 for m in metrics}
        assert ("Invocations", (("FunctionName", "worker"),)) in names
        assert ("Invocations", ()) in names                       # account-wide
        assert ("Throttles", (("FunctionName", "worker"),)) not in names   # never throttled
        queues = cw.list_metrics(Dimensions=[{"Name": "QueueName", "Value": "jobs"}])["Metrics"]
        assert {m["Namespace"] for m in queues} == {"AWS/SQS"} and len(queues) == 8


def test_metric_query_errors(lab):
    with lab.aws():
        cw = boto3.client("cloudwatch")
        kwargs = {"Namespace": "AWS/Lambda", "MetricName": "Invocations",
                  "StartTime": lab.clock.to_datetime(0), "EndTime": lab.now + timedelta(hours=1)}
        for period in (7, 90):
            with pytest.raises(ClientError) as err:
                cw.get_metric_statistics(Period=period, Statistics=["Sum"], **kwargs)
            assert code(err) == "InvalidParameterValue" and "multiple of 60" in str(err.value)
        with pytest.raises(ClientError) as err:
            cw.get_metric_statistics(Period=1, Statistics=["Sum"], **kwargs)   # 3,600 points
        assert code(err) == "InvalidParameterCombination"
        with pytest.raises(ClientError) as err:
            cw.get_metric_data(MetricDataQueries=[{"Id": "e", "Expression": "SUM(METRICS())"}],
                               StartTime=kwargs["StartTime"], EndTime=kwargs["EndTime"])
        assert code(err) == "InvalidParameterValue" and "Expression" in str(err.value)
        with pytest.raises(ClientError) as err:
            cw.put_metric_alarm(AlarmName="a", Namespace="AWS/Lambda", MetricName="Errors",
                                Statistic="Sum", Period=60, EvaluationPeriods=2,
                                DatapointsToAlarm=3, Threshold=1,
                                ComparisonOperator="GreaterThanOrEqualToThreshold")
        assert code(err) == "InvalidParameterValue"
        with pytest.raises(ClientError) as err:
            cw.delete_alarms(AlarmNames=["nope"])
        assert code(err) == "ResourceNotFound"
        with pytest.raises(ClientError) as err:
            cw.disable_alarm_actions(AlarmNames=["x"])
        assert code(err) == "NotImplemented"


def test_alarm_goes_to_alarm_notifies_the_topic_and_back_to_ok(lab):
    fn = lab.awslambda.get("worker")
    inbox = lab.sqs.create_queue("ops-inbox")
    lab.sns.subscribe(lab.sns.create_topic("ops").arn, "sqs", inbox.arn,
                      {"RawMessageDelivery": "true"})
    with lab.aws():
        cw = boto3.client("cloudwatch")
        cw.put_metric_alarm(
            AlarmName="worker-errors", Namespace="AWS/Lambda", MetricName="Errors",
            Dimensions=[{"Name": "FunctionName", "Value": "worker"}], Statistic="Sum",
            Period=60, EvaluationPeriods=1, Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            TreatMissingData="notBreaching", AlarmActions=[TOPIC], OKActions=[TOPIC])
        (alarm,) = cw.describe_alarms()["MetricAlarms"]
        assert alarm["StateValue"] == "INSUFFICIENT_DATA"
        assert alarm["AlarmArn"] == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:worker-errors"
    invoke_at(lab, fn, 30, [{"fail": True}])
    lab.run(until=lab.clock.to_datetime(60))              # the evaluation at the minute boundary
    with lab.aws():
        cw = boto3.client("cloudwatch")
        (alarm,) = cw.describe_alarms(StateValue="ALARM")["MetricAlarms"]
        assert alarm["StateUpdatedTimestamp"] == lab.clock.to_datetime(60)
        assert alarm["StateReason"].startswith("Threshold Crossed: 1 out of the last 1")
    (sent,) = lab.deliveries_to(TOPIC)
    message = json.loads(sent.body)
    assert sent.kind == "alarm" and sent.source == alarm["AlarmArn"]
    assert message["NewStateValue"] == "ALARM" and message["OldStateValue"] == "INSUFFICIENT_DATA"
    assert message["Trigger"]["Dimensions"] == [{"value": "worker", "name": "FunctionName"}]
    assert message["StateChangeTime"] == "2026-01-01T00:01:00.000+0000"
    assert message["Region"] == "US East (N. Virginia)"
    lab.run("1m")                                        # a quiet minute: missing = not breaching
    assert lab.cloudwatch.alarms["worker-errors"].state == "OK"
    assert [json.loads(d.body)["NewStateValue"] for d in lab.deliveries_to(TOPIC)] == \
        ["ALARM", "OK"]
    # the topic fanned both notifications out to its queue subscriber
    assert inbox.attributes(["ApproximateNumberOfMessages"]) == \
        {"ApproximateNumberOfMessages": "2"}
    assert lab.run() is lab                               # background evaluations do not keep
    with lab.aws():                                       # lab.run() going
        boto3.client("cloudwatch").delete_alarms(AlarmNames=["worker-errors"])
    assert lab.cloudwatch.alarms == {}


def test_m_out_of_n_and_missing_data():
    def alarm(n, m, treat, state="OK"):
        a = Alarm("a", "arn", namespace="N", metric_name="M", statistic="Sum", period=60,
                  evaluation_periods=n, datapoints_to_alarm=m, threshold=5,
                  comparison="GreaterThanThreshold", treat_missing_data=treat)
        a.state = state
        return a

    assert decide(alarm(3, 2, "missing"), [6, 1, 7])[0] == "ALARM"      # 2 of 3 breach
    assert decide(alarm(3, 3, "missing"), [6, 1, 7])[0] == "OK"
    assert decide(alarm(3, 2, "missing"), [None, None, None])[0] == "INSUFFICIENT_DATA"
    assert decide(alarm(3, 2, "ignore", "ALARM"), [None, None, None])[0] == "ALARM"
    assert decide(alarm(3, 2, "breaching"), [None, None, 1])[0] == "ALARM"
    assert decide(alarm(3, 2, "notBreaching"), [None, 9, None])[0] == "OK"
    assert decide(alarm(3, 1, "missing"), [None, 9, None])[0] == "ALARM"


def test_alarm_on_queue_depth_insufficient_data_then_alarm(lab):
    queue = lab.sqs.create_queue("backlog")
    with lab.aws():
        boto3.client("cloudwatch").put_metric_alarm(
            AlarmName="backlog", Namespace="AWS/SQS",
            MetricName="ApproximateNumberOfMessagesVisible",
            Dimensions=[{"Name": "QueueName", "Value": "backlog"}], Statistic="Maximum",
            Period=60, EvaluationPeriods=2, DatapointsToAlarm=2, Threshold=3,
            ComparisonOperator="GreaterThanThreshold", AlarmActions=[TOPIC])
    for i in range(5):
        queue.send(f"m{i}")
    lab.run("4m")
    alarm = lab.cloudwatch.alarms["backlog"]
    assert alarm.state == "ALARM"
    # at 1 min only one of the two periods has data (5 > 3: one breach, M = 2): OK;
    # at 2 min both periods breach: ALARM
    assert [(t, new) for t, _, new, _ in alarm.history] == [(60, "OK"), (120, "ALARM")]
    assert len(lab.deliveries_to(TOPIC)) == 1


def test_sns_metrics_per_topic(lab):
    topic = lab.sns.create_topic("news")
    lab.sns.subscribe(topic.arn, "sqs", lab.sqs.create_queue("reader").arn)
    lab.sns.publish(topic, "one")
    lab.run("90s")
    lab.sns.publish(topic, "two")
    lab.run("1m")
    with lab.aws():
        cw = boto3.client("cloudwatch")
        points = cw.get_metric_statistics(
            Namespace="AWS/SNS", MetricName="NumberOfMessagesPublished",
            Dimensions=[{"Name": "TopicName", "Value": "news"}],
            StartTime=lab.clock.to_datetime(0), EndTime=lab.now, Period=60,
            Statistics=["Sum"])["Datapoints"]
        assert sorted((d["Timestamp"], d["Sum"]) for d in points) == [
            (lab.clock.to_datetime(0), 1.0), (lab.clock.to_datetime(60), 1.0)]
        listed = cw.list_metrics(Namespace="AWS/SNS")["Metrics"]
    assert {m["MetricName"] for m in listed} >= {"NumberOfMessagesPublished",
                                                 "NumberOfNotificationsDelivered"}
    frame = lab.sns.metrics("news")
    assert frame.NumberOfMessagesPublished.sum() == 2


def test_the_aws_cli_reads_metrics_and_logs(lab):
    """The CLI passes timestamps as typed (ISO 8601 or epoch seconds); both are read."""
    from lambdalab.cli import aws
    lab.awslambda.get("worker").invoke({})
    for start, end in (("2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z"),
                       ("1767225600", "1767229200")):
        out = aws(f"cloudwatch get-metric-statistics --namespace AWS/Lambda --metric-name "
                  f"Invocations --start-time {start} --end-time {end} --period 60 "
                  "--statistics Sum", lab=lab)
        assert out.exit_code == 0, out.stderr
        assert out.json()["Datapoints"] == [
            {"Timestamp": "2026-01-01T00:00:00+00:00", "Sum": 1.0, "Unit": "Count"}]
    logs = aws("logs filter-log-events --log-group-name /aws/lambda/worker "
               "--filter-pattern REPORT", lab=lab)
    assert logs.exit_code == 0, logs.stderr
    (event,) = logs.json()["events"]
    assert event["message"].startswith("REPORT RequestId: ")


def test_windowed_queries_agree_with_a_full_scan(lab):
    """Sources bisect the attempt list around the asked window; calls made from inside a
    handler start at the handler's later time, so the list is only nearly sorted."""
    from lambdalab.cloudwatch import sources

    @lab.function(duration="1s")
    def outer(event, context):
        import time as _time
        _time.sleep(30)
        lab.awslambda.get("worker").invoke({})       # starts 30 s into outer's run
        return None

    fn = lab.awslambda.get("worker")
    for second in range(0, 300, 7):
        invoke_at(lab, fn, second, [{}])
        if second % 21 == 0:
            lab.awslambda.get("outer").invoke({}, invocation_type="Event")
    lab.run("2m")
    cw = lab.cloudwatch if "cloudwatch" in lab.__dict__ else __import__(
        "lambdalab.cloudwatch", fromlist=["of"]).of(lab)
    full = sources.samples(lab, "AWS/Lambda", "Invocations", {"FunctionName": "worker"}, 60.0)
    for start in range(0, 360, 60):
        got = cw.statistics("AWS/Lambda", "Invocations", {"FunctionName": "worker"},
                            start, start + 60, 60, ["SampleCount"])
        expected = sum(1 for t, _ in full if start <= t < start + 60)
        assert (got[0][1]["SampleCount"] if got else 0) == expected


def test_iterator_age_of_a_kinesis_mapping(lab):
    stream = lab.kinesis.create_stream("clicks", 1)

    @lab.function(duration="2s")
    def consumer(event, context):
        return None

    mapping = lab.awslambda.create_event_source_mapping(consumer, stream.arn, batch_size=1,
                                                        starting_position="TRIM_HORIZON")
    for i in range(5):
        lab.kinesis.put_record(stream, f"r{i}", "k")
    lab.run("2m")
    expected = max(row[9] for row in mapping.log if row[8] != "throttled")
    assert expected > 0                        # later records waited behind earlier batches
    with lab.aws():
        (point,) = boto3.client("cloudwatch").get_metric_statistics(
            Namespace="AWS/Lambda", MetricName="IteratorAge",
            Dimensions=[{"Name": "FunctionName", "Value": "consumer"}],
            StartTime=lab.clock.to_datetime(0), EndTime=lab.now, Period=300,
            Statistics=["Maximum"])["Datapoints"]
    assert point["Maximum"] == expected and point["Unit"] == "Milliseconds"


def test_put_metric_data_custom_metrics_and_an_alarm_on_them(lab):
    @lab.function(duration="10ms")
    def shop(event, context):
        boto3.client("cloudwatch").put_metric_data(Namespace="Shop", MetricData=[
            {"MetricName": "OrderValue", "Value": event["value"], "Unit": "None",
             "Dimensions": [{"Name": "Store", "Value": "berlin"}]}])

    with lab.aws():
        cw = boto3.client("cloudwatch")
        cw.put_metric_alarm(AlarmName="big-orders", Namespace="Shop", MetricName="OrderValue",
                            Dimensions=[{"Name": "Store", "Value": "berlin"}],
                            Statistic="Maximum", Period=60, EvaluationPeriods=1,
                            Threshold=100, ComparisonOperator="GreaterThanThreshold")
        for value in (10, 30, 250):
            shop.invoke({"value": value})
        cw.put_metric_data(Namespace="Shop", MetricData=[{
            "MetricName": "OrderValue", "Dimensions": [{"Name": "Store", "Value": "berlin"}],
            "StatisticValues": {"SampleCount": 2, "Sum": 20, "Minimum": 5, "Maximum": 15}},
            {"MetricName": "OrderValue", "Dimensions": [{"Name": "Store", "Value": "berlin"}],
             "Values": [1, 3], "Counts": [2, 1]}])
        points = cw.get_metric_statistics(
            Namespace="Shop", MetricName="OrderValue",
            Dimensions=[{"Name": "Store", "Value": "berlin"}],
            StartTime=lab.clock.to_datetime(0), EndTime=lab.now + timedelta(minutes=1),
            Period=60, Statistics=["SampleCount", "Sum", "Minimum", "Maximum", "Average"])
        (point,) = points["Datapoints"]
        assert point["SampleCount"] == 3 + 2 + 3
        assert point["Sum"] == 10 + 30 + 250 + 20 + (1 * 2 + 3 * 1)
        assert (point["Minimum"], point["Maximum"]) == (1, 250)
        assert point["Average"] == pytest.approx(point["Sum"] / 8)
        assert point["Unit"] == "None"
        assert cw.list_metrics(Namespace="Shop")["Metrics"] == [{
            "Namespace": "Shop", "MetricName": "OrderValue",
            "Dimensions": [{"Name": "Store", "Value": "berlin"}]}]
        with pytest.raises(ClientError) as err:
            cw.put_metric_data(Namespace="AWS/Lambda",
                               MetricData=[{"MetricName": "Errors", "Value": 1}])
        assert code(err) == "InvalidParameterValue"
    lab.run("1m")
    assert lab.cloudwatch.alarms["big-orders"].state == "ALARM"


def test_lambda_alarm_action_needs_permission_and_gets_the_cloudwatch_event(lab):
    got = []

    @lab.function(duration="10ms")
    def responder(event, context):
        got.append(event)

    @lab.function(duration="10ms")
    def unpermitted(event, context):
        got.append("should not run")

    lab.awslambda.add_permission("responder", "cw", "lambda:InvokeFunction",
                                 "lambda.alarms.cloudwatch.amazonaws.com",
                                 source_arn="arn:aws:cloudwatch:us-east-1:123456789012:alarm:*")
    with lab.aws():
        boto3.client("cloudwatch").put_metric_alarm(
            AlarmName="errors", Namespace="AWS/Lambda", MetricName="Errors",
            Dimensions=[{"Name": "FunctionName", "Value": "worker"}], Statistic="Sum",
            Period=60, EvaluationPeriods=1, Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            AlarmActions=[responder.arn, unpermitted.arn])
    lab.awslambda.get("worker").invoke({"fail": True})
    lab.run("90s")
    (event,) = got
    assert event["source"] == "aws.cloudwatch"
    assert event["alarmArn"].endswith(":alarm:errors")
    assert event["alarmData"]["state"]["value"] == "ALARM"
    assert event["alarmData"]["previousState"]["value"] == "INSUFFICIENT_DATA"
    metric = event["alarmData"]["configuration"]["metrics"][0]["metricStat"]
    assert metric["metric"] == {"namespace": "AWS/Lambda", "name": "Errors",
                                "dimensions": {"FunctionName": "worker"}}
    history = lab.cloudwatch.alarms["errors"].history
    assert any("Failed to execute action" in h[3] and "unpermitted" in h[3] for h in history)


def test_set_alarm_state_runs_actions_and_history_records_it(lab):
    with lab.aws():
        cw = boto3.client("cloudwatch")
        cw.put_metric_alarm(AlarmName="drill", Namespace="AWS/Lambda", MetricName="Errors",
                            Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1,
                            ComparisonOperator="GreaterThanOrEqualToThreshold",
                            TreatMissingData="notBreaching", AlarmActions=[TOPIC])
        cw.set_alarm_state(AlarmName="drill", StateValue="ALARM", StateReason="testing")
        assert cw.describe_alarms(AlarmNames=["drill"])["MetricAlarms"][0]["StateValue"] == \
            "ALARM"
        assert len(lab.deliveries_to(TOPIC)) == 1
    lab.run("1m")                                  # the next evaluation decides again
    with lab.aws():
        cw = boto3.client("cloudwatch")
        history = cw.describe_alarm_history(AlarmName="drill")["AlarmHistoryItems"]
        assert [h["HistorySummary"] for h in history] == [
            "Alarm updated from ALARM to OK", "Alarm updated from INSUFFICIENT_DATA to ALARM"]
        with pytest.raises(ClientError) as err:
            cw.set_alarm_state(AlarmName="nope", StateValue="OK", StateReason="x")
        assert code(err) == "ResourceNotFound"


def test_kinesis_incoming_records_and_bytes(lab):
    stream = lab.kinesis.create_stream("clicks", 2)
    for i in range(3):
        lab.kinesis.put_record(stream, "x" * 10, f"key-{i}")
    lab.run("1m")
    lab.kinesis.put_record(stream, "y" * 4, "key-9")
    lab.run("1m")
    sizes = sorted(r.size for shard in stream.shards for r in shard.records)
    with lab.aws():
        cw = boto3.client("cloudwatch")

        def stat(metric):
            return sorted((d["Timestamp"], d["Sum"]) for d in cw.get_metric_statistics(
                Namespace="AWS/Kinesis", MetricName=metric,
                Dimensions=[{"Name": "StreamName", "Value": "clicks"}],
                StartTime=lab.clock.to_datetime(0), EndTime=lab.now, Period=60,
                Statistics=["Sum"])["Datapoints"])

        assert stat("IncomingRecords") == [(lab.clock.to_datetime(0), 3.0),
                                           (lab.clock.to_datetime(60), 1.0)]
        assert sum(v for _, v in stat("IncomingBytes")) == sum(sizes)
