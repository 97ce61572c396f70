"""A Lambda function: its configuration (validated against AWS ranges) and its environments."""
from __future__ import annotations

import json
import os
import re
from collections import deque

from .. import facts
from ..clock import parse_duration
from ..errors import InvalidParameterValueException, ValidationException
from . import durations
from ..vtime import HandlerTimeout, RunawayHandler
from .runtime import Environ, capture_output


class InitFailed(Exception):
    """The INIT phase was stopped (virtual 10 s limit or the runaway guard)."""

NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")   # used with fullmatch: no trailing newline
RUNTIME = "python3.13"


def check_range(r: facts.Range, value, member: str, integer: bool = True):
    """AWS's ValidationException wording for a number outside its range.

    All of Lambda's ranged settings are integers (MemorySize in 1-MB steps, Timeout in whole
    seconds, ...): a fraction is rejected rather than silently truncated."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            (integer and isinstance(value, float) and not value.is_integer()):
        raise ValidationException(f"1 validation error detected: Value '{value}' at '{member}' "
                                  "failed to satisfy constraint: Member must be "
                                  + ("an integer" if integer else "a number"))
    if value < r.low:
        raise ValidationException(
            f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
            f"constraint: Member must have value greater than or equal to {r.low:g}")
    if value > r.high:
        raise ValidationException(
            f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
            f"constraint: Member must have value less than or equal to {r.high:g}")
    return value


def check_name(name) -> str:
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ValidationException(
            f"1 validation error detected: Value '{name}' at 'functionName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+ "
            "and have length between 1 and 64")
    return name


def check_environment(variables: dict) -> dict:
    if not isinstance(variables, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in variables.items()):
        raise InvalidParameterValueException(
            "Environment variables must be a map of string names to string values")
    size = len(json.dumps(variables, separators=(",", ":")))
    if size > facts.ENVIRONMENT_BYTES:
        raise InvalidParameterValueException(
            "Lambda was unable to configure your environment variables because the environment "
            f"variables you have provided exceeded the 4KB limit. String measured: {size} bytes")
    reserved = sorted(k for k in variables if k in _RESERVED_ENV)
    if reserved:
        raise InvalidParameterValueException(
            f"Lambda was unable to configure your environment variables because the environment "
            f"variables you have provided contains reserved keys that are currently not "
            f"supported for modification. Reserved keys used in this request: {', '.join(reserved)}")
    return dict(variables)


# "Reserved environment variables" (L/configuration-envvars-runtime.html): the runtime sets them
# and a function's configuration cannot.
_RESERVED_ENV = {"_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION",
                 "AWS_EXECUTION_ENV", "AWS_LAMBDA_FUNCTION_NAME",
                 "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
                 "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME",
                 "AWS_LAMBDA_LOG_STREAM_NAME", "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID",
                 "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_LAMBDA_RUNTIME_API",
                 "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR"}


class Environment:
    """One execution environment (a warm sandbox): its modules and when it was last used."""

    __slots__ = ("id", "handler", "modules", "provisioned", "last_used", "log_stream",
                 "invocations", "init_output")

    def __init__(self, env_id: int, handler, modules, provisioned: bool, log_stream: str,
                 init_output=()):
        self.id = env_id
        self.handler = handler
        self.modules = modules
        self.provisioned = provisioned
        self.last_used = 0.0
        self.log_stream = log_stream
        self.invocations = 0
        self.init_output = init_output   # what module-level code printed during INIT


class AsyncConfig:
    """PutFunctionEventInvokeConfig: retries, maximum event age and destinations."""

    __slots__ = ("maximum_retry_attempts", "maximum_event_age", "on_success", "on_failure",
                 "last_modified")

    def __init__(self):
        self.maximum_retry_attempts = int(facts.MAXIMUM_RETRY_ATTEMPTS.default)
        self.maximum_event_age = int(facts.MAXIMUM_EVENT_AGE.default)
        self.on_success = None
        self.on_failure = None
        self.last_modified = 0.0


class Function:
    """A function's configuration, code and execution environments.

    Users get these from :meth:`lambdalab.Lab.function` / ``lab.awslambda.create_function``;
    configuration changes go through :meth:`configure` so they are validated."""

    def __init__(self, service, name: str, code, *, role: str | None = None):
        self.service = service
        self.name = check_name(name)
        lab = service.lab
        self.arn = lab.arn("lambda", f"function:{name}")
        self.log_group = f"/aws/lambda/{name}"
        self.code = code
        self.role = role or lab.arn("iam", "role/lambda-role").replace(f":{lab.region}:", "::")
        self.runtime = RUNTIME
        self.architecture = "x86_64"
        self.description = ""
        self.memory_size = int(facts.MEMORY_SIZE.default)
        self.timeout = int(facts.TIMEOUT.default)
        self.ephemeral_storage = int(facts.EPHEMERAL_STORAGE.default)
        self.environment: dict[str, str] = {}
        self.duration = durations.fixed(0.0)
        self.init_duration = durations.fixed(facts.INIT_DURATION)
        self.memory_used = facts.MEMORY_USED_MB
        self.dead_letter_arn: str | None = None
        self.reserved_concurrency: int | None = None
        self.provisioned = 0                 # provisioned concurrency (environments kept warm)
        self.async_config: AsyncConfig | None = None
        self.policy: list[dict] = []         # resource-based policy statements
        self.revision = lab.ids.uuid("revision")
        self.last_modified = lab.t
        # execution environments
        self.idle: deque[Environment] = deque()   # on-demand, most recently used on the right
        self.provisioned_idle: list[Environment] = []
        self.busy = 0                # environments running a request now
        self.busy_provisioned = 0
        self.environments = 0        # on-demand environments alive (busy or idle)
        self.tokens = float(facts.SCALING_ENVIRONMENTS)  # scaling-rate bucket
        self.tokens_t = lab.t
        self._env_ids = 0
        self._runtime_env = None
        self.env_overlay = None    # variables the function's code set in os.environ (runtime.Environ)

    # --- using it ---------------------------------------------------------------------
    def invoke(self, payload=None, invocation_type: str = "RequestResponse",
               log_type: str | None = None):
        """Invoke this function (see :meth:`LambdaService.invoke`); returns an InvokeResult."""
        return self.service.invoke(self.name, payload, invocation_type, log_type)

    def logs(self) -> list[str]:
        """This function's log lines (START, output, END, REPORT), oldest first."""
        return [line for _, line in self.service.logs(self.name)]

    # --- configuration ------------------------------------------------------------------
    # UpdateFunctionConfiguration settings: changing one retires the warm environments (the
    # next requests start cold with the new configuration, as after an update on AWS).
    _VERSION_SETTINGS = frozenset({"memory_size", "timeout", "ephemeral_storage", "environment",
                                   "architecture", "description", "role", "dead_letter_arn"})

    def configure(self, **settings) -> "Function":
        """Change configuration with AWS validation; names as in :meth:`Lab.function`.

        Like one UpdateFunctionConfiguration request, it is all or nothing: every value is
        checked before any is applied."""
        changes = {}
        for key, value in settings.items():
            if value is None and key not in ("dead_letter_arn", "description"):
                continue
            if key == "memory_size":
                value = int(check_range(facts.MEMORY_SIZE, value, "memorySize"))
            elif key == "timeout":
                value = int(check_range(facts.TIMEOUT, value, "timeout"))
            elif key == "ephemeral_storage":
                value = int(check_range(facts.EPHEMERAL_STORAGE, value, "ephemeralStorage.size"))
            elif key == "environment":
                value = check_environment(value)
            elif key == "architecture":
                if value not in facts.PRICE_PER_GB_SECOND:
                    raise ValidationException(
                        f"1 validation error detected: Value '[{value}]' at 'architectures' "
                        "failed to satisfy constraint: Member must satisfy enum value set: "
                        "[x86_64, arm64]")
            elif key in ("duration", "init_duration"):
                value = durations.as_model(value)
            elif key == "memory_used":
                value = int(value)
            elif key == "description":
                value = value or ""
            elif key == "dead_letter_arn":
                value = self.service.check_dead_letter_target(value)
            elif key not in ("role", "reserved_concurrency", "provisioned_concurrency"):
                raise TypeError(f"unknown function setting {key!r}")
            changes[key] = value
        concurrency = [(k, changes.pop(k)) for k in ("reserved_concurrency",
                                                      "provisioned_concurrency") if k in changes]
        if "environment" in changes:
            if Environ.active is self:
                Environ.restore()
            self._runtime_env = None
        for key, value in changes.items():
            setattr(self, key, value)
        if changes.keys() & self._VERSION_SETTINGS:
            self._runtime_env = None      # AWS_LAMBDA_FUNCTION_MEMORY_SIZE may have changed
            self._drop_environments()
        for key, value in concurrency:
            getattr(self.service, f"put_{key}")(self.name, value)
        self.revision = self.service.lab.ids.uuid("revision")
        self.last_modified = self.service.lab.t
        return self

    def set_code(self, code) -> None:
        old, self.code = self.code, code
        self._drop_environments()
        if old is not code:
            old.close()

    def _drop_environments(self) -> None:
        """A code or configuration change retires idle on-demand environments (new ones start cold)."""
        self.environments -= len(self.idle)
        self.idle.clear()
        if Environ.active is self:
            Environ.restore()
        self.env_overlay = None    # what the old environments' code set in os.environ
        if self.provisioned_idle:
            with self.service.lab.engine():
                self.provisioned_idle = [self.new_environment(provisioned=True)
                                         for _ in self.provisioned_idle]

    # --- runtime environment variables --------------------------------------------------
    def runtime_environment(self) -> dict:
        if self._runtime_env is None:
            lab = self.service.lab
            env = {"AWS_REGION": lab.region, "AWS_DEFAULT_REGION": lab.region,
                   "AWS_LAMBDA_FUNCTION_NAME": self.name,
                   "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(self.memory_size),
                   "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                   "AWS_LAMBDA_LOG_GROUP_NAME": self.log_group,
                   "AWS_EXECUTION_ENV": f"AWS_Lambda_{self.runtime}",
                   "_HANDLER": self.code.handler_name, "LAMBDA_TASK_ROOT": "/var/task"}
            env.update(self.environment)
            self._runtime_env = env
        return self._runtime_env

    def apply_environment(self) -> dict:
        """Set the function's variables in ``os.environ``; return what to restore."""
        variables = self.runtime_environment()
        environ = os.environ
        saved = {k: environ.get(k) for k in variables}
        environ.update(variables)
        if self.env_overlay:
            for key, value in self.env_overlay.items():
                if key not in saved:
                    saved[key] = environ.get(key)
                if value is None:
                    environ.pop(key, None)
                else:
                    environ[key] = value
        return saved

    @staticmethod
    def restore_environment(saved: dict) -> None:
        environ = os.environ
        for key, value in saved.items():
            if value is None:
                environ.pop(key, None)
            else:
                environ[key] = value

    # --- environments -------------------------------------------------------------------
    def new_environment(self, provisioned: bool) -> Environment:
        """The INIT phase: import the code with the function's variables in ``os.environ``
        (module-level code often reads them) and its output going to the function's log."""
        self._env_ids += 1
        outer = Environ.switch(self)
        try:
            with capture_output() as output:
                handler, modules = self.code.load()
        except HandlerTimeout:
            # L/lambda-runtime-environment.html: "The Init phase is limited to 10 seconds"
            raise InitFailed("the Init phase did not finish within its 10 second limit") from None
        except RunawayHandler:
            raise InitFailed(f"the runaway guard stopped module-level code after "
                             f"{self.service.wall_limit:g} real seconds") from None
        finally:
            if outer is None:
                Environ.restore()
            elif outer is not self:
                Environ.switch(outer)
        lab = self.service.lab
        date = lab.clock.now.strftime("%Y/%m/%d")
        stream = f"{date}/[$LATEST]{lab.ids.hex(32, 'log-stream')}"
        return Environment(self._env_ids, handler, modules, provisioned, stream,
                           output.lines())

    def take_token(self, t: float) -> bool:
        """Spend one unit of the scaling rate (1,000 new environments per 10 s, refilled
        continuously: L/scaling-behavior.html)."""
        rate = facts.SCALING_ENVIRONMENTS / facts.SCALING_PERIOD
        tokens = min(float(facts.SCALING_ENVIRONMENTS), self.tokens + (t - self.tokens_t) * rate)
        self.tokens_t = t
        if tokens < 1.0:
            self.tokens = tokens
            return False
        self.tokens = tokens - 1.0
        return True

    def reap(self, t: float, keep_alive: float) -> None:
        """Retire idle on-demand environments unused for longer than the keep-alive."""
        idle = self.idle
        while idle and idle[0].last_used + keep_alive < t:
            idle.popleft()
            self.environments -= 1

    def describe(self) -> dict:
        """The FunctionConfiguration document, as GetFunctionConfiguration returns it."""
        config = {
            "FunctionName": self.name, "FunctionArn": self.arn, "Runtime": self.runtime,
            "Role": self.role, "Handler": self.code.handler_name, "CodeSize": self.code.size,
            "Description": self.description, "Timeout": self.timeout,
            "MemorySize": self.memory_size,
            "LastModified": self.service.lab.clock.to_datetime(self.last_modified)
                .strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
            "CodeSha256": self.service.code_sha256(self.code), "Version": "$LATEST",
            "TracingConfig": {"Mode": "PassThrough"}, "RevisionId": self.revision,
            "State": "Active", "LastUpdateStatus": "Successful", "PackageType": "Zip",
            "Architectures": [self.architecture],
            "EphemeralStorage": {"Size": self.ephemeral_storage},
            "LoggingConfig": {"LogFormat": "Text", "LogGroup": self.log_group},
        }
        if self.environment:
            config["Environment"] = {"Variables": dict(self.environment)}
        if self.dead_letter_arn:
            config["DeadLetterConfig"] = {"TargetArn": self.dead_letter_arn}
        return config

    def __repr__(self):
        return f"<Function {self.name} {self.memory_size} MB timeout={self.timeout}s>"
