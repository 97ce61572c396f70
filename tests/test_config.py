"""Function configuration and Invoke request validation, with AWS's error codes and statuses.

Sources (``L/`` = https://docs.aws.amazon.com/lambda/latest/dg/):
* memory 128-10,240 MB: https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
* timeout 1-900 s: L/configuration-timeout.html
* ephemeral storage 512-10,240 MB: L/API_EphemeralStorage.html
* environment variables, 4 KB total, reserved names: L/configuration-envvars.html
* function name pattern and length: L/API_CreateFunction.html
* Invoke: status codes 200/202/204, 6 MB sync / 1 MB async payloads, errors: L/API_Invoke.html
  (async raised from 256 KB to 1 MB: https://aws.amazon.com/blogs/compute/more-room-to-build-serverless-services-now-support-payloads-up-to-1-mb)
"""
from __future__ import annotations

import pytest

from lambdalab import AWSError, Lab, facts
from lambdalab.errors import (InvalidParameterValueException, InvalidRequestContentException,
                              RequestEntityTooLargeException, ResourceConflictException,
                              ResourceNotFoundException, ValidationException)

MB = 1024 * 1024


@pytest.fixture
def lab():
    return Lab(seed=0)


def noop(event, context):
    return None


def assert_error(info, cls, code, status):
    error = info.value
    assert isinstance(error, AWSError)
    assert isinstance(error, cls)
    assert error.code == code
    assert error.status == status
    assert str(error).startswith(f"{code}: ")


# --- numeric ranges ----------------------------------------------------------------------

RANGES = [
    # (setting, low, high, AWS member name)
    ("memory_size", 128, 10_240, "memorySize"),
    ("timeout", 1, 900, "timeout"),
    ("ephemeral_storage", 512, 10_240, "ephemeralStorage.size"),
]


@pytest.mark.parametrize("setting, low, high, member", RANGES)
def test_range_boundaries_are_accepted(lab, setting, low, high, member):
    a = lab.function(noop, name="low", **{setting: low})
    b = lab.function(noop, name="high", **{setting: high})
    assert getattr(a, setting) == low
    assert getattr(b, setting) == high
    described = {"memory_size": "MemorySize", "timeout": "Timeout"}
    if setting in described:
        assert b.describe()[described[setting]] == high
    else:
        assert b.describe()["EphemeralStorage"] == {"Size": high}


@pytest.mark.parametrize("setting, low, high, member", RANGES)
def test_values_just_outside_a_range_are_validation_errors(lab, setting, low, high, member):
    for value, words in ((low - 1, f"greater than or equal to {low}"),
                         (high + 1, f"less than or equal to {high}")):
        with pytest.raises(ValidationException) as info:
            lab.function(noop, name="out-of-range", **{setting: value})
        assert_error(info, ValidationException, "ValidationException", 400)
        assert f"'{value}' at '{member}'" in info.value.message
        assert words in info.value.message
    assert "out-of-range" not in lab.awslambda.functions     # nothing was created


def test_a_rejected_update_keeps_the_old_value(lab):
    fn = lab.function(noop, name="keep", memory_size=512)
    with pytest.raises(ValidationException):
        fn.configure(memory_size=127)
    with pytest.raises(ValidationException):
        fn.configure(memory_size=10_241)
    assert fn.memory_size == 512


@pytest.mark.parametrize("value", ["512", 512.5, True])
def test_memory_must_be_a_whole_number_of_megabytes(lab, value):
    # "between 128 MB and 10,240 MB in 1-MB increments" (configuration-memory.html)
    with pytest.raises(ValidationException):
        lab.function(noop, name="odd-memory", memory_size=value)


def test_defaults_match_aws(lab):
    fn = lab.function(noop, name="defaults")
    assert fn.memory_size == 128           # L/configuration-memory.html
    assert fn.timeout == 3                 # L/configuration-timeout.html
    assert fn.ephemeral_storage == 512     # L/API_EphemeralStorage.html


# --- environment variables ---------------------------------------------------------------

def test_small_environment_is_accepted(lab):
    fn = lab.function(noop, name="env-ok", environment={"TABLE": "orders", "STAGE": "dev"})
    assert fn.describe()["Environment"] == {"Variables": {"TABLE": "orders", "STAGE": "dev"}}


def test_environment_over_4_kb_is_rejected(lab):
    # "The total size of all environment variables doesn't exceed 4 KB" (configuration-envvars)
    with pytest.raises(InvalidParameterValueException) as info:
        lab.function(noop, name="env-big", environment={"BLOB": "x" * 4096})
    assert_error(info, InvalidParameterValueException, "InvalidParameterValueException", 400)
    assert "4KB" in info.value.message
    many = {f"VAR_{i:03d}": "y" * 40 for i in range(100)}      # ~5 KB spread over 100 names
    with pytest.raises(InvalidParameterValueException):
        lab.function(noop, name="env-many", environment=many)


def test_environment_update_over_4_kb_keeps_the_old_variables(lab):
    fn = lab.function(noop, name="env-update", environment={"A": "1"})
    with pytest.raises(InvalidParameterValueException):
        fn.configure(environment={"A": "z" * 5000})
    assert fn.environment == {"A": "1"}


# The reserved keys listed under "Defined runtime environment variables":
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars-runtime.html
RESERVED = ["_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION",
            "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_INITIALIZATION_TYPE",
            "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY",
            "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
            "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"]


@pytest.mark.parametrize("name", RESERVED)
def test_reserved_environment_variable_names_are_rejected(lab, name):
    with pytest.raises(InvalidParameterValueException) as info:
        lab.function(noop, name="reserved", environment={name: "mine", "OK": "1"})
    assert_error(info, InvalidParameterValueException, "InvalidParameterValueException", 400)
    assert f"Reserved keys used in this request: {name}" in info.value.message


def test_environment_values_must_be_strings(lab):
    with pytest.raises(InvalidParameterValueException):
        lab.function(noop, name="env-int", environment={"PORT": 8080})


# --- function names ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["a", "my-function", "My_Function_2", "x" * 64])
def test_valid_function_names(lab, name):
    assert lab.function(noop, name=name).name == name


@pytest.mark.parametrize("name", ["", "x" * 65, "has space", "dot.name", "colon:name",
                                  "slash/name", "trailing-newline\n", "ünïcode"])
def test_invalid_function_names_are_validation_errors(lab, name):
    with pytest.raises(ValidationException) as info:
        lab.function(noop, name=name)
    assert_error(info, ValidationException, "ValidationException", 400)
    assert "functionName" in info.value.message
    assert name not in lab.awslambda.functions


def test_creating_a_function_twice_is_a_conflict(lab):
    lab.function(noop, name="twice")
    with pytest.raises(ResourceConflictException) as info:
        lab.function(noop, name="twice")
    assert_error(info, ResourceConflictException, "ResourceConflictException", 409)
    assert "twice" in info.value.message


def test_unknown_function_is_not_found(lab):
    with pytest.raises(ResourceNotFoundException) as info:
        lab.awslambda.invoke("ghost", {})
    assert_error(info, ResourceNotFoundException, "ResourceNotFoundException", 404)
    assert "arn:aws:lambda:us-east-1:123456789012:function:ghost" in info.value.message
    with pytest.raises(ResourceNotFoundException):
        lab.awslambda.get("ghost")


def test_a_function_can_be_found_by_arn(lab):
    fn = lab.function(noop, name="by-arn")
    assert lab.awslambda.get(fn.arn) is fn
    assert lab.awslambda.invoke(fn.arn, {}).status_code == 200


# --- Invoke requests ---------------------------------------------------------------------

@pytest.fixture
def counted(lab):
    calls = []

    @lab.function(name="counted")
    def handler(event, context):
        calls.append(event)
        return {"ok": True}

    handler.calls = calls
    return handler


@pytest.mark.parametrize("payload", [b"{not json", "not json", b"{\"a\": 1", b"\xff\xfe"])
def test_invalid_json_payload_is_invalid_request_content(lab, counted, payload):
    with pytest.raises(InvalidRequestContentException) as info:
        lab.awslambda.invoke("counted", payload)
    assert_error(info, InvalidRequestContentException, "InvalidRequestContentException", 400)
    assert "json" in info.value.message.lower()
    assert counted.calls == []


@pytest.mark.parametrize("payload, event", [
    (b'{"a": 1}', {"a": 1}), ('{"a": 1}', {"a": 1}), ({"a": 1}, {"a": 1}),
    (b"[1, 2]", [1, 2]), (b'"text"', "text"), (None, {}), (b"", {}),
])
def test_valid_payload_forms_reach_the_handler(lab, counted, payload, event):
    assert lab.awslambda.invoke("counted", payload).status_code == 200
    assert counted.calls == [event]


def _json_of_size(n: int) -> bytes:
    """A JSON string document of exactly n bytes."""
    return b'"' + b"a" * (n - 2) + b'"'


def test_sync_payload_limit_is_6_mb(lab, counted):
    assert facts.SYNC_PAYLOAD_BYTES == 6 * MB
    ok = lab.awslambda.invoke("counted", _json_of_size(6 * MB))
    assert ok.status_code == 200
    with pytest.raises(RequestEntityTooLargeException) as info:
        lab.awslambda.invoke("counted", _json_of_size(6 * MB + 1))
    assert_error(info, RequestEntityTooLargeException, "RequestEntityTooLargeException", 413)
    assert "RequestResponse" in info.value.message
    assert len(counted.calls) == 1


def test_async_payload_limit_is_1_mb(lab, counted):
    assert facts.ASYNC_PAYLOAD_BYTES == 1 * MB
    ok = lab.awslambda.invoke("counted", _json_of_size(1 * MB), invocation_type="Event")
    assert ok.status_code == 202
    with pytest.raises(RequestEntityTooLargeException) as info:
        lab.awslambda.invoke("counted", _json_of_size(1 * MB + 1), invocation_type="Event")
    assert_error(info, RequestEntityTooLargeException, "RequestEntityTooLargeException", 413)
    assert f"{1 * MB + 1} byte payload is too large for the Event invocation type" \
        in info.value.message
    lab.run()
    assert len(counted.calls) == 1        # only the accepted event ran


def test_dry_run_returns_204_and_does_not_run_the_handler(lab, counted):
    result = lab.awslambda.invoke("counted", {"x": 1}, invocation_type="DryRun")
    assert result.status_code == 204
    assert result.payload == b""
    assert result.function_error is None
    lab.run()
    assert counted.calls == []
    assert lab.awslambda.attempts == []


def test_event_returns_202_and_runs_later(lab, counted):
    result = lab.awslambda.invoke("counted", {"x": 1}, invocation_type="Event")
    assert result.status_code == 202
    assert result.payload == b""
    assert counted.calls == []
    lab.run()
    assert counted.calls == [{"x": 1}]


def test_request_response_returns_200_with_the_result(lab, counted):
    result = lab.awslambda.invoke("counted", {"x": 1}, invocation_type="RequestResponse")
    assert result.status_code == 200
    assert result.json() == {"ok": True}
    assert result.function_error is None
    assert result.executed_version == "$LATEST"
    assert counted.calls == [{"x": 1}]


def test_a_function_error_still_returns_200(lab):
    @lab.function
    def fails(event, context):
        raise ValueError("nope")

    result = fails.invoke({})
    assert result.status_code == 200
    assert result.function_error == "Unhandled"


@pytest.mark.parametrize("invocation_type", ["Sync", "event", "requestresponse", "", None])
def test_invalid_invocation_type_is_a_validation_error(lab, counted, invocation_type):
    with pytest.raises(ValidationException) as info:
        lab.awslambda.invoke("counted", {}, invocation_type=invocation_type)
    assert_error(info, ValidationException, "ValidationException", 400)
    assert "invocationType" in info.value.message
    assert counted.calls == []


# --- UpdateFunctionConfiguration semantics -----------------------------------------------

def test_a_configuration_update_is_all_or_nothing(lab):
    fn = lab.function(noop, name="atomic", memory_size=512, timeout=10)
    with pytest.raises(ValidationException):
        fn.configure(memory_size=1024, timeout=0)
    assert (fn.memory_size, fn.timeout) == (512, 10)
    with pytest.raises(InvalidParameterValueException):
        fn.configure(timeout=20, environment={"AWS_REGION": "eu-west-1"})
    assert fn.timeout == 10


@pytest.mark.parametrize("change", [
    {"timeout": 10}, {"memory_size": 256}, {"description": "v2"},
    {"environment": {"A": "1"}}, {"ephemeral_storage": 1024}, {"architecture": "arm64"},
])
def test_a_configuration_update_retires_warm_environments(lab, change):
    # "When you update a function, Lambda provisions an instance of the function"
    # (UpdateFunctionConfiguration, L/API_UpdateFunctionConfiguration.html): the next request
    # runs in a new execution environment.
    fn = lab.function(noop, name="retire")
    fn.invoke({})
    assert not fn.invoke({}).attempt.cold
    fn.configure(**change)
    assert fn.invoke({}).attempt.cold


def test_lab_only_settings_keep_warm_environments(lab):
    fn = lab.function(noop, name="keep-warm")
    fn.invoke({})
    fn.configure(duration="20ms", memory_used=60)
    assert not fn.invoke({}).attempt.cold
