"""scenarios.schedule_week / event_retries and their figures, checked from first principles."""
import json

import pytest

from lambdalab import scenarios
from lambdalab.viz import events as eviz


def test_daily_cron_fires_once_a_day_at_0800_utc():
    r = scenarios.schedule_week("cron(0 8 * * ? *)", days=7)
    # the lab starts Thursday 2026-01-01 00:00 UTC: 08:00 on days 1..7, the 8th's is after 7 d
    assert [t.isoformat() for t in r.firings.time] == [
        f"2026-01-0{d}T08:00:00+00:00" for d in range(1, 8)]
    assert list(r.firings.hour) == [8.0] * 7
    assert r.summary() == "cron(0 8 * * ? *): 7 firings in 7 days (first Thu 08:00 UTC)"


def test_weekday_and_rate_schedules():
    weekdays = scenarios.schedule_week("cron(0 8 ? * MON-FRI *)", days=7)
    # Thu 1, Fri 2, (weekend 3-4), Mon 5, Tue 6, Wed 7
    assert list(weekdays.firings.day) == ["Thu 01", "Fri 02", "Mon 05", "Tue 06", "Wed 07"]
    hourly = scenarios.schedule_week("rate(6 hours)", days=2)
    # first one period after creation, then every 6 h up to and including t = 48 h
    assert len(hourly.firings) == 48 // 6
    assert hourly.firings.time.iloc[0].hour == 6
    quarter = scenarios.schedule_week("cron(0/15 9-10 ? * 2 *)", days=7)   # 2 = Monday
    assert len(quarter.firings) == 2 * 4 and set(quarter.firings.day) == {"Mon 05"}


def test_bad_schedule_is_refused():
    with pytest.raises(Exception, match="exactly one of Day-of-month and Day-of-week"):
        scenarios.schedule_week("cron(0 8 * * * *)")


def test_no_outage_delivers_every_event_at_once():
    r = scenarios.event_retries(events=5, outage_minutes=0)
    assert r.counts == {"events": 5, "delivered": 5, "dlq": 0, "dropped": 0, "attempts": 5,
                        "max_attempts": 1}
    assert (r.deliveries.ended == r.deliveries.sent).all()
    assert r.failures.empty


def test_default_policy_rides_out_a_ten_minute_outage():
    r = scenarios.event_retries(events=20, interval_s=30, outage_minutes=10)
    assert r.counts["delivered"] == 20 and r.counts["dlq"] == 0
    # every event was sent during the outage (last at 570 s < 600 s): each failed at least once
    # and was delivered only after the target came back
    assert (r.deliveries.attempts >= 2).all()
    assert (r.deliveries.ended >= 600).all()
    assert len(r.failures) == r.counts["attempts"] - 20          # one log line per failed attempt


def test_short_retry_policies_send_events_to_the_dlq_or_drop_them():
    three = scenarios.event_retries(events=20, outage_minutes=10, maximum_retry_attempts=3)
    # the outage outlasts 1 + 3 attempts (backoff is at most a few seconds for the first ones)
    assert three.counts["dlq"] == 20 and three.counts["attempts"] == 20 * 4
    assert three.deliveries.in_dlq.all()
    zero = scenarios.event_retries(events=4, outage_minutes=10, maximum_retry_attempts=0,
                                   dlq=False)
    assert zero.counts == {"events": 4, "delivered": 0, "dlq": 0, "dropped": 4, "attempts": 4,
                           "max_attempts": 1}
    aged = scenarios.event_retries(events=20, interval_s=30, outage_minutes=10,
                                   maximum_event_age=300, dlq=False)
    # an event sent at s can only be delivered if s + 300 >= 600: events 0..9 (s < 300) never
    assert aged.counts["delivered"] + aged.counts["dropped"] == 20
    delivered = aged.deliveries[aged.deliveries.outcome == "delivered"]
    assert (delivered.sent >= 300).all()
    assert ((delivered.ended - delivered.sent) <= 300).all()


def test_figures_are_small_and_deterministic():
    week = scenarios.schedule_week()
    fig = eviz.schedule_firings(week)
    assert [t.uid for t in fig.data] == ["schedule-firings-0"] and len(fig.data[0].x) == 7
    run = scenarios.event_retries(events=20, outage_minutes=10, maximum_event_age=300)
    fig = eviz.event_retries(run)
    names = [t.name for t in fig.data]
    assert names == ["delivered", "DLQ"]
    assert [t.uid for t in fig.data] == ["event-retries-0", "event-retries-1"]
    assert len(json.dumps(fig.to_plotly_json(), default=str)) < 20_000
    assert fig.to_json() == eviz.event_retries(
        scenarios.event_retries(events=20, outage_minutes=10, maximum_event_age=300)).to_json()
