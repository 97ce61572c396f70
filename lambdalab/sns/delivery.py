"""Delivering one published message to one subscription: endpoints, retries, DLQs.

What counts as a failed delivery (SNS/sns-dead-letter-queues.html):

* **client-side errors** - the endpoint is gone or refuses the message: a deleted (or never
  created) function or queue, a function whose resource-based policy does not let
  ``sns.amazonaws.com`` invoke it for this topic, an SQS queue that rejects the message (too large for the queue,
  ...), an HTTP/S endpoint answering 4xx other than 429. SNS does not retry them: the message
  goes to the subscription's dead-letter queue, or is discarded.
* **server-side errors** - the endpoint is unavailable: an HTTP/S endpoint that does not answer
  or answers 5xx/429, or an outage you declare with ``lab.sns.set_unavailable(endpoint, "10m")``
  (the lab's fault model for Lambda and SQS, which never fail by themselves). SNS retries them
  per the delivery policy (:mod:`lambdalab.sns.retry`) on the virtual clock, then uses the DLQ.

A throttled function is *not* a failed SNS delivery: SNS invokes Lambda asynchronously and the
event waits in Lambda's own queue, where Lambda retries throttles for up to 6 hours
(L/invocation-async-error-handling.html); a function error is Lambda's retry business too.

Every (message, subscription) pair ends in exactly one outcome: ``delivered``, ``filtered``,
``dlq`` (sent to the subscription's dead-letter queue) or ``failed`` (discarded).
"""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from .. import facts
from ..errors import AWSError
from . import shapes
from .retry import jittered

LOOPBACK = ("127.0.0.1", "localhost", "::1")

# metric event codes
PUBLISHED, DELIVERED, FAILED, FILTERED, REDRIVEN, REDRIVE_FAILED = range(6)
METRIC_NAMES = ("NumberOfMessagesPublished", "NumberOfNotificationsDelivered",
                "NumberOfNotificationsFailed", "NumberOfNotificationsFilteredOut",
                "NumberOfNotificationsRedrivenToDlq", "NumberOfNotificationsFailedToRedriveToDlq")


class Notification:
    """One message on its way to one subscription, followed to its single final outcome."""

    __slots__ = ("message", "subscription", "attempts", "outcome", "error", "ended",
                 "request_id", "attempt_times")

    def __init__(self, message, subscription):
        self.message = message
        self.subscription = subscription
        self.attempts = 0
        self.outcome = None        # delivered | filtered | dlq | failed (None while retrying)
        self.error = None          # the last failure: (side, text)
        self.ended = None
        self.request_id = None     # Lambda endpoints: the async invocation's request ID
        self.attempt_times: list[float] = []

    def __repr__(self):
        return (f"<Notification {self.message.id} -> {self.subscription.protocol} "
                f"{self.outcome or 'pending'} after {self.attempts} attempt(s)>")


class EndpointError(Exception):
    def __init__(self, side: str, text: str):
        super().__init__(text)
        self.side = side           # "client" (no retry) or "server" (retried)
        self.text = text


class Deliverer:
    """Runs deliveries for ``lab.sns``."""

    def __init__(self, service):
        self.service = service
        self.lab = service.lab

    # --- the life of one notification ---------------------------------------------------
    def start(self, note: Notification) -> None:
        self.try_once(note)

    def try_once(self, note: Notification) -> None:
        sub = note.subscription
        lab, service = self.lab, self.service
        t = lab.t
        if sub.deleted:
            return self._end(note, "failed", ("client", "the subscription was deleted"))
        note.attempts += 1
        note.attempt_times.append(t)
        try:
            self.send(note)
        except EndpointError as exc:
            note.error = (exc.side, exc.text)
            if sub.protocol in ("http", "https"):
                service.metric(sub.topic, FAILED)   # HTTP/S: every failed attempt counts
            if exc.side == "server":
                policy = sub.retry_policy()
                delay = policy.delay(note.attempts) if policy is not None else None
                if delay is not None:
                    lab.clock.at(t + jittered(delay, service.jitter_rng), self.try_once, note)
                    return
            return self._give_up(note)
        self._end(note, "delivered", None)
        service.metric(sub.topic, DELIVERED)

    def _give_up(self, note: Notification) -> None:
        sub = note.subscription
        service = self.service
        if sub.protocol not in ("http", "https"):
            service.metric(sub.topic, FAILED)
        policy = sub.redrive_policy
        if policy:
            try:
                self._to_dead_letter(note, policy["deadLetterTargetArn"])
            except (EndpointError, AWSError) as exc:
                service.metric(sub.topic, REDRIVE_FAILED)
                text = exc.text if isinstance(exc, EndpointError) else str(exc)
                return self._end(note, "failed", ("client", f"{note.error[1]}; the "
                                                  f"dead-letter queue failed too: {text}"))
            service.metric(sub.topic, REDRIVEN)
            return self._end(note, "dlq", note.error)
        self._end(note, "failed", note.error)

    def _end(self, note, outcome, error) -> None:
        note.outcome = outcome
        note.error = error
        note.ended = self.lab.t

    def _to_dead_letter(self, note: Notification, arn: str) -> None:
        """SNS/sns-dead-letter-queues.html: the message goes to the subscription's SQS DLQ
        (the lab sends what the endpoint would have received as an SQS subscriber)."""
        queue = self.lab.sqs.queues_by_arn.get(arn)
        if queue is None:
            raise EndpointError("client", f"the dead-letter queue {arn} does not exist")
        self._sqs_send(queue, note)

    # --- endpoints ----------------------------------------------------------------------
    def send(self, note: Notification) -> None:
        sub = note.subscription
        until = self.service.unavailable.get(sub.endpoint)
        if until is not None and self.lab.t < until:
            raise EndpointError("server", f"{sub.endpoint} is unavailable (declared with "
                                "lab.sns.set_unavailable)")
        getattr(self, "_" + sub.protocol.replace("-", "_"))(note)

    def _lambda(self, note: Notification) -> None:
        sub, lab = note.subscription, self.lab
        try:
            fn = lab.awslambda.get(sub.endpoint)
        except AWSError:
            raise EndpointError("client", f"Function not found: {sub.endpoint}") from None
        if not lab.awslambda.allows(fn.name, "sns.amazonaws.com", sub.topic.arn):
            # L/with-sns.html: the function's resource-based policy must let SNS invoke it;
            # a refused invoke is a client-side error (SNS/sns-dead-letter-queues.html)
            raise EndpointError(
                "client", f"AccessDeniedException: SNS may not invoke {fn.arn}: add a "
                f"resource-based permission (aws lambda add-permission --function-name "
                f"{fn.name} --statement-id sns --action lambda:InvokeFunction --principal "
                f"sns.amazonaws.com --source-arn {sub.topic.arn})")
        payload = shapes.lambda_event(note.message, note.message.text_for("lambda"), sub.arn,
                                      lab.region)
        note.request_id = lab.ids.request_id()
        lab.awslambda.enqueue(fn, payload, note.request_id)

    def _sqs(self, note: Notification) -> None:
        queue = self.lab.sqs.queues_by_arn.get(note.subscription.endpoint)
        if queue is None:
            raise EndpointError("client", f"the queue {note.subscription.endpoint} does not "
                                "exist")
        self._sqs_send(queue, note)

    def _sqs_send(self, queue, note: Notification) -> None:
        sub, msg = note.subscription, note.message
        text = msg.text_for("sqs")
        if sub.raw:
            body, attributes = text, shapes.sqs_attributes(msg.attributes)
        else:
            body, attributes = shapes.envelope(msg, text, sub.arn, self.lab.region), None
        try:
            if queue.fifo:
                queue.send(body, attributes=attributes, group_id=msg.group,
                           deduplication_id=msg.dedup)
            else:
                queue.send(body, attributes=attributes)
        except AWSError as exc:
            raise EndpointError("client", str(exc)) from None

    def _http(self, note: Notification) -> None:
        sub, msg = note.subscription, note.message
        text = msg.text_for(sub.protocol)
        body = text if sub.raw else shapes.envelope(msg, text, sub.arn, self.lab.region)
        headers = {"x-amz-sns-message-type": "Notification", "x-amz-sns-message-id": msg.id,
                   "x-amz-sns-topic-arn": msg.topic_arn,
                   "x-amz-sns-subscription-arn": sub.arn,
                   "Content-Type": "text/plain; charset=UTF-8",
                   "User-Agent": "Amazon Simple Notification Service Agent"}
        if sub.raw:
            headers["x-amz-sns-rawdelivery"] = "true"
        self.post(sub, headers, body)

    _https = _http

    def post(self, sub, headers: dict, body: str) -> None:
        """Record an HTTP/S delivery; POST it for real only to a loopback URL."""
        record = {"time": self.lab.t, "url": sub.endpoint, "headers": headers, "body": body,
                  "status": None}
        sub.deliveries.append(record)
        host = urllib.parse.urlsplit(sub.endpoint).hostname or ""
        if host not in LOOPBACK:
            record["status"] = "recorded"   # nothing leaves the machine
            return
        request = urllib.request.Request(sub.endpoint, data=body.encode(), headers=headers,
                                         method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.service.http_timeout) as response:
                record["status"] = response.status
        except urllib.error.HTTPError as exc:
            record["status"] = exc.code
            side = "server" if exc.code >= 500 or exc.code == 429 else "client"
            raise EndpointError(side, f"{sub.endpoint} answered HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            record["status"] = "unreachable"
            raise EndpointError("server", f"{sub.endpoint} did not answer: {exc}") from None

    def _email(self, note: Notification) -> None:
        sub, msg = note.subscription, note.message
        sub.deliveries.append({"time": self.lab.t, "to": sub.endpoint,
                               "subject": msg.subject or "AWS Notification Message",
                               "body": msg.text_for(sub.protocol)})

    def _email_json(self, note: Notification) -> None:
        sub, msg = note.subscription, note.message
        sub.deliveries.append({"time": self.lab.t, "to": sub.endpoint,
                               "subject": msg.subject or "AWS Notification Message",
                               "body": shapes.envelope(msg, msg.text_for("email-json"),
                                                       sub.arn, self.lab.region)})

    def _sms(self, note: Notification) -> None:
        sub, msg = note.subscription, note.message
        sub.deliveries.append({"time": self.lab.t, "to": sub.endpoint,
                               "body": msg.text_for("sms")})

    # --- subscription confirmation --------------------------------------------------------
    def confirmation(self, sub) -> None:
        """Send the SubscriptionConfirmation message of a new HTTP/S or email subscription."""
        lab = self.lab
        doc = shapes.confirmation(sub.topic.arn, sub.arn, sub.token, self.service.new_id(),
                                  lab.iso(), lab.region)
        if sub.protocol in ("http", "https"):
            headers = {"x-amz-sns-message-type": "SubscriptionConfirmation",
                       "x-amz-sns-message-id": json.loads(doc)["MessageId"],
                       "x-amz-sns-topic-arn": sub.topic.arn,
                       "Content-Type": "text/plain; charset=UTF-8",
                       "User-Agent": "Amazon Simple Notification Service Agent"}
            try:
                self.post(sub, headers, doc)
            except EndpointError:
                pass   # the endpoint can still confirm with the token later
        else:
            sub.deliveries.append({"time": lab.t, "to": sub.endpoint,
                                   "subject": "AWS Notification - Subscription Confirmation",
                                   "body": doc})


HTTP_TIMEOUT = facts.SNS_HTTP_TIMEOUT
