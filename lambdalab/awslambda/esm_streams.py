"""Event source mappings for streams: Kinesis Data Streams, and DynamoDB Streams with the same
pollers (:class:`DynamoDBStreamMapping`). L/ = https://docs.aws.amazon.com/lambda/latest/dg/.

* One poller per shard reads the shard in order (L/with-kinesis.html). With
  ParallelizationFactor N (1-10, L/services-kinesis-parameters.html) the shard's records are
  spread over N lanes by a hash of the partition key; each lane has at most one batch in flight,
  so order holds per partition key, not across keys. N = 1 keeps the whole shard in order.
* A batch is up to BatchSize records (1-10,000, default 100) and at most 6 MB of event; with
  MaximumBatchingWindowInSeconds (0-300) the lane waits for a full batch that long.
* StartingPosition TRIM_HORIZON, LATEST or AT_TIMESTAMP (with StartingPositionTimestamp).
* Errors (L/services-kinesis-errors.html): a failed batch is retried, blocking its lane (the
  shard when N = 1) until it succeeds, MaximumRetryAttempts (-1 = no limit, up to 10,000) is
  used up, its records are older than MaximumRecordAgeInSeconds (-1, or 60-604,800) or they
  leave the stream (retention). BisectBatchOnFunctionError splits a failed batch in two and
  retries the halves (splitting does not use a retry). With ReportBatchItemFailures the
  function returns ``{"batchItemFailures": [{"itemIdentifier": "<sequence number>"}]}``: the
  records before the lowest reported one are done, the rest is retried as one batch (not
  bisected) (L/services-kinesis-batchfailurereporting.html). A discarded batch goes to the OnFailure
  destination (SQS queue, SNS topic or S3 bucket) as AWS's invocation record: shard, first and
  last sequence numbers, arrival times and batch size, not the data.
  Throttles are retried and do not count as retries. Retries back off 1 s doubling to 60 s
  (lab assumption; AWS does not publish its backoff).
* TumblingWindowInSeconds (0-900, L/services-kinesis-windows.html): batches never span a
  window; the event carries ``window``, ``state`` (the ``state`` the previous invocation
  returned), ``shardId``, ``eventSourceARN``, ``isFinalInvokeForWindow`` and
  ``isWindowTerminatedEarly``; when the window ends Lambda invokes once more with no records
  and ``isFinalInvokeForWindow: true``, then the state starts empty again.
* FilterCriteria (L/invocation-eventfiltering.html): Kinesis patterns see ``partitionKey``,
  ``sequenceNumber``, ``approximateArrivalTimestamp``, ``kinesisSchemaVersion`` and ``data``
  (the payload parsed as JSON when it is JSON); records that match no filter are skipped.
  Patterns use the EventBridge engine, :mod:`lambdalab.events.patterns`.
* IteratorAge (L/monitoring-metrics-types.html): the age of the last record of each batch when
  it is sent to the function. A blocked shard shows it growing; see :meth:`StreamMapping.trace`
  and :meth:`StreamMapping.iterator_age`.
"""
from __future__ import annotations

import base64
import json
from collections import deque
from json.encoder import encode_basestring as _json_str

from .. import facts
from ..clock import EPOCH_UNIX
from ..errors import InvalidParameterValueException
from ..kinesis.stream import hash_key
from .esm import EventSourceMapping, _int_param

TRACE_COLUMNS = ["time", "shard", "lane", "request_id", "first_sequence", "last_sequence",
                 "size", "attempt", "outcome", "iterator_age_ms", "final_for_window"]
DESTINATION_SERVICES = ("sqs", "sns", "s3")
RECORD_OVERHEAD = 400   # bytes of event JSON around each record's data


class Batch:
    """Records handed to the function together (in order), and how often they failed."""

    __slots__ = ("records", "retries", "invokes", "window", "final", "last_error")

    def __init__(self, records, retries=0, invokes=0, window=None, final=False):
        self.records = records
        self.retries = retries        # failed attempts counted against MaximumRetryAttempts
        self.invokes = invokes        # attempts that reached the function
        self.window = window          # tumbling window start (lab seconds) or None
        self.final = final            # the window's closing invocation (no records)
        self.last_error = None        # (statusCode, functionError) of the last failed attempt


class Lane:
    """One of a shard's ParallelizationFactor lanes: records in order, one batch at a time."""

    def __init__(self, poller, index: int):
        self.poller = poller
        self.mapping = poller.mapping
        self.index = index
        self.pending: deque = deque()  # records not yet in a batch
        self.retry: deque = deque()    # batches to (re)try first, in order
        self.busy = False              # a batch is in flight or waiting out a retry delay
        self.event = None              # the scheduled wake-up
        self.gather_start = None
        self.window = None             # open tumbling window start
        self.state = {}                # tumbling window state

    # --- scheduling ---------------------------------------------------------------------
    def wake(self, t: float) -> None:
        clock = self.mapping.lab.clock
        event = self.event
        if event is not None and event[2] is not None:
            if event[0] <= t:
                return
            clock.cancel(event)
        self.event = clock.at(t, self._wake)

    def _wake(self) -> None:
        self.event = None
        self.pump(self.mapping.lab.clock.t)

    # --- forming batches ----------------------------------------------------------------
    def _expire(self, records, t) -> int:
        """Drop records that left the stream (retention) from the front; count them."""
        limit = t - self.poller.shard.stream.retention
        n = 0
        while records and records[0].arrival <= limit:
            records.popleft() if isinstance(records, deque) else records.pop(0)
            n += 1
        self.mapping.expired += n
        return n

    def _too_old(self, records, t) -> list:
        """The leading records older than MaximumRecordAgeInSeconds (removed from ``records``)."""
        age = self.mapping.max_age
        if age == -1:
            return []
        old = []
        while records and t - records[0].arrival > age:
            old.append(records.popleft() if isinstance(records, deque) else records.pop(0))
        return old

    def pump(self, t: float) -> None:
        mapping = self.mapping
        while not self.busy and mapping.enabled and not mapping.deleted:
            fn = mapping.lab.awslambda.functions.get(mapping.function_name)
            if fn is None:
                return
            if self.retry:
                batch = self.retry[0]
                if not batch.final:
                    self._expire(batch.records, t)
                    old = self._too_old(batch.records, t)
                    if old:
                        mapping.discard(self, Batch(old, batch.retries, batch.invokes),
                                        "RecordAgeExceeded", t)
                    if not batch.records:
                        self.retry.popleft()
                        continue
                self.retry.popleft()
                self._invoke(fn, batch, t)
                return
            batch = self._form(t)
            if batch is None:
                if not self.busy and not self.pending and not self.retry:
                    self.poller.check_done()
                return
            self._invoke(fn, batch, t)

    def _form(self, t: float) -> Batch | None:
        mapping = self.mapping
        pending = self.pending
        self._expire(pending, t)
        old = self._too_old(pending, t)
        if old:
            mapping.discard(self, Batch(old), "RecordAgeExceeded", t)
        width = mapping.tumbling
        if width:
            if self.window is not None and \
                    (not pending or pending[0].arrival >= self.window + width):
                if t >= self.window + width:
                    return Batch([], window=self.window, final=True)
                self.wake(self.window + width)
                return None
        if not pending:
            return None
        size = mapping.batch_size
        budget = facts.ESM_BATCH_PAYLOAD_BYTES
        if mapping.window and len(pending) < size:
            total = sum(r.size for r in pending) * 4 // 3 + RECORD_OVERHEAD * len(pending)
            if total < budget:
                if self.gather_start is None:
                    self.gather_start = t
                if t < self.gather_start + mapping.window:
                    self.wake(self.gather_start + mapping.window)
                    return None
        self.gather_start = None
        window = None
        end = None
        if width:
            window = self.window if self.window is not None else \
                pending[0].arrival // width * width
            self.window = window
            end = window + width
        records, used = [], 0
        while pending and len(records) < size:
            record = pending[0]
            if end is not None and record.arrival >= end:
                break
            cost = (record.size + 2) * 4 // 3 + RECORD_OVERHEAD
            if records and used + cost > budget:
                break
            used += cost
            records.append(pending.popleft())
        return Batch(records, window=window)

    # --- invoking -----------------------------------------------------------------------
    def _invoke(self, fn, batch: Batch, t: float) -> None:
        mapping = self.mapping
        lab = mapping.lab
        data = mapping.event(self, batch, fn)
        request_id = lab.ids.request_id()
        attempt, response = lab.awslambda.attempt(fn, data, request_id, "EventSourceMapping",
                                                  batch.invokes + 1, t)
        records = batch.records
        age = int(round((t - records[-1].arrival) * 1000)) if records else 0
        mapping.log.append((t, self.poller.shard.id, self.index, request_id,
                            records[0].sequence if records else None,
                            records[-1].sequence if records else None, len(records),
                            batch.invokes + 1, attempt.outcome, age, batch.final))
        self.busy = True
        if attempt.outcome == "throttled":
            mapping.throttles += 1
            self.retry.appendleft(batch)
            lab.clock.at(t + facts.ESM_THROTTLE_BACKOFF, self._resume)
            return
        batch.invokes += 1
        mapping.batches += 1
        lab.clock.at(attempt.end, self._done, batch, attempt, response)

    def _resume(self) -> None:
        self.busy = False
        self.pump(self.mapping.lab.clock.t)

    def _done(self, batch: Batch, attempt, response: bytes) -> None:
        mapping = self.mapping
        t = mapping.lab.clock.t
        self.busy = False
        if mapping.deleted:
            return
        if attempt.outcome != "success":
            batch.last_error = (200, "Unhandled")     # errors and timeouts alike
            return self._failed(batch, t)
        doc = None
        if mapping.tumbling or mapping.response_types:
            try:
                doc = json.loads(response) if response else None
            except ValueError:
                doc = None
        n = len(batch.records)
        failed_from = self._failures(doc, batch) if mapping.response_types else n
        if failed_from is None:                     # an invalid response fails the batch
            batch.last_error = (200, None)
            return self._failed(batch, t)
        if mapping.tumbling and isinstance(doc, dict):
            state = doc.get("state")
            self.state = state if isinstance(state, dict) else {}
        if failed_from == n:
            mapping.succeeded(batch.records)
            if batch.final:
                self.window, self.state = None, {}
            return self.pump(t)
        # partial failure: the records before the lowest reported one are done
        mapping.succeeded(batch.records[:failed_from])
        rest = Batch(batch.records[failed_from:], batch.retries, batch.invokes, batch.window)
        rest.last_error = (200, None)
        self._failed(rest, t, partial=True)

    def _failures(self, doc, batch: Batch):
        """Index of the lowest reported failure (len(records) when none); None = the response
        is invalid and the whole batch failed."""
        n = len(batch.records)
        if not isinstance(doc, dict):
            return n
        items = doc.get("batchItemFailures")
        if items is None:
            return n
        if not isinstance(items, list):
            return None
        index = {r.sequence: i for i, r in enumerate(batch.records)}
        lowest = n
        for item in items:
            ident = item.get("itemIdentifier") if isinstance(item, dict) else None
            if not isinstance(ident, str) or ident not in index:
                return None
            lowest = min(lowest, index[ident])
        return lowest

    def _failed(self, batch: Batch, t: float, partial: bool = False) -> None:
        mapping = self.mapping
        mapping.failed_batches += 1
        if mapping.bisect and len(batch.records) > 1 and not partial:
            half = len(batch.records) // 2
            mapping.bisections += 1
            for part in (batch.records[half:], batch.records[:half]):
                piece = Batch(part, batch.retries, batch.invokes, batch.window)
                piece.last_error = batch.last_error
                self.retry.appendleft(piece)
            return self.pump(t)
        batch.retries += 1
        if mapping.max_retries != -1 and batch.retries > mapping.max_retries:
            mapping.discard(self, batch, "RetryAttemptsExhausted", t)
            if batch.final:
                self.window, self.state = None, {}
            return self.pump(t)
        self.retry.appendleft(batch)
        delay = min(facts.ESM_STREAM_RETRY_FIRST * 2 ** min(batch.retries - 1, 30),
                    facts.ESM_STREAM_RETRY_MAX)
        self.busy = True
        mapping.lab.clock.at(t + delay, self._resume)


class ShardPoller:
    """Reads one shard from its checkpoint and routes records to lanes by partition key."""

    def __init__(self, mapping, shard, position: int):
        self.mapping = mapping
        self.shard = shard
        self.next = position          # number of the next record to read
        self.lanes = [Lane(self, i) for i in range(mapping.parallelization)]
        self._routes: dict[str, int] = {}
        self._event = None
        self.ready = True             # False until the shard's parents are read to the end
        self.done = False             # a closed shard read to its end and processed
        shard.listeners.append(self)

    def check_done(self) -> None:
        """A closed shard whose every record is handled: its children may start."""
        if self.done or not self.ready or not self.shard.closed or \
                self.next <= self.shard.count:
            return
        if any(lane.busy or lane.pending or lane.retry for lane in self.lanes):
            return
        self.done = True
        self.mapping.shard_done(self)

    def poke(self) -> None:
        """New records: read them as soon as possible."""
        mapping = self.mapping
        if not mapping.enabled or mapping.deleted:
            return
        clock = mapping.lab.clock
        t = max(mapping.lab.t, clock.t)
        event = self._event
        if event is not None and event[2] is not None and event[0] <= t:
            return
        if event is not None:
            clock.cancel(event)
        self._event = clock.at(t, self.read)

    def source_deleted(self) -> None:
        self.mapping.source_deleted()

    def route(self, key: str) -> int:
        n = len(self.lanes)
        if n == 1:
            return 0
        lane = self._routes.get(key)
        if lane is None:
            lane = self._routes[key] = hash_key(key) % n
        return lane

    def read(self) -> None:
        self._event = None
        mapping = self.mapping
        if not mapping.enabled or mapping.deleted or not self.ready:
            return
        t = mapping.lab.clock.t
        shard = self.shard
        records = shard.read(self.next, shard.count + 1 - self.next, t)
        first = records[0].number if records else shard.count + 1
        if first > self.next:         # trimmed before they were read
            mapping.expired += first - self.next
        self.next = shard.count + 1
        lanes, filters = self.lanes, mapping.filters
        mapping.records_in += len(records)
        for record in records:
            if filters and not mapping.keep(record):
                mapping.filtered_out += 1
                continue
            lanes[self.route(record.key)].pending.append(record)
        for lane in lanes:
            lane.pump(t)
        self.check_done()

    def stop(self) -> None:
        if self in self.shard.listeners:
            self.shard.listeners.remove(self)
        if self._event is not None:
            self.mapping.lab.clock.cancel(self._event)
            self._event = None
        for lane in self.lanes:
            if lane.event is not None:
                self.mapping.lab.clock.cancel(lane.event)
                lane.event = None

    def relane(self, n: int) -> None:
        """A new ParallelizationFactor: waiting records move to the new lanes in order."""
        waiting = sorted((r for lane in self.lanes for r in lane.pending),
                         key=lambda r: r.number)
        retry = [b for lane in self.lanes for b in lane.retry]
        for lane in self.lanes:
            lane.pending.clear()
            lane.retry.clear()
            if lane.event is not None:
                self.mapping.lab.clock.cancel(lane.event)
                lane.event = None
        self.lanes = [Lane(self, i) for i in range(n)]
        self._routes = {}
        for batch in retry:
            lane = self.route(batch.records[0].key) if batch.records else 0
            self.lanes[lane].retry.append(batch)
        for record in waiting:
            self.lanes[self.route(record.key)].pending.append(record)
        t = self.mapping.lab.t
        for lane in self.lanes:
            if lane.pending or lane.retry:
                lane.wake(t)
        # batches in flight finish on their old lanes (their results are still counted)


class StreamMapping(EventSourceMapping):
    """A mapping from a Kinesis stream (or DynamoDB stream) to a function."""

    kind = "kinesis"
    event_source = "aws:kinesis"

    def __init__(self, registry, uuid, fn, source_arn, stream):
        super().__init__(registry, uuid, fn, source_arn)
        self.stream = stream
        self.batch_size = facts.ESM_STREAM_BATCH_SIZE.default
        self.starting_position = None
        self.starting_timestamp = None      # lab seconds (AT_TIMESTAMP)
        self.parallelization = 1
        self.max_retries = -1
        self.max_age = -1
        self.bisect = False
        self.on_failure = None              # destination ARN
        self.tumbling = 0
        self.pollers: dict[str, ShardPoller] = {}
        self.region = self.lab.region
        # what happened
        self.log: list[tuple] = []          # one row per attempt (see TRACE_COLUMNS)
        self.records_in = 0                 # records read from the stream
        self.processed = 0                  # records in batches that succeeded
        self.filtered_out = 0
        self.expired = 0                    # records that left the stream before success
        self.reported = 0                   # discarded records reported to OnFailure
        self.dropped = 0                    # discarded records with no destination
        self.batches = 0
        self.failed_batches = 0
        self.bisections = 0
        self.throttles = 0
        self.failure_records: list[dict] = []

    # --- configuration --------------------------------------------------------------------

    def starting_positions(self) -> tuple:
        return ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")

    def configure(self, options: dict) -> None:
        """Stream-only parameters (validated as CreateEventSourceMapping does)."""
        if "starting_position" in options:
            if self.starting_position is not None:
                raise InvalidParameterValueException(
                    "StartingPosition cannot be changed on an existing mapping.")
            position = options["starting_position"]
            if position not in self.starting_positions():
                raise InvalidParameterValueException(
                    f"Unsupported StartingPosition {position!r} for this event source: use "
                    f"{', '.join(self.starting_positions())}.")
            if position == "AT_TIMESTAMP":
                stamp = options.get("starting_position_timestamp")
                if stamp is None:
                    raise InvalidParameterValueException(
                        "StartingPositionTimestamp is required when StartingPosition is "
                        "AT_TIMESTAMP.")
                self.starting_timestamp = stamp
            self.starting_position = position
        if "parallelization_factor" in options:
            value = _int_param("ParallelizationFactor", options["parallelization_factor"],
                               facts.ESM_PARALLELIZATION)
            if value != self.parallelization:
                self.parallelization = value
                for poller in self.pollers.values():
                    poller.relane(value)
        if "maximum_retry_attempts" in options:
            self.max_retries = _int_param("MaximumRetryAttempts",
                                          options["maximum_retry_attempts"],
                                          facts.ESM_STREAM_RETRIES)
        if "maximum_record_age" in options:
            value = _int_param("MaximumRecordAgeInSeconds", options["maximum_record_age"],
                               facts.ESM_RECORD_AGE)
            if value != -1 and value < facts.ESM_RECORD_AGE_MIN:
                raise InvalidParameterValueException(
                    f"MaximumRecordAgeInSeconds must be -1 (no limit) or between "
                    f"{facts.ESM_RECORD_AGE_MIN} and {facts.ESM_RECORD_AGE.high:g}, got {value}.")
            self.max_age = value
        if "bisect_batch_on_function_error" in options:
            self.bisect = bool(options["bisect_batch_on_function_error"])
        if "tumbling_window" in options:
            self.tumbling = _int_param("TumblingWindowInSeconds", options["tumbling_window"],
                                       facts.ESM_TUMBLING_WINDOW)
        if "destination_config" in options:
            config = options["destination_config"] or {}
            if config.get("OnSuccess"):
                raise InvalidParameterValueException(
                    "Unsupported DestinationConfig parameter for the given event source: "
                    "OnSuccess. Stream mappings support OnFailure only.")
            target = (config.get("OnFailure") or {}).get("Destination")
            if target:
                service = target.split(":")[2] if target.count(":") >= 5 else None
                if service not in DESTINATION_SERVICES:
                    raise InvalidParameterValueException(
                        f"The provided destination config DestinationConfig(OnFailure={target}) "
                        "is invalid: use the ARN of an SQS queue, SNS topic or S3 bucket.")
            self.on_failure = target or None
        if self.starting_position is None:
            raise InvalidParameterValueException(
                "StartingPosition is required for stream event sources (Kinesis, DynamoDB "
                f"Streams): use one of {', '.join(self.starting_positions())}.")

    def describe(self, state: str | None = None) -> dict:
        out = super().describe(state)
        out.update({"StartingPosition": self.starting_position,
                    "ParallelizationFactor": self.parallelization,
                    "MaximumRetryAttempts": self.max_retries,
                    "MaximumRecordAgeInSeconds": self.max_age,
                    "BisectBatchOnFunctionError": self.bisect,
                    "TumblingWindowInSeconds": self.tumbling,
                    "DestinationConfig": {"OnFailure": {"Destination": self.on_failure}}
                    if self.on_failure else {"OnFailure": {}},
                    "LastProcessingResult": "OK" if not self.failed_batches else "PROBLEM"})
        if self.starting_timestamp is not None:
            out["StartingPositionTimestamp"] = self.lab.clock.to_datetime(
                self.starting_timestamp)
        return out

    # --- life cycle -----------------------------------------------------------------------
    def _poller(self, shard, t: float) -> ShardPoller:
        if self.starting_position == "TRIM_HORIZON" or shard.parents:
            position = shard.first_number(t)      # children are read from their start
        elif self.starting_position == "AT_TIMESTAMP":
            position = shard.number_at(self.starting_timestamp, t)
        else:
            position = shard.count + 1
        poller = self.pollers[shard.id] = ShardPoller(self, shard, position)
        # parent before child (L/with-kinesis.html): wait for parents this mapping reads
        poller.ready = all(self.pollers[p.id].done for p in shard.parents
                           if p.id in self.pollers)
        return poller

    def resharded(self, children) -> None:
        """The stream split or merged shards: read the children after their parents."""
        if self.deleted:
            return
        t = self.lab.t
        for child in children:
            self._poller(child, t)
        for child in children:
            for parent in child.parents:
                poller = self.pollers.get(parent.id)
                if poller is not None:
                    poller.check_done()

    def shard_done(self, poller: ShardPoller) -> None:
        for other in self.pollers.values():
            if not other.ready and all(self.pollers[p.id].done for p in other.shard.parents
                                       if p.id in self.pollers):
                other.ready = True
                other.poke()

    def start(self) -> None:
        t = self.lab.t
        stream = self.stream
        if self not in getattr(stream, "listeners", [self]):
            stream.listeners.append(self)
        for shard in stream.shards:
            poller = self.pollers.get(shard.id)
            if poller is None:
                if shard.closed and self.starting_position == "LATEST":
                    continue                      # LATEST reads only the open shards
                poller = self._poller(shard, t)
            elif poller not in shard.listeners:
                shard.listeners.append(poller)
            poller.poke()
            for lane in poller.lanes:
                if lane.retry and not lane.busy:
                    lane.wake(t)

    def stop(self) -> None:
        for poller in self.pollers.values():
            poller.stop()
        listeners = getattr(self.stream, "listeners", None)
        if listeners is not None and self in listeners:
            listeners.remove(self)

    def source_deleted(self) -> None:
        self.stop()
        self.enabled = False
        self.state_reason = "PROBLEM: Function call failed: the stream does not exist"

    # --- records --------------------------------------------------------------------------
    def filter_input(self, record) -> dict:
        try:
            data = json.loads(record.data)
        except ValueError:
            data = base64.b64encode(record.data).decode()
        return {"kinesisSchemaVersion": "1.0", "partitionKey": record.key,
                "sequenceNumber": record.sequence,
                "approximateArrivalTimestamp": round(EPOCH_UNIX + record.arrival, 3),
                "data": data}

    def keep(self, record) -> bool:
        doc = self.filter_input(record)
        return any(p.matches(doc) for p in self.filters)

    def record_json(self, shard, record, role: str) -> str:
        """One record of the Kinesis event (L/with-kinesis.html), as JSON text."""
        return (f'{{"kinesis":{{"kinesisSchemaVersion":"1.0","partitionKey":'
                f'{_json_str(record.key)},"sequenceNumber":"{record.sequence}","data":"'
                f'{base64.b64encode(record.data).decode()}","approximateArrivalTimestamp":'
                f'{round(EPOCH_UNIX + record.arrival, 3)!r}}},"eventSource":"aws:kinesis",'
                f'"eventVersion":"1.0","eventID":"{shard.id}:{record.sequence}",'
                f'"eventName":"aws:kinesis:record","invokeIdentityArn":"{role}",'
                f'"awsRegion":"{self.region}","eventSourceARN":"{self.source_arn}"}}')

    def event(self, lane: Lane, batch: Batch, fn) -> bytes:
        shard = lane.poller.shard
        role = fn.role
        text = '{"Records":[' + ",".join(self.record_json(shard, r, role)
                                         for r in batch.records) + "]"
        if batch.window is not None:
            lab = self.lab
            text += (f',"window":{{"start":"{lab.iso(batch.window)}","end":'
                     f'"{lab.iso(batch.window + self.tumbling)}"}},"state":'
                     f'{json.dumps(lane.state)},"shardId":"{shard.id}","eventSourceARN":'
                     f'"{self.source_arn}","isFinalInvokeForWindow":'
                     f'{"true" if batch.final else "false"},"isWindowTerminatedEarly":false')
        return (text + "}").encode()

    # --- outcomes -------------------------------------------------------------------------
    def succeeded(self, records) -> None:
        self.processed += len(records)

    batch_info_key = "KinesisBatchInfo"

    def discard(self, lane: Lane, batch: Batch, condition: str, t: float) -> None:
        """Give up on a batch: report it to the OnFailure destination (or count it dropped)."""
        records = batch.records
        if not records:
            return
        if not self.on_failure:
            self.dropped += len(records)
            return
        lab = self.lab
        status, error = batch.last_error or (None, None)
        doc = {"requestContext": {"requestId": lab.ids.uuid(), "functionArn": self.function_arn,
                                  "condition": condition,
                                  "approximateInvokeCount": batch.invokes},
               "responseContext": {"statusCode": status if status is not None else 0,
                                   "executedVersion": "$LATEST",
                                   "functionError": error or ""},
               "version": "1.0", "timestamp": lab.iso(t),
               self.batch_info_key: {
                   "shardId": lane.poller.shard.id,
                   "startSequenceNumber": records[0].sequence,
                   "endSequenceNumber": records[-1].sequence,
                   "approximateArrivalOfFirstRecord": lab.iso(records[0].arrival),
                   "approximateArrivalOfLastRecord": lab.iso(records[-1].arrival),
                   "batchSize": len(records), "streamArn": self.source_arn}}
        self.failure_records.append(doc)
        self.reported += len(records)
        lab.deliver(self.function_arn, self.on_failure, "on-failure", json.dumps(doc))

    # --- what happened --------------------------------------------------------------------
    def stats(self) -> dict:
        waiting = sum(len(lane.pending) + sum(len(b.records) for b in lane.retry)
                      for p in self.pollers.values() for lane in p.lanes)
        return {"records_in": self.records_in, "processed": self.processed,
                "filtered_out": self.filtered_out, "expired": self.expired,
                "reported_on_failure": self.reported, "dropped": self.dropped,
                "waiting": waiting, "batches": self.batches,
                "failed_batches": self.failed_batches, "bisections": self.bisections,
                "throttles": self.throttles}

    def trace(self):
        """One row per batch attempt: shard, lane, first/last sequence number, size, attempt
        number, outcome and IteratorAge (ms) — a pandas DataFrame."""
        import pandas as pd
        return pd.DataFrame(self.log, columns=TRACE_COLUMNS)

    def iterator_age(self, period="1m"):
        """CloudWatch ``IteratorAge`` (Maximum, ms) per period and shard, from the attempts."""
        import pandas as pd
        from ..clock import EPOCH, parse_duration
        period = parse_duration(period)
        frame = self.trace()
        frame = frame[frame.outcome != "throttled"]
        if frame.empty:
            return pd.DataFrame(columns=["IteratorAge"])
        bucket = (frame.time // period) * period
        out = frame.assign(bucket=bucket).groupby("bucket").iterator_age_ms.max()
        out.index = pd.DatetimeIndex([EPOCH + pd.Timedelta(seconds=s) for s in out.index],
                                     name="time")
        return out.to_frame("IteratorAge")


class DynamoDBStreamMapping(StreamMapping):
    """A mapping from a DynamoDB stream (:mod:`lambdalab.dynamodb_streams`): the same pollers;
    records in DynamoDB's shape (L/with-ddb.html), StartingPosition TRIM_HORIZON or LATEST only
    (L/services-ddb-params.html), ``DDBStreamBatchInfo`` in on-failure records, filters on the
    whole record (``eventName``, ``dynamodb.Keys``, ``dynamodb.NewImage``, ...), lanes of a
    ParallelizationFactor chosen by the item's key."""

    kind = "dynamodb"
    event_source = "aws:dynamodb"
    batch_info_key = "DDBStreamBatchInfo"

    def starting_positions(self) -> tuple:
        return ("TRIM_HORIZON", "LATEST")

    def filter_input(self, record) -> dict:
        return json.loads(record.data)

    def record_json(self, shard, record, role: str) -> str:
        return record.data.decode()
