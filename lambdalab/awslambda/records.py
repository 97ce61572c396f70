"""Facts recorded in the hot path (slotted objects); logs, frames and plots are derived later."""
from __future__ import annotations


class Attempt:
    """One invocation attempt, or one throttled request (``outcome == "throttled"``)."""

    __slots__ = ("request_id", "function", "invocation_type", "attempt", "start", "init",
                 "duration", "billed_ms", "memory_size", "memory_used", "cold", "env",
                 "provisioned", "outcome", "error_type", "output", "reason", "payload_in",
                 "payload_out", "architecture", "log_stream")

    def __init__(self, request_id, function, invocation_type, attempt, start):
        self.request_id = request_id
        self.function = function          # function name
        self.invocation_type = invocation_type  # RequestResponse | Event | EventSourceMapping
        self.attempt = attempt            # 1 for the first try
        self.start = start                # lab seconds when the request reached Lambda
        self.init = 0.0                   # init duration (cold starts), seconds
        self.duration = 0.0               # handler duration, seconds
        self.billed_ms = 0
        self.memory_size = 0
        self.memory_used = 0
        self.cold = False
        self.env = None                   # environment id
        self.provisioned = False
        self.outcome = "throttled"        # success | error | timeout | throttled
        self.error_type = None
        self.output = ()                  # log lines the handler wrote
        self.reason = None                # throttle reason
        self.payload_in = 0               # request bytes
        self.payload_out = 0
        self.architecture = "x86_64"
        self.log_stream = ""              # the environment's CloudWatch Logs stream

    @property
    def end(self) -> float:
        # rounded: an end and an arrival at the same instant must tie, not miss by 1e-16
        return round(self.start + self.init + self.duration, 9)


class AsyncEvent:
    """An event accepted by an asynchronous invoke, followed to its single final outcome."""

    __slots__ = ("request_id", "function", "payload", "received", "errors", "throttles",
                 "outcome", "ended", "last_error", "condition", "last_response", "invokes")

    def __init__(self, request_id, function, payload, received):
        self.request_id = request_id
        self.function = function
        self.payload = payload           # request bytes
        self.received = received
        self.errors = 0                  # attempts that ended in a function error
        self.throttles = 0
        self.invokes = 0                 # attempts that ran the function
        self.outcome = None              # succeeded | delivered | dropped (None while pending)
        self.ended = None
        self.last_error = None           # (HTTP status, error type, message) of the last failure:
                                         # 200 for a function error, 429 for a throttle
        self.condition = None            # Success | RetriesExhausted | EventAgeExceeded
        self.last_response = None


class Delivery:
    """A message Lambda (or another lab service) sent to a target ARN."""

    __slots__ = ("time", "source", "target", "kind", "body", "attributes", "ok", "error")

    def __init__(self, time, source, target, kind, body, attributes, ok=True, error=None):
        self.time = time
        self.source = source          # ARN of the sender
        self.target = target          # ARN of the receiver
        self.kind = kind              # "dlq" | "on-success" | "on-failure" | ...
        self.body = body              # str
        self.attributes = attributes  # dict of message attributes (may be empty)
        self.ok = ok
        self.error = error

    def __repr__(self):
        return f"<Delivery {self.kind} -> {self.target} at {self.time:g}s>"
