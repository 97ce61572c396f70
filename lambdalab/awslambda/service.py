"""The Lambda service: functions, invocation (sync, async, dry run), concurrency and scaling.

Invocation model (see README "The Lambda model"):
* A request is admitted or throttled when it arrives: provisioned environments first, then the
  function's reserved concurrency or the account's unreserved pool, then — when no warm
  environment is idle — the per-function scaling rate for a new (cold) environment.
* The handler runs at its start time (after the init duration on a cold start); its duration is
  the function's duration model plus whatever the handler slept. The environment stays busy until
  ``start + init + duration``.
* A synchronous call from outside the lab (a notebook cell) advances the clock to the end of the
  call, running whatever else falls due meanwhile. A synchronous call from inside a handler adds
  the callee's time to the caller's.
"""
from __future__ import annotations

import base64
import hashlib
import json
import math
import random
from dataclasses import dataclass, field

from .. import facts
from ..errors import (InvalidParameterValueException, InvalidRequestContentException,
                      ProvisionedConcurrencyConfigNotFoundException, RequestEntityTooLargeException,
                      ResourceConflictException, ResourceNotFoundException,
                      TooManyRequestsException, ValidationException)
from ..ids import parse_arn
from ..vtime import Running, VirtualTime, current
from . import runtime
from .code import CallableCode, ZipCode, init_error, make_zip
from .function import AsyncConfig, Environment, Function, InitFailed, check_range
from .records import AsyncEvent, Attempt

INVOCATION_TYPES = ("RequestResponse", "Event", "DryRun")
INIT_LIMIT = 10.0   # s; L/lambda-runtime-environment.html: the Init phase is limited to 10 s
DLQ_MESSAGE_BYTES = 1024   # L/dlq.html: the ErrorMessage attribute is truncated to 1 KB


@dataclass
class InvokeResult:
    """What ``Invoke`` returns: the AWS response fields, plus the attempt record."""

    status_code: int
    payload: bytes = b""
    function_error: str | None = None
    log_result: str | None = None
    executed_version: str | None = "$LATEST"
    request_id: str = ""
    attempt: Attempt | None = field(default=None, repr=False)

    def json(self):
        """The response payload parsed as JSON (None for an empty payload)."""
        return json.loads(self.payload) if self.payload else None


def to_payload(payload) -> bytes:
    """Invoke's ``Payload``: bytes, str, a file-like object, or any JSON-serialisable value."""
    if payload is None:
        return b"{}"
    if hasattr(payload, "read"):
        payload = payload.read()
    if isinstance(payload, str):
        payload = payload.encode()
    if not isinstance(payload, (bytes, bytearray)):
        return json.dumps(payload).encode()
    payload = bytes(payload) or b"{}"
    try:
        json.loads(payload)
    except ValueError as exc:
        raise InvalidRequestContentException(
            f"Could not parse request body into json: {exc}. Send a JSON document as Payload.")
    return payload


class LambdaService:
    def __init__(self, lab):
        self.lab = lab
        self.functions: dict[str, Function] = {}
        self.account_limit = facts.ACCOUNT_CONCURRENCY
        self.keep_alive = facts.IDLE_KEEP_ALIVE
        self.wall_limit = facts.HANDLER_WALL_LIMIT
        self.attempts: list[Attempt] = []       # every attempt and throttle, in start order
        self.async_events: list[AsyncEvent] = []
        self.delivery_failures: list = []       # (time, function, kind) of failed DLQ/destination sends
        self.in_use = 0                         # concurrent executions, account-wide
        self.unreserved_on_demand = 0           # busy on-demand environments of unreserved functions
        self.reserved_total = 0
        self.unreserved_provisioned = 0         # provisioned environments of unreserved functions
        self._rng = random.Random(f"lambdalab-durations-{lab.seed}")
        lab.receivers["lambda"] = self._receive
        from .esm import EventSourceMappings
        self.mappings = EventSourceMappings(self)   # event source mappings (SQS so far)
        self.create_event_source_mapping = self.mappings.create
        self.update_event_source_mapping = self.mappings.update
        self.delete_event_source_mapping = self.mappings.delete
        self.get_event_source_mapping = self.mappings.get
        self.list_event_source_mappings = self.mappings.list

    # --- functions ----------------------------------------------------------------------
    def create_function(self, name: str, handler=None, *, code=None, handler_name=None,
                        role=None, **settings) -> Function:
        """Create a function from a Python callable (``handler``) or from a zip (``code``: zip
        bytes or a ``{"file.py": source}`` dict) with ``handler_name="module.function"``."""
        if name in self.functions:
            raise ResourceConflictException(f"Function already exist: {name}")
        fn = Function(self, name, self._make_code(handler, code, handler_name), role=role)
        # Registered before configuring: reserved and provisioned concurrency are set through
        # put_*_concurrency, which look the function up by name. A rejected setting undoes it all.
        self.functions[name] = fn
        try:
            fn.configure(**settings)
        except BaseException:
            self.delete_function(name)
            raise
        return fn

    def _make_code(self, handler, code, handler_name):
        if (handler is None) == (code is None):
            raise ValidationException("Give either a Python handler or zip code, not both")
        if handler is not None:
            if not callable(handler):
                raise InvalidParameterValueException(
                    f"handler must be a callable taking (event, context), got {handler!r}")
            return CallableCode(handler, handler_name)
        if isinstance(code, dict):
            code = make_zip(code)
        return ZipCode(code, handler_name or "lambda_function.lambda_handler")

    def update_function_code(self, name, handler=None, *, code=None, handler_name=None) -> Function:
        fn = self.get(name)
        fn.set_code(self._make_code(handler, code, handler_name or
                                    (None if handler is not None else fn.code.handler_name)))
        fn.revision = self.lab.ids.uuid("revision")
        return fn

    def get(self, name_or_arn: str, qualifier: str | None = None) -> Function:
        """Find a function by name, ARN or partial ARN (``123456789012:function:name``)."""
        name = name_or_arn
        if isinstance(name, str) and ":" in name:
            parts = parse_arn(name)
            resource = parts["resource"] if parts else name.split(":", 1)[-1] \
                if name.count(":") >= 2 else None
            if parts and (parts["region"] != self.lab.region or parts["account"] != self.lab.account):
                raise ResourceNotFoundException(
                    f"Function not found: {name_or_arn} (this lab is account {self.lab.account} "
                    f"in {self.lab.region})")
            if resource and resource.startswith("function:"):
                name, _, qualifier_in_arn = resource[len("function:"):].partition(":")
                qualifier = qualifier or qualifier_in_arn or None
            else:
                name = name.rpartition(":")[0] if name.count(":") == 1 else name
        fn = self.functions.get(name)
        if fn is None:
            raise ResourceNotFoundException(
                f"Function not found: {self.lab.arn('lambda', f'function:{name}')}")
        if qualifier not in (None, "$LATEST"):
            raise ResourceNotFoundException(
                f"Function not found: {fn.arn}:{qualifier} (the lab runs $LATEST only; "
                "leave out the qualifier)")
        return fn

    def delete_function(self, name) -> None:
        fn = self.get(name)
        if fn.reserved_concurrency is not None:
            self.reserved_total -= fn.reserved_concurrency
        else:
            self.unreserved_provisioned -= fn.provisioned
        del self.functions[fn.name]
        fn.code.close()

    def list_functions(self) -> list[Function]:
        return [self.functions[name] for name in sorted(self.functions)]

    @staticmethod
    def code_sha256(code) -> str:
        data = code.zip_bytes if code.zip_bytes is not None else code.handler_name.encode()
        return base64.b64encode(hashlib.sha256(data).digest()).decode()

    # --- concurrency settings -----------------------------------------------------------
    def unreserved_capacity(self) -> int:
        """UnreservedConcurrentExecutions: what functions without reserved concurrency share."""
        return self.account_limit - self.reserved_total - self.unreserved_provisioned

    def put_reserved_concurrency(self, name, value: int) -> Function:
        fn = self.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationException(
                f"1 validation error detected: Value '{value}' at 'reservedConcurrentExecutions' "
                "failed to satisfy constraint: Member must have value greater than or equal to 0")
        old = fn.reserved_concurrency
        reserved = self.reserved_total - (old or 0) + value
        provisioned = self.unreserved_provisioned - (fn.provisioned if old is None else 0)
        if self.account_limit - reserved - provisioned < facts.UNRESERVED_MINIMUM:
            raise InvalidParameterValueException(
                "Specified ReservedConcurrentExecutions for function decreases account's "
                f"UnreservedConcurrentExecution below its minimum value of "
                f"[{facts.UNRESERVED_MINIMUM}].")
        if value < fn.provisioned:
            raise InvalidParameterValueException(
                f"ReservedConcurrentExecutions ({value}) must be at least the function's "
                f"provisioned concurrency ({fn.provisioned}).")
        self._move_busy(fn, reserved=True)
        self.reserved_total, self.unreserved_provisioned = reserved, provisioned
        fn.reserved_concurrency = value
        return fn

    def delete_reserved_concurrency(self, name) -> Function:
        fn = self.get(name)
        if fn.reserved_concurrency is not None:
            self.reserved_total -= fn.reserved_concurrency
            self.unreserved_provisioned += fn.provisioned
            fn.reserved_concurrency = None
            self._move_busy(fn, reserved=False)
        return fn

    def _move_busy(self, fn, reserved: bool) -> None:
        """Keep the unreserved pool's count right when a busy function changes side."""
        on_demand = fn.busy - fn.busy_provisioned
        if fn.reserved_concurrency is None and reserved:
            self.unreserved_on_demand -= on_demand
        elif fn.reserved_concurrency is not None and not reserved:
            self.unreserved_on_demand += on_demand

    def put_provisioned_concurrency(self, name, value: int) -> Function:
        fn = self.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValidationException(
                f"1 validation error detected: Value '{value}' at "
                "'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have "
                "value greater than or equal to 1")
        if fn.reserved_concurrency is not None:
            if value > fn.reserved_concurrency:
                raise InvalidParameterValueException(
                    "Requested Provisioned Concurrency should not be greater than the "
                    f"reservedConcurrentExecution ({fn.reserved_concurrency}) for function "
                    f"{fn.name}.")
        else:
            provisioned = self.unreserved_provisioned - fn.provisioned + value
            if self.account_limit - self.reserved_total - provisioned < facts.UNRESERVED_MINIMUM:
                raise InvalidParameterValueException(
                    "Requested Provisioned Concurrency decreases account's "
                    "UnreservedConcurrentExecution below its minimum value of "
                    f"[{facts.UNRESERVED_MINIMUM}].")
            self.unreserved_provisioned = provisioned
        fn.provisioned = value
        with self.lab.engine():
            while len(fn.provisioned_idle) + fn.busy_provisioned < value:
                fn.provisioned_idle.append(fn.new_environment(provisioned=True))
        del fn.provisioned_idle[max(0, value - fn.busy_provisioned):]
        return fn

    def get_provisioned_concurrency(self, name) -> dict:
        fn = self.get(name)
        if not fn.provisioned:
            raise ProvisionedConcurrencyConfigNotFoundException(
                "No Provisioned Concurrency Config found for this function")
        ready = len(fn.provisioned_idle) + fn.busy_provisioned
        return {"RequestedProvisionedConcurrentExecutions": fn.provisioned,
                "AvailableProvisionedConcurrentExecutions": ready,
                "AllocatedProvisionedConcurrentExecutions": ready, "Status": "READY"}

    # --- asynchronous configuration -----------------------------------------------------
    def check_dead_letter_target(self, arn):
        if not arn:
            return None
        parts = parse_arn(arn)
        if not parts or parts["service"] not in ("sqs", "sns"):
            raise InvalidParameterValueException(
                f"The DeadLetterConfig target {arn!r} must be the ARN of an SQS queue or an SNS "
                "topic.")
        if arn.endswith(".fifo"):
            raise InvalidParameterValueException(
                f"The DeadLetterConfig target {arn} is a FIFO {'queue' if parts['service'] == 'sqs' else 'topic'}."
                " Lambda's asynchronous dead-letter queue must be a standard SQS queue or a "
                "standard SNS topic: Lambda retries events out of order, which FIFO cannot accept.")
        return arn

    def _check_destination(self, arn, kind):
        parts = parse_arn(arn or "")
        allowed = ("sqs", "sns", "lambda", "events") + (("s3",) if kind == "OnFailure" else ())
        if not parts or parts["service"] not in allowed:
            raise InvalidParameterValueException(
                f"The destination ARN {arn!r} is invalid. {kind} destinations can be an SQS "
                "queue, an SNS topic, a Lambda function or an EventBridge event bus"
                + (" (or, for OnFailure, an S3 bucket)." if kind == "OnFailure" else "."))
        return arn

    def put_event_invoke_config(self, name, *, maximum_retry_attempts=None,
                                maximum_event_age=None, on_success=None, on_failure=None,
                                merge=False) -> AsyncConfig:
        """PutFunctionEventInvokeConfig (``merge=False``: unspecified settings reset to
        defaults) or UpdateFunctionEventInvokeConfig (``merge=True``)."""
        fn = self.get(name)
        # Validate everything first: a rejected request changes nothing.
        if maximum_retry_attempts is not None:
            check_range(facts.MAXIMUM_RETRY_ATTEMPTS, maximum_retry_attempts, "maximumRetryAttempts")
        if maximum_event_age is not None:
            check_range(facts.MAXIMUM_EVENT_AGE, maximum_event_age, "maximumEventAgeInSeconds")
        if on_success is not None:
            self._check_destination(on_success, "OnSuccess")
        if on_failure is not None:
            self._check_destination(on_failure, "OnFailure")
        config = fn.async_config if (merge and fn.async_config) else AsyncConfig()
        if maximum_retry_attempts is not None:
            config.maximum_retry_attempts = int(maximum_retry_attempts)
        if maximum_event_age is not None:
            config.maximum_event_age = int(maximum_event_age)
        if on_success is not None:
            config.on_success = on_success or None
        if on_failure is not None:
            config.on_failure = on_failure or None
        config.last_modified = self.lab.t
        fn.async_config = config
        return config

    def get_event_invoke_config(self, name) -> AsyncConfig:
        fn = self.get(name)
        if fn.async_config is None:
            raise ResourceNotFoundException(
                f"The function {fn.arn} doesn't have an EventInvokeConfig")
        return fn.async_config

    def delete_event_invoke_config(self, name) -> None:
        self.get_event_invoke_config(name)
        self.get(name).async_config = None

    # --- permissions --------------------------------------------------------------------
    def add_permission(self, name, statement_id, action, principal, source_arn=None,
                       source_account=None) -> dict:
        fn = self.get(name)
        if any(s["Sid"] == statement_id for s in fn.policy):
            raise ResourceConflictException(
                f"The statement id ({statement_id}) provided already exists. Please provide a "
                "new statement id, or remove the existing statement.")
        principal_doc = {"Service": principal} if principal.endswith(".amazonaws.com") else \
            {"AWS": principal if principal.startswith("arn:") else
             f"arn:aws:iam::{principal}:root"}
        statement = {"Sid": statement_id, "Effect": "Allow", "Principal": principal_doc,
                     "Action": action, "Resource": fn.arn}
        condition = {}
        if source_arn:
            condition["ArnLike"] = {"AWS:SourceArn": source_arn}
        if source_account:
            condition["StringEquals"] = {"AWS:SourceAccount": source_account}
        if condition:
            statement["Condition"] = condition
        fn.policy.append(statement)
        fn.revision = self.lab.ids.uuid("revision")
        return statement

    def remove_permission(self, name, statement_id) -> None:
        fn = self.get(name)
        kept = [s for s in fn.policy if s["Sid"] != statement_id]
        if len(kept) == len(fn.policy):
            raise ResourceNotFoundException(
                f"Statement {statement_id} is not found in resource policy.")
        fn.policy = kept
        fn.revision = self.lab.ids.uuid("revision")

    def get_policy(self, name) -> dict:
        fn = self.get(name)
        if not fn.policy:
            raise ResourceNotFoundException("The resource you requested does not exist.")
        return {"Version": "2012-10-17", "Id": "default", "Statement": list(fn.policy)}

    def allows(self, name, principal: str, source_arn: str | None = None) -> bool:
        """Whether the resource policy lets ``principal`` (e.g. events.amazonaws.com) invoke."""
        import fnmatch
        fn = self.get(name)
        for s in fn.policy:
            if s["Principal"].get("Service") != principal or \
                    s["Action"] not in ("lambda:InvokeFunction", "lambda:*"):
                continue
            pattern = s.get("Condition", {}).get("ArnLike", {}).get("AWS:SourceArn")
            if pattern is None or (source_arn and fnmatch.fnmatchcase(source_arn, pattern)):
                return True
        return False

    # --- invoking -----------------------------------------------------------------------
    def invoke(self, name, payload=None, invocation_type: str = "RequestResponse",
               log_type: str | None = None, qualifier: str | None = None,
               client_context=None) -> InvokeResult:
        """Invoke a function: ``RequestResponse`` (200), ``Event`` (202) or ``DryRun`` (204)."""
        if invocation_type not in INVOCATION_TYPES:
            raise ValidationException(
                f"1 validation error detected: Value '{invocation_type}' at 'invocationType' "
                "failed to satisfy constraint: Member must satisfy enum value set: "
                "[Event, RequestResponse, DryRun]")
        if log_type not in (None, "None", "Tail"):
            raise ValidationException(
                f"1 validation error detected: Value '{log_type}' at 'logType' failed to "
                "satisfy constraint: Member must satisfy enum value set: [Tail, None]")
        fn = self.get(name, qualifier)
        data = to_payload(payload)
        if invocation_type == "DryRun":
            return InvokeResult(204, b"", executed_version=None)
        limit = facts.SYNC_PAYLOAD_BYTES if invocation_type == "RequestResponse" \
            else facts.ASYNC_PAYLOAD_BYTES
        if len(data) > limit:
            raise RequestEntityTooLargeException(
                f"{len(data)} byte payload is too large for the {invocation_type} invocation "
                f"type (limit {limit} bytes)")
        request_id = self.lab.ids.request_id()
        if invocation_type == "Event":
            self.enqueue(fn, data, request_id)
            return InvokeResult(202, b"", executed_version=None, request_id=request_id)
        record, response = self.call(fn, data, request_id, "RequestResponse", 1, client_context)
        if record.outcome == "throttled":
            raise TooManyRequestsException("Rate Exceeded.", record.reason)
        result = InvokeResult(200, response,
                              None if record.outcome == "success" else "Unhandled",
                              request_id=request_id, attempt=record)
        if log_type == "Tail":
            tail = "\n".join(self.log_lines(record)).encode()[-facts.LOG_TAIL_BYTES:]
            result.log_result = base64.b64encode(tail).decode()
        return result

    def call(self, fn, data, request_id, invocation_type, attempt_no, client_context=None):
        """A synchronous attempt from wherever the caller is: returns (record, response bytes).

        From a notebook cell the clock advances to the end of the call; from inside a handler
        the caller waits (its virtual time grows by the callee's); from an engine event the
        environment is released on the clock."""
        caller = current()
        lab = self.lab
        if caller is not None:
            record, response = self.attempt(fn, data, request_id, invocation_type, attempt_no,
                                            caller.base + caller.elapsed, client_context)
            if record.outcome != "throttled":
                caller.consume(record.init + record.duration)
            return record, response
        if lab.running_events:
            return self.attempt(fn, data, request_id, invocation_type, attempt_no, lab.clock.t,
                                client_context)
        with lab.engine():
            record, response = self.attempt(fn, data, request_id, invocation_type, attempt_no,
                                            lab.clock.t, client_context)
            lab.advance(record.end)
        return record, response

    def _admit(self, fn: Function, t: float) -> str | None:
        """None when the request may start now, else AWS's throttle Reason."""
        if fn.provisioned_idle:
            return None
        if fn.reserved_concurrency is not None:
            if fn.busy >= fn.reserved_concurrency:
                return "ReservedFunctionConcurrentInvocationLimitExceeded"
        elif self.unreserved_on_demand >= self.unreserved_capacity():
            return "ConcurrentInvocationLimitExceeded"
        if fn.idle:
            fn.reap(t, self.keep_alive)
        if not fn.idle and not fn.take_token(t):
            return "FunctionInvocationRateLimitExceeded"
        return None

    def attempt(self, fn: Function, data: bytes, request_id: str, invocation_type: str,
                attempt_no: int, t: float, client_context=None):
        """Admit, run and record one attempt starting at lab time ``t``.

        Returns (record, response bytes); the environment is released at ``record.end``."""
        record = Attempt(request_id, fn.name, invocation_type, attempt_no, t)
        record.payload_in = len(data)
        self.attempts.append(record)
        reason = self._admit(fn, t)
        if reason is not None:
            record.reason = reason
            return record, b""
        # take an environment
        if fn.provisioned_idle:
            env = fn.provisioned_idle.pop()
            fn.busy_provisioned += 1
            record.provisioned = True
        else:
            env = fn.idle.pop() if fn.idle else None
            fn.environments += env is None
            if fn.reserved_concurrency is None:
                self.unreserved_on_demand += 1
        fn.busy += 1
        self.in_use += 1
        record.memory_size = fn.memory_size
        record.architecture = fn.architecture
        out = None
        if env is None:
            record.cold = True
            env, record.init, out = self._cold_start(fn, t, request_id)
        if out is None:
            out = runtime.call(fn, env, env.handler, data, request_id, t + record.init,
                               self.wall_limit, client_context)
            duration = out.elapsed + fn.duration.sample(data, fn.memory_size, self._rng)
            if out.status == "timeout" or duration >= fn.timeout:
                runtime.timed_out(out, request_id, fn.timeout)
                duration = float(fn.timeout)
            elif fn.memory_used > fn.memory_size:
                runtime.out_of_memory(out, request_id)
            elif len(out.payload) > facts.SYNC_PAYLOAD_BYTES:
                runtime.response_too_large(out, request_id)
            record.duration = duration
        env.invocations += 1
        record.env = env.id
        record.log_stream = env.log_stream
        record.outcome = out.status
        record.error_type = out.error_type
        record.output = out.output or ()
        record.memory_used = min(fn.memory_used, fn.memory_size)
        record.payload_out = len(out.payload)
        record.billed_ms = math.ceil(round((record.init + record.duration) * 1000, 6))
        keep = env.handler is not None and out.status != "timeout" and \
            out.error_type not in ("Runtime.OutOfMemory", "Runtime.ExitError")
        self.lab.clock.at(record.end, self._release, fn, env, record.provisioned, keep)
        return record, out.payload

    def _cold_start(self, fn, t, request_id):
        """Create an environment (INIT phase). Returns (env, init seconds, failed outcome|None)."""
        running = Running(t, INIT_LIMIT, self.wall_limit)
        VirtualTime.push(running)
        try:
            env, error = fn.new_environment(provisioned=False), None
        except Exception as exc:  # the module failed to import: no environment is kept
            env, error = Environment(0, None, None, False, ""), exc
        finally:
            VirtualTime.pop()
        init = running.elapsed + fn.init_duration.sample(b"{}", fn.memory_size, self._rng)
        if error is None:
            return env, init, None
        if isinstance(error, InitFailed):
            kind, message, trace = "Runtime.ImportModuleError", str(error), []
        else:
            kind, message, trace = init_error(error, fn.code.handler_name, fn.code.root)
        out = runtime.Outcome()
        runtime.fail(out, "error", kind, {"errorMessage": message, "errorType": kind,
                                          "requestId": request_id, "stackTrace": trace})
        out.output = [f"[ERROR] {kind}: {message}"]
        return env, init, out

    def _release(self, fn, env, provisioned, keep):
        """The attempt ended: free its concurrency and return (or retire) its environment."""
        fn.busy -= 1
        self.in_use -= 1
        env.last_used = self.lab.clock.t
        if provisioned:
            fn.busy_provisioned -= 1
            if len(fn.provisioned_idle) + fn.busy_provisioned < fn.provisioned:
                fn.provisioned_idle.append(env if keep else fn.new_environment(provisioned=True))
            return
        if fn.reserved_concurrency is None:
            self.unreserved_on_demand -= 1
        if keep and self.functions.get(fn.name) is fn:
            fn.idle.append(env)
        else:
            fn.environments -= 1

    # --- asynchronous invocation ----------------------------------------------------------
    def enqueue(self, fn: Function, data: bytes, request_id: str) -> AsyncEvent:
        """Accept an event into the function's internal queue (what ``Event`` invokes do)."""
        event = AsyncEvent(request_id, fn.name, data, self.lab.t)
        self.async_events.append(event)
        self.lab.clock.at(event.received, self._async_try, event)
        return event

    def _config(self, fn) -> AsyncConfig:
        return fn.async_config or _DEFAULT_ASYNC

    def _async_try(self, event: AsyncEvent) -> None:
        fn = self.functions.get(event.function)
        t = self.lab.clock.t
        if fn is None:
            return self._async_end(event, None, "dropped")
        deadline = event.received + self._config(fn).maximum_event_age
        if t >= deadline:
            return self._async_fail(event, fn, "EventAgeExceeded")
        record, response = self.attempt(fn, event.payload, event.request_id, "Event",
                                        event.invokes + 1, t)
        if record.outcome == "throttled":
            event.throttles += 1
            event.last_error = (429, "TooManyRequestsException", f"Rate Exceeded. ({record.reason})")
            if fn.reserved_concurrency == 0:
                # L/invocation-async-retain-records.html: with reserved concurrency 0, Lambda
                # sends new events to the DLQ or on-failure destination at once, without retries
                # (since 16 Aug 2021). The condition AWS reports here is not documented; the lab
                # says RetriesExhausted (no retry is allowed).
                return self._async_fail(event, fn, "RetriesExhausted")
            # L/invocation-async-error-handling.html: back off from 1 s up to 5 min.
            delay = min(facts.THROTTLE_BACKOFF_MAX,
                        facts.THROTTLE_BACKOFF_FIRST * 2 ** min(event.throttles - 1, 16))
            if t + delay >= deadline:
                self.lab.clock.at(deadline, self._async_fail, event, fn, "EventAgeExceeded")
            else:
                self.lab.clock.at(t + delay, self._async_try, event)
            return
        event.invokes += 1
        self.lab.clock.at(record.end, self._async_done, event, fn, record, response)

    def _async_done(self, event, fn, record, response) -> None:
        event.last_response = response
        if record.outcome == "success":
            event.condition = "Success"
            on_success = self._config(fn).on_success
            if on_success:
                self._send(fn, on_success, "on-success", self._invocation_record(event, fn))
            return self._async_end(event, fn, "succeeded")
        event.errors += 1
        try:
            message = json.loads(response).get("errorMessage", "")
        except (ValueError, AttributeError):
            message = ""
        # A function error is an HTTP 200 response with X-Amz-Function-Error (L/API_Invoke.html).
        event.last_error = (200, record.error_type, str(message))
        config = self._config(fn)
        if event.errors > config.maximum_retry_attempts:
            return self._async_fail(event, fn, "RetriesExhausted")
        # L/invocation-async-error-handling.html: 1 min before the 2nd attempt, 2 min before the 3rd.
        retry_at = self.lab.clock.t + facts.ASYNC_RETRY_DELAYS[event.errors - 1]
        deadline = event.received + config.maximum_event_age
        if retry_at >= deadline:
            self.lab.clock.at(deadline, self._async_fail, event, fn, "EventAgeExceeded")
        else:
            self.lab.clock.at(retry_at, self._async_try, event)

    def _async_fail(self, event, fn, condition) -> None:
        """The event will not be retried: send it to the on-failure destination and/or DLQ."""
        if event.outcome is not None:
            return
        event.condition = condition
        delivered = False
        on_failure = self._config(fn).on_failure
        if on_failure:
            delivered |= self._send(fn, on_failure, "on-failure",
                                    self._invocation_record(event, fn))
        if fn.dead_letter_arn:
            # L/dlq.html: the original payload, with attributes RequestID (String), ErrorCode
            # (Number, the 3-digit HTTP status) and ErrorMessage (String, truncated to 1 KB).
            status, _, message = event.last_error or (429, None, condition)
            message = (message or condition).encode()[:DLQ_MESSAGE_BYTES].decode(errors="ignore")
            attributes = {"RequestID": {"DataType": "String", "StringValue": event.request_id},
                          "ErrorCode": {"DataType": "Number", "StringValue": str(status)},
                          "ErrorMessage": {"DataType": "String", "StringValue": message}}
            delivered |= self._send(fn, fn.dead_letter_arn, "dlq",
                                    event.payload.decode(), attributes)
        self._async_end(event, fn, "delivered" if delivered else "dropped")

    def _async_end(self, event, fn, outcome) -> None:
        event.outcome = outcome
        event.ended = self.lab.clock.t

    def _invocation_record(self, event, fn) -> str:
        """The destination record (L/invocation-async-retain-records.html). The response part
        describes the last attempt that ran; an event that never ran (throttled until it expired)
        has none."""
        doc = {"version": "1.0", "timestamp": self.lab.iso(self.lab.clock.t),
               "requestContext": {"requestId": event.request_id,
                                  "functionArn": f"{fn.arn}:$LATEST",
                                  "condition": event.condition,
                                  "approximateInvokeCount": event.invokes},
               "requestPayload": json.loads(event.payload)}
        if event.invokes:
            doc["responseContext"] = {"statusCode": 200, "executedVersion": "$LATEST"}
            if event.condition != "Success":
                doc["responseContext"]["functionError"] = "Unhandled"
            doc["responsePayload"] = json.loads(event.last_response or b"null")
        return json.dumps(doc)

    def _send(self, fn, target, kind, body, attributes=None) -> bool:
        delivery = self.lab.deliver(fn.arn, target, kind, body, attributes or {})
        if not delivery.ok:
            self.delivery_failures.append((self.lab.clock.t, fn.name, kind))
        return delivery.ok

    def _receive(self, target: str, body: str, attributes: dict) -> None:
        """Deliveries addressed to a function (e.g. a Lambda destination) are async invokes."""
        fn = self.get(target)
        self.enqueue(fn, to_payload(body), self.lab.ids.request_id())

    # --- logs -----------------------------------------------------------------------------
    def log_lines(self, record: Attempt) -> list[str]:
        """START / output / END / REPORT lines of one attempt, as CloudWatch Logs shows them."""
        rid = record.request_id
        lines = [f"START RequestId: {rid} Version: $LATEST", *record.output]
        if record.outcome == "timeout":
            lines.append(f"{self.lab.iso(record.end)} {rid} "
                         f"{runtime.timeout_message(record.duration)}")
        lines.append(f"END RequestId: {rid}")
        report = (f"REPORT RequestId: {rid}\tDuration: {record.duration * 1000:.2f} ms\t"
                  f"Billed Duration: {record.billed_ms} ms\tMemory Size: {record.memory_size} MB\t"
                  f"Max Memory Used: {record.memory_used} MB")
        if record.cold:
            report += f"\tInit Duration: {record.init * 1000:.2f} ms"
        if record.outcome == "timeout":
            report += "\tStatus: timeout"
        lines.append(report)
        return lines

    def logs(self, name) -> list[tuple[float, str]]:
        """(time, line) pairs of a function's log, in time order."""
        fn_name = self.get(name).name
        out = []
        for record in self.attempts:
            if record.function == fn_name and record.outcome != "throttled":
                lines = self.log_lines(record)
                out.append((record.start, lines[0]))
                out.extend((record.start + record.init, line) for line in lines[1:-2])
                out.extend((record.end, line) for line in lines[-2:])
        out.sort(key=lambda item: item[0])
        return out


_DEFAULT_ASYNC = AsyncConfig()
