"""DynamoDB Streams from moto tables written through the door, and their event source mappings.

Sources (DDB/ = https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/,
L/ = https://docs.aws.amazon.com/lambda/latest/dg/):
* DDB/Streams.html - INSERT / MODIFY / REMOVE, the four StreamViewTypes, no record for a write
  that changes nothing, 24-hour retention.
* L/services-ddb-params.html - StartingPosition TRIM_HORIZON or LATEST only; BatchSize up to
  10,000 (default 100); the Kinesis error-handling parameters.
* L/with-ddb.html - the event shape (checked with aws-lambda-powertools' DynamoDBStreamModel).
"""
from __future__ import annotations

import json

import boto3
import pytest
from aws_lambda_powertools.utilities.parser.models import DynamoDBStreamModel
from botocore.exceptions import ClientError

from lambdalab import Lab
from lambdalab.errors import InvalidParameterValueException


@pytest.fixture
def lab():
    return Lab(seed=0)


def make_table(client, name="users", view="NEW_AND_OLD_IMAGES", range_key=False):
    schema = [{"AttributeName": "pk", "KeyType": "HASH"}]
    attrs = [{"AttributeName": "pk", "AttributeType": "S"}]
    if range_key:
        schema.append({"AttributeName": "sk", "KeyType": "RANGE"})
        attrs.append({"AttributeName": "sk", "AttributeType": "N"})
    out = client.create_table(TableName=name, KeySchema=schema, AttributeDefinitions=attrs,
                              BillingMode="PAY_PER_REQUEST",
                              StreamSpecification={"StreamEnabled": True,
                                                   "StreamViewType": view})
    return out["TableDescription"]["LatestStreamArn"]


def test_new_user_welcome_sees_insert_modify_remove_in_order(lab):
    events = []
    welcomed = []

    @lab.function
    def welcome(event, context):
        events.append(event)
        for record in event["Records"]:
            if record["eventName"] == "INSERT":
                welcomed.append(record["dynamodb"]["NewImage"]["email"]["S"])

    with lab.aws():
        ddb = boto3.client("dynamodb")
        arn = make_table(ddb)
        boto3.client("lambda").create_event_source_mapping(
            FunctionName="welcome", EventSourceArn=arn, StartingPosition="LATEST")
        ddb.put_item(TableName="users", Item={"pk": {"S": "u1"}, "email": {"S": "a@x.org"}})
        lab.run("10s")
        ddb.update_item(TableName="users", Key={"pk": {"S": "u1"}},
                        UpdateExpression="SET email = :e",
                        ExpressionAttributeValues={":e": {"S": "b@x.org"}})
        lab.run("10s")
        ddb.delete_item(TableName="users", Key={"pk": {"S": "u1"}})
    lab.run()
    records = [r for e in events for r in e["Records"]]
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]
    assert welcomed == ["a@x.org"]
    for event in events:
        DynamoDBStreamModel(**event)                     # the shape AWS sends
    insert, modify, remove = (r["dynamodb"] for r in records)
    assert insert["Keys"] == {"pk": {"S": "u1"}} and "OldImage" not in insert
    assert modify["OldImage"]["email"] == {"S": "a@x.org"}
    assert modify["NewImage"]["email"] == {"S": "b@x.org"}
    assert remove["OldImage"]["email"] == {"S": "b@x.org"} and "NewImage" not in remove
    assert [r["ApproximateCreationDateTime"] for r in (insert, modify, remove)] == \
        [1767225600.0, 1767225610.0, 1767225620.0]     # the lab clock, not the wall clock
    seqs = [int(r["SequenceNumber"]) for r in (insert, modify, remove)]
    assert seqs == sorted(seqs)
    assert all(r["eventVersion"] == "1.1" and r["eventSourceARN"] == arn for r in records)


@pytest.mark.parametrize("view, new, old", [("KEYS_ONLY", False, False),
                                            ("NEW_IMAGE", True, False),
                                            ("OLD_IMAGE", False, True),
                                            ("NEW_AND_OLD_IMAGES", True, True)])
def test_view_types_choose_the_images(lab, view, new, old):
    with lab.aws():
        ddb = boto3.client("dynamodb")
        arn = make_table(ddb, view=view)
        ddb.put_item(TableName="users", Item={"pk": {"S": "u"}, "n": {"N": "1"}})
        ddb.put_item(TableName="users", Item={"pk": {"S": "u"}, "n": {"N": "2"}})
    modify = lab.dynamodb_streams.stream_by_arn(arn).records()[1]["dynamodb"]
    assert modify["StreamViewType"] == view and modify["Keys"] == {"pk": {"S": "u"}}
    assert ("NewImage" in modify) is new and ("OldImage" in modify) is old


def test_batch_and_transaction_writes_and_composite_keys(lab):
    with lab.aws():
        ddb = boto3.client("dynamodb")
        arn = make_table(ddb, name="orders", range_key=True)
        ddb.batch_write_item(RequestItems={"orders": [
            {"PutRequest": {"Item": {"pk": {"S": "c1"}, "sk": {"N": "1"}}}},
            {"PutRequest": {"Item": {"pk": {"S": "c1"}, "sk": {"N": "2"}}}}]})
        ddb.transact_write_items(TransactItems=[
            {"Delete": {"TableName": "orders", "Key": {"pk": {"S": "c1"}, "sk": {"N": "1"}}}},
            {"Update": {"TableName": "orders", "Key": {"pk": {"S": "c1"}, "sk": {"N": "2"}},
                        "UpdateExpression": "SET st = :s",
                        "ExpressionAttributeValues": {":s": {"S": "paid"}}}}])
    records = lab.dynamodb_streams.stream_by_arn(arn).records()
    assert [(r["eventName"], r["dynamodb"]["Keys"]["sk"]["N"]) for r in records] == \
        [("INSERT", "1"), ("INSERT", "2"), ("REMOVE", "1"), ("MODIFY", "2")]


def test_a_write_that_changes_nothing_writes_no_record(lab):
    with lab.aws():
        ddb = boto3.client("dynamodb")
        arn = make_table(ddb)
        item = {"pk": {"S": "u"}, "n": {"N": "1"}}
        ddb.put_item(TableName="users", Item=item)
        ddb.put_item(TableName="users", Item=item)
    assert len(lab.dynamodb_streams.stream_by_arn(arn).records()) == 1


def test_records_are_kept_24_hours(lab):
    with lab.aws():
        ddb = boto3.client("dynamodb")
        arn = make_table(ddb)
        ddb.put_item(TableName="users", Item={"pk": {"S": "old"}})
        lab.run("23h")
        ddb.put_item(TableName="users", Item={"pk": {"S": "young"}})
    stream = lab.dynamodb_streams.stream_by_arn(arn)
    assert len(stream.records()) == 2
    lab.run("1h")
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in stream.records()] == ["young"]


def test_starting_positions_trim_horizon_and_latest_only(lab):
    seen = {}

    def handler_for(name):
        def handler(event, context):
            seen.setdefault(name, []).extend(r["dynamodb"]["Keys"]["pk"]["S"]
                                             for r in event["Records"])
        return lab.function(handler, name=name)

    with lab.aws():
        ddb = boto3.client("dynamodb")
        arn = make_table(ddb)
        ddb.put_item(TableName="users", Item={"pk": {"S": "before"}})
        for position in ("TRIM_HORIZON", "LATEST"):
            lab.awslambda.create_event_source_mapping(handler_for(position.lower()), arn,
                                                      starting_position=position)
        with pytest.raises(InvalidParameterValueException, match="TRIM_HORIZON, LATEST"):
            lab.awslambda.create_event_source_mapping(
                handler_for("at"), arn, starting_position="AT_TIMESTAMP",
                starting_position_timestamp=0.0)
        ddb.put_item(TableName="users", Item={"pk": {"S": "after"}})
    lab.run()
    assert seen == {"trim_horizon": ["before", "after"], "latest": ["after"]}


def test_failures_go_to_the_destination_as_ddb_batch_info(lab):
    dlq = lab.sqs.create_queue("failures")

    @lab.function
    def broken(event, context):
        raise RuntimeError("down")

    with lab.aws():
        ddb = boto3.client("dynamodb")
        arn = make_table(ddb)
        mapping = lab.awslambda.create_event_source_mapping(
            broken, arn, starting_position="TRIM_HORIZON", maximum_retry_attempts=1,
            destination_config={"OnFailure": {"Destination": dlq.arn}})
        for i in range(3):
            ddb.put_item(TableName="users", Item={"pk": {"S": f"u{i}"}})
    lab.run()
    body = json.loads(dlq.receive(1)[0]["Body"])
    info = body["DDBStreamBatchInfo"]
    assert info["batchSize"] == 3 and info["streamArn"] == arn
    assert body["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert mapping.stats()["reported_on_failure"] == 3


def test_filter_on_event_name_and_new_image(lab):
    seen = []

    @lab.function
    def vip(event, context):
        seen.extend(r["dynamodb"]["Keys"]["pk"]["S"] for r in event["Records"])

    with lab.aws():
        ddb = boto3.client("dynamodb")
        arn = make_table(ddb)
        mapping = lab.awslambda.create_event_source_mapping(
            vip, arn, starting_position="LATEST",
            filter_criteria={"Filters": [{"Pattern": json.dumps(
                {"eventName": ["INSERT"],
                 "dynamodb": {"NewImage": {"tier": {"S": ["gold"]}}}})}]})
        ddb.put_item(TableName="users", Item={"pk": {"S": "a"}, "tier": {"S": "gold"}})
        ddb.put_item(TableName="users", Item={"pk": {"S": "b"}, "tier": {"S": "free"}})
        ddb.put_item(TableName="users", Item={"pk": {"S": "a"}, "tier": {"S": "gold"},
                                              "x": {"N": "1"}})
    lab.run()
    assert seen == ["a"] and mapping.stats()["filtered_out"] == 2


def test_same_seed_same_stream_records():
    def run():
        lab = Lab(seed=5)
        with lab.aws():
            ddb = boto3.client("dynamodb")
            arn = make_table(ddb)
            ddb.put_item(TableName="users", Item={"pk": {"S": "u"}})
        return lab.dynamodb_streams.stream_by_arn(arn).records()
    assert run() == run()


def test_dynamodbstreams_api_reads_the_lab_records(lab):
    with lab.aws():
        ddb = boto3.client("dynamodb")
        streams = boto3.client("dynamodbstreams")
        arn = make_table(ddb)
        ddb.put_item(TableName="users", Item={"pk": {"S": "u1"}})
        lab.run("5s")
        ddb.delete_item(TableName="users", Key={"pk": {"S": "u1"}})
        listed = streams.list_streams(TableName="users")["Streams"]
        assert [s["StreamArn"] for s in listed] == [arn]
        desc = streams.describe_stream(StreamArn=arn)["StreamDescription"]
        assert desc["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert desc["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
        shard = desc["Shards"][0]["ShardId"]
        it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                        ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        out = streams.get_records(ShardIterator=it)
        assert [r["eventName"] for r in out["Records"]] == ["INSERT", "REMOVE"]
        assert out["Records"][1]["dynamodb"]["ApproximateCreationDateTime"] == \
            lab.clock.to_datetime(5)
        assert out["Records"][0]["eventID"] == \
            lab.dynamodb_streams.stream_by_arn(arn).records()[0]["eventID"]
        after = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard, ShardIteratorType="AFTER_SEQUENCE_NUMBER",
            SequenceNumber=out["Records"][0]["dynamodb"]["SequenceNumber"])["ShardIterator"]
        assert [r["eventName"] for r in streams.get_records(ShardIterator=after)["Records"]] \
            == ["REMOVE"]
        assert streams.get_records(ShardIterator=out["NextShardIterator"])["Records"] == []
        lab.run("16m")
        with pytest.raises(ClientError) as exc:
            streams.get_records(ShardIterator=out["NextShardIterator"])
        assert exc.value.response["Error"]["Code"] == "ExpiredIteratorException"
        with pytest.raises(ClientError) as exc:
            streams.describe_stream(StreamArn=arn + "x")
        assert exc.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_parallelization_keeps_order_per_item(lab):
    seen = []

    @lab.function(duration="500ms")
    def consumer(event, context):
        seen.extend((r["dynamodb"]["Keys"]["pk"]["S"], int(r["dynamodb"]["NewImage"]["n"]["N"]))
                    for r in event["Records"] if r["eventName"] != "REMOVE")

    with lab.aws():
        ddb = boto3.client("dynamodb")
        arn = make_table(ddb)
        mapping = lab.awslambda.create_event_source_mapping(
            consumer, arn, starting_position="TRIM_HORIZON", batch_size=3,
            parallelization_factor=5)
        for n in range(10):
            for item in ("a", "b", "c", "d", "e", "f"):
                ddb.put_item(TableName="users", Item={"pk": {"S": item}, "n": {"N": str(n)}})
    lab.run()
    assert mapping.trace().lane.nunique() > 1
    for item in "abcdef":
        assert [n for k, n in seen if k == item] == list(range(10))
