"""EventBridge Scheduler API operations answered by the lab (``lab.scheduler``).

Member names follow botocore's ``scheduler`` service model; timestamps are returned as
datetimes (botocore's parsed form) on the lab clock.
"""
from __future__ import annotations

from ..errors import ValidationException
from .paging import page


def _create(lab, p, update=False):
    s = lab.scheduler.create_schedule(
        p["Name"], p["ScheduleExpression"], p.get("Target"),
        flexible_time_window=p.get("FlexibleTimeWindow"), group=p.get("GroupName"),
        timezone_name=p.get("ScheduleExpressionTimezone"), start_date=p.get("StartDate"),
        end_date=p.get("EndDate"), state=p.get("State") or "ENABLED",
        description=p.get("Description"),
        action_after_completion=p.get("ActionAfterCompletion") or "NONE", update=update)
    return 200, {"ScheduleArn": s.arn}


def create_schedule(lab, p):
    return _create(lab, p)


def update_schedule(lab, p):
    return _create(lab, p, update=True)


def get_schedule(lab, p):
    s = lab.scheduler.get_schedule(p["Name"], p.get("GroupName"))
    return 200, s.describe(lab.clock.to_datetime)


def delete_schedule(lab, p):
    lab.scheduler.delete_schedule(p["Name"], p.get("GroupName"))
    return 200, {}


def list_schedules(lab, p):
    size = p.get("MaxResults") or 100
    if not 1 <= size <= 100:
        raise ValidationException("MaxResults must be between 1 and 100.")
    items = lab.scheduler.list_schedules(p.get("GroupName"), p.get("NamePrefix") or "",
                                         p.get("State"))
    start = int(p.get("NextToken") or 0)
    body = page(items, start, size, "Schedules")
    body["Schedules"] = [{"Arn": s.arn, "Name": s.name, "GroupName": s.group, "State": s.state,
                          "CreationDate": lab.clock.to_datetime(s.created),
                          "LastModificationDate": lab.clock.to_datetime(s.modified),
                          "Target": {"Arn": s.target["Arn"]}} for s in body["Schedules"]]
    return 200, body


OPERATIONS = {"CreateSchedule": create_schedule, "UpdateSchedule": update_schedule,
              "GetSchedule": get_schedule, "DeleteSchedule": delete_schedule,
              "ListSchedules": list_schedules}
