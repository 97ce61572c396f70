"""The Lab: one emulated AWS account and region on one virtual clock."""
from __future__ import annotations

import gc
import random
from contextlib import contextmanager
from datetime import datetime, timezone

from .awslambda.records import Delivery
from .awslambda.runtime import Environ
from .awslambda.service import LambdaService
from .clock import EPOCH, Clock, parse_duration
from .errors import AWSError, LabError
from .ids import Ids, arn, parse_arn
from .vtime import VirtualTime, current, install_sleep

RUN_IDLE_LIMIT = 30 * 86400.0   # lab.run() with no argument stops with an error past 30 virtual days
RUN_IDLE_EVENTS = 20_000_000    # ... or past this many events
GC_THRESHOLD = 100_000          # gen-0 collection threshold while the engine runs


class Lab:
    """One AWS account (123456789012) in one region, on a virtual clock that starts at
    2026-01-01T00:00:00Z.

    >>> lab = Lab(seed=0)
    >>> @lab.function(duration="120ms")
    ... def hello(event, context):
    ...     return {"hello": event["name"]}
    >>> hello.invoke({"name": "lab"}).json()
    {'hello': 'lab'}
    """

    def __init__(self, seed: int = 0, region: str = "us-east-1", account: str = "123456789012"):
        self.seed = seed
        self.region = region
        self.account = account
        self.clock = Clock()
        self.ids = Ids(seed)
        self.rng = random.Random(f"lambdalab-{seed}")   # for load generators and fault models
        self.running_events = False
        self.receivers: dict = {}        # ARN service name -> callable(target, body, attributes)
        self.deliveries: list[Delivery] = []
        self.awslambda = LambdaService(self)
        from .sqs import SQSService
        self.sqs = SQSService(self)
        from .kinesis import KinesisService
        self.kinesis = KinesisService(self)
        from .dynamodb_streams import DynamoDBStreamsService
        self.dynamodb_streams = DynamoDBStreamsService(self)
        from .sns import SNSService
        self.sns = SNSService(self)
        from .events.service import EventsService
        self.events = EventsService(self)
        from .http import HTTPFrontDoors
        self.http = HTTPFrontDoors(self)
        install_sleep()

    # --- time ---------------------------------------------------------------------------
    @property
    def t(self) -> float:
        """Seconds since the epoch, as seen by whoever is running (a handler sees its own time)."""
        running = current()
        return running.base + running.elapsed if running is not None else self.clock.t

    @property
    def now(self) -> datetime:
        """The current virtual time (timezone-aware UTC)."""
        return self.clock.to_datetime(self.t)

    def iso(self, t: float | None = None) -> str:
        """ISO 8601 with milliseconds and ``Z``, as AWS writes timestamps."""
        moment = self.clock.to_datetime(self.t if t is None else t)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    def run(self, duration=None, *, until: datetime | None = None) -> "Lab":
        """Advance virtual time.

        ``lab.run("5m")`` or ``lab.run(300)``: by a duration. ``lab.run(until=dt)``: to a point in
        time. ``lab.run()``: until nothing is pending (recurring schedules do not count), with an
        error if work never ends."""
        if current() is not None or self.running_events:
            raise LabError("lab.run() cannot be called from inside a handler or a lab event; "
                           "use time.sleep() in a handler to let virtual time pass")
        with self.engine():
            if duration is not None and until is not None:
                raise LabError("give lab.run() a duration or until=, not both")
            if until is not None:
                if until.tzinfo is None:
                    until = until.replace(tzinfo=timezone.utc)
                target = (until - EPOCH).total_seconds()
                if target < self.clock.t:
                    raise LabError(f"until={until.isoformat()} is in the lab's past "
                                   f"(now is {self.now.isoformat()})")
                self.advance(target)
            elif duration is not None:
                self.advance(self.clock.t + parse_duration(duration))
            else:
                self._run_until_idle()
        return self

    def _run_until_idle(self) -> None:
        clock, start, events = self.clock, self.clock.t, 0
        self.running_events = True
        try:
            while not clock.idle:
                if clock.next_time() - start > RUN_IDLE_LIMIT or events > RUN_IDLE_EVENTS:
                    raise LabError(
                        f"lab.run() stopped after {events} events and "
                        f"{(clock.t - start) / 86400:.1f} virtual days with work still pending: "
                        "something keeps scheduling more (a function that invokes itself, a "
                        "retry loop?). Advance a fixed time instead, e.g. lab.run('1h').")
                clock.step()
                events += 1
        finally:
            self.running_events = False

    def advance(self, t_end: float) -> None:
        """Run every event due up to lab time ``t_end`` (engine use; notebooks call run())."""
        self.running_events = True
        try:
            self.clock.run_until(t_end)
        finally:
            self.running_events = False
        VirtualTime.move(self.clock.t)

    @contextmanager
    def engine(self):
        """While the engine runs: wall-clock reads follow the lab, the runaway guard is armed,
        and functions' environment variables are restored afterwards."""
        VirtualTime.enter(self.clock.t)
        # A run allocates millions of short-lived objects while long-lived ones (queued
        # messages) pile up: collect the youngest generation less often (restored afterwards).
        threshold = gc.get_threshold()
        if threshold[0] < GC_THRESHOLD:
            gc.set_threshold(GC_THRESHOLD, *threshold[1:])
        try:
            yield
        finally:
            gc.set_threshold(*threshold)
            # No handler left running: put os.environ back (also inside an open lab.aws()
            # door, whose code between calls must not see a function's variables).
            if current() is None:
                Environ.restore()
            VirtualTime.exit()

    # --- identity -----------------------------------------------------------------------
    def arn(self, service: str, resource: str) -> str:
        return arn(service, self.region, self.account, resource)

    # --- Lambda shortcuts ---------------------------------------------------------------
    def function(self, handler=None, /, *, name: str | None = None, **settings):
        """Create a Lambda function from a Python callable; use directly or as a decorator.

        ``lab.function(handler, name="my-function", memory_size=512, timeout=30,
        duration="120ms", reserved_concurrency=10, ...)``; settings are listed in the README.
        Returns the :class:`~lambdalab.awslambda.function.Function`."""
        def make(h):
            return self.awslambda.create_function(h.__name__ if name is None else name, h,
                                                  **settings)
        return make(handler) if handler is not None else make

    def load(self, function, rate, duration, **options):
        """Drive ``function`` at ``rate`` requests/s (a number or a :mod:`lambdalab.load`
        pattern) for ``duration``; see :func:`lambdalab.load.drive`. Call ``lab.run()`` after."""
        from .load import drive
        return drive(self, function, rate, duration, **options)

    # --- what happened ------------------------------------------------------------------
    def trace(self, function: str | None = None):
        """One row per invocation attempt (a pandas DataFrame); see :mod:`lambdalab.observe`."""
        from .observe import trace
        return trace(self, function)

    def metrics(self, function: str | None = None, period="1m"):
        """CloudWatch ``AWS/Lambda`` metrics per period (a pandas DataFrame)."""
        from .observe import metrics
        return metrics(self, function, period)

    def cost(self, function: str | None = None, free_tier: bool = False) -> dict:
        """What the recorded invocations would cost on AWS (requests + GB-seconds)."""
        from .observe import cost
        return cost(self, function, free_tier)

    # --- deliveries between services ----------------------------------------------------
    def deliver(self, source: str, target: str, kind: str, body: str,
                attributes: dict | None = None) -> Delivery:
        """Send ``body`` from one resource to another by ARN (DLQs, destinations, ...).

        Every delivery is recorded in ``lab.deliveries``; a target owned by a lab service
        (a function, and later queues, topics and buses) also receives it. Deliveries to
        services the lab does not run yet are recorded only."""
        attributes = attributes or {}
        record = Delivery(self.t, source, target, kind, body, attributes)
        self.deliveries.append(record)
        parts = parse_arn(target)
        receiver = self.receivers.get(parts["service"]) if parts else None
        # S3 bucket ARNs carry neither account nor region (arn:aws:s3:::bucket).
        if parts and (parts["account"] not in (self.account, "")
                      or parts["region"] not in (self.region, "")):
            record.ok, record.error = False, f"{target} is not in this lab's account and region"
        elif parts and parts["service"] in ("sqs", "sns") and target.endswith(".fifo") \
                and kind in ("on-success", "on-failure"):
            # L/invocation-async-retain-records.html: FIFO targets fail delivery.
            record.ok, record.error = False, "FIFO queues and topics cannot be Lambda destinations"
        elif receiver is not None:
            try:
                receiver(target, body, attributes)
            except AWSError as exc:
                record.ok, record.error = False, str(exc)
        return record

    def deliveries_to(self, target: str) -> list[Delivery]:
        """The deliveries recorded for one target ARN, oldest first."""
        return [d for d in self.deliveries if d.target == target]

    def aws(self):
        """``with lab.aws():`` — boto3 and the AWS CLI talk to this lab (moto for the rest)."""
        from .door import Door
        return Door(self)

    def __repr__(self):
        return f"<Lab {self.account} {self.region} at {self.iso()}>"
