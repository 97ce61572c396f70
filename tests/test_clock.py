"""The lab's virtual clock: starting time, lab.run() forms, event order, bounds, determinism.

Public contract (DESIGN.md section 5): ``Lab(seed=0)`` starts at 2026-01-01T00:00:00Z,
``lab.run("5m")`` / ``lab.run(300)`` advance by a duration, ``lab.run(until=dt)`` to a point in
time, ``lab.run()`` until nothing is pending (bounded).
"""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from lambdalab import Lab, LabError
from lambdalab import lab as lab_module
from lambdalab.clock import Clock, parse_duration

START = datetime(2026, 1, 1, tzinfo=timezone.utc)


# --- the starting point ------------------------------------------------------------------

def test_lab_starts_at_2026_01_01_utc_and_is_timezone_aware():
    lab = Lab(seed=0)
    assert lab.now == START
    assert lab.now.tzinfo is not None
    assert lab.now.utcoffset() == timedelta(0)
    assert lab.now.isoformat() == "2026-01-01T00:00:00+00:00"


# --- lab.run(duration) -------------------------------------------------------------------

@pytest.mark.parametrize("duration, expected", [
    ("5m", timedelta(minutes=5)),
    (600, timedelta(seconds=600)),
    ("250ms", timedelta(milliseconds=250)),
    (1.5, timedelta(seconds=1.5)),
    ("2h", timedelta(hours=2)),
    ("1d", timedelta(days=1)),
    (timedelta(minutes=3), timedelta(minutes=3)),
])
def test_run_advances_by_a_duration(duration, expected):
    lab = Lab(seed=0)
    lab.run(duration)
    assert lab.now == START + expected


def test_runs_accumulate_and_return_the_lab():
    lab = Lab(seed=0)
    assert lab.run("5m") is lab
    lab.run(600).run("250ms")
    assert lab.now == START + timedelta(minutes=15, milliseconds=250)


def test_run_zero_leaves_the_clock_alone():
    lab = Lab(seed=0)
    lab.run(0)
    assert lab.now == START


@pytest.mark.parametrize("bad", ["soon", "-5s", -1, "1h30m", "5 minutes", True,
                                 float("inf"), float("nan"), timedelta(seconds=-1)])
def test_run_rejects_unreadable_durations(bad):
    lab = Lab(seed=0)
    with pytest.raises(LabError):
        lab.run(bad)
    assert lab.now == START


def test_run_fires_events_due_in_the_window_and_no_later():
    lab = Lab(seed=0)
    fired = []
    lab.clock.at(10.0, lambda: fired.append(("a", lab.now)))
    lab.clock.at(20.0, lambda: fired.append(("b", lab.now)))
    lab.run(15)
    assert fired == [("a", START + timedelta(seconds=10))]
    assert lab.now == START + timedelta(seconds=15)
    lab.run(5)   # an event exactly at the end of the window is due
    assert fired[-1] == ("b", START + timedelta(seconds=20))
    assert lab.now == START + timedelta(seconds=20)


def test_wall_clock_outside_the_engine_is_real_time():
    # Virtual time applies while the engine runs; a notebook cell reading time.time() between
    # lab.run() calls sees the real clock (time-machine is stopped on the way out).
    lab = Lab(seed=0)
    real_before = time.time()
    lab.run("3d")
    assert abs(time.time() - real_before) < 60


# --- lab.run(until=...) ------------------------------------------------------------------

def test_run_until_a_datetime():
    lab = Lab(seed=0)
    target = datetime(2026, 1, 1, 1, 30, tzinfo=timezone.utc)
    lab.run(until=target)
    assert lab.now == target


def test_run_until_accepts_other_timezones():
    lab = Lab(seed=0)
    cet = timezone(timedelta(hours=1))
    lab.run(until=datetime(2026, 1, 1, 2, 0, tzinfo=cet))   # 01:00Z
    assert lab.now == START + timedelta(hours=1)


def test_run_until_a_naive_datetime_means_utc():
    lab = Lab(seed=0)
    lab.run(until=datetime(2026, 1, 2))
    assert lab.now == START + timedelta(days=1)


def test_run_until_the_past_is_an_error_and_moves_nothing():
    lab = Lab(seed=0)
    lab.run("1h")
    with pytest.raises(LabError) as info:
        lab.run(until=START)
    assert "past" in str(info.value)
    assert "2026-01-01T01:00:00" in str(info.value)   # says what "now" is
    assert lab.now == START + timedelta(hours=1)


def test_run_until_now_is_allowed():
    lab = Lab(seed=0)
    lab.run("1m")
    lab.run(until=lab.now)
    assert lab.now == START + timedelta(minutes=1)


def test_run_with_both_duration_and_until_is_an_error():
    lab = Lab(seed=0)
    with pytest.raises(LabError):
        lab.run("1m", until=START + timedelta(hours=1))
    assert lab.now == START


# --- lab.run() until idle ----------------------------------------------------------------

def test_run_until_idle_with_nothing_pending_keeps_the_clock():
    lab = Lab(seed=0)
    lab.run()
    assert lab.now == START


def test_run_until_idle_stops_at_the_last_event():
    lab = Lab(seed=0)
    fired = []
    lab.clock.at(5.0, lambda: fired.append(5))
    lab.clock.at(42.0, lambda: fired.append(42))
    lab.run()
    assert fired == [5, 42]
    assert lab.now == START + timedelta(seconds=42)


def test_run_until_idle_finishes_an_async_invocation():
    lab = Lab(seed=0)
    seen = []

    @lab.function(duration="2s")
    def worker(event, context):
        seen.append(event["n"])

    assert worker.invoke({"n": 1}, invocation_type="Event").status_code == 202
    assert seen == []            # accepted, not yet run: nothing happens until time passes
    lab.run()
    assert seen == [1]
    # a cold start (init, lab assumption facts.INIT_DURATION) then the 2 s duration:
    # the last event is the environment's release at start + init + duration
    attempt = lab.awslambda.attempts[-1]
    assert lab.now == START + timedelta(seconds=attempt.init + 2.0)
    assert lab.clock.idle


def test_run_until_idle_ignores_background_events():
    # Recurring schedules do not count as pending work (DESIGN.md section 5).
    lab = Lab(seed=0)
    ticks = []

    def tick():
        ticks.append(lab.clock.t)
        lab.clock.after(60.0, tick, background=True)

    lab.clock.at(60.0, tick, background=True)
    lab.clock.at(10.0, lambda: None)
    lab.run()
    assert lab.now == START + timedelta(seconds=10)
    assert ticks == []
    lab.run("3m")                # a fixed advance does run them
    assert ticks == [60.0, 120.0, 180.0]


def test_run_until_idle_errors_when_work_never_ends(monkeypatch):
    # A function that async-invokes itself forever never lets the lab go idle.
    monkeypatch.setattr(lab_module, "RUN_IDLE_EVENTS", 300)
    lab = Lab(seed=0)

    @lab.function(duration="1s")
    def forever(event, context):
        lab.awslambda.invoke("forever", {}, invocation_type="Event")

    forever.invoke({}, invocation_type="Event")
    with pytest.raises(LabError) as info:
        lab.run()
    message = str(info.value)
    assert "pending" in message
    assert "invokes itself" in message
    assert "lab.run('1h')" in message       # tells the user what to do instead
    assert 100 < len(lab.awslambda.attempts) < 300
    assert not lab.running_events          # the lab is usable afterwards
    lab.run("10s")


def test_run_until_idle_is_bounded_in_virtual_time(monkeypatch):
    monkeypatch.setattr(lab_module, "RUN_IDLE_LIMIT", 3600.0)
    lab = Lab(seed=0)

    def again():
        lab.clock.after(100.0, again)

    lab.clock.at(0.0, again)
    with pytest.raises(LabError) as info:
        lab.run()
    assert "virtual days" in str(info.value)
    # it stopped before running anything past the limit
    assert lab.now <= START + timedelta(seconds=3600)
    assert lab.now >= START + timedelta(seconds=3400)


def test_lab_run_inside_a_handler_is_refused():
    lab = Lab(seed=0)

    @lab.function
    def impatient(event, context):
        lab.run("1m")

    result = impatient.invoke({})
    assert result.function_error == "Unhandled"
    document = result.json()
    assert document["errorType"] == "LabError"
    assert "time.sleep" in document["errorMessage"]


# --- event order -------------------------------------------------------------------------

def test_events_run_in_time_then_insertion_order():
    clock = Clock()
    order = []
    for name, t in [("a", 5.0), ("b", 1.0), ("c", 5.0), ("d", 1.0), ("e", 3.0), ("f", 5.0)]:
        clock.at(t, order.append, name)
    clock.run_until(10.0)
    assert order == ["b", "d", "e", "a", "c", "f"]
    assert clock.t == 10.0


def test_an_event_scheduled_for_now_runs_after_events_already_due_now():
    clock = Clock()
    order = []

    def first():
        order.append("first")
        clock.at(clock.t, order.append, "scheduled-by-first")

    clock.at(2.0, first)
    clock.at(2.0, order.append, "second")
    clock.run_until(2.0)
    assert order == ["first", "second", "scheduled-by-first"]


def test_events_cannot_be_scheduled_in_the_past():
    clock = Clock()
    clock.run_until(10.0)
    seen = []
    clock.at(3.0, lambda: seen.append(clock.t))
    clock.step()
    assert seen == [10.0]


def test_cancelled_events_do_not_run_or_keep_the_clock_busy():
    clock = Clock()
    ran = []
    event = clock.at(5.0, ran.append, "x")
    assert not clock.idle
    clock.cancel(event)
    assert clock.idle
    clock.run_until(10.0)
    assert ran == []


# --- parse_duration ----------------------------------------------------------------------

@pytest.mark.parametrize("text, seconds", [
    (90, 90.0), (0.5, 0.5), ("90", 90.0), ("90s", 90.0), ("90sec", 90.0), ("250ms", 0.25),
    ("1.5s", 1.5), ("5m", 300.0), ("5min", 300.0), ("2h", 7200.0), ("1d", 86400.0),
    (" 3 s ", 3.0), (timedelta(milliseconds=1500), 1.5),
])
def test_parse_duration_accepted_forms(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds, abs=1e-12)


@pytest.mark.parametrize("bad", ["abc", "5 minutes", "1h30m", "", "ms", "-5s", -1, [5], None,
                                 True, float("inf"), float("-inf"), float("nan"),
                                 timedelta(seconds=-1)])
def test_parse_duration_errors_are_lab_errors_naming_the_accepted_forms(bad):
    with pytest.raises(LabError) as info:
        parse_duration(bad)
    message = str(info.value)
    if isinstance(bad, str) and bad and bad[0] != "-":
        for form in ("'250ms'", "'90s'", "'5m'", "'2h'"):
            assert form in message


# --- determinism -------------------------------------------------------------------------

def _script(seed: int):
    """One small course-like script; returns what a learner would see."""
    import time as _time

    lab = Lab(seed=seed)

    @lab.function(duration="35ms")
    def greet(event, context):
        print(f"hello {event['name']} at {_time.time():.3f} id={context.aws_request_id}")
        return {"id": context.aws_request_id}

    @lab.function(duration="1s")
    def background(event, context):
        print("background", event["n"], context.log_stream_name)

    ids = [greet.invoke({"name": n}).request_id for n in ("ann", "bob", "cy")]
    for n in range(3):
        ids.append(background.invoke({"n": n}, invocation_type="Event").request_id)
    lab.run()
    return ids, greet.logs() + background.logs(), lab.now


def test_same_seed_gives_identical_ids_and_logs():
    ids_a, logs_a, now_a = _script(0)
    ids_b, logs_b, now_b = _script(0)
    assert ids_a == ids_b
    assert logs_a == logs_b
    assert now_a == now_b
    assert len(set(ids_a)) == len(ids_a)   # and the IDs are distinct


def test_request_ids_are_version_4_uuids():
    import uuid
    ids, _, _ = _script(0)
    for rid in ids:
        assert uuid.UUID(rid).version == 4
        assert str(uuid.UUID(rid)) == rid


def test_different_seed_gives_different_ids():
    ids_0, logs_0, _ = _script(0)
    ids_1, logs_1, _ = _script(1)
    assert not set(ids_0) & set(ids_1)
    assert logs_0 != logs_1
