"""SQS API operations answered by the lab: operation name -> (HTTP status, response dict).

Member names follow botocore's SQS service model (JSON protocol). Batch operations report
per-entry failures in ``Failed`` as SQS does; request-level problems raise AWS error codes.
"""
from __future__ import annotations

from .. import facts
from ..sqs import (BATCH_ID, AWSError, BatchEntryIdsNotDistinct, BatchRequestTooLong,
                   EmptyBatchRequest, InvalidBatchEntryId, InvalidParameterValue,
                   MissingParameter, TooManyEntriesInBatchRequest)
from .paging import page

BATCH_BYTES = facts.SQS_MAXIMUM_MESSAGE_SIZE.high   # a whole batch request is capped at 1 MiB


def _queue(lab, p):
    if not p.get("QueueUrl"):
        raise MissingParameter("The request must contain the parameter QueueUrl.")
    return lab.sqs.get(p["QueueUrl"])


def create_queue(lab, p):
    queue = lab.sqs.create_queue(p["QueueName"], p.get("Attributes") or {}, p.get("tags") or {})
    return 200, {"QueueUrl": queue.url}


def get_queue_url(lab, p):
    owner = p.get("QueueOwnerAWSAccountId")
    if owner and owner != lab.account:
        from ..sqs import QueueDoesNotExist
        raise QueueDoesNotExist("The specified queue does not exist.")
    return 200, {"QueueUrl": lab.sqs.get(p["QueueName"]).url}


def get_queue_attributes(lab, p):
    queue = _queue(lab, p)
    names = p.get("AttributeNames") or []
    return 200, {"Attributes": queue.attributes(names)} if names else {}


def set_queue_attributes(lab, p):
    _queue(lab, p).set_attributes(p.get("Attributes") or {})
    return 200, {}


def _page(items, p, key):
    start = int(p.get("NextToken") or 0)
    size = p.get("MaxResults")
    if size is None and "NextToken" not in p:
        return {key: items[:1000]} if items else {}
    size = size or 1000
    if not 1 <= size <= 1000:
        raise InvalidParameterValue(
            f"Value {size} for parameter MaxResults is invalid. Reason: MaxResults must be an "
            "integer between 1 and 1000.")
    body = page(items, start, size, key)
    if not body[key]:
        del body[key]               # SQS leaves an empty list out
    return body


def list_queues(lab, p):
    urls = [q.url for q in lab.sqs.list_queues(p.get("QueueNamePrefix") or "")]
    return 200, _page(urls, p, "QueueUrls")


def delete_queue(lab, p):
    lab.sqs.delete_queue(_queue(lab, p))
    return 200, {}


def purge_queue(lab, p):
    _queue(lab, p).purge()
    return 200, {}


def send_message(lab, p):
    queue = _queue(lab, p)
    out = queue.send(p.get("MessageBody"), delay_seconds=p.get("DelaySeconds"),
                     attributes=p.get("MessageAttributes"),
                     group_id=p.get("MessageGroupId"),
                     deduplication_id=p.get("MessageDeduplicationId"),
                     system_attributes=p.get("MessageSystemAttributes"))
    return 200, out


def _check_batch(entries, what):
    if not entries:
        raise EmptyBatchRequest(f"There should be at least one {what} in the request.")
    if len(entries) > facts.SQS_BATCH_ENTRIES:
        raise TooManyEntriesInBatchRequest(
            f"Maximum number of entries per request are {facts.SQS_BATCH_ENTRIES}. You have "
            f"sent {len(entries)}.")
    ids = [e.get("Id") for e in entries]
    for ident in ids:
        if not isinstance(ident, str) or not BATCH_ID.fullmatch(ident):
            raise InvalidBatchEntryId(
                "A batch entry id can only contain alphanumeric characters, hyphens and "
                "underscores. It can be at most 80 letters long.")
    if len(set(ids)) != len(ids):
        duplicate = next(i for i in ids if ids.count(i) > 1)
        raise BatchEntryIdsNotDistinct(f"Id {duplicate} repeated.")


def _failed(entry_id, exc: AWSError):
    return {"Id": entry_id, "SenderFault": exc.status < 500, "Code": exc.code,
            "Message": exc.message}


def send_message_batch(lab, p):
    queue = _queue(lab, p)
    entries = p.get("Entries") or []
    _check_batch(entries, "SendMessageBatchRequestEntry")
    total = sum(len((e.get("MessageBody") or "").encode()) for e in entries)
    if total > BATCH_BYTES:
        raise BatchRequestTooLong(
            f"Batch requests cannot be longer than {BATCH_BYTES} bytes. You have sent {total} "
            "bytes.")
    ok, failed = [], []
    for e in entries:
        try:
            out = queue.send(e.get("MessageBody"), delay_seconds=e.get("DelaySeconds"),
                             attributes=e.get("MessageAttributes"),
                             group_id=e.get("MessageGroupId"),
                             deduplication_id=e.get("MessageDeduplicationId"),
                             system_attributes=e.get("MessageSystemAttributes"))
            ok.append({"Id": e["Id"], **out})
        except AWSError as exc:
            failed.append(_failed(e["Id"], exc))
    return 200, {"Successful": ok, "Failed": failed}


def receive_message(lab, p):
    queue = _queue(lab, p)
    names = list(p.get("MessageSystemAttributeNames") or []) + \
        list(p.get("AttributeNames") or [])
    messages = queue.receive(p.get("MaxNumberOfMessages", 1),
                             visibility_timeout=p.get("VisibilityTimeout"),
                             wait_time=p.get("WaitTimeSeconds"), attribute_names=names,
                             message_attribute_names=p.get("MessageAttributeNames") or ())
    return 200, {"Messages": messages} if messages else {}


def delete_message(lab, p):
    _queue(lab, p).delete(p.get("ReceiptHandle"))
    return 200, {}


def delete_message_batch(lab, p):
    queue = _queue(lab, p)
    entries = p.get("Entries") or []
    _check_batch(entries, "DeleteMessageBatchRequestEntry")
    ok, failed = [], []
    for e in entries:
        try:
            queue.delete(e.get("ReceiptHandle"))
            ok.append({"Id": e["Id"]})
        except AWSError as exc:
            failed.append(_failed(e["Id"], exc))
    return 200, {"Successful": ok, "Failed": failed}


def change_message_visibility(lab, p):
    _queue(lab, p).change_visibility(p.get("ReceiptHandle"), p.get("VisibilityTimeout"))
    return 200, {}


def change_message_visibility_batch(lab, p):
    queue = _queue(lab, p)
    entries = p.get("Entries") or []
    _check_batch(entries, "ChangeMessageVisibilityBatchRequestEntry")
    ok, failed = [], []
    for e in entries:
        try:
            queue.change_visibility(e.get("ReceiptHandle"), e.get("VisibilityTimeout", 0))
            ok.append({"Id": e["Id"]})
        except AWSError as exc:
            failed.append(_failed(e["Id"], exc))
    return 200, {"Successful": ok, "Failed": failed}


def list_dead_letter_source_queues(lab, p):
    urls = [q.url for q in lab.sqs.dead_letter_sources(_queue(lab, p))]
    body = _page(urls, p, "queueUrls")
    body.setdefault("queueUrls", [])
    return 200, body


def start_message_move_task(lab, p):
    task = lab.sqs.start_message_move_task(p["SourceArn"], p.get("DestinationArn"),
                                           p.get("MaxNumberOfMessagesPerSecond"))
    return 200, {"TaskHandle": task.handle}


def cancel_message_move_task(lab, p):
    task = lab.sqs.cancel_message_move_task(p["TaskHandle"])
    return 200, {"ApproximateNumberOfMessagesMoved": task.moved}


def list_message_move_tasks(lab, p):
    source = lab.sqs.queues_by_arn.get(p["SourceArn"])
    if source is None:
        from ..sqs import ResourceNotFoundException
        raise ResourceNotFoundException("The resource that you specified for the SourceArn "
                                        "parameter doesn't exist.")
    size = p.get("MaxResults") or 1
    tasks = [t.describe() for t in reversed(lab.sqs.move_tasks) if t.source is source]
    return 200, {"Results": tasks[:size]}


def tag_queue(lab, p):
    queue = _queue(lab, p)
    tags = dict(queue.tags, **(p.get("Tags") or {}))
    if len(tags) > 50:
        raise InvalidParameterValue("Too many tags added for queue: a queue can have 50 tags.")
    queue.tags = tags
    return 200, {}


def untag_queue(lab, p):
    queue = _queue(lab, p)
    for key in p.get("TagKeys") or []:
        queue.tags.pop(key, None)
    return 200, {}


def list_queue_tags(lab, p):
    queue = _queue(lab, p)
    return 200, {"Tags": dict(queue.tags)} if queue.tags else {}


OPERATIONS = {
    "CreateQueue": create_queue, "GetQueueUrl": get_queue_url,
    "GetQueueAttributes": get_queue_attributes, "SetQueueAttributes": set_queue_attributes,
    "ListQueues": list_queues, "DeleteQueue": delete_queue, "PurgeQueue": purge_queue,
    "SendMessage": send_message, "SendMessageBatch": send_message_batch,
    "ReceiveMessage": receive_message, "DeleteMessage": delete_message,
    "DeleteMessageBatch": delete_message_batch,
    "ChangeMessageVisibility": change_message_visibility,
    "ChangeMessageVisibilityBatch": change_message_visibility_batch,
    "ListDeadLetterSourceQueues": list_dead_letter_source_queues,
    "StartMessageMoveTask": start_message_move_task,
    "CancelMessageMoveTask": cancel_message_move_task,
    "ListMessageMoveTasks": list_message_move_tasks,
    "TagQueue": tag_queue, "UntagQueue": untag_queue, "ListQueueTags": list_queue_tags,
}
