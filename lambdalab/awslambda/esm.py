"""Lambda event source mappings: pollers that read a source and invoke a function with batches.

Only Amazon SQS sources exist today; the mapping registry, configuration and ``describe()`` are
generic so stream sources (Kinesis, DynamoDB Streams) can subclass :class:`EventSourceMapping`.

SQS behaviour (L/ = https://docs.aws.amazon.com/lambda/latest/dg/):

* L/services-sqs-parameters.html, L/API_CreateEventSourceMapping.html: BatchSize 1-10,000
  (default 10; FIFO at most 10), more than 10 needs MaximumBatchingWindowInSeconds >= 1; the
  window is 0-300 s and not supported for FIFO queues; a batch is at most 6 MB (one synchronous
  invoke).
* L/services-sqs-configure.html: a function timeout longer than the queue's visibility timeout
  is rejected at create/update.
* L/services-sqs-scaling.html: pollers start with 5 concurrent batches, add up to 300 per minute
  while messages remain, up to 1,000 (ScalingConfig.MaximumConcurrency 2-1,000 caps it,
  L/API_ScalingConfig.html). The lab adds 5 every second of backlog (= 300/min) and removes 5
  per idle second. When the function throttles, the batch stays in flight (its messages
  reappear after the visibility timeout and their receive count grows) and the pollers back
  off: the concurrency target drops to what is running and polling pauses 1 s (lab choice).
* L/services-sqs-errorhandling.html: success deletes the batch; a function error or timeout
  leaves the messages to reappear after the visibility timeout; with ReportBatchItemFailures
  only the reported ``itemIdentifier``s stay (an empty or null list = success; a null, empty or
  unknown identifier, or invalid JSON, fails the whole batch). Every message not reported is
  deleted: on FIFO queues the function must report a group's first failure and what follows.
* L/invocation-eventfiltering.html: FilterCriteria (up to 5 filters) — messages that match no
  filter are deleted without invoking the function. Matching uses the EventBridge pattern
  engine (:mod:`lambdalab.events.patterns`).
"""
from __future__ import annotations

import base64
import json
from json.encoder import encode_basestring as _json_str   # a str as a JSON string literal (C)

from .. import facts
from ..errors import (InvalidEventPatternException, InvalidParameterValueException,
                      ResourceConflictException,
                      ResourceNotFoundException, ValidationException)
from ..ids import parse_arn
from ..events.patterns import compile_pattern
from ..clock import EPOCH_UNIX
from ..sqs import GONE

#: stream-only keyword arguments of create()/update() -> their API names
STREAM_PARAMETERS = {
    "starting_position": "StartingPosition",
    "starting_position_timestamp": "StartingPositionTimestamp",
    "parallelization_factor": "ParallelizationFactor",
    "maximum_retry_attempts": "MaximumRetryAttempts",
    "maximum_record_age": "MaximumRecordAgeInSeconds",
    "bisect_batch_on_function_error": "BisectBatchOnFunctionError",
    "tumbling_window": "TumblingWindowInSeconds",
    "destination_config": "DestinationConfig"}
MAX_FILTERS = 5          # L/invocation-eventfiltering.html: 5 filters per mapping (default quota)
RECORD_OVERHEAD = 600    # bytes of JSON around each record's body, for the 6 MB batch cap


def _int_param(name, value, rng: facts.Range):
    """A range from the API model (BatchSize 1-10,000, MaximumBatchingWindowInSeconds 0-300,
    MaximumConcurrency 2-1,000): AWS answers a violation with ValidationException."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationException(f"{name} must be an integer, got {value!r}.")
    if not rng.low <= value <= rng.high:
        raise ValidationException(
            f"1 validation error detected: Value {value} at '{name[0].lower() + name[1:]}' "
            f"failed to satisfy constraint: Member must have value "
            f"{'greater than or equal to ' + format(rng.low, 'g') if value < rng.low else 'less than or equal to ' + format(rng.high, 'g')}")
    return value


class EventSourceMapping:
    """Configuration shared by every mapping type."""

    kind = "generic"

    def __init__(self, registry, uuid, fn, source_arn):
        self.registry = registry
        self.lab = registry.lab
        self.uuid = uuid
        self.function_name = fn.name
        self.function_arn = fn.arn
        self.source_arn = source_arn
        self.batch_size = 10
        self.window = 0
        self.enabled = True
        self.deleted = False
        self.filters: list[dict] = []
        self.filter_criteria = None
        self.response_types: list[str] = []
        self.maximum_concurrency = None
        self.last_modified = self.lab.t
        self.state_reason = "USER_INITIATED"
        self.arn = self.lab.arn("lambda", f"event-source-mapping:{uuid}")

    def state(self) -> str:
        if self.deleted:
            return "Deleting"
        return "Enabled" if self.enabled else "Disabled"

    def describe(self, state: str | None = None) -> dict:
        out = {"UUID": self.uuid, "BatchSize": self.batch_size,
               "MaximumBatchingWindowInSeconds": self.window,
               "EventSourceArn": self.source_arn, "FunctionArn": self.function_arn,
               "LastModified": self.lab.clock.to_datetime(self.last_modified),
               "State": state or self.state(), "StateTransitionReason": self.state_reason,
               "FunctionResponseTypes": list(self.response_types),
               "EventSourceMappingArn": self.arn}
        if self.filter_criteria:
            out["FilterCriteria"] = self.filter_criteria
        if self.maximum_concurrency is not None:
            out["ScalingConfig"] = {"MaximumConcurrency": self.maximum_concurrency}
        return out

    # --- hooks for subclasses -------------------------------------------------------------
    def validate(self, fn, settings: dict) -> None:
        pass

    def compile_filter(self, pattern):
        """A FilterCriteria pattern; Lambda reports a bad one as InvalidParameterValueException."""
        try:
            return compile_pattern(pattern)
        except InvalidEventPatternException as exc:
            raise InvalidParameterValueException(
                f"Invalid filter pattern definition. {exc.message}") from None

    def configure(self, options: dict) -> None:
        """Source-specific parameters (stream mappings take StartingPosition, ...)."""
        if options:
            names = ", ".join(sorted(STREAM_PARAMETERS[k] for k in options))
            raise InvalidParameterValueException(
                f"Unsupported parameters for an {self.kind.upper()} event source: {names}. "
                "They apply to Kinesis and DynamoDB stream sources only.")

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass

    def __repr__(self):
        return f"<EventSourceMapping {self.uuid} {self.source_arn} -> {self.function_name} " \
               f"{self.state()}>"


class SQSMapping(EventSourceMapping):
    """Pollers reading an SQS queue and invoking the function with batches."""

    kind = "sqs"

    def __init__(self, registry, uuid, fn, source_arn, queue):
        super().__init__(registry, uuid, fn, source_arn)
        self.queue = queue
        self.sender_id = queue.service.sender_id
        self.region = self.lab.region
        self.inflight = 0                  # batches being processed
        self.limit = facts.ESM_SQS_INITIAL_POLLERS
        self.gather_start = None           # when the current batching window opened
        self.backoff_until = 0.0
        self._pump_event = None
        self._scale_event = None
        # what happened (for notebooks and tests)
        self.batches = 0                   # invocations that ran
        self.throttles = 0
        self.messages_in = 0               # messages handed to the function
        self.deleted_messages = 0          # deleted after success
        self.filtered_out = 0              # deleted because no filter matched
        self.failed_batches = 0
        self.partial_failures = 0          # messages reported in batchItemFailures
        self.scaling: list[tuple[float, int]] = [(self.lab.clock.t, self.limit)]

    # --- configuration --------------------------------------------------------------------
    def cap(self) -> int:
        return self.maximum_concurrency or facts.ESM_SQS_MAX_POLLERS

    def validate(self, fn, settings: dict) -> None:
        queue = self.queue
        batch = settings.get("batch_size", self.batch_size)
        window = settings.get("window", self.window)
        if queue.fifo:
            if batch > facts.ESM_SQS_FIFO_BATCH_MAX:
                raise InvalidParameterValueException(
                    f"BatchSize {batch} is too large for a FIFO queue: the maximum is "
                    f"{facts.ESM_SQS_FIFO_BATCH_MAX}.")
            if window:
                raise InvalidParameterValueException(
                    "Batching window is not supported for FIFO queues.")
        if batch > 10 and window < 1:
            raise InvalidParameterValueException(
                "Maximum batch window in seconds must be greater than 0 if maximum batch size "
                "is greater than 10")
        if fn.timeout > queue.visibility_timeout:
            raise InvalidParameterValueException(
                f"Queue visibility timeout: {queue.visibility_timeout} seconds is less than "
                f"Function timeout: {fn.timeout} seconds")

    def start(self) -> None:
        if self not in self.queue.listeners:
            self.queue.listen(self)
        self.poke()

    def stop(self) -> None:
        if self._pump_event is not None:
            self.lab.clock.cancel(self._pump_event)
            self._pump_event = None
        if self._scale_event is not None:
            self.lab.clock.cancel(self._scale_event)
            self._scale_event = None
        self.queue.unlisten(self)
        self.gather_start = None

    def queue_deleted(self) -> None:
        self.stop()
        self.enabled = False
        self.state_reason = "PROBLEM: Function call failed: the queue does not exist"

    # --- polling --------------------------------------------------------------------------
    def poke(self) -> None:
        """The queue has visible messages (or may have): poll as soon as possible."""
        if not self.enabled or self.deleted:
            return
        clock = self.lab.clock
        t = max(self.lab.t, clock.t)
        event = self._pump_event
        if event is not None and event[2] is not None:
            if event[0] <= t:
                return
            clock.cancel(event)
        self._pump_event = clock.at(t, self._pump)

    def _schedule_pump(self, t: float) -> None:
        event = self._pump_event
        if event is not None and event[2] is not None:
            if event[0] <= t:
                return
            self.lab.clock.cancel(event)
        self._pump_event = self.lab.clock.at(t, self._pump)

    def _pump(self) -> None:
        if self._pump_event is not None:
            # called directly while a pump is scheduled: that one is no longer needed
            self.lab.clock.cancel(self._pump_event)
            self._pump_event = None
        if not self.enabled or self.deleted:
            return
        lab = self.lab
        fn = lab.awslambda.functions.get(self.function_name)
        if fn is None:
            return      # the function was deleted: the mapping waits (the lab does not poll)
        t = lab.clock.t
        if t < self.backoff_until:
            return self._schedule_pump(self.backoff_until)
        queue = self.queue
        queue.refresh(t)
        batch_size, window = self.batch_size, self.window
        budget = facts.ESM_BATCH_PAYLOAD_BYTES
        while self.inflight < self.limit and queue.available():
            if window and queue.n_visible < batch_size and \
                    queue.visible_bytes + queue.n_visible * RECORD_OVERHEAD < budget:
                if self.gather_start is None:
                    self.gather_start = t
                if t < self.gather_start + window:
                    self._schedule_pump(self.gather_start + window)
                    break
            self.gather_start = None
            msgs = queue.take(batch_size, t, None, budget, RECORD_OVERHEAD)
            if not msgs:
                break
            if self.filters:
                msgs = self._filter(msgs)
                if not msgs:
                    continue
            if not self._invoke(fn, msgs, t):
                break
        if self.gather_start is not None and not queue.available():
            self.gather_start = None        # someone else emptied the queue: no open window
        if self.inflight >= self.limit and queue.available() and self._scale_event is None \
                and self.limit < self.cap():
            self._scale_event = lab.clock.at(t + 1.0, self._scale, background=True)

    def _scale(self) -> None:
        """Once a second: +5 concurrent batches while messages wait (300/min), -5 when idle."""
        self._scale_event = None
        if not self.enabled or self.deleted:
            return
        t = self.lab.clock.t
        self.queue.refresh(t)
        step = facts.ESM_SQS_SCALE_PER_MINUTE // 60
        backlog = self.queue.available()
        old = self.limit
        if backlog and self.inflight >= self.limit:
            self.limit = min(self.cap(), self.limit + step)
        elif not backlog:
            self.limit = max(min(facts.ESM_SQS_INITIAL_POLLERS, self.cap()), self.inflight,
                             self.limit - step)
        if self.limit != old:
            self.scaling.append((t, self.limit))
            self._pump()
        if self.limit != min(facts.ESM_SQS_INITIAL_POLLERS, self.cap()) or \
                (backlog and self.limit < self.cap()):
            if self._scale_event is None:
                self._scale_event = self.lab.clock.at(t + 1.0, self._scale, background=True)

    def _filter(self, msgs):
        keep = []
        queue = self.queue
        for msg in msgs:
            record = json.loads(self._record(msg))
            try:
                record["body"] = json.loads(record["body"])
            except ValueError:
                pass
            if any(p.matches(record) for p in self.filters):
                keep.append(msg)
            else:
                # L/invocation-eventfiltering.html: SQS messages that match no filter are deleted
                queue.delete_message(msg)
                self.filtered_out += 1
        return keep

    def _static(self, msg) -> tuple:
        """The parts of a message's event record that never change (built at first delivery)."""
        queue = self.queue
        system = ""
        if queue.fifo:
            system = (f',"SequenceNumber":"{msg.sequence}","MessageGroupId":'
                      f'{_json_str(msg.group)},"MessageDeduplicationId":{_json_str(msg.dedup)}')
        elif msg.group is not None:
            system = f',"MessageGroupId":{_json_str(msg.group)}'
        if msg.trace_header:
            system += f',"AWSTraceHeader":{_json_str(msg.trace_header)}'
        if msg.system:
            for key, value in msg.system.items():
                system += f',{_json_str(key)}:{_json_str(value)}'
        if msg.attributes:
            attrs = {}
            for name, value in msg.attributes.items():
                if "StringValue" in value:
                    attrs[name] = {"stringValue": value["StringValue"], "stringListValues": [],
                                   "binaryListValues": [], "dataType": value["DataType"]}
                else:
                    attrs[name] = {"binaryValue": base64.b64encode(value["BinaryValue"]).decode(),
                                   "stringListValues": [], "binaryListValues": [],
                                   "dataType": value["DataType"]}
            attrs = f'{json.dumps(attrs)},"md5OfMessageAttributes":"{msg.md5_attributes}"'
        else:
            attrs = "{}"
        # epoch milliseconds, as SQS writes SentTimestamp (sqs.epoch_ms, inlined)
        sent = int((EPOCH_UNIX + msg.sent) * 1000 + 0.5)
        first = int((EPOCH_UNIX + msg.first_receive) * 1000 + 0.5)
        parts = msg.record = (
            queue.arn,
            f'","body":{_json_str(msg.body)},"attributes":{{"ApproximateReceiveCount":"',
            f'","SentTimestamp":"{sent}","SenderId":"{self.sender_id}",'
            f'"ApproximateFirstReceiveTimestamp":"{first}"{system}}},"messageAttributes":'
            f'{attrs},"md5OfBody":"{msg.md5}","eventSource":"aws:sqs","eventSourceARN":'
            f'"{queue.arn}","awsRegion":"{self.region}"}}')
        return parts

    def _record(self, msg) -> str:
        """The message as one record of the SQS event (L/with-sqs.html), as JSON text."""
        parts = msg.record
        if parts is None or parts[0] != self.queue.arn:
            parts = self._static(msg)
        return (f'{{"messageId":"{msg.id}","receiptHandle":"{msg.handle}{parts[1]}'
                f'{msg.receive_count}{parts[2]}')

    def _invoke(self, fn, msgs, t) -> bool:
        """Invoke with one batch; False when throttled (the pollers back off)."""
        lab = self.lab
        record = self._record
        if self.queue.fifo:
            records = [record(m) for m in msgs]
        else:
            # the common case inline (no attributes, group, trace header or DLQ source): one
            # f-string per message, the same JSON _record builds
            arn, region = self.queue.arn, self.region
            sender = self.sender_id
            records = [
                f'{{"messageId":"{m.id}","receiptHandle":"{m.handle}","body":{_json_str(m.body)},'
                f'"attributes":{{"ApproximateReceiveCount":"{m.receive_count}","SentTimestamp":'
                f'"{int((EPOCH_UNIX + m.sent) * 1000 + 0.5)}","SenderId":"{sender}",'
                f'"ApproximateFirstReceiveTimestamp":'
                f'"{int((EPOCH_UNIX + m.first_receive) * 1000 + 0.5)}"}},'
                f'"messageAttributes":{{}},"md5OfBody":"{m.md5}","eventSource":"aws:sqs",'
                f'"eventSourceARN":"{arn}","awsRegion":"{region}"}}'
                if m.attributes is None and m.system is None and m.group is None
                and m.trace_header is None else record(m)
                for m in msgs]
        data = ('{"Records":[' + ",".join(records) + "]}").encode()
        svc = lab.awslambda
        attempt, response = svc.attempt(fn, data, lab.ids.request_id(), "EventSourceMapping", 1, t)
        if attempt.outcome == "throttled":
            # The batch stays in flight: its messages reappear after the visibility timeout.
            self.throttles += 1
            self.limit = max(1, self.inflight)
            self.scaling.append((t, self.limit))
            self.backoff_until = t + facts.ESM_THROTTLE_BACKOFF
            self._schedule_pump(self.backoff_until)
            return False
        self.inflight += 1
        self.batches += 1
        self.messages_in += len(msgs)
        lab.clock.at(attempt.end, self._done, msgs, [m.handle for m in msgs], attempt, response)
        return True

    def _done(self, msgs, handles, attempt, response) -> None:
        self.inflight -= 1
        queue = self.queue
        if attempt.outcome == "success":
            failed = self._failures(response, msgs) if self.response_types else ()
            if failed is None:
                self.failed_batches += 1
            else:
                if failed:
                    self.partial_failures += len(failed)
                # L/services-sqs-errorhandling.html: every message not reported as failed is
                # deleted. For FIFO queues the function must report the first failure and
                # everything after it; a message it forgets to report is deleted too.
                for msg, handle in zip(msgs, handles):
                    if failed and msg.id in failed:
                        continue
                    if msg.handle == handle and msg.state != GONE and not queue.deleted_queue:
                        queue.delete_message(msg)
                        self.deleted_messages += 1
        else:
            self.failed_batches += 1
        if self.enabled and not self.deleted:
            self._pump()

    @staticmethod
    def _failures(response: bytes, msgs):
        """The message IDs reported in batchItemFailures; None when the whole batch fails."""
        try:
            doc = json.loads(response) if response else None
        except ValueError:
            return None
        if not isinstance(doc, dict):
            return set()
        items = doc.get("batchItemFailures")
        if items is None:
            return set()
        if not isinstance(items, list):
            return None
        ids = {m.id for m in msgs}
        failed = set()
        for item in items:
            if not isinstance(item, dict):
                return None
            ident = item.get("itemIdentifier")
            if not isinstance(ident, str) or not ident or ident not in ids:
                return None
            failed.add(ident)
        return failed

    def stats(self) -> dict:
        return {"batches": self.batches, "messages": self.messages_in,
                "deleted": self.deleted_messages, "filtered_out": self.filtered_out,
                "failed_batches": self.failed_batches,
                "partial_failures": self.partial_failures, "throttles": self.throttles,
                "in_flight_batches": self.inflight, "concurrency_target": self.limit}


class EventSourceMappings:
    """``lab.awslambda.mappings``: Create/Get/Update/Delete/ListEventSourceMappings."""

    def __init__(self, service):
        self.service = service
        self.lab = service.lab
        self.mappings: dict[str, EventSourceMapping] = {}

    def create(self, function, event_source_arn: str, *, batch_size=None,
               maximum_batching_window=None, enabled=True, function_response_types=None,
               filter_criteria=None, maximum_concurrency=None,
               **stream_options) -> EventSourceMapping:
        """CreateEventSourceMapping. ``function``: a name, ARN or Function; ``filter_criteria``:
        ``{"Filters": [{"Pattern": "..."}]}``; ``maximum_concurrency``: ScalingConfig.
        Stream sources (a Kinesis or DynamoDB stream ARN) take ``starting_position`` (required),
        ``starting_position_timestamp`` (lab seconds), ``parallelization_factor``,
        ``maximum_retry_attempts``, ``maximum_record_age``, ``bisect_batch_on_function_error``,
        ``tumbling_window`` and ``destination_config``
        (see :mod:`lambdalab.awslambda.esm_streams`)."""
        unknown = set(stream_options) - set(STREAM_PARAMETERS)
        if unknown:
            raise TypeError(f"unknown event source mapping settings: {sorted(unknown)}")
        fn = self.service.get(function if isinstance(function, str) else function.name)
        parts = parse_arn(event_source_arn or "")
        if not parts:
            raise InvalidParameterValueException(
                f"Invalid EventSourceArn: {event_source_arn!r} is not an ARN.")
        if parts["service"] == "kinesis" or (parts["service"] == "dynamodb"
                                             and "/stream/" in parts["resource"]):
            return self._create_stream(fn, event_source_arn, batch_size=batch_size,
                                       window=maximum_batching_window, enabled=enabled,
                                       response_types=function_response_types,
                                       filter_criteria=filter_criteria,
                                       maximum_concurrency=maximum_concurrency,
                                       options=stream_options)
        if parts["service"] != "sqs":
            raise InvalidParameterValueException(
                f"lambdalab supports SQS, Kinesis and DynamoDB stream event sources only "
                f"(got {parts['service']}).")
        queue = self.lab.sqs.queues_by_arn.get(event_source_arn)
        if queue is None:
            raise InvalidParameterValueException(
                "Error occurred while ReceiveMessage. SQS Error Code: "
                "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified "
                "queue does not exist.")
        self._check_unique(fn, event_source_arn, "An event source mapping with SQS arn")
        mapping = SQSMapping(self, self.lab.ids.uuid("mapping"), fn, event_source_arn, queue)
        self._configure(mapping, fn, batch_size=batch_size,
                        window=maximum_batching_window, enabled=enabled,
                        response_types=function_response_types, filter_criteria=filter_criteria,
                        maximum_concurrency=maximum_concurrency, options=stream_options)
        self.mappings[mapping.uuid] = mapping
        if mapping.enabled:
            mapping.start()
        return mapping

    def _check_unique(self, fn, source_arn: str, what: str) -> None:
        """One mapping per (source, function), as Lambda enforces (ResourceConflictException)."""
        for other in self.mappings.values():
            if other.source_arn == source_arn and other.function_name == fn.name:
                raise ResourceConflictException(
                    f"{what} (\" {source_arn} \") and function (\" {fn.name} \") already "
                    f"exists. Please update or delete the existing mapping with UUID {other.uuid}")

    def _create_stream(self, fn, source_arn, *, options, **settings) -> EventSourceMapping:
        from .esm_streams import DynamoDBStreamMapping, StreamMapping
        dynamodb = source_arn.split(":")[2] == "dynamodb"
        stream = (self.lab.dynamodb_streams if dynamodb else self.lab.kinesis).stream_by_arn(
            source_arn)
        if stream is None:
            raise InvalidParameterValueException(
                f"Stream not found: {source_arn}. Create the stream first (or check its ARN).")
        self._check_unique(fn, source_arn, "The event source arn")
        kind = DynamoDBStreamMapping if dynamodb else StreamMapping
        mapping = kind(self, self.lab.ids.uuid("mapping"), fn, source_arn, stream)
        self._configure(mapping, fn, options=options, **settings)
        self.mappings[mapping.uuid] = mapping
        if mapping.enabled:
            mapping.start()
        return mapping

    def _configure(self, mapping, fn, *, batch_size=None, window=None, enabled=None,
                   response_types=None, filter_criteria=None, maximum_concurrency=None,
                   clear_scaling=False, options=None) -> None:
        settings = {}
        if batch_size is not None:
            settings["batch_size"] = _int_param("BatchSize", batch_size, facts.ESM_SQS_BATCH_SIZE)
        if window is not None:
            settings["window"] = _int_param("MaximumBatchingWindowInSeconds", window,
                                            facts.ESM_BATCHING_WINDOW)
        if response_types is not None:
            for r in response_types:
                if r != "ReportBatchItemFailures":
                    raise InvalidParameterValueException(
                        f"Unsupported FunctionResponseType {r!r}: use ReportBatchItemFailures.")
            settings["response_types"] = list(dict.fromkeys(response_types))
        if filter_criteria is not None:
            filters = (filter_criteria or {}).get("Filters") or []
            if len(filters) > MAX_FILTERS:
                raise InvalidParameterValueException(
                    f"The number of filters ({len(filters)}) exceeds the limit of {MAX_FILTERS}.")
            compiled = [mapping.compile_filter(f.get("Pattern", "")) for f in filters]
            settings["filters"] = compiled
            settings["filter_criteria"] = {"Filters": [{"Pattern": f["Pattern"]}
                                                       for f in filters]} if filters else None
        if maximum_concurrency is not None:
            settings["maximum_concurrency"] = _int_param("MaximumConcurrency",
                                                         maximum_concurrency,
                                                         facts.ESM_MAXIMUM_CONCURRENCY)
        mapping.validate(fn, settings)
        mapping.configure(dict(options or {}))
        for key, value in settings.items():
            setattr(mapping, key, value)
        if clear_scaling:
            mapping.maximum_concurrency = None
        if hasattr(mapping, "limit"):
            mapping.limit = min(mapping.limit, mapping.cap())
        if enabled is not None:
            mapping.enabled = bool(enabled)
        mapping.last_modified = self.lab.t

    def get(self, uuid: str) -> EventSourceMapping:
        mapping = self.mappings.get(uuid)
        if mapping is None:
            raise ResourceNotFoundException(
                f"The resource you requested does not exist. (Service: Lambda, Status Code: "
                f"404, Request ID: {uuid})")
        return mapping

    def update(self, uuid: str, *, function=None, batch_size=None, maximum_batching_window=None,
               enabled=None, function_response_types=None, filter_criteria=None,
               maximum_concurrency=None, clear_scaling=False,
               **stream_options) -> EventSourceMapping:
        """UpdateEventSourceMapping; ``enabled=False`` stops polling (batches in flight
        finish), ``enabled=True`` resumes."""
        mapping = self.get(uuid)
        fn = self.service.get(function if isinstance(function, str) or function is None
                              else function.name) if function is not None else \
            self.service.get(mapping.function_name)
        was = mapping.enabled
        self._configure(mapping, fn, batch_size=batch_size, window=maximum_batching_window,
                        enabled=enabled, response_types=function_response_types,
                        filter_criteria=filter_criteria,
                        maximum_concurrency=maximum_concurrency, clear_scaling=clear_scaling,
                        options=stream_options)
        mapping.function_name, mapping.function_arn = fn.name, fn.arn
        if was and not mapping.enabled:
            mapping.stop()
        elif mapping.enabled:
            mapping.start()
        return mapping

    def delete(self, uuid: str) -> EventSourceMapping:
        """DeleteEventSourceMapping: polling stops at once; batches in flight finish."""
        mapping = self.get(uuid)
        mapping.stop()
        mapping.deleted = True
        del self.mappings[uuid]
        return mapping

    def list(self, event_source_arn: str | None = None,
             function: str | None = None) -> list[EventSourceMapping]:
        name = self.service.get(function).name if function else None
        return [m for m in self.mappings.values()
                if (event_source_arn is None or m.source_arn == event_source_arn)
                and (name is None or m.function_name == name)]
