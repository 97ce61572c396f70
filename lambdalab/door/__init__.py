"""The AWS SDK door: inside ``with lab.aws():`` boto3 clients talk to the lab.

Mechanism (the one ``botocore.stub.Stubber`` uses): every botocore client created inside the
block gets two event handlers. ``before-parameter-build`` keeps the operation's parameters (after
boto3 has validated them); ``before-call`` answers the call from the lab and returns the parsed
response, so no wire protocol is re-implemented and botocore raises its own ``ClientError``
classes. Services the lab does not own (S3, DynamoDB, IAM, ...) fall through to moto's
``mock_aws``, which the door starts; nothing reaches the network.

Limits: clients created *before* the block are not served (create clients inside it); moto's
resources belong to the last lab whose door was opened (opening another lab's door resets them).
"""
from __future__ import annotations

import os
import sys
import threading

import botocore.client
from botocore.awsrequest import AWSResponse

from ..errors import AWSError, LabError
from ..vtime import VirtualTime
from . import awslambda, kinesis, sqs
from . import cloudwatch, logs

#: service_id (hyphenized, as botocore names events) -> adapter module with OPERATIONS
ADAPTERS = {"lambda": awslambda, "kinesis": kinesis, "sqs": sqs}
from . import dynamodbstreams  # noqa: E402
ADAPTERS["dynamodb-streams"] = dynamodbstreams  # the lab's DynamoDB stream records
ADAPTERS["cloudwatch-logs"] = logs             # CloudWatch Logs: /aws/lambda/<function>
from . import sns as sns_door  # noqa: E402
ADAPTERS["sns"] = sns_door                     # SNS: lambdalab/door/sns.py
ADAPTERS["cloudwatch"] = cloudwatch            # CloudWatch metrics and alarms

from . import events as events_door  # noqa: E402
ADAPTERS["eventbridge"] = events_door        # EventBridge: lambdalab/door/events.py
from . import scheduler as scheduler_door  # noqa: E402
ADAPTERS["scheduler"] = scheduler_door     # EventBridge Scheduler: lambdalab/door/scheduler.py

_lock = threading.Lock()
_active: list["Door"] = []        # open doors, innermost last
_moto = {"mock": None, "owner": None}
# Packages whose new clients the door serves: botocore and, when loaded, the copy AWS CLI v1
# vendors as ``awscli.botocore``. (The CLI itself imports plain ``botocore``, which importing
# awscli first aliases to that copy; either way it is the first entry.)
_CLIENT_MODULES = ("botocore.client", "awscli.botocore.client")
_patched: dict = {}               # ClientCreator class -> its own create_client, while patched

# Variables that could send a call elsewhere than the lab and moto, or load real credentials.
_CLEARED_ENV = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                "AWS_CA_BUNDLE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")


def _create_client(creator, *args, **kwargs):
    if _active and kwargs.get("endpoint_url"):
        # moto only recognises AWS hostnames: a custom endpoint would leave the machine.
        raise LabError(
            f"inside lab.aws() leave out endpoint_url (got {kwargs['endpoint_url']!r}): the lab "
            "and moto answer every service without one, and nothing may leave the machine")
    original = next(_patched[cls] for cls in type(creator).__mro__ if cls in _patched)
    client = original(creator, *args, **kwargs)
    door = _active[-1] if _active else None
    service_id = client.meta.service_model.service_id.hyphenize()
    if door is not None and service_id in ADAPTERS:
        door.attach(client, service_id)
    elif door is not None and service_id == "s3":
        from .s3_notifications import attach as attach_s3   # S3 stays moto's; events bridged
        attach_s3(door, client)
    elif door is not None and service_id == "dynamodb":
        from .dynamodb_streams import attach as attach_ddb   # tables moto's; streams the lab's
        attach_ddb(door, client)
    return client


def _patch_client_creators() -> None:
    for name in _CLIENT_MODULES:
        module = sys.modules.get(name)
        if module is not None and module.ClientCreator not in _patched:
            _patched[module.ClientCreator] = module.ClientCreator.__dict__["create_client"]
            module.ClientCreator.create_client = _create_client


def _restore_client_creators() -> None:
    while _patched:
        creator, original = _patched.popitem()
        creator.create_client = original


class Door:
    """``with lab.aws():`` or ``door = lab.aws(); door.start(); ...; door.stop()``."""

    def __init__(self, lab):
        self.lab = lab
        self._saved_env: dict | None = None
        self._request_ids = 0

    # --- lifecycle ----------------------------------------------------------------------
    def start(self) -> "Door":
        from moto import mock_aws
        with _lock:
            self._saved_env = {k: v for k, v in os.environ.items()
                               if k.startswith("AWS_")}
            for key in list(os.environ):
                if key in _CLEARED_ENV or key.startswith("AWS_ENDPOINT_URL"):
                    del os.environ[key]
            os.environ.update({
                "AWS_DEFAULT_REGION": self.lab.region, "AWS_REGION": self.lab.region,
                "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_DEFAULT_OUTPUT": "json", "AWS_PAGER": "",  # the AWS CLI's, deterministic
            })
            if _moto["mock"] is None:
                _moto["mock"] = mock_aws()
            reset = _moto["owner"] is not self.lab
            _moto["owner"] = self.lab
            _moto["mock"].start(reset=reset)
            _patch_client_creators()      # also a copy loaded since an outer door opened
            _active.append(self)
        VirtualTime.enter(self.lab.t)
        return self

    def stop(self) -> None:
        VirtualTime.exit()
        with _lock:
            _active.remove(self)
            if not _active:
                _restore_client_creators()
            _moto["mock"].stop(remove_data=False)
            for key in [k for k in os.environ if k.startswith("AWS_")]:
                del os.environ[key]
            os.environ.update(self._saved_env or {})

    def __enter__(self) -> "Door":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- serving calls ------------------------------------------------------------------
    def attach(self, client, service_id: str) -> None:
        events = client.meta.events
        events.register(f"before-parameter-build.{service_id}", self._keep_params)
        events.register(f"before-call.{service_id}", self._answer)

    @staticmethod
    def _keep_params(params, context, **_):
        context["lambdalab_params"] = dict(params)

    def _answer(self, model, context, **_):
        service_id = model.service_model.service_id.hyphenize()
        adapter = ADAPTERS[service_id]
        params = context.get("lambdalab_params", {})
        self._request_ids += 1
        metadata = {"RequestId": self.lab.ids.api_request_id(), "HTTPHeaders": {}, "RetryAttempts": 0}
        operation = adapter.OPERATIONS.get(model.name)
        VirtualTime.move(self.lab.t)
        try:
            if operation is None:
                return _error(501, "NotImplemented",
                              f"lambdalab does not emulate {service_id}:{model.name} yet; "
                              f"supported: {', '.join(sorted(adapter.OPERATIONS))}", {}, metadata)
            status, body = operation(self.lab, params)
        except AWSError as exc:
            return _error(exc.status, exc.code, exc.message, exc.fields, metadata)
        metadata["HTTPStatusCode"] = status
        body["ResponseMetadata"] = metadata
        return AWSResponse(None, status, {}, None), body


def _error(status, code, message, fields, metadata):
    metadata["HTTPStatusCode"] = status
    body = {"Error": {"Code": code, "Message": message}, "message": message,
            "ResponseMetadata": metadata, **fields}
    return AWSResponse(None, status, {}, None), body
