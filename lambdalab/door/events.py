"""EventBridge API operations answered by the lab: operation name -> (HTTP status, response).

Member names follow botocore's ``events`` service model. Errors are the AWS codes raised by
:mod:`lambdalab.events.service` (ResourceNotFoundException, ValidationException,
InvalidEventPatternException, LimitExceededException, ResourceAlreadyExistsException).
"""
from __future__ import annotations

from ..errors import ValidationException
from .paging import page

_PAGE = 100   # lab page size when a List call gives no Limit (AWS does not publish its default)


def _page(items: list, p: dict, key: str) -> dict:
    limit = p.get("Limit")
    if limit is not None and not 1 <= limit <= 100:
        raise ValidationException(
            f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
            "constraint: Member must have value between 1 and 100")
    return page(items, int(p.get("NextToken") or 0), limit or _PAGE, key)


def put_events(lab, p):
    return 200, lab.events.put_events(p.get("Entries") or [])


def put_rule(lab, p):
    rule = lab.events.put_rule(
        p["Name"], event_pattern=p.get("EventPattern"),
        schedule_expression=p.get("ScheduleExpression"), state=p.get("State"),
        description=p.get("Description"), role_arn=p.get("RoleArn"),
        event_bus=p.get("EventBusName"))
    if p.get("Tags"):
        lab.events.tag_resource(rule.arn, {t["Key"]: t["Value"] for t in p["Tags"]})
    return 200, {"RuleArn": rule.arn}


def describe_rule(lab, p):
    return 200, lab.events.rule(p["Name"], p.get("EventBusName")).describe()


def list_rules(lab, p):
    rules = [r.describe() for r in lab.events.list_rules(p.get("NamePrefix") or "",
                                                         p.get("EventBusName"))]
    return 200, _page(rules, p, "Rules")


def enable_rule(lab, p):
    lab.events.enable_rule(p["Name"], p.get("EventBusName"))
    return 200, {}


def disable_rule(lab, p):
    lab.events.disable_rule(p["Name"], p.get("EventBusName"))
    return 200, {}


def delete_rule(lab, p):
    lab.events.delete_rule(p["Name"], p.get("EventBusName"), force=bool(p.get("Force")))
    return 200, {}


def put_targets(lab, p):
    failed = lab.events.put_targets(p["Rule"], p.get("Targets") or [], p.get("EventBusName"))
    return 200, {"FailedEntryCount": len(failed), "FailedEntries": failed}


def remove_targets(lab, p):
    failed = lab.events.remove_targets(p["Rule"], p.get("Ids") or [], p.get("EventBusName"))
    return 200, {"FailedEntryCount": len(failed), "FailedEntries": failed}


def list_targets_by_rule(lab, p):
    rule = lab.events.rule(p["Rule"], p.get("EventBusName"))
    return 200, _page([dict(t) for t in rule.targets.values()], p, "Targets")


def list_rule_names_by_target(lab, p):
    names = lab.events.rule_names_by_target(p["TargetArn"], p.get("EventBusName"))
    return 200, _page(names, p, "RuleNames")


def create_event_bus(lab, p):
    bus = lab.events.create_event_bus(p["Name"], p.get("Description"))
    if p.get("Tags"):
        lab.events.tag_resource(bus.arn, {t["Key"]: t["Value"] for t in p["Tags"]})
    return 200, {"EventBusArn": bus.arn}


def delete_event_bus(lab, p):
    lab.events.delete_event_bus(p["Name"])
    return 200, {}


def describe_event_bus(lab, p):
    return 200, lab.events.bus(p.get("Name")).describe()


def list_event_buses(lab, p):
    buses = [b.describe() for b in lab.events.list_event_buses(p.get("NamePrefix") or "")]
    return 200, _page(buses, p, "EventBuses")


def test_event_pattern(lab, p):
    return 200, {"Result": lab.events.test_event_pattern(p["EventPattern"], p["Event"])}


OPERATIONS = {
    "PutEvents": put_events, "PutRule": put_rule, "DescribeRule": describe_rule,
    "ListRules": list_rules, "EnableRule": enable_rule, "DisableRule": disable_rule,
    "DeleteRule": delete_rule, "PutTargets": put_targets, "RemoveTargets": remove_targets,
    "ListTargetsByRule": list_targets_by_rule,
    "ListRuleNamesByTarget": list_rule_names_by_target,
    "CreateEventBus": create_event_bus, "DeleteEventBus": delete_event_bus,
    "DescribeEventBus": describe_event_bus, "ListEventBuses": list_event_buses,
    "TestEventPattern": test_event_pattern,
}


# --- archives and replays -------------------------------------------------------------------
def create_archive(lab, p):
    a = lab.events.create_archive(p["ArchiveName"], p["EventSourceArn"], p.get("EventPattern"),
                                  p.get("RetentionDays") or 0, p.get("Description"))
    return 200, {"ArchiveArn": a.arn, "State": "ENABLED",
                 "CreationTime": lab.clock.to_datetime(a.created)}


def describe_archive(lab, p):
    a = lab.events.archive(p["ArchiveName"])
    a.expire(lab.t)
    return 200, a.describe(lab.clock.to_datetime)


def list_archives(lab, p):
    items = [a.describe(lab.clock.to_datetime) for name, a in sorted(lab.events.archives.items())
             if name.startswith(p.get("NamePrefix") or "")
             and (not p.get("EventSourceArn") or a.bus.arn == p["EventSourceArn"])]
    return 200, _page(items, p, "Archives")


def delete_archive(lab, p):
    lab.events.delete_archive(p["ArchiveName"])
    return 200, {}


def start_replay(lab, p):
    r = lab.events.start_replay(p["ReplayName"], p["EventSourceArn"], p["EventStartTime"],
                                p["EventEndTime"], p.get("Destination") or {})
    return 200, {"ReplayArn": r.arn, "State": "STARTING",
                 "ReplayStartTime": lab.clock.to_datetime(r.started)}


def describe_replay(lab, p):
    return 200, lab.events.replay(p["ReplayName"]).describe(lab.clock.to_datetime)


def tag_resource(lab, p):
    lab.events.tag_resource(p["ResourceARN"], {t["Key"]: t["Value"] for t in p.get("Tags") or []})
    return 200, {}


def untag_resource(lab, p):
    lab.events.untag_resource(p["ResourceARN"], p.get("TagKeys") or [])
    return 200, {}


def list_tags_for_resource(lab, p):
    tags = lab.events.list_tags(p["ResourceARN"])
    return 200, {"Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]}


OPERATIONS.update({"TagResource": tag_resource, "UntagResource": untag_resource,
                   "ListTagsForResource": list_tags_for_resource})
OPERATIONS.update({"CreateArchive": create_archive, "DescribeArchive": describe_archive,
                   "ListArchives": list_archives, "DeleteArchive": delete_archive,
                   "StartReplay": start_replay, "DescribeReplay": describe_replay})
