"""The boto3 door, Lambda part: real boto3 clients inside ``with lab.aws():`` talk to the lab."""
from __future__ import annotations

import base64
import json
import os
import re

import boto3
import botocore.client
import pytest
from botocore.exceptions import ClientError, ParamValidationError

from lambdalab import Lab, make_zip

ROLE = "arn:aws:iam::123456789012:role/lambda-role"
ECHO = make_zip({"lambda_function.py": (
    "import json\n"
    "def lambda_handler(event, context):\n"
    "    print('event', json.dumps(event))\n"
    "    if event.get('fail'):\n"
    "        raise ValueError('asked to fail')\n"
    "    return {'echo': event, 'function': context.function_name}\n")})


def create(client, name="my-function", **extra):
    return client.create_function(FunctionName=name, Runtime="python3.13", Role=ROLE,
                                  Handler="lambda_function.lambda_handler",
                                  Code={"ZipFile": ECHO}, **extra)


@pytest.fixture
def lab():
    return Lab(seed=0)


@pytest.fixture
def client(lab):
    with lab.aws():
        yield boto3.client("lambda")


def error_code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def test_create_get_list_update_delete(lab, client):
    created = create(client, MemorySize=512, Timeout=30,
                     Environment={"Variables": {"STAGE": "test"}})
    assert created["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert created["FunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:my-function"
    assert (created["MemorySize"], created["Timeout"]) == (512, 30)
    got = client.get_function(FunctionName="my-function")
    assert got["Configuration"]["Environment"] == {"Variables": {"STAGE": "test"}}
    assert got["Configuration"]["CodeSha256"] == created["CodeSha256"]
    assert [f["FunctionName"] for f in client.list_functions()["Functions"]] == ["my-function"]
    updated = client.update_function_configuration(FunctionName="my-function", MemorySize=1024)
    assert updated["MemorySize"] == 1024
    assert lab.awslambda.get("my-function").memory_size == 1024   # same state as the Python API
    client.delete_function(FunctionName="my-function")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_function_configuration(FunctionName="my-function")


def test_list_functions_pages(client):
    for i in range(3):
        create(client, f"fn-{i}")
    first = client.list_functions(MaxItems=2)
    assert [f["FunctionName"] for f in first["Functions"]] == ["fn-0", "fn-1"]
    rest = client.list_functions(Marker=first["NextMarker"])
    assert [f["FunctionName"] for f in rest["Functions"]] == ["fn-2"]
    assert "NextMarker" not in rest


def test_duplicate_and_bad_configuration_get_aws_error_codes(client):
    create(client)
    with pytest.raises(client.exceptions.ResourceConflictException):
        create(client)
    # https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html: 128-10,240 MB
    with pytest.raises(ClientError) as excinfo:
        create(client, "too-big", MemorySize=10_241)
    assert error_code(excinfo) == "ValidationException"
    assert "10240" in str(excinfo.value)
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.create_function(FunctionName="node", Runtime="nodejs22.x", Role=ROLE,
                               Handler="index.handler", Code={"ZipFile": ECHO})


def test_boto3_parameter_validation_still_applies(client):
    with pytest.raises(ParamValidationError):
        client.invoke(FunctionName="my-function", InvocationType=3)


def test_invoke_sync_async_and_dry_run_status_codes(lab, client):
    create(client)
    sync = client.invoke(FunctionName="my-function", Payload=b'{"key": "value"}')
    assert sync["StatusCode"] == 200 and "FunctionError" not in sync
    assert json.loads(sync["Payload"].read()) == {"echo": {"key": "value"},
                                                  "function": "my-function"}
    assert client.invoke(FunctionName="my-function", InvocationType="Event",
                         Payload=b"{}")["StatusCode"] == 202
    assert client.invoke(FunctionName="my-function", InvocationType="DryRun")["StatusCode"] == 204
    before = len(lab.awslambda.attempts)
    lab.run()
    assert len(lab.awslambda.attempts) == before + 1     # the Event ran; DryRun never runs


def test_function_error_and_log_tail(client):
    create(client)
    response = client.invoke(FunctionName="my-function", Payload=json.dumps({"fail": True}),
                             LogType="Tail")
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    body = json.loads(response["Payload"].read())
    assert body["errorType"] == "ValueError" and body["errorMessage"] == "asked to fail"
    log = base64.b64decode(response["LogResult"]).decode()
    assert re.search(r"^REPORT RequestId: \S+\tDuration: ", log, re.M)
    assert 'event {"fail": true}' in log


def test_payload_too_large_is_413(client):
    create(client)
    # https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html: 1 MB for Event invocations
    big = json.dumps({"data": "x" * (1024 * 1024)}).encode()
    with pytest.raises(ClientError) as excinfo:
        client.invoke(FunctionName="my-function", InvocationType="Event", Payload=big)
    assert error_code(excinfo) == "RequestEntityTooLargeException"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413


def test_throttle_is_429_with_reason(client):
    create(client)
    client.put_function_concurrency(FunctionName="my-function", ReservedConcurrentExecutions=0)
    with pytest.raises(client.exceptions.TooManyRequestsException) as excinfo:
        client.invoke(FunctionName="my-function", Payload=b"{}")
    assert excinfo.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429


def test_concurrency_operations(client):
    create(client)
    assert client.get_function_concurrency(FunctionName="my-function").get(
        "ReservedConcurrentExecutions") is None
    client.put_function_concurrency(FunctionName="my-function", ReservedConcurrentExecutions=50)
    assert client.get_function_concurrency(
        FunctionName="my-function")["ReservedConcurrentExecutions"] == 50
    settings = client.get_account_settings()
    # 1,000 account concurrency (gettingstarted-limits.html) minus the 50 reserved
    assert settings["AccountLimit"]["ConcurrentExecutions"] == 1000
    assert settings["AccountLimit"]["UnreservedConcurrentExecutions"] == 950
    # configuration-concurrency.html: at least 100 must stay unreserved
    with pytest.raises(client.exceptions.InvalidParameterValueException) as excinfo:
        client.put_function_concurrency(FunctionName="my-function",
                                        ReservedConcurrentExecutions=901)
    assert "[100]" in str(excinfo.value)
    client.delete_function_concurrency(FunctionName="my-function")
    assert client.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"] == 1000


def test_provisioned_concurrency_needs_a_published_qualifier(lab, client):
    create(client)
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.put_provisioned_concurrency_config(
            FunctionName="my-function", Qualifier="$LATEST", ProvisionedConcurrentExecutions=2)
    answer = client.put_provisioned_concurrency_config(
        FunctionName="my-function", Qualifier="live", ProvisionedConcurrentExecutions=2)
    assert answer["RequestedProvisionedConcurrentExecutions"] == 2
    got = client.get_provisioned_concurrency_config(FunctionName="my-function", Qualifier="live")
    assert got["Status"] == "READY" and got["AvailableProvisionedConcurrentExecutions"] == 2
    response = client.invoke(FunctionName="my-function", Payload=b"{}", LogType="Tail")
    assert "Init Duration" not in base64.b64decode(response["LogResult"]).decode()
    client.delete_provisioned_concurrency_config(FunctionName="my-function", Qualifier="live")
    with pytest.raises(client.exceptions.ProvisionedConcurrencyConfigNotFoundException):
        client.get_provisioned_concurrency_config(FunctionName="my-function", Qualifier="live")


def test_event_invoke_config_put_update_get_delete(client):
    create(client)
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_function_event_invoke_config(FunctionName="my-function")
    queue = "arn:aws:sqs:us-east-1:123456789012:failed"
    client.put_function_event_invoke_config(
        FunctionName="my-function", MaximumRetryAttempts=1,
        DestinationConfig={"OnFailure": {"Destination": queue}})
    client.update_function_event_invoke_config(FunctionName="my-function",
                                               MaximumEventAgeInSeconds=600)
    got = client.get_function_event_invoke_config(FunctionName="my-function")
    assert (got["MaximumRetryAttempts"], got["MaximumEventAgeInSeconds"]) == (1, 600)
    assert got["DestinationConfig"]["OnFailure"] == {"Destination": queue}
    # Put replaces the whole configuration: unspecified settings return to their defaults
    # (API_PutFunctionEventInvokeConfig.html; defaults 2 retries and 21,600 s).
    client.put_function_event_invoke_config(FunctionName="my-function", MaximumRetryAttempts=0)
    got = client.get_function_event_invoke_config(FunctionName="my-function")
    assert (got["MaximumRetryAttempts"], got["MaximumEventAgeInSeconds"]) == (0, 21_600)
    with pytest.raises(ClientError) as excinfo:
        client.put_function_event_invoke_config(FunctionName="my-function",
                                                MaximumEventAgeInSeconds=21_601)
    assert error_code(excinfo) == "ValidationException"
    client.delete_function_event_invoke_config(FunctionName="my-function")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_function_event_invoke_config(FunctionName="my-function")


def test_fifo_dead_letter_queue_is_rejected(client):
    create(client)
    with pytest.raises(client.exceptions.InvalidParameterValueException):
        client.update_function_configuration(
            FunctionName="my-function",
            DeadLetterConfig={"TargetArn": "arn:aws:sqs:us-east-1:123456789012:dlq.fifo"})


def test_permissions(lab, client):
    create(client)
    rule = "arn:aws:events:us-east-1:123456789012:rule/daily"
    answer = client.add_permission(FunctionName="my-function", StatementId="events",
                                   Action="lambda:InvokeFunction",
                                   Principal="events.amazonaws.com", SourceArn=rule)
    statement = json.loads(answer["Statement"])
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == rule
    with pytest.raises(client.exceptions.ResourceConflictException):
        client.add_permission(FunctionName="my-function", StatementId="events",
                              Action="lambda:InvokeFunction", Principal="events.amazonaws.com")
    policy = json.loads(client.get_policy(FunctionName="my-function")["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["events"]
    assert lab.awslambda.allows("my-function", "events.amazonaws.com", rule)
    assert not lab.awslambda.allows("my-function", "events.amazonaws.com",
                                    "arn:aws:events:us-east-1:123456789012:rule/other")
    client.remove_permission(FunctionName="my-function", StatementId="events")
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.get_policy(FunctionName="my-function")


def test_unsupported_operation_names_itself(client):
    with pytest.raises(ClientError) as excinfo:
        client.list_layers()
    assert error_code(excinfo) == "NotImplemented"
    assert "lambda:ListLayers" in str(excinfo.value)


def test_code_from_moto_s3(lab):
    with lab.aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="code-bucket")
        s3.put_object(Bucket="code-bucket", Key="echo.zip", Body=ECHO)
        client = boto3.client("lambda")
        client.create_function(FunctionName="from-s3", Runtime="python3.13", Role=ROLE,
                               Handler="lambda_function.lambda_handler",
                               Code={"S3Bucket": "code-bucket", "S3Key": "echo.zip"})
        body = json.loads(client.invoke(FunctionName="from-s3", Payload=b'{"a": 1}')["Payload"].read())
    assert body["echo"] == {"a": 1}


def test_handlers_can_call_the_lab_with_boto3(lab):
    """A handler's own boto3 client is served too: function A invokes function B."""
    @lab.function(duration="200ms")
    def inner(event, context):
        return event["n"] * 2

    @lab.function(duration="100ms", timeout=10)
    def outer(event, context):
        import boto3 as sdk
        response = sdk.client("lambda").invoke(FunctionName="inner", Payload=json.dumps({"n": 21}))
        return json.loads(response["Payload"].read())

    with lab.aws():
        result = boto3.client("lambda").invoke(FunctionName="outer", Payload=b"{}")
        assert json.loads(result["Payload"].read()) == 42
    outer_attempt = [a for a in lab.awslambda.attempts if a.function == "outer"][0]
    inner_attempt = [a for a in lab.awslambda.attempts if a.function == "inner"][0]
    # the caller waits for the callee: its duration includes inner's init and run time
    assert outer_attempt.duration == pytest.approx(0.1 + inner_attempt.init + 0.2)


def test_no_network_even_with_real_looking_settings(lab, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://example.com")
    monkeypatch.setenv("AWS_PROFILE", "production")
    with lab.aws():
        client = boto3.client("lambda")
        create(client)
        assert client.invoke(FunctionName="my-function", Payload=b"{}")["StatusCode"] == 200
        boto3.client("s3").create_bucket(Bucket="still-local")
        assert "AWS_ENDPOINT_URL" not in os.environ
    # the environment comes back exactly as it was
    assert os.environ["AWS_ENDPOINT_URL"] == "https://example.com"
    assert os.environ["AWS_PROFILE"] == "production"


def test_leaving_the_block_restores_botocore(lab):
    original = botocore.client.ClientCreator.create_client
    with lab.aws():
        assert botocore.client.ClientCreator.create_client is not original
    assert botocore.client.ClientCreator.create_client is original


def test_two_labs_do_not_share_functions():
    first, second = Lab(seed=0), Lab(seed=0)
    with first.aws():
        create(boto3.client("lambda"), "only-in-first")
    with second.aws():
        client = boto3.client("lambda")
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.get_function(FunctionName="only-in-first")


def test_arns_from_another_region_are_not_found(lab, client):
    create(client)
    with pytest.raises(client.exceptions.ResourceNotFoundException) as excinfo:
        client.get_function(
            FunctionName="arn:aws:lambda:eu-west-1:123456789012:function:my-function")
    assert "us-east-1" in str(excinfo.value)
    got = client.get_function(FunctionName="arn:aws:lambda:us-east-1:123456789012:function:my-function")
    assert got["Configuration"]["FunctionName"] == "my-function"


def _notes_snippets(shared: str) -> list[str]:
    notes = open(os.path.join(shared, "source-notes", "serverless-eda-notes.zh.md"),
                 encoding="utf-8").read()
    blocks = re.findall(r"```python\n(.*?)```", notes, re.S)
    return [re.sub(r"^  ", "", b, flags=re.M) for b in blocks if "client.invoke(" in b]


def test_source_notes_boto3_snippets_run_unchanged(capsys):
    shared = os.path.join(os.path.dirname(__file__), "..", "..", "shared")
    if not os.path.isdir(os.path.join(shared, "source-notes")):
        pytest.skip("../shared/source-notes is not present in this checkout")
    snippets = _notes_snippets(shared)
    assert len(snippets) == 2     # the sync and the async example
    lab = Lab(seed=0, region="us-west-2")

    @lab.function(name="my-function")
    def handler(event, context):
        return {"received": event}

    with lab.aws():
        for snippet in snippets:
            exec(compile(snippet, "source-notes", "exec"), {})
    lab.run()
    printed = capsys.readouterr().out.splitlines()
    assert printed == ["b'{\"received\": {\"key\": \"value\"}}'", "Lambda invoked asynchronously."]
    assert [a.invocation_type for a in lab.awslambda.attempts] == ["RequestResponse", "Event"]


def test_a_custom_endpoint_is_refused_inside_the_door(lab):
    """moto serves only AWS hostnames: a client pointed elsewhere would reach the network."""
    from lambdalab import LabError
    with lab.aws():
        with pytest.raises(LabError, match="endpoint_url"):
            boto3.client("s3", endpoint_url="http://localhost:4566")


def test_clients_from_sessions_and_other_threads_are_served(lab):
    """Any client created inside the door is answered by the lab: from boto3.Session() and
    from another thread too."""
    import threading
    results = {}
    with lab.aws():
        create(boto3.Session().client("lambda"))

        def other_thread():
            client = boto3.client("lambda")
            results["names"] = [f["FunctionName"] for f in client.list_functions()["Functions"]]

        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
    assert results["names"] == ["my-function"]
    assert lab.awslambda.get("my-function").name == "my-function"


def test_leaving_the_block_stops_moto(lab):
    from moto.core.models import botocore_stubber
    with lab.aws():
        assert botocore_stubber.enabled
    assert not botocore_stubber.enabled       # moto no longer answers: the patching is gone


def test_two_labs_do_not_share_moto_resources():
    first, second = Lab(seed=0), Lab(seed=1)
    with first.aws():
        boto3.client("s3").create_bucket(Bucket="only-in-first")
    with second.aws():
        assert boto3.client("s3").list_buckets()["Buckets"] == []
