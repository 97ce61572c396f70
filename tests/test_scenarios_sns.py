"""scenarios.sns_fan_out and viz.sns: numbers derived from first principles."""
import time

import pytest

from lambdalab import scenarios
from lambdalab.scenarios.sns import sns_fan_out
from lambdalab.viz import sns as sns_viz


def test_exported():
    assert scenarios.sns_fan_out is sns_fan_out


@pytest.mark.parametrize("selectivity", [0.0, 0.2, 0.5, 0.73, 1.0])
def test_each_queue_gets_exactly_the_selected_share(selectivity):
    # amount = j % 100 for j = 0..99 covers 0..99 once; amount >= 100 - round(100 s) passes
    # exactly round(100 s) orders
    r = sns_fan_out(messages=100, subscribers=4, selectivity=selectivity, outage=0)
    passed = round(100 * selectivity)
    queues = r.counts.drop(index="webhook")
    assert list(queues.delivered) == [passed] * 4
    assert list(queues.filtered) == [100 - passed] * 4
    assert r.threshold == 100 - passed


def test_fan_out_copies_and_metrics_add_up():
    r = sns_fan_out(messages=100, subscribers=3, selectivity=0.5, outage=0)
    # every (message, subscription) pair has exactly one outcome: 100 x (3 queues + webhook)
    assert len(r.outcomes) == 400
    assert r.metrics["NumberOfMessagesPublished"] == 100
    assert r.metrics["NumberOfNotificationsDelivered"] == 3 * 50 + 100
    assert r.metrics["NumberOfNotificationsFilteredOut"] == 3 * 50
    assert r.metrics["NumberOfNotificationsFailed"] == 0
    assert r.counts.loc["webhook"].tolist() == [100, 0, 0, 0]
    assert (r.attempts.attempt == 1).all() and len(r.attempts) == 100


def test_no_outage_shorter_than_the_retry_span_loses_a_message():
    # HTTP/S default: 3 retries 20 s apart (+-10 % jitter) -> the 4th attempt comes at least
    # 54 s after publishing, so an outage of at most 50 s is always outlived
    r = sns_fan_out(messages=100, outage=50)
    assert r.counts.loc["webhook", "dlq"] == 0
    assert r.counts.loc["webhook", "delivered"] == 100


def test_outage_sends_early_messages_to_the_dlq():
    # rate 2/s: message j is published at j/2 s; its last attempt comes 54-66 s later (three
    # 20 s delays, each +-10 %). It is lost iff that attempt falls inside the 90 s outage:
    # always when j/2 + 66 < 90 (j < 48), never when j/2 + 54 >= 90 (j >= 72)
    r = sns_fan_out(messages=100, outage=90, rate=2.0)
    lost = r.outcomes[(r.outcomes.subscriber == "webhook") & (r.outcomes.outcome == "dlq")]
    assert set(range(48)) <= set(lost.message) <= set(range(72))
    # every lost message was tried 4 times (1 + 3 retries); NumberOfNotificationsFailed
    # counts every failed HTTP/S attempt
    assert (lost.attempts == 4).all()
    failed_attempts = int((~r.attempts.ok).sum())
    assert r.metrics["NumberOfNotificationsFailed"] == failed_attempts
    assert r.metrics["NumberOfNotificationsRedrivenToDlq"] == len(lost)
    # the queues are unaffected by the webhook's outage
    assert (r.counts.drop(index="webhook").dlq == 0).all()


def test_long_outage_loses_everything_to_the_dlq():
    r = sns_fan_out(messages=100, outage=300)       # last message at 49.5 s + ~66 s < 300 s
    assert r.counts.loc["webhook"].tolist() == [0, 0, 100, 0]
    assert len(r.attempts) == 400


def test_deterministic_and_fast():
    a = sns_fan_out()
    start = time.perf_counter()
    b = sns_fan_out()
    assert time.perf_counter() - start < 0.5     # ~0.05 s; target 0.2 s, slack for busy CI
    assert a.summary() == b.summary()
    assert a.attempts.equals(b.attempts)
    assert "59 to its DLQ" in a.summary()


def test_bad_selectivity():
    with pytest.raises(ValueError):
        sns_fan_out(selectivity=1.5)


def test_figures_have_fixed_traces_and_uids():
    r = sns_fan_out(subscribers=2)
    fig = sns_viz.fan_out_outcomes(r.counts)
    assert [t.name for t in fig.data] == ["delivered", "filtered", "dlq", "failed"]
    assert [t.uid for t in fig.data] == [f"sns-outcomes-{i}" for i in range(4)]
    assert list(fig.data[0].x) == ["queue-1", "queue-2", "webhook"]
    fig = sns_viz.delivery_attempts(r.attempts, outage=90)
    assert sum(len(t.x) for t in fig.data) == len(r.attempts)
    assert all(t.uid.startswith("sns-attempts-") for t in fig.data)
    fig = sns_viz.retry_timeline([0.0, 0.0, 1.0, 3.0])
    assert list(fig.data[0].y) == [1, 2, 3, 4] and fig.data[0].uid == "sns-retries-0"
