"""Delivering a matched event to one target, with EventBridge's retry policy and DLQ.

What counts as a failure in the lab (EB/ = https://docs.aws.amazon.com/eventbridge/latest/userguide/):

- ``NO_PERMISSIONS`` (not retried, EB/eb-rule-dlq.html): a Lambda target without a ``RoleArn``
  whose resource-based policy has no statement letting ``events.amazonaws.com`` invoke it for
  this rule's ARN (``aws lambda add-permission ... --source-arn <rule ARN>``). The lab does not
  evaluate IAM: a target with a ``RoleArn`` is allowed, and SQS/SNS targets are always allowed
  (their queue and topic policies are not checked).
- ``NO_RESOURCE`` (not retried, same page): the target function, queue or bus does not exist.
- ``THROTTLING`` (retried): a Lambda target with reserved concurrency 0 (the lab's model of an
  Invoke call that Lambda throttles), or a receiving service that answers with a throttle.
- ``ERROR_FROM_TARGET`` (not retried): another error from the receiving service, e.g. a message
  too large for the queue.
- an outage the lab was told about (``lab.events.outage(arn, duration)``): retried, with the
  error code given (``CONNECTION_FAILURE`` by default).

A retried event is tried again after an exponential backoff with full jitter drawn from the
lab's seed (base and cap in :mod:`lambdalab.facts`: AWS does not publish them) until the
target's RetryPolicy is exhausted (185 attempts / 24 hours by default). A failed event goes to
the target's dead-letter queue when it has one, with the message attributes AWS documents
(RULE_ARN, TARGET_ARN, ERROR_CODE, ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION, RETRY_ATTEMPTS);
otherwise it is dropped.

A successful Lambda target means the asynchronous Invoke was accepted: what the function does
with the event afterwards (errors, retries, its own DLQ) is Lambda's business, as on AWS.
"""
from __future__ import annotations

from .. import facts
from ..awslambda.records import Delivery
from ..errors import AWSError
from ..ids import parse_arn
from .transformer import select

RETRYABLE = {"THROTTLING", "CONNECTION_FAILURE", "TIMEOUT", "INTERNAL_ERROR"}


class TargetFailure(Exception):
    """Why one delivery attempt failed: an EventBridge DLQ ERROR_CODE and a message."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    @property
    def retryable(self) -> bool:
        return self.code in RETRYABLE


class Invocation:
    """One event on its way to one target (followed through its retries)."""

    __slots__ = ("event", "event_json", "body", "rule", "target", "first", "attempts",
                 "outcome", "ended", "error")

    def __init__(self, event, event_json, body, rule, target, first):
        self.event = event            # the event dict
        self.event_json = event_json  # its JSON text
        self.body = body              # what the target receives (after Input* settings)
        self.rule = rule
        self.target = target          # the target dict (AWS member names)
        self.first = first            # lab time of the first attempt
        self.attempts = 0
        self.outcome = None           # delivered | failed (None while retrying)
        self.ended = None
        self.error = None             # the last TargetFailure

    def __repr__(self):
        return (f"<Invocation {self.event['id']} -> {self.target['Arn']} "
                f"{self.outcome or 'pending'} after {self.attempts} attempt(s)>")


def _lambda(service, inv: Invocation) -> None:
    lab, arn = service.lab, inv.target["Arn"]
    fn_name = parse_arn(arn)["resource"].split(":")[1] if ":" in parse_arn(arn)["resource"] \
        else None
    fn = lab.awslambda.functions.get(fn_name) if fn_name else None
    if fn is None:
        raise TargetFailure("NO_RESOURCE", f"Function not found: {arn}")
    # EventBridge Scheduler invokes with its execution role, and so does a rule target with a
    # RoleArn (EB/eb-use-resource-based.html: an IAM role instead of a resource-based policy;
    # the lab does not evaluate IAM); otherwise the function's resource-based policy decides
    if not getattr(inv.rule, "uses_role", False) and not inv.target.get("RoleArn") and \
            not lab.awslambda.allows(fn.name, "events.amazonaws.com", inv.rule.arn):
        raise TargetFailure(
            "NO_PERMISSIONS",
            f"The resource-based policy of {fn.name} does not allow events.amazonaws.com to "
            f"invoke it for {inv.rule.arn}: run aws lambda add-permission --function-name "
            f"{fn.name} --statement-id <id> --action lambda:InvokeFunction --principal "
            f"events.amazonaws.com --source-arn {inv.rule.arn}")
    if fn.reserved_concurrency == 0:
        raise TargetFailure("THROTTLING", f"Rate Exceeded: {fn.name} has reserved concurrency 0")
    lab.awslambda.enqueue(fn, inv.body.encode(), lab.ids.request_id())
    lab.deliveries.append(Delivery(lab.t, inv.rule.arn, arn, "events", inv.body, {}))


def _sqs(service, inv: Invocation) -> None:
    lab, arn = service.lab, inv.target["Arn"]
    queue = lab.sqs.queues_by_arn.get(arn)
    if queue is None or queue.deleted_queue:
        raise TargetFailure("NO_RESOURCE", f"The specified queue does not exist: {arn}")
    group = (inv.target.get("SqsParameters") or {}).get("MessageGroupId")
    try:
        if queue.fifo:
            # Lab choice: the event ID is the deduplication ID unless the queue deduplicates by
            # content (AWS does not document which ID it sends).
            queue.send(inv.body, group_id=group,
                       deduplication_id=None if queue.content_based_dedup else inv.event["id"])
        else:
            queue.send(inv.body)
    except AWSError as exc:
        raise TargetFailure("ERROR_FROM_TARGET", str(exc)) from None
    lab.deliveries.append(Delivery(lab.t, inv.rule.arn, arn, "events", inv.body, {}))


def _bus(service, inv: Invocation) -> None:
    arn = inv.target["Arn"]
    bus = service.buses_by_arn.get(arn)
    if bus is None:
        raise TargetFailure("NO_RESOURCE", f"Event bus {arn} does not exist.")
    service.lab.deliveries.append(Delivery(service.lab.t, inv.rule.arn, arn, "events",
                                           inv.body, {}))
    service.route(bus, inv.event, inv.event_json)


def _sns(service, inv: Invocation) -> None:
    """An SNS topic of the lab (lab.sns): the body is published to it."""
    arn = inv.target["Arn"]
    sns = getattr(service.lab, "sns", None)
    if sns is not None and arn not in sns.topics_by_arn:
        raise TargetFailure("NO_RESOURCE", f"Topic does not exist: {arn}")
    return _other(service, inv)


def _other(service, inv: Invocation) -> None:
    """SNS (when the lab runs it), Kinesis, Step Functions, ECS ...: ``lab.deliver``."""
    record = service.lab.deliver(inv.rule.arn, inv.target["Arn"], "events", inv.body, {})
    if not record.ok:
        error = record.error or "delivery failed"
        code = "THROTTLING" if "Throttl" in error or "TooManyRequests" in error else \
            "NO_RESOURCE" if "NotFound" in error or "does not exist" in error else \
            "ERROR_FROM_TARGET"
        raise TargetFailure(code, error)


def deliver_once(service, inv: Invocation) -> None:
    """One attempt; raises :class:`TargetFailure` when it fails."""
    arn = inv.target["Arn"]
    outage = service.outages.get(arn)
    if outage is not None and service.lab.t < outage[0]:
        raise TargetFailure(outage[1], f"{arn} is unavailable (lab.events.outage)")
    kind = parse_arn(arn)["service"]
    if kind == "lambda":
        return _lambda(service, inv)
    if kind == "sqs":
        return _sqs(service, inv)
    if kind == "sns":
        return _sns(service, inv)
    if kind == "events" and parse_arn(arn)["resource"].startswith("event-bus/"):
        return _bus(service, inv)
    if kind == "kinesis":
        return _kinesis(service, inv)
    return _other(service, inv)


def _kinesis(service, inv: Invocation) -> None:
    """A Kinesis stream of the lab: one record; the partition key is the value at
    KinesisParameters.PartitionKeyPath, or the event ID when none is set
    (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_KinesisParameters.html)."""
    path = (inv.target.get("KinesisParameters") or {}).get("PartitionKeyPath")
    key = select(inv.event, path) if path else inv.event["id"]
    record = service.lab.deliver(inv.rule.arn, inv.target["Arn"], "events", inv.body,
                                 {"PartitionKey": str(key if key is not None else inv.event["id"])})
    if not record.ok:
        raise TargetFailure("NO_RESOURCE", record.error or "delivery failed")


def backoff(service, attempt: int) -> float:
    """Seconds before retry number ``attempt`` (1 = the first retry): full jitter."""
    ceiling = min(facts.EVENTS_RETRY_CAP, facts.EVENTS_RETRY_BASE * 2 ** min(attempt, 30))
    return service.rng.uniform(0.0, ceiling)


def attempt(service, inv: Invocation) -> None:
    """Try now; on a retryable failure schedule the next try within the RetryPolicy."""
    lab = service.lab
    t = lab.clock.t
    inv.attempts += 1
    try:
        deliver_once(service, inv)
    except TargetFailure as failure:
        inv.error = failure
        service.log(f"rule {inv.rule.name} target {inv.target.get('Id', '-')}: attempt {inv.attempts} "
                    f"failed: {failure}")
        policy = inv.target.get("RetryPolicy") or {}
        max_retries = policy.get("MaximumRetryAttempts", facts.EVENTS_RETRY_ATTEMPTS.default)
        max_age = policy.get("MaximumEventAgeInSeconds", facts.EVENTS_EVENT_AGE.default)
        if not failure.retryable:
            return finish(service, inv, failed=True, condition=None)
        if inv.attempts > max_retries:
            return finish(service, inv, failed=True, condition="MaximumRetryAttemptsExhausted")
        delay = backoff(service, inv.attempts)
        if t + delay - inv.first >= max_age:
            return finish(service, inv, failed=True, condition="MaximumEventAgeExceeded")
        lab.clock.at(t + delay, attempt, service, inv)
        return
    finish(service, inv, failed=False, condition=None)


def finish(service, inv: Invocation, failed: bool, condition: str | None) -> None:
    lab = service.lab
    inv.outcome = "failed" if failed else "delivered"
    inv.ended = lab.clock.t
    rule_arn = inv.rule.arn
    service.count("Invocations", inv.rule)
    if not failed:
        return
    service.count("FailedInvocations", inv.rule)
    service.count("DeadLetterInvocations", inv.rule)
    dlq = (inv.target.get("DeadLetterConfig") or {}).get("Arn")
    error = inv.error
    if dlq is None:
        service.log(f"rule {inv.rule.name} target {inv.target.get('Id', '-')}: event {inv.event['id']} "
                    f"dropped after {inv.attempts} attempt(s) ({error.code}; no dead-letter queue)")
        return

    def attr(value) -> dict:
        return {"DataType": "String", "StringValue": str(value)}

    if hasattr(inv.rule, "dlq_attributes"):          # EventBridge Scheduler
        attributes = inv.rule.dlq_attributes(inv, condition)
    else:                                            # EB/eb-rule-dlq.html
        attributes = {"RULE_ARN": attr(rule_arn), "TARGET_ARN": attr(inv.target["Arn"]),
                      "ERROR_CODE": attr(error.code), "ERROR_MESSAGE": attr(error.message)}
        if condition is not None:
            attributes["EXHAUSTED_RETRY_CONDITION"] = attr(condition)
        attributes["RETRY_ATTEMPTS"] = attr(inv.attempts - 1)
    queue = lab.sqs.queues_by_arn.get(dlq)
    record = Delivery(lab.t, rule_arn, dlq, "dlq", inv.event_json, attributes)
    lab.deliveries.append(record)
    if queue is None or queue.deleted_queue:
        record.ok, record.error = False, f"The specified queue does not exist: {dlq}"
    else:
        try:
            queue.send(inv.event_json, attributes=attributes)
        except AWSError as exc:
            record.ok, record.error = False, str(exc)
    if record.ok:
        service.count("InvocationsSentToDlq", inv.rule)
        service.log(f"rule {inv.rule.name} target {inv.target.get('Id', '-')}: event {inv.event['id']} "
                    f"sent to {dlq} ({error.code})")
    else:
        service.count("InvocationsFailedToBeSentToDlq", inv.rule)
        service.log(f"rule {inv.rule.name} target {inv.target.get('Id', '-')}: event {inv.event['id']} "
                    f"could not be sent to {dlq}: {record.error}")
