"""SNS API operations answered by the lab: operation name -> (HTTP status, response dict).

Member names follow botocore's SNS service model (query protocol). List operations return 100
items per page with an opaque ``NextToken`` (SNSAPI/API_ListTopics.html).
"""
from __future__ import annotations

from .. import facts
from ..sns.errors import InvalidParameter, NotFound
from .paging import page


def _tags(items) -> dict:
    out = {}
    for item in items or []:
        out[item["Key"]] = item.get("Value", "")
    return out


def _page(items, p, key):
    token = p.get("NextToken")
    try:
        start = int(token) if token else 0
        if start < 0 or start > len(items):
            raise ValueError
    except ValueError:
        raise InvalidParameter("Invalid parameter: NextToken (pass the NextToken of the "
                               "previous page)") from None
    return page(items, start, facts.SNS_PAGE_SIZE, key)


def create_topic(lab, p):
    topic = lab.sns.create_topic(p["Name"], p.get("Attributes") or {}, _tags(p.get("Tags")))
    return 200, {"TopicArn": topic.arn}


def delete_topic(lab, p):
    lab.sns.delete_topic(p["TopicArn"])
    return 200, {}


def list_topics(lab, p):
    return 200, _page([{"TopicArn": t.arn} for t in lab.sns.list_topics()], p, "Topics")


def get_topic_attributes(lab, p):
    return 200, {"Attributes": lab.sns.get_topic(p["TopicArn"]).attributes()}


def set_topic_attributes(lab, p):
    topic = lab.sns.get_topic(p["TopicArn"])
    name = p["AttributeName"]
    if name == "FifoTopic":
        raise InvalidParameter("Invalid parameter: AttributeName: FifoTopic can only be set "
                               "when the topic is created")
    topic.set_attributes({name: p.get("AttributeValue") or ""})
    return 200, {}


def subscribe(lab, p):
    # the API does not touch the function's policy: call lambda AddPermission, as on AWS
    sub = lab.sns.subscribe(p["TopicArn"], p["Protocol"], p.get("Endpoint"),
                            p.get("Attributes") or {}, add_permission=False)
    arn = "pending confirmation" if sub.pending and not p.get("ReturnSubscriptionArn") \
        else sub.arn
    return 200, {"SubscriptionArn": arn}


def confirm_subscription(lab, p):
    sub = lab.sns.confirm_subscription(p["TopicArn"], p["Token"],
                                       p.get("AuthenticateOnUnsubscribe"))
    return 200, {"SubscriptionArn": sub.arn}


def unsubscribe(lab, p):
    lab.sns.unsubscribe(p["SubscriptionArn"])
    return 200, {}


def list_subscriptions(lab, p):
    subs = [s.describe() for s in lab.sns.list_subscriptions()]
    return 200, _page(subs, p, "Subscriptions")


def list_subscriptions_by_topic(lab, p):
    subs = [s.describe() for s in lab.sns.list_subscriptions(p["TopicArn"])]
    return 200, _page(subs, p, "Subscriptions")


def get_subscription_attributes(lab, p):
    return 200, {"Attributes": lab.sns.get_subscription(p["SubscriptionArn"]).attributes()}


def set_subscription_attributes(lab, p):
    sub = lab.sns.get_subscription(p["SubscriptionArn"])
    sub.set_attributes({p["AttributeName"]: p.get("AttributeValue")})
    return 200, {}


def publish(lab, p):
    target = p.get("TopicArn") or p.get("TargetArn")
    if p.get("PhoneNumber"):
        if target:
            raise InvalidParameter("Invalid parameter: give TopicArn, TargetArn or "
                                   "PhoneNumber, not several")
        return 200, lab.sns.send_sms(p["PhoneNumber"], p.get("Message"))
    if not target:
        raise InvalidParameter("Invalid parameter: TopicArn or TargetArn Reason: no value "
                               "for required parameter")
    out = lab.sns.publish(target, p.get("Message"), subject=p.get("Subject"),
                          message_attributes=p.get("MessageAttributes"),
                          message_structure=p.get("MessageStructure"),
                          message_group_id=p.get("MessageGroupId"),
                          message_deduplication_id=p.get("MessageDeduplicationId"))
    return 200, out


def publish_batch(lab, p):
    return 200, lab.sns.publish_batch(p["TopicArn"], p.get("PublishBatchRequestEntries") or [])


def tag_resource(lab, p):
    lab.sns.tag_resource(p["ResourceArn"], _tags(p.get("Tags")))
    return 200, {}


def untag_resource(lab, p):
    lab.sns.untag_resource(p["ResourceArn"], p.get("TagKeys") or [])
    return 200, {}


def list_tags_for_resource(lab, p):
    tags = lab.sns.list_tags(p["ResourceArn"])
    return 200, {"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}


OPERATIONS = {
    "CreateTopic": create_topic, "DeleteTopic": delete_topic, "ListTopics": list_topics,
    "GetTopicAttributes": get_topic_attributes, "SetTopicAttributes": set_topic_attributes,
    "Subscribe": subscribe, "ConfirmSubscription": confirm_subscription,
    "Unsubscribe": unsubscribe, "ListSubscriptions": list_subscriptions,
    "ListSubscriptionsByTopic": list_subscriptions_by_topic,
    "GetSubscriptionAttributes": get_subscription_attributes,
    "SetSubscriptionAttributes": set_subscription_attributes,
    "Publish": publish, "PublishBatch": publish_batch,
    "TagResource": tag_resource, "UntagResource": untag_resource,
    "ListTagsForResource": list_tags_for_resource,
}

__all__ = ["OPERATIONS", "NotFound"]
