"""Scheduled rules: rate() and cron() on the lab clock.

Rules from https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
"""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import pytest

from lambdalab import Lab
from lambdalab.clock import EPOCH
from lambdalab.errors import ValidationException
from lambdalab.events.schedule import Cron, Rate, parse_schedule


def at(*args) -> float:
    return (datetime(*args, tzinfo=timezone.utc) - EPOCH).total_seconds()


def fires(expression, start, n):
    """The first ``n`` fire times (datetimes) after ``start``."""
    schedule = parse_schedule(expression)
    t, out = at(*start), []
    for _ in range(n):
        t = schedule.next_after(t, 0.0)
        out.append(EPOCH + (datetime.fromtimestamp(t, timezone.utc) -
                            datetime.fromtimestamp(0, timezone.utc)))
    return [d.strftime("%Y-%m-%d %H:%M %a") for d in out]


# --- parsing ---------------------------------------------------------------------------------
@pytest.mark.parametrize("expression,seconds", [
    ("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(1 hour)", 3600),
    ("rate(12 hours)", 43200), ("rate(1 day)", 86400), ("rate(7 days)", 604800)])
def test_rates(expression, seconds):
    schedule = parse_schedule(expression)
    assert isinstance(schedule, Rate) and schedule.seconds == seconds


@pytest.mark.parametrize("expression", [
    "rate(1 minutes)", "rate(5 minute)", "rate(0 minutes)", "rate(30 seconds)", "rate(-1 day)",
    "rate(1.5 hours)", "rate(5minutes)", "cron(0 8 * * *)", "cron(0 8 * * * *)",
    "cron(0 8 ? * ? *)", "cron(60 8 * * ? *)", "cron(0 24 * * ? *)", "cron(0 8 32 * ? *)",
    "cron(0 8 * 13 ? *)", "cron(0 8 ? * 8 *)", "cron(0 8 * * ? 1969)", "cron(0 8 ? * 3#6 *)",
    "cron(0/0 8 * * ? *)", "every day", "cron(0 8 1W-3 * ? *)", "cron(5-1 8 * * ? *)"])
def test_invalid_expressions(expression):
    with pytest.raises(ValidationException, match="Parameter ScheduleExpression is not valid"):
        parse_schedule(expression)


def test_singular_and_plural_message_says_what_to_write():
    with pytest.raises(ValidationException, match=r"rate\(1 minute\)"):
        parse_schedule("rate(1 minutes)")


# --- cron arithmetic -------------------------------------------------------------------------
def test_daily_at_eight():
    assert fires("cron(0 8 * * ? *)", (2026, 1, 1), 3) == [
        "2026-01-01 08:00 Thu", "2026-01-02 08:00 Fri", "2026-01-03 08:00 Sat"]
    # strictly after: at 08:00 exactly, the next is tomorrow
    assert fires("cron(0 8 * * ? *)", (2026, 1, 1, 8), 1) == ["2026-01-02 08:00 Fri"]


def test_steps_lists_and_ranges():
    assert fires("cron(0/15 * * * ? *)", (2026, 1, 1, 0, 50), 3) == [
        "2026-01-01 01:00 Thu", "2026-01-01 01:15 Thu", "2026-01-01 01:30 Thu"]
    assert fires("cron(0 9,17 * * ? *)", (2026, 1, 1, 10), 2) == [
        "2026-01-01 17:00 Thu", "2026-01-02 09:00 Fri"]


def test_day_of_week_weekdays_1_is_sunday():
    # docs example: cron(0 18 ? * MON-FRI *) = 6 PM Monday to Friday
    assert fires("cron(0 18 ? * MON-FRI *)", (2026, 1, 2, 19), 2) == [
        "2026-01-05 18:00 Mon", "2026-01-06 18:00 Tue"]
    assert fires("cron(0 12 ? * 1 *)", (2026, 1, 1), 1) == ["2026-01-04 12:00 Sun"]
    assert fires("cron(0 12 ? * 7 *)", (2026, 1, 1), 1) == ["2026-01-03 12:00 Sat"]


def test_month_ends_skip_short_months():
    # the 31st exists only in 7 months; 30 February never
    assert fires("cron(0 0 31 * ? *)", (2026, 1, 31, 1), 3) == [
        "2026-03-31 00:00 Tue", "2026-05-31 00:00 Sun", "2026-07-31 00:00 Fri"]
    assert fires("cron(0 0 29 2 ? *)", (2026, 1, 1), 1) == ["2028-02-29 00:00 Tue"]


def test_last_day_of_month():
    assert fires("cron(0 23 L * ? *)", (2026, 1, 1), 4) == [
        "2026-01-31 23:00 Sat", "2026-02-28 23:00 Sat", "2026-03-31 23:00 Tue",
        "2026-04-30 23:00 Thu"]
    assert fires("cron(0 0 L 2 ? *)", (2027, 3, 1), 1) == ["2028-02-29 00:00 Tue"]


def test_last_weekday_of_month():
    # 6L = the last Friday; L alone in Day-of-week = the last day of the week (Saturday)
    assert fires("cron(0 10 ? * 6L *)", (2026, 1, 1), 3) == [
        "2026-01-30 10:00 Fri", "2026-02-27 10:00 Fri", "2026-03-27 10:00 Fri"]
    assert fires("cron(0 10 ? * L *)", (2026, 1, 1), 2) == [
        "2026-01-03 10:00 Sat", "2026-01-10 10:00 Sat"]


def test_nth_weekday():
    # docs: 3#2 = the second Tuesday of the month
    assert fires("cron(0 9 ? * 3#2 *)", (2026, 1, 1), 3) == [
        "2026-01-13 09:00 Tue", "2026-02-10 09:00 Tue", "2026-03-10 09:00 Tue"]
    # a fifth Monday exists only in some months
    assert fires("cron(0 9 ? * MON#5 *)", (2026, 1, 1), 2) == [
        "2026-03-30 09:00 Mon", "2026-06-29 09:00 Mon"]


def test_nearest_weekday():
    # 2026-02-01 is a Sunday: 1W -> Monday the 2nd; 2026-01-31 is a Saturday, and 2026-08-01
    # a Saturday whose nearest weekday in the month is Monday the 3rd
    assert fires("cron(0 9 1W * ? *)", (2026, 1, 2), 1) == ["2026-02-02 09:00 Mon"]
    assert fires("cron(0 9 31W * ? *)", (2026, 1, 1), 1) == ["2026-01-30 09:00 Fri"]
    assert fires("cron(0 9 1W 8 ? *)", (2026, 1, 1), 1) == ["2026-08-03 09:00 Mon"]


def test_years_and_names():
    assert fires("cron(0 0 1 JAN ? 2027-2028)", (2026, 1, 1), 2) == [
        "2027-01-01 00:00 Fri", "2028-01-01 00:00 Sat"]
    assert parse_schedule("cron(0 0 1 JAN ? 2027)").next_after(at(2027, 1, 2), 0.0) is None


# --- on the clock ----------------------------------------------------------------------------
@pytest.fixture
def lab():
    return Lab(seed=0)


def test_a_week_of_daily_cron_in_well_under_a_second(lab):
    q = lab.sqs.create_queue("ticks", {"MessageRetentionPeriod": "1209600"})  # keep 14 days
    rule = lab.events.put_rule("DailyLambdaTrigger", schedule_expression="cron(0 8 * * ? *)")
    lab.events.put_targets("DailyLambdaTrigger", [{"Id": "q", "Arn": q.arn}])
    start = time.perf_counter()
    lab.run("7d")
    assert time.perf_counter() - start < 0.5
    events = []
    while batch := q.receive(10):
        events += [json.loads(m["Body"]) for m in batch]
    events.sort(key=lambda e: e["time"])
    assert [e["time"] for e in events] == [f"2026-01-0{d}T08:00:00Z" for d in range(1, 8)]
    e = events[0]
    assert (e["source"], e["detail-type"], e["resources"], e["detail"]) == (
        "aws.events", "Scheduled Event", [rule.arn], {})
    assert e["version"] == "0" and e["account"] == lab.account


def test_a_year_of_hourly_rate_is_fast(lab):
    lab.events.put_rule("hourly", schedule_expression="rate(1 hour)")
    start = time.perf_counter()
    lab.run("365d")
    assert time.perf_counter() - start < 2.0
    assert lab.events.metrics("hourly", period="1d")["TriggeredRules"].sum() == 365 * 24


def test_rate_counts_from_creation(lab):
    lab.run("10m")
    lab.events.put_rule("five", schedule_expression="rate(5 minutes)")
    lab.run("16m")
    times = [e["time"] for e in lab.events.events]
    assert times == ["2026-01-01T00:15:00Z", "2026-01-01T00:20:00Z", "2026-01-01T00:25:00Z"]


def test_schedules_do_not_keep_run_going(lab):
    lab.events.put_rule("tick", schedule_expression="rate(1 minute)")
    lab.run()                                  # returns: schedules are background events
    assert lab.now == EPOCH


def test_disable_stops_and_enable_restarts(lab):
    lab.events.put_rule("tick", schedule_expression="rate(1 minute)")
    lab.run("3m")
    lab.events.disable_rule("tick")
    lab.run("10m")
    assert len(lab.events.events) == 3
    lab.events.enable_rule("tick")
    lab.run("2m")
    assert len(lab.events.events) == 5


def test_deleted_rule_stops_firing(lab):
    lab.events.put_rule("tick", schedule_expression="rate(1 minute)")
    lab.run("2m")
    lab.events.delete_rule("tick")
    lab.run("5m")
    assert len(lab.events.events) == 2


def test_monthly_cron_without_targets_fires_from_the_next_match(lab):
    # created at 2026-01-01T00:00:00 exactly: the first fire is the next match, 1 February
    lab.events.put_rule("tick", schedule_expression="cron(0 0 1 * ? *)")
    lab.run(until=datetime(2027, 1, 1, 0, 0, 1, tzinfo=timezone.utc))
    times = [e["time"] for e in lab.events.events]
    assert len(times) == 12
    assert times[0] == "2026-02-01T00:00:00Z" and times[-1] == "2027-01-01T00:00:00Z"
