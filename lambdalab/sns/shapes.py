"""The documents SNS sends to its subscribers.

* Lambda (L/with-sns.html): ``{"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
  "EventSubscriptionArn", "Sns": {Type, MessageId, TopicArn, Subject (null when absent),
  Message, Timestamp, SignatureVersion, Signature, SigningCertUrl, UnsubscribeUrl,
  MessageAttributes {name: {Type, Value}}}}]}`` - note ``Url`` spelled with a lowercase ``rl``.
* SQS and HTTP/S (SNS/sns-message-and-json-formats.html): the JSON "notification" document with
  ``SigningCertURL`` / ``UnsubscribeURL``; ``Subject`` and ``MessageAttributes`` only when
  present; FIFO topics add ``SequenceNumber``. SNS pretty-prints it (``"Type" : "..."``), and so
  does the lab.

Signatures: the lab cannot sign as AWS does (SHA1withRSA/SHA256withRSA with AWS's private key),
so ``Signature`` is a deterministic stand-in: the base64 of 256 bytes derived with SHA-256 from
the canonical string SNS signs (same length as a real RSA-2048 signature, 344 characters). It
will not verify against any certificate; ``SigningCertURL`` names a lab certificate that does
not exist.
"""
from __future__ import annotations

import base64
import hashlib
import json

CERT_NAME = "SimpleNotificationService-" + hashlib.md5(b"lambdalab").hexdigest() + ".pem"


def cert_url(region: str) -> str:
    return f"https://sns.{region}.amazonaws.com/{CERT_NAME}"


def unsubscribe_url(region: str, subscription_arn: str) -> str:
    return (f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn="
            f"{subscription_arn}")


def subscribe_url(region: str, topic_arn: str, token: str) -> str:
    return (f"https://sns.{region}.amazonaws.com/?Action=ConfirmSubscription&TopicArn="
            f"{topic_arn}&Token={token}")


def signature(fields: dict) -> str:
    """The lab's fake signature: deterministic, 344 base64 characters, never verifiable.

    The input is SNS's canonical string: for each signed field, in this order, its name and
    value on separate lines (SNS/sns-verify-signature-of-message.html)."""
    order = ("Message", "MessageId", "SubscribeURL", "Subject", "Timestamp", "Token",
             "TopicArn", "Type")
    text = "".join(f"{k}\n{fields[k]}\n" for k in order if fields.get(k) is not None).encode()
    data = b"".join(hashlib.sha256(bytes([i]) + text).digest() for i in range(8))
    return base64.b64encode(data).decode()


def api_attributes(attributes: dict | None) -> dict:
    """Published MessageAttributes (API shape) -> the notification's ``{Type, Value}`` form.
    Binary values are base64 text, as SNS writes them."""
    out = {}
    for name, value in (attributes or {}).items():
        if "BinaryValue" in value:
            out[name] = {"Type": value["DataType"],
                         "Value": base64.b64encode(value["BinaryValue"]).decode()}
        else:
            out[name] = {"Type": value["DataType"], "Value": value["StringValue"]}
    return out


def notification(msg, subscription_arn: str, region: str, url_case: str) -> dict:
    """The notification document for one subscriber. ``url_case`` is ``"URL"`` (SQS, HTTP/S)
    or ``"Url"`` (Lambda)."""
    doc = {"Type": "Notification", "MessageId": msg.id}
    if msg.sequence is not None:
        doc["SequenceNumber"] = msg.sequence
    doc["TopicArn"] = msg.topic_arn
    lambda_shape = url_case == "Url"
    if msg.subject is not None or lambda_shape:
        doc["Subject"] = msg.subject
    doc["Message"] = None      # the per-protocol text, set by the caller
    doc["Timestamp"] = msg.timestamp
    doc["SignatureVersion"] = msg.signature_version
    doc["Signature"] = None   # filled below
    doc["SigningCert" + url_case] = cert_url(region)
    doc["Unsubscribe" + url_case] = unsubscribe_url(region, subscription_arn)
    attributes = api_attributes(msg.attributes)
    if attributes or lambda_shape:
        doc["MessageAttributes"] = attributes
    return doc


def finish(doc: dict) -> dict:
    doc["Signature"] = signature(doc)
    return doc


def lambda_event(msg, message_text: str, subscription_arn: str, region: str) -> bytes:
    """The event a subscribed function receives (one record per invocation)."""
    doc = notification(msg, subscription_arn, region, "Url")
    doc["Message"] = message_text
    record = {"EventSource": "aws:sns", "EventVersion": "1.0",
              "EventSubscriptionArn": subscription_arn, "Sns": finish(doc)}
    return json.dumps({"Records": [record]}).encode()


def envelope(msg, message_text: str, subscription_arn: str, region: str) -> str:
    """The JSON body an SQS queue or an HTTP/S endpoint receives without raw delivery."""
    doc = notification(msg, subscription_arn, region, "URL")
    doc["Message"] = message_text
    return json.dumps(finish(doc), indent=2, separators=(",", " : "), ensure_ascii=False)


def sqs_attributes(attributes: dict | None) -> dict | None:
    """Raw delivery to SQS: SNS message attributes become SQS message attributes
    (SNS/sns-large-payload-raw-message-delivery.html). ``String.Array`` travels as String."""
    if not attributes:
        return None
    out = {}
    for name, value in attributes.items():
        dtype = value["DataType"]
        if "BinaryValue" in value:
            out[name] = {"DataType": dtype, "BinaryValue": value["BinaryValue"]}
        else:
            out[name] = {"DataType": "String" if dtype == "String.Array" else dtype,
                         "StringValue": value["StringValue"]}
    return out


def confirmation(topic_arn: str, subscription_arn: str, token: str, message_id: str,
                 timestamp: str, region: str) -> str:
    """The SubscriptionConfirmation document POSTed to a new HTTP/S endpoint."""
    url = subscribe_url(region, topic_arn, token)
    doc = {"Type": "SubscriptionConfirmation", "MessageId": message_id, "Token": token,
           "TopicArn": topic_arn,
           "Message": (f"You have chosen to subscribe to the topic {topic_arn}.\nTo confirm the "
                       "subscription, visit the SubscribeURL included in this message."),
           "SubscribeURL": url, "Timestamp": timestamp, "SignatureVersion": "1",
           "Signature": None, "SigningCertURL": cert_url(region)}
    return json.dumps(finish(doc), indent=2, separators=(",", " : "))
