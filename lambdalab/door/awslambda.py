"""Lambda API operations answered by the lab: operation name -> (HTTP status, response dict)."""
from __future__ import annotations

import io
import json

from botocore.response import StreamingBody

from ..errors import InvalidParameterValueException, ResourceNotFoundException
from .paging import page

_SETTINGS = {  # API member -> Function.configure keyword
    "MemorySize": "memory_size", "Timeout": "timeout", "Description": "description",
    "Role": "role",
}


def _settings(p: dict) -> dict:
    settings = {kw: p[member] for member, kw in _SETTINGS.items() if member in p}
    if "Environment" in p:
        settings["environment"] = p["Environment"].get("Variables", {})
    if "EphemeralStorage" in p:
        settings["ephemeral_storage"] = p["EphemeralStorage"]["Size"]
    if "DeadLetterConfig" in p:
        settings["dead_letter_arn"] = p["DeadLetterConfig"].get("TargetArn") or None
    if p.get("Architectures"):
        settings["architecture"] = p["Architectures"][0]
    runtime = p.get("Runtime")
    if runtime is not None and not runtime.startswith("python3"):
        raise InvalidParameterValueException(
            f"The lab runs Python handlers only; Runtime {runtime!r} is not available here. "
            "Use a python3.x runtime such as python3.13.")
    return settings


def _zip(lab, code: dict) -> bytes:
    if "ZipFile" in code:
        return code["ZipFile"]
    if "S3Bucket" in code:
        import boto3  # served by moto inside the door
        s3 = boto3.client("s3", region_name=lab.region)
        return s3.get_object(Bucket=code["S3Bucket"], Key=code["S3Key"])["Body"].read()
    raise InvalidParameterValueException(
        "Give the code as Code={'ZipFile': bytes} or Code={'S3Bucket': ..., 'S3Key': ...}; "
        "container images are not emulated.")


def create_function(lab, p):
    zip_bytes = _zip(lab, p["Code"])
    svc = lab.awslambda
    settings = _settings(p)
    fn = svc.create_function(p["FunctionName"], code=zip_bytes, handler_name=p.get("Handler"),
                             role=settings.pop("role", None), **settings)
    return 201, fn.describe()


def get_function(lab, p):
    fn = lab.awslambda.get(p["FunctionName"], p.get("Qualifier"))
    body = {"Configuration": fn.describe(),
            "Code": {"RepositoryType": "S3",
                     "Location": f"https://awslambda-{lab.region}-tasks.s3.{lab.region}"
                                 f".amazonaws.com/snapshots/{lab.account}/{fn.name}"},
            "Tags": {}}
    if fn.reserved_concurrency is not None:
        body["Concurrency"] = {"ReservedConcurrentExecutions": fn.reserved_concurrency}
    return 200, body


def get_function_configuration(lab, p):
    return 200, lab.awslambda.get(p["FunctionName"], p.get("Qualifier")).describe()


def update_function_code(lab, p):
    fn = lab.awslambda.update_function_code(p["FunctionName"], code=_zip(lab, p))
    return 200, fn.describe()


def update_function_configuration(lab, p):
    svc = lab.awslambda
    fn = svc.get(p["FunctionName"])
    if "Handler" in p and p["Handler"] != fn.code.handler_name:
        if fn.code.zip_bytes is None:
            raise InvalidParameterValueException(
                "This function's code is a Python callable; change its handler in Python.")
        svc.update_function_code(fn.name, code=fn.code.zip_bytes, handler_name=p["Handler"])
    fn.configure(**_settings(p))
    return 200, fn.describe()


def delete_function(lab, p):
    lab.awslambda.delete_function(p["FunctionName"])
    return 204, {}


def list_functions(lab, p):
    functions = [fn.describe() for fn in lab.awslambda.list_functions()]
    start = int(p.get("Marker") or 0)
    size = p.get("MaxItems") or 50
    return 200, page(functions, start, size, "Functions", "NextMarker")


def invoke(lab, p):
    result = lab.awslambda.invoke(
        p["FunctionName"], p.get("Payload"), p.get("InvocationType") or "RequestResponse",
        p.get("LogType"), p.get("Qualifier"), p.get("ClientContext"))
    body = {"StatusCode": result.status_code,
            "Payload": StreamingBody(io.BytesIO(result.payload), len(result.payload))}
    if result.executed_version:
        body["ExecutedVersion"] = result.executed_version
    if result.function_error:
        body["FunctionError"] = result.function_error
    if result.log_result is not None:
        body["LogResult"] = result.log_result
    return result.status_code, body


def put_function_concurrency(lab, p):
    fn = lab.awslambda.put_reserved_concurrency(p["FunctionName"], p["ReservedConcurrentExecutions"])
    return 200, {"ReservedConcurrentExecutions": fn.reserved_concurrency}


def get_function_concurrency(lab, p):
    fn = lab.awslambda.get(p["FunctionName"])
    return 200, ({} if fn.reserved_concurrency is None else
                 {"ReservedConcurrentExecutions": fn.reserved_concurrency})


def delete_function_concurrency(lab, p):
    lab.awslambda.delete_reserved_concurrency(p["FunctionName"])
    return 204, {}


def _published(p):
    qualifier = p.get("Qualifier")
    if qualifier == "$LATEST":
        raise InvalidParameterValueException(
            "Provisioned Concurrency Configs cannot be applied to unpublished function versions.")
    return qualifier


def put_provisioned_concurrency_config(lab, p):
    _published(p)
    svc = lab.awslambda
    svc.put_provisioned_concurrency(p["FunctionName"], p["ProvisionedConcurrentExecutions"])
    body = svc.get_provisioned_concurrency(p["FunctionName"])
    body["LastModified"] = lab.iso()
    return 202, body


def get_provisioned_concurrency_config(lab, p):
    _published(p)
    body = lab.awslambda.get_provisioned_concurrency(p["FunctionName"])
    body["LastModified"] = lab.iso()
    return 200, body


def delete_provisioned_concurrency_config(lab, p):
    _published(p)
    lab.awslambda.get_provisioned_concurrency(p["FunctionName"])
    lab.awslambda.put_provisioned_concurrency(p["FunctionName"], 0)
    return 204, {}


def _event_invoke_config(lab, p, merge):
    destinations = p.get("DestinationConfig") or {}
    config = lab.awslambda.put_event_invoke_config(
        p["FunctionName"], maximum_retry_attempts=p.get("MaximumRetryAttempts"),
        maximum_event_age=p.get("MaximumEventAgeInSeconds"),
        on_success=destinations.get("OnSuccess", {}).get("Destination"),
        on_failure=destinations.get("OnFailure", {}).get("Destination"), merge=merge)
    return 200, _describe_event_invoke_config(lab, p["FunctionName"], config)


def _describe_event_invoke_config(lab, name, config):
    fn = lab.awslambda.get(name)
    return {"LastModified": lab.clock.to_datetime(config.last_modified),
            "FunctionArn": f"{fn.arn}:$LATEST",
            "MaximumRetryAttempts": config.maximum_retry_attempts,
            "MaximumEventAgeInSeconds": config.maximum_event_age,
            "DestinationConfig": {
                "OnSuccess": {"Destination": config.on_success} if config.on_success else {},
                "OnFailure": {"Destination": config.on_failure} if config.on_failure else {}}}


def put_function_event_invoke_config(lab, p):
    return _event_invoke_config(lab, p, merge=False)


def update_function_event_invoke_config(lab, p):
    return _event_invoke_config(lab, p, merge=True)


def get_function_event_invoke_config(lab, p):
    config = lab.awslambda.get_event_invoke_config(p["FunctionName"])
    return 200, _describe_event_invoke_config(lab, p["FunctionName"], config)


def delete_function_event_invoke_config(lab, p):
    lab.awslambda.delete_event_invoke_config(p["FunctionName"])
    return 204, {}


def add_permission(lab, p):
    statement = lab.awslambda.add_permission(
        p["FunctionName"], p["StatementId"], p["Action"], p["Principal"],
        source_arn=p.get("SourceArn"), source_account=p.get("SourceAccount"))
    return 201, {"Statement": json.dumps(statement)}


def remove_permission(lab, p):
    lab.awslambda.remove_permission(p["FunctionName"], p["StatementId"])
    return 204, {}


def get_policy(lab, p):
    svc = lab.awslambda
    policy = svc.get_policy(p["FunctionName"])
    return 200, {"Policy": json.dumps(policy), "RevisionId": svc.get(p["FunctionName"]).revision}


def get_account_settings(lab, p):
    svc = lab.awslambda
    from .. import facts
    functions = svc.list_functions()
    return 200, {
        "AccountLimit": {"TotalCodeSize": 80 * 1024 ** 3, "CodeSizeUnzipped": facts.UNZIPPED_BYTES,
                         "CodeSizeZipped": facts.ZIP_BYTES,
                         "ConcurrentExecutions": svc.account_limit,
                         "UnreservedConcurrentExecutions": svc.unreserved_capacity()},
        "AccountUsage": {"TotalCodeSize": sum(fn.code.size for fn in functions),
                         "FunctionCount": len(functions)}}


_STREAM_ARGS = {"StartingPosition": "starting_position",
                "ParallelizationFactor": "parallelization_factor",
                "MaximumRetryAttempts": "maximum_retry_attempts",
                "MaximumRecordAgeInSeconds": "maximum_record_age",
                "BisectBatchOnFunctionError": "bisect_batch_on_function_error",
                "TumblingWindowInSeconds": "tumbling_window",
                "DestinationConfig": "destination_config"}


def _mapping_args(p):
    args = {}
    if "BatchSize" in p:
        args["batch_size"] = p["BatchSize"]
    if "MaximumBatchingWindowInSeconds" in p:
        args["maximum_batching_window"] = p["MaximumBatchingWindowInSeconds"]
    if "Enabled" in p:
        args["enabled"] = p["Enabled"]
    if "FunctionResponseTypes" in p:
        args["function_response_types"] = p["FunctionResponseTypes"]
    if "FilterCriteria" in p:
        args["filter_criteria"] = p["FilterCriteria"]
    for name, key in _STREAM_ARGS.items():
        if name in p:
            args[key] = p[name]
    if "StartingPositionTimestamp" in p:
        from .kinesis import _lab_seconds
        args["starting_position_timestamp"] = _lab_seconds(p["StartingPositionTimestamp"])
    if "ScalingConfig" in p:
        if p["ScalingConfig"].get("MaximumConcurrency") is None:
            args["clear_scaling"] = True
        else:
            args["maximum_concurrency"] = p["ScalingConfig"]["MaximumConcurrency"]
    return args


def create_event_source_mapping(lab, p):
    args = _mapping_args(p)
    args.pop("clear_scaling", None)
    mapping = lab.awslambda.mappings.create(p["FunctionName"], p.get("EventSourceArn"), **args)
    return 202, mapping.describe("Creating")


def update_event_source_mapping(lab, p):
    mappings = lab.awslambda.mappings
    before = mappings.get(p["UUID"]).enabled
    mapping = mappings.update(p["UUID"], function=p.get("FunctionName"), **_mapping_args(p))
    state = "Updating" if mapping.enabled == before else \
        ("Enabling" if mapping.enabled else "Disabling")
    return 202, mapping.describe(state)


def get_event_source_mapping(lab, p):
    return 200, lab.awslambda.mappings.get(p["UUID"]).describe()


def delete_event_source_mapping(lab, p):
    return 202, lab.awslambda.mappings.delete(p["UUID"]).describe("Deleting")


def list_event_source_mappings(lab, p):
    items = [m.describe() for m in lab.awslambda.mappings.list(p.get("EventSourceArn"),
                                                               p.get("FunctionName"))]
    start = int(p.get("Marker") or 0)
    size = p.get("MaxItems") or 100
    return 200, page(items, start, size, "EventSourceMappings", "NextMarker")


# --- function URLs (lambdalab/http/service.py; AuthType AWS_IAM is stored, not enforced) ------
def _url_function(lab, p):
    return lab.awslambda.get(p["FunctionName"], p.get("Qualifier"))


def create_function_url_config(lab, p):
    config = lab.http.create_url(_url_function(lab, p), p["AuthType"], p.get("Cors"),
                                 p.get("InvokeMode") or "BUFFERED")
    body = config.describe()
    del body["LastModifiedTime"]
    return 201, body


def get_function_url_config(lab, p):
    return 200, lab.http.get_url(_url_function(lab, p)).describe()


def update_function_url_config(lab, p):
    config = lab.http.update_url(_url_function(lab, p), p.get("AuthType"), p.get("Cors"),
                                 p.get("InvokeMode"))
    return 200, config.describe()


def delete_function_url_config(lab, p):
    lab.http.delete_url(_url_function(lab, p))
    return 204, {}


def list_function_url_configs(lab, p):
    configs = [c.describe() for c in lab.http.list_urls(_url_function(lab, p))]
    return 200, {"FunctionUrlConfigs": configs}


OPERATIONS = {
    "CreateEventSourceMapping": create_event_source_mapping,
    "UpdateEventSourceMapping": update_event_source_mapping,
    "GetEventSourceMapping": get_event_source_mapping,
    "DeleteEventSourceMapping": delete_event_source_mapping,
    "ListEventSourceMappings": list_event_source_mappings,
    "CreateFunction": create_function, "GetFunction": get_function,
    "GetFunctionConfiguration": get_function_configuration,
    "UpdateFunctionCode": update_function_code,
    "UpdateFunctionConfiguration": update_function_configuration,
    "DeleteFunction": delete_function, "ListFunctions": list_functions, "Invoke": invoke,
    "PutFunctionConcurrency": put_function_concurrency,
    "GetFunctionConcurrency": get_function_concurrency,
    "DeleteFunctionConcurrency": delete_function_concurrency,
    "PutProvisionedConcurrencyConfig": put_provisioned_concurrency_config,
    "GetProvisionedConcurrencyConfig": get_provisioned_concurrency_config,
    "DeleteProvisionedConcurrencyConfig": delete_provisioned_concurrency_config,
    "PutFunctionEventInvokeConfig": put_function_event_invoke_config,
    "UpdateFunctionEventInvokeConfig": update_function_event_invoke_config,
    "GetFunctionEventInvokeConfig": get_function_event_invoke_config,
    "DeleteFunctionEventInvokeConfig": delete_function_event_invoke_config,
    "AddPermission": add_permission, "RemovePermission": remove_permission,
    "GetPolicy": get_policy, "GetAccountSettings": get_account_settings,
    "CreateFunctionUrlConfig": create_function_url_config,
    "GetFunctionUrlConfig": get_function_url_config,
    "UpdateFunctionUrlConfig": update_function_url_config,
    "DeleteFunctionUrlConfig": delete_function_url_config,
    "ListFunctionUrlConfigs": list_function_url_configs,
}
