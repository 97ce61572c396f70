"""S3 event notifications bridged from moto into the lab (S3 itself stays moto's).

Inside ``lab.aws()`` every S3 client gets botocore event handlers (the door's mechanism):

- ``PutBucketNotificationConfiguration``: configurations without an ``Id`` get a seeded one
  (so event records are deterministic); destinations are validated as S3 does (the function
  exists and its resource policy lets ``s3.amazonaws.com`` invoke it for this bucket; the queue
  exists and is not FIFO; the topic exists), else ``InvalidArgument`` "Unable to validate the
  following destination configurations"; afterwards S3's ``s3:TestEvent`` goes to each
  queue and topic.
- ``PutObject`` / ``CopyObject`` / ``CompleteMultipartUpload`` / ``DeleteObject`` /
  ``DeleteObjects`` that succeed produce one S3 event record per matching configuration
  (event type, ``prefix`` / ``suffix`` filter rules), delivered through the lab at the current
  virtual time with ``lab.deliver(bucket_arn, destination_arn, "s3-notification", body)``:
  a function receives it as an asynchronous invoke, a queue as a message, a topic as an SNS
  message (recorded until the lab runs SNS). With ``EventBridgeConfiguration: {}`` every event
  also goes to the default event bus as an ``aws.s3`` event (``Object Created`` /
  ``Object Deleted``).

The configuration is read back from moto's S3 backend (what GetBucketNotificationConfiguration
shows). Shapes: S3/notification-content-structure.html and S3/ev-events.html, where S3/ =
https://docs.aws.amazon.com/AmazonS3/latest/userguide/.

Overlapping configurations (a shared event type with prefixes or suffixes where one extends
the other) answer ``InvalidArgument`` "Configurations overlap", as S3 does.

Known gaps: queue and topic policies are not checked; objects changed outside the door (moto
directly) notify nothing; ObjectRemoved events are sent only for keys that existed; the
principal IDs in records are fixed placeholders.
"""
from __future__ import annotations

import json
from urllib.parse import quote_plus

S3_PRINCIPAL = "s3.amazonaws.com"
USER_PRINCIPAL = "AWS:AIDALAMBDALABEXAMPLE"      # placeholder requester identity
OWNER_PRINCIPAL = "A1LAMBDALABOWNER"             # placeholder bucket owner canonical ID
SOURCE_IP = "127.0.0.1"
_CREATED = {"PutObject": "ObjectCreated:Put", "CopyObject": "ObjectCreated:Copy",
            "CompleteMultipartUpload": "ObjectCreated:CompleteMultipartUpload"}
_KINDS = (("LambdaFunctionConfigurations", "LambdaFunctionArn", "cloud_function"),
          ("QueueConfigurations", "QueueArn", "queue"),
          ("TopicConfigurations", "TopicArn", "topic"))


def attach(door, client) -> None:
    """Register the notification handlers on one S3 client."""
    events = client.meta.events
    bridge = Bridge(door.lab)
    events.register("before-parameter-build.s3", _keep_params)
    events.register("before-parameter-build.s3.PutBucketNotificationConfiguration",
                    bridge.fill_ids)
    events.register("before-call.s3.PutBucketNotificationConfiguration", bridge.validate)
    events.register("after-call.s3.PutBucketNotificationConfiguration", bridge.test_events)
    for operation in ("DeleteObject", "DeleteObjects"):
        events.register(f"before-call.s3.{operation}", bridge.note_existing)
    for operation in (*_CREATED, "DeleteObject", "DeleteObjects"):
        events.register(f"after-call.s3.{operation}", bridge.after)


def _keep_params(params, context, **_):
    context["lambdalab_params"] = dict(params)


def _backend():
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends
    return s3_backends[DEFAULT_ACCOUNT_ID]["aws"]


def _bucket(name):
    try:
        return _backend().get_bucket(name)
    except Exception:   # noqa: BLE001 - moto's MissingBucket: the S3 call itself reports it
        return None


def _rules(filters) -> dict:
    """{"prefix": ..., "suffix": ...} from a configuration's Filter (moto's or boto3's shape)."""
    if not filters:
        return {}
    key = filters.get("S3Key") or filters.get("Key") or {}
    rules = key.get("FilterRule") or key.get("FilterRules") or []
    if isinstance(rules, dict):
        rules = [rules]
    return {r["Name"].lower(): r["Value"] for r in rules}


def matches(events, filters, event_name: str, key: str) -> bool:
    """Whether a configuration (its event list and filter) covers ``event_name`` on ``key``.

    S3/notification-how-to-filtering.html: prefix and suffix rules both apply."""
    family = event_name.split(":")[0]
    if f"s3:{event_name}" not in events and f"s3:{family}:*" not in events:
        return False
    rules = _rules(filters)
    return key.startswith(rules.get("prefix", "")) and key.endswith(rules.get("suffix", ""))


def _events_overlap(a, b) -> bool:
    for x in a:
        for y in b:
            fx, fy = x.split(":")[:2], y.split(":")[:2]
            if x == y or (fx == fy and (x.endswith(":*") or y.endswith(":*"))):
                return True
    return False


def overlap(a: dict, b: dict) -> bool:
    """Whether two configurations (boto3 shape) could both match one event: a shared event type
    and prefixes / suffixes where one extends the other (S3/notification-how-to-filtering.html,
    "Examples of valid notification configurations with object key name filtering")."""
    if not _events_overlap(a.get("Events") or [], b.get("Events") or []):
        return False
    ra, rb = _rules(a.get("Filter")), _rules(b.get("Filter"))
    pa, pb = ra.get("prefix", ""), rb.get("prefix", "")
    sa, sb = ra.get("suffix", ""), rb.get("suffix", "")
    return (pa.startswith(pb) or pb.startswith(pa)) and (sa.endswith(sb) or sb.endswith(sa))


class Bridge:
    def __init__(self, lab):
        self.lab = lab

    # --- configuration --------------------------------------------------------------------
    def fill_ids(self, params, **_):
        config = params.get("NotificationConfiguration") or {}
        for section, _, _ in _KINDS:
            for entry in config.get(section) or []:
                entry.setdefault("Id", self.lab.ids.uuid())

    def validate(self, context, **_):
        from . import _error
        params = context.get("lambdalab_params", {})
        bucket = params.get("Bucket")
        config = params.get("NotificationConfiguration") or {}
        metadata = {"RequestId": self.lab.ids.api_request_id(), "HTTPHeaders": {},
                    "RetryAttempts": 0}
        entries = [entry for section, _, _ in _KINDS for entry in config.get(section) or []]
        for i, first in enumerate(entries):
            for second in entries[i + 1:]:
                if overlap(first, second):
                    return _error(400, "InvalidArgument",
                                  "Configurations overlap. Configurations on the same bucket "
                                  "cannot share a common event type (configurations "
                                  f"{first.get('Id')} and {second.get('Id')}: give them "
                                  "disjoint event types or non-overlapping prefix/suffix "
                                  "filters)", {}, metadata)
        bad = []
        for section, member, _ in _KINDS:
            for entry in config.get(section) or []:
                problem = self._check(section, entry[member], bucket)
                if problem:
                    bad.append((entry[member], problem))
        if not bad:
            return None
        reasons = "; ".join(f"{arn}: {why}" for arn, why in bad)
        return _error(400, "InvalidArgument",
                      f"Unable to validate the following destination configurations ({reasons})",
                      {"ArgumentName": bad[0][0], "ArgumentValue": bad[0][1]}, metadata)

    def _check(self, section, arn, bucket) -> str | None:
        parts = arn.split(":")
        if len(parts) < 6 or parts[3] != self.lab.region or parts[4] != self.lab.account:
            return f"not a resource of this lab ({self.lab.account}, {self.lab.region})"
        if section == "LambdaFunctionConfigurations":
            from ..errors import AWSError
            try:
                fn = self.lab.awslambda.get(arn)
            except AWSError:
                return "the function does not exist"
            if not self.lab.awslambda.allows(fn.name, S3_PRINCIPAL, f"arn:aws:s3:::{bucket}"):
                return ("the function's resource policy does not let s3.amazonaws.com invoke it "
                        "(lambda add-permission --principal s3.amazonaws.com --source-arn "
                        f"arn:aws:s3:::{bucket})")
        elif section == "QueueConfigurations":
            if arn not in self.lab.sqs.queues_by_arn:
                return "the queue does not exist"
            if arn.endswith(".fifo"):
                return "S3 event notifications cannot target FIFO queues"
        elif section == "TopicConfigurations":
            sns = getattr(self.lab, "sns", None)
            if sns is not None and arn not in sns.topics_by_arn:
                return "the topic does not exist"
        return None

    def test_events(self, http_response, parsed, params=None, context=None, **_):
        """S3/notification-how-to-event-types-and-destinations.html: after a configuration is
        saved, S3 sends an ``s3:TestEvent`` to its queues and topics."""
        if http_response.status_code >= 300:
            return
        params = (context or {}).get("lambdalab_params", {})
        name = params.get("Bucket")
        config = params.get("NotificationConfiguration") or {}
        targets = []
        for section, member, _ in _KINDS[1:]:
            for entry in config.get(section) or []:
                if entry[member] not in targets:
                    targets.append(entry[member])
        for target in targets:
            body = json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent",
                               "Time": self.lab.iso(), "Bucket": name,
                               "RequestId": self.lab.ids.hex(16).upper(),
                               "HostId": self.lab.ids.hex(64)})
            self.lab.deliver(f"arn:aws:s3:::{name}", target, "s3-notification", body)

    # --- object events --------------------------------------------------------------------
    def note_existing(self, context, **_):
        params = context.get("lambdalab_params", {})
        bucket = _bucket(params.get("Bucket"))
        keys = [params["Key"]] if "Key" in params else \
            [o["Key"] for o in (params.get("Delete") or {}).get("Objects", [])]
        context["lambdalab_existed"] = {
            k for k in keys if bucket is not None and k in bucket.keys}

    def after(self, http_response, parsed, model, context, **_):
        if http_response.status_code >= 300:
            return
        params = context.get("lambdalab_params", {})
        name = params.get("Bucket")
        bucket = _bucket(name)
        if bucket is None:
            return
        operation = model.name
        if operation in _CREATED:
            key = params["Key"]
            obj = _backend().get_object(name, key)
            if obj is not None:
                self.emit(bucket, _CREATED[operation], key, obj, operation)
            return
        existed = context.get("lambdalab_existed", set())
        if operation == "DeleteObject":
            deleted = [{"Key": params["Key"], "VersionId": params.get("VersionId"),
                        "DeleteMarker": parsed.get("DeleteMarker"),
                        "DeleteMarkerVersionId": parsed.get("VersionId")}]
        else:
            deleted = parsed.get("Deleted") or []
        for item in deleted:
            if item["Key"] not in existed:
                continue
            marker = bool(item.get("DeleteMarker")) and not item.get("VersionId")
            event = "ObjectRemoved:DeleteMarkerCreated" if marker else "ObjectRemoved:Delete"
            version = item.get("DeleteMarkerVersionId") if marker else item.get("VersionId")
            self.emit(bucket, event, item["Key"], None, "DeleteObject", version)

    def _sequencer(self) -> str:
        """Increasing per bucket-key in the order events happen (S3 publishes 16+ hex digits)."""
        self.lab.__dict__["_s3_sequence"] = self.lab.__dict__.get("_s3_sequence", 0) + 1
        return f"{int(round(self.lab.t * 1000)):012X}{self.lab.__dict__['_s3_sequence']:06X}"

    def emit(self, bucket, event_name, key, obj, reason, version=None) -> None:
        config = bucket.notification_configuration
        if config is None:
            return
        sequencer = self._sequencer()
        request_id = self.lab.ids.hex(16).upper()
        host_id = self.lab.ids.hex(64)
        bucket_arn = f"arn:aws:s3:::{bucket.name}"
        if obj is not None and obj.version_id and obj.version_id != "null":
            version = obj.version_id
        for _, _, attribute in _KINDS:
            for entry in getattr(config, attribute):
                if not matches(entry.events, entry.filters, event_name, key):
                    continue
                record = self.record(bucket, event_name, key, obj, entry.id, sequencer,
                                     request_id, host_id, version)
                self.lab.deliver(bucket_arn, entry.arn, "s3-notification",
                                 json.dumps({"Records": [record]}))
        if config.event_bridge is not None:
            self.lab.deliver(bucket_arn, self.lab.arn("events", "event-bus/default"),
                             "s3-event", json.dumps(self.eventbridge_event(
                                 bucket, event_name, key, obj, sequencer, request_id, reason,
                                 version)))

    def record(self, bucket, event_name, key, obj, config_id, sequencer, request_id, host_id,
               version) -> dict:
        """One S3 event record (S3/notification-content-structure.html, eventVersion 2.1)."""
        s3_object = {"key": quote_plus(key, safe="/")}
        if obj is not None:
            s3_object.update(size=obj.size, eTag=obj.etag.strip('"'))
        if version:
            s3_object["versionId"] = version
        s3_object["sequencer"] = sequencer
        return {
            "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": self.lab.region,
            "eventTime": self.lab.iso(), "eventName": event_name,
            "userIdentity": {"principalId": USER_PRINCIPAL},
            "requestParameters": {"sourceIPAddress": SOURCE_IP},
            "responseElements": {"x-amz-request-id": request_id, "x-amz-id-2": host_id},
            "s3": {"s3SchemaVersion": "1.0", "configurationId": config_id,
                   "bucket": {"name": bucket.name, "ownerIdentity": {
                       "principalId": OWNER_PRINCIPAL}, "arn": f"arn:aws:s3:::{bucket.name}"},
                   "object": s3_object}}

    def eventbridge_event(self, bucket, event_name, key, obj, sequencer, request_id, reason,
                          version) -> dict:
        """The ``aws.s3`` event S3 sends to the default bus (S3/ev-events.html)."""
        created = event_name.startswith("ObjectCreated")
        s3_object = {"key": key}
        if obj is not None:
            s3_object.update(size=obj.size, etag=obj.etag.strip('"'))
        if version:
            s3_object["version-id"] = version
        s3_object["sequencer"] = sequencer
        detail = {"version": "0", "bucket": {"name": bucket.name}, "object": s3_object,
                  "request-id": request_id, "requester": self.lab.account,
                  "source-ip-address": SOURCE_IP, "reason": reason}
        if not created:
            detail["deletion-type"] = ("Delete Marker Created" if
                                       event_name.endswith("DeleteMarkerCreated")
                                       else "Permanently Deleted")
        moment = self.lab.now
        return {"version": "0", "id": self.lab.ids.uuid(),
                "detail-type": "Object Created" if created else "Object Deleted",
                "source": "aws.s3", "account": self.lab.account,
                "time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"), "region": self.lab.region,
                "resources": [f"arn:aws:s3:::{bucket.name}"], "detail": detail}
