"""Running handler code: virtual time, context, logs, errors, timeouts, environment, zip code,
and duration models.

Sources (``L/`` = https://docs.aws.amazon.com/lambda/latest/dg/):
* context object: L/python-context.html
* log lines START/END/REPORT: L/python-logging.html, L/monitoring-cloudwatchlogs.html
* LogType=Tail, last 4 KB, base64: L/API_Invoke.html
* error payload (errorMessage/errorType/stackTrace): L/python-exceptions.html
* billing rounded up to 1 ms: https://aws.amazon.com/blogs/aws/new-for-aws-lambda-1ms-billing-granularity-adds-cost-savings/
  and INIT billed since Aug 2025: https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/
* memory and CPU (1,769 MB = 1 vCPU): https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html
* environment variables: L/configuration-envvars.html
"""
from __future__ import annotations

import base64
import datetime as dt
import os
import re
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest

from lambdalab import Lab, durations, facts, make_zip
from lambdalab.clock import EPOCH_UNIX

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
INIT = facts.INIT_DURATION          # the lab's assumed cold-start INIT duration (facts.py)


@pytest.fixture
def lab():
    return Lab(seed=0)


def request_lines(fn, request_id):
    """The log lines of one request (START through REPORT)."""
    lines = fn.logs()
    start = lines.index(f"START RequestId: {request_id} Version: $LATEST")
    for i in range(start, len(lines)):
        if lines[i].startswith(f"REPORT RequestId: {request_id}"):
            return lines[start:i + 1]
    raise AssertionError(f"no REPORT line for {request_id}")


def report_fields(line: str) -> dict:
    assert line.startswith("REPORT RequestId: ")
    fields = {}
    for part in line.split("\t")[1:]:
        key, _, value = part.partition(": ")
        fields[key] = value
    return fields


# --- virtual time inside handlers --------------------------------------------------------

def test_wall_clock_reads_in_a_handler_follow_virtual_time(lab):
    @lab.function
    def clocks(event, context):
        return {"time": time.time(),
                "now": datetime.now().isoformat(),
                "now_utc": datetime.now(timezone.utc).isoformat(),
                "utcnow": datetime.utcnow().isoformat()}

    cold = clocks.invoke({}).json()
    # the handler runs after the INIT phase of a cold start
    assert cold["time"] == pytest.approx(EPOCH_UNIX + INIT, abs=1e-6)
    assert cold["now_utc"] == (START + timedelta(seconds=INIT)).isoformat()
    assert cold["utcnow"] == (START + timedelta(seconds=INIT)).replace(tzinfo=None).isoformat()
    lab.run("1m")                     # within the keep-alive: the next request is warm
    warm = clocks.invoke({}).json()
    expected = START + timedelta(seconds=INIT, minutes=1)
    assert warm["time"] == pytest.approx(expected.timestamp(), abs=1e-6)
    assert warm["now_utc"] == expected.isoformat()
    assert warm["utcnow"] == expected.replace(tzinfo=None).isoformat()


def test_sleep_in_a_handler_uses_virtual_seconds_instantly(lab):
    @lab.function(duration="100ms")
    def sleepy(event, context):
        before = time.time()
        time.sleep(event["sleep"])
        return time.time() - before

    sleepy.invoke({"sleep": 0})          # cold start out of the way
    base = sleepy.invoke({"sleep": 0})
    real = time.perf_counter()
    slept = sleepy.invoke({"sleep": 2})
    real = time.perf_counter() - real
    assert real < 0.5
    assert slept.json() == pytest.approx(2.0, abs=1e-6)
    assert slept.attempt.duration - base.attempt.duration == pytest.approx(2.0, abs=1e-9)
    assert slept.attempt.duration == pytest.approx(2.1, abs=1e-9)


def test_a_sync_invoke_from_outside_advances_the_lab_clock_through_the_call(lab):
    @lab.function(duration="300ms")
    def slow(event, context):
        time.sleep(2)

    slow.invoke({})
    assert lab.now == START + timedelta(seconds=INIT + 2.3)


def test_sleep_outside_a_handler_is_real_and_unaffected(lab):
    # time.sleep is routed through the lab, but only handlers get virtual sleeps
    real = time.perf_counter()
    time.sleep(0.01)
    assert time.perf_counter() - real >= 0.009
    assert lab.now == START


def test_negative_sleep_in_a_handler_raises_like_python(lab):
    @lab.function
    def bad_sleep(event, context):
        time.sleep(-1)

    result = bad_sleep.invoke({})
    assert result.function_error == "Unhandled"
    assert result.json()["errorType"] == "ValueError"


# --- the context object ------------------------------------------------------------------

def test_context_fields(lab):
    seen = {}

    @lab.function(name="ctx-demo", memory_size=256, timeout=10)
    def handler(event, context):
        seen.update(
            function_name=context.function_name,
            function_version=context.function_version,
            invoked_function_arn=context.invoked_function_arn,
            memory_limit_in_mb=context.memory_limit_in_mb,
            aws_request_id=context.aws_request_id,
            log_group_name=context.log_group_name,
            log_stream_name=context.log_stream_name,
            remaining_start=context.get_remaining_time_in_millis())
        time.sleep(2.5)
        seen["remaining_after"] = context.get_remaining_time_in_millis()

    result = handler.invoke({})
    assert seen["function_name"] == "ctx-demo"
    assert seen["function_version"] == "$LATEST"
    assert seen["invoked_function_arn"] == \
        "arn:aws:lambda:us-east-1:123456789012:function:ctx-demo"
    # the Python runtime reads it from AWS_LAMBDA_FUNCTION_MEMORY_SIZE: a string
    assert seen["memory_limit_in_mb"] == "256"
    assert seen["aws_request_id"] == result.request_id
    assert seen["log_group_name"] == "/aws/lambda/ctx-demo"
    assert re.fullmatch(r"2026/01/01/\[\$LATEST\][0-9a-f]{32}", seen["log_stream_name"])
    assert seen["remaining_start"] == 10_000
    assert seen["remaining_after"] == 7_500


def test_a_warm_environment_keeps_its_log_stream_and_a_new_one_gets_another(lab):
    streams = []

    @lab.function
    def stream(event, context):
        streams.append(context.log_stream_name)

    stream.invoke({})
    stream.invoke({})
    stream.configure(memory_size=512)       # a configuration change retires the environment
    stream.invoke({})
    assert streams[0] == streams[1]
    assert streams[2] != streams[0]


def test_each_request_gets_its_own_request_id(lab):
    ids = []

    @lab.function
    def rid(event, context):
        ids.append(context.aws_request_id)

    results = [rid.invoke({}) for _ in range(3)]
    assert ids == [r.request_id for r in results]
    assert len(set(ids)) == 3


# --- logs --------------------------------------------------------------------------------

def test_print_goes_to_the_function_log_not_to_stdout(lab, capsys):
    @lab.function
    def chatty(event, context):
        print("hello from the handler")
        print("to stderr", file=sys.stderr)
        sys.stdout.write("partial ")
        sys.stdout.write("line\n")

    result = chatty.invoke({})
    captured = capsys.readouterr()
    assert "hello from the handler" not in captured.out
    assert "to stderr" not in captured.err
    assert "partial" not in captured.out
    lines = request_lines(chatty, result.request_id)
    assert lines[1:4] == ["hello from the handler", "to stderr", "partial line"]
    # stdout is back to normal after the call
    print("after")
    assert capsys.readouterr().out == "after\n"


def test_start_end_report_lines(lab):
    @lab.function(memory_size=512, memory_used=77, duration="12.3456ms")
    def logged(event, context):
        print("working")

    cold = logged.invoke({})
    warm = logged.invoke({})
    cold_lines = request_lines(logged, cold.request_id)
    warm_lines = request_lines(logged, warm.request_id)
    rid = warm.request_id
    assert warm_lines[0] == f"START RequestId: {rid} Version: $LATEST"
    assert warm_lines[1] == "working"
    assert warm_lines[2] == f"END RequestId: {rid}"
    report = report_fields(warm_lines[3])
    assert report["Duration"] == "12.35 ms"
    assert report["Billed Duration"] == "13 ms"        # rounded up to the next 1 ms
    assert report["Memory Size"] == "512 MB"
    assert report["Max Memory Used"] == "77 MB"
    assert "Init Duration" not in report                # warm: no INIT phase

    cold_report = report_fields(cold_lines[-1])
    assert cold_report["Init Duration"] == f"{INIT * 1000:.2f} ms"
    assert cold_report["Duration"] == "12.35 ms"
    # INIT is billed (since Aug 2025): ceil(250 + 12.3456) ms
    assert cold_report["Billed Duration"] == f"{int(INIT * 1000) + 13} ms"


def test_billed_duration_is_rounded_up_to_the_millisecond_without_a_minimum(lab):
    # Since Dec 2020 Lambda bills in 1 ms steps with no 100 ms minimum.
    @lab.function(duration="1.001ms")
    def tiny(event, context):
        pass

    tiny.invoke({})
    warm = tiny.invoke({})
    assert warm.attempt.billed_ms == 2
    lab2 = Lab(seed=0)

    @lab2.function(duration="7ms")
    def exact(event, context):
        pass

    exact.invoke({})
    assert exact.invoke({}).attempt.billed_ms == 7


def test_log_tail_is_the_last_4_kb_base64(lab):
    @lab.function
    def noisy(event, context):
        for i in range(event["lines"]):
            print(f"line {i:05d} " + "x" * 90)

    small = noisy.invoke({"lines": 2}, log_type="Tail")
    text = base64.b64decode(small.log_result).decode()
    assert text.splitlines() == request_lines(noisy, small.request_id)

    big = noisy.invoke({"lines": 200}, log_type="Tail")
    tail = base64.b64decode(big.log_result)
    assert len(tail) == 4096
    full = "\n".join(request_lines(noisy, big.request_id)).encode()
    assert len(full) > 20_000
    assert full.endswith(tail)
    assert b"REPORT RequestId: " + big.request_id.encode() in tail
    assert b"START RequestId" not in tail

    assert noisy.invoke({"lines": 1}).log_result is None    # only with LogType=Tail


# --- errors ------------------------------------------------------------------------------

def _validate(order):
    if "qty" not in order:
        raise KeyError("qty")
    raise ValueError(f"bad quantity {order['qty']}")


def test_unhandled_exception_payload(lab):
    @lab.function
    def orders(event, context):
        return _validate(event)

    result = orders.invoke({"qty": -1})
    assert result.status_code == 200
    assert result.function_error == "Unhandled"
    document = result.json()
    assert document["errorMessage"] == "bad quantity -1"
    assert document["errorType"] == "ValueError"
    assert document["requestId"] == result.request_id
    trace = document["stackTrace"]
    assert isinstance(trace, list) and len(trace) == 2
    # the trace starts at the handler's frame: no lambdalab frames
    assert trace[0].startswith('  File "/var/task/')
    assert ", in orders\n" in trace[0] and "return _validate(event)" in trace[0]
    assert ", in _validate\n" in trace[1] and "raise ValueError" in trace[1]
    for frame in trace:
        assert "lambdalab" not in frame and "runtime.py" not in frame
    log = "\n".join(request_lines(orders, result.request_id))
    assert "[ERROR] ValueError: bad quantity -1" in log
    assert result.attempt.outcome == "error"


def test_unhandled_exception_in_zip_code_shows_var_task_paths(lab):
    code = make_zip({"lambda_function.py": (
        "def lambda_handler(event, context):\n"
        "    raise RuntimeError('from the zip')\n")})
    fn = lab.awslambda.create_function("zipped", code=code,
                                       handler_name="lambda_function.lambda_handler")
    document = fn.invoke({}).json()
    assert document["errorType"] == "RuntimeError"
    assert document["stackTrace"] == [
        '  File "/var/task/lambda_function.py", line 2, in lambda_handler\n'
        "    raise RuntimeError('from the zip')\n"]


def test_non_json_return_value_is_a_marshal_error(lab):
    @lab.function
    def returns_a_set(event, context):
        return {1, 2, 3}

    result = returns_a_set.invoke({})
    assert result.function_error == "Unhandled"
    document = result.json()
    assert document["errorType"] == "Runtime.MarshalError"
    assert document["errorMessage"].startswith("Unable to marshal response:")
    assert "not JSON serializable" in document["errorMessage"]


def test_system_exit_is_a_runtime_exit_error(lab):
    @lab.function
    def quits(event, context):
        sys.exit(3)

    result = quits.invoke({})
    assert result.function_error == "Unhandled"
    assert result.json()["errorType"] == "Runtime.ExitError"
    assert "exit status 3" in result.json()["errorMessage"]


# --- timeouts ----------------------------------------------------------------------------

def test_sleeping_past_the_timeout_times_out_at_the_timeout(lab):
    after = []

    @lab.function(timeout=3)
    def slow(event, context):
        time.sleep(5)
        after.append("ran on")          # never reached: Lambda stops the function

    slow.invoke({"warm": True})
    lab.run("1s")
    t0 = lab.now
    result = slow.invoke({})
    assert after == []
    assert result.function_error == "Unhandled"
    document = result.json()
    assert document["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 3.00 seconds" in document["errorMessage"]
    assert result.attempt.duration == 3.0
    assert result.attempt.outcome == "timeout"
    assert lab.now == t0 + timedelta(seconds=3 + result.attempt.init)
    lines = request_lines(slow, result.request_id)
    assert any(line.endswith("Task timed out after 3.00 seconds") for line in lines)
    assert report_fields(lines[-1])["Duration"] == "3000.00 ms"


def test_a_handler_cannot_swallow_its_timeout(lab):
    @lab.function(timeout=2)
    def stubborn(event, context):
        try:
            time.sleep(10)
        except Exception:
            return "swallowed"
        return "finished"

    result = stubborn.invoke({})
    assert result.function_error == "Unhandled"
    assert result.json()["errorType"] == "Sandbox.Timedout"
    assert result.attempt.duration == 2.0


def test_a_bare_except_cannot_swallow_its_timeout_either(lab):
    @lab.function(timeout=2)
    def very_stubborn(event, context):
        try:
            time.sleep(10)
        except BaseException:
            pass
        return "swallowed"

    result = very_stubborn.invoke({})
    assert result.json()["errorType"] == "Sandbox.Timedout"
    assert result.attempt.duration == 2.0


def test_a_duration_model_longer_than_the_timeout_times_out(lab):
    @lab.function(timeout=3, duration="5s")
    def modelled(event, context):
        return "ok"

    result = modelled.invoke({})
    assert result.json()["errorType"] == "Sandbox.Timedout"
    assert result.attempt.duration == 3.0


def test_the_runaway_guard_stops_a_busy_loop(lab):
    lab.awslambda.wall_limit = 0.5

    @lab.function(timeout=60)
    def spin(event, context):
        while True:
            pass

    real = time.perf_counter()
    result = spin.invoke({})
    real = time.perf_counter() - real
    assert 0.5 <= real < 3.0
    assert result.function_error == "Unhandled"
    assert result.json()["errorType"] == "Sandbox.Timedout"
    assert result.attempt.outcome == "timeout"
    assert result.attempt.duration == 60.0
    log = "\n".join(request_lines(spin, result.request_id))
    assert "runaway guard" in log
    # the guard is disarmed afterwards: a normal handler runs normally
    @lab.function
    def fine(event, context):
        return 1
    assert fine.invoke({}).json() == 1


# --- environment variables ---------------------------------------------------------------

def test_environment_variables_inside_and_restored_after(lab, monkeypatch):
    monkeypatch.setenv("TABLE_NAME", "outer-value")
    monkeypatch.delenv("STAGE", raising=False)
    monkeypatch.delenv("SET_BY_HANDLER", raising=False)

    @lab.function(name="env-demo", memory_size=256,
                  environment={"TABLE_NAME": "orders", "STAGE": "test"})
    def env(event, context):
        os.environ["SET_BY_HANDLER"] = "1"
        return {k: os.environ.get(k) for k in (
            "TABLE_NAME", "STAGE", "AWS_REGION", "AWS_LAMBDA_FUNCTION_NAME",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
            "AWS_LAMBDA_LOG_GROUP_NAME", "_HANDLER")}

    inside = env.invoke({}).json()
    assert inside == {"TABLE_NAME": "orders", "STAGE": "test", "AWS_REGION": "us-east-1",
                      "AWS_LAMBDA_FUNCTION_NAME": "env-demo",
                      "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
                      "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                      "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/env-demo",
                      "_HANDLER": inside["_HANDLER"]}
    assert inside["_HANDLER"].endswith(".env")
    assert os.environ["TABLE_NAME"] == "outer-value"
    assert "STAGE" not in os.environ
    assert "AWS_LAMBDA_FUNCTION_NAME" not in os.environ
    assert "SET_BY_HANDLER" not in os.environ


def test_two_functions_see_only_their_own_variables(lab, monkeypatch):
    monkeypatch.delenv("ONLY_A", raising=False)

    @lab.function(environment={"ONLY_A": "a"})
    def fa(event, context):
        return os.environ.get("ONLY_A")

    @lab.function
    def fb(event, context):
        return os.environ.get("ONLY_A")

    assert fa.invoke({}).json() == "a"
    assert fb.invoke({}).json() is None


# --- zip code ----------------------------------------------------------------------------

COUNTING = make_zip({"lambda_function.py": (
    "import time\n"
    "INIT_AT = time.time()\n"
    "CALLS = 0\n"
    "print('module init')\n"
    "def lambda_handler(event, context):\n"
    "    global CALLS\n"
    "    CALLS += 1\n"
    "    return {'calls': CALLS, 'init_at': INIT_AT}\n")})


def test_module_code_runs_once_per_execution_environment(lab, capsys):
    fn = lab.awslambda.create_function("counter", code=COUNTING,
                                       handler_name="lambda_function.lambda_handler")
    first = fn.invoke({})
    second = fn.invoke({})
    third = fn.invoke({})
    assert [r.json()["calls"] for r in (first, second, third)] == [1, 2, 3]
    assert [r.attempt.cold for r in (first, second, third)] == [True, False, False]
    # module-level code ran during INIT, at the start of the cold start
    assert first.json()["init_at"] == pytest.approx(EPOCH_UNIX, abs=1e-6)
    assert third.json()["init_at"] == first.json()["init_at"]
    # its output went to the function's log, not to the notebook
    assert "module init" not in capsys.readouterr().out
    assert "module init" in fn.logs()
    assert fn.logs().count("module init") == 1
    fn.configure(timeout=10)          # a configuration change: new environments start cold
    fourth = fn.invoke({})
    assert fourth.attempt.cold
    assert fourth.json()["calls"] == 1
    assert fn.logs().count("module init") == 2


def test_two_zip_functions_each_see_their_own_utils_module(lab):
    def package(tag):
        return make_zip({
            "lambda_function.py": (
                "import utils\n"
                "def lambda_handler(event, context):\n"
                "    import helpers\n"
                "    return [utils.who(), helpers.TAG]\n"),
            "utils.py": f"def who():\n    return {tag!r}\n",
            "helpers.py": f"TAG = {tag + '-helper'!r}\n"})

    a = lab.awslambda.create_function("fn-a", code=package("A"),
                                      handler_name="lambda_function.lambda_handler")
    b = lab.awslambda.create_function("fn-b", code=package("B"),
                                      handler_name="lambda_function.lambda_handler")
    for _ in range(2):
        assert a.invoke({}).json() == ["A", "A-helper"]
        assert b.invoke({}).json() == ["B", "B-helper"]
    # nothing of theirs is left importable in the notebook's process
    for name in ("utils", "helpers", "lambda_function"):
        assert name not in sys.modules


def test_zip_handler_in_a_package_directory(lab):
    code = make_zip({"app/__init__.py": "",
                     "app/handlers.py": "def main(event, context):\n    return 'pkg'\n"})
    fn = lab.awslambda.create_function("pkg", code=code, handler_name="app/handlers.main")
    assert fn.invoke({}).json() == "pkg"


def test_a_module_that_fails_to_import_is_an_import_module_error(lab):
    code = make_zip({"lambda_function.py": (
        "import not_a_real_dependency\n"
        "def lambda_handler(event, context):\n"
        "    return 1\n")})
    fn = lab.awslambda.create_function("broken", code=code,
                                       handler_name="lambda_function.lambda_handler")
    result = fn.invoke({})
    assert result.function_error == "Unhandled"
    document = result.json()
    assert document["errorType"] == "Runtime.ImportModuleError"
    assert document["errorMessage"] == ("Unable to import module 'lambda_function': "
                                        "No module named 'not_a_real_dependency'")
    # no environment is kept: the next request tries INIT again
    assert fn.invoke({}).attempt.cold


def test_a_missing_handler_attribute_is_handler_not_found(lab):
    code = make_zip({"lambda_function.py": "def other(event, context):\n    return 1\n"})
    fn = lab.awslambda.create_function("no-handler", code=code,
                                       handler_name="lambda_function.lambda_handler")
    result = fn.invoke({})
    assert result.function_error == "Unhandled"
    document = result.json()
    assert document["errorType"] == "Runtime.HandlerNotFound"
    # the Python runtime's wording (awslambdaric bootstrap)
    assert document["errorMessage"] == \
        "Handler 'lambda_handler' missing on module 'lambda_function'"


# --- duration models ---------------------------------------------------------------------

def _warm_duration(fn, event=None):
    """Duration of a warm invoke (after one cold start)."""
    if not fn.idle:
        fn.invoke(event or {})
    return fn.invoke(event or {}).attempt.duration


def test_duration_fixed_number_and_string(lab):
    a = lab.function(lambda e, c: None, name="num", duration=0.5)
    b = lab.function(lambda e, c: None, name="text", duration="120ms")
    c = lab.function(lambda e, c: None, name="model", duration=durations.fixed("2s"))
    assert _warm_duration(a) == 0.5
    assert _warm_duration(b) == pytest.approx(0.12, abs=1e-12)
    assert _warm_duration(c) == 2.0


def test_duration_from_a_callable_of_the_event(lab):
    fn = lab.function(lambda e, c: None, name="per-item", duration=lambda e: 0.1 * e["items"])
    assert _warm_duration(fn, {"items": 3}) == pytest.approx(0.3)
    assert fn.invoke({"items": 10}).attempt.duration == pytest.approx(1.0)
    text = lab.function(lambda e, c: None, name="as-text", duration=lambda e: f"{e['ms']}ms")
    assert _warm_duration(text, {"ms": 40}) == pytest.approx(0.04)


def test_model_time_adds_to_what_the_handler_sleeps(lab):
    @lab.function(duration="250ms")
    def both(event, context):
        time.sleep(1)

    assert _warm_duration(both) == pytest.approx(1.25)


def _sampled(seed, model, n=20):
    lab = Lab(seed=seed)
    fn = lab.function(lambda e, c: None, name="dist", duration=model)
    return [fn.invoke({}).attempt.duration for _ in range(n)]


@pytest.mark.parametrize("make", [
    lambda: durations.uniform("50ms", "150ms"),
    lambda: durations.normal("100ms", "20ms"),
    lambda: durations.lognormal("100ms", 0.5),
])
def test_seeded_distributions_are_reproducible_per_seed(make):
    first, again, other = _sampled(7, make()), _sampled(7, make()), _sampled(8, make())
    assert first == again
    assert first != other
    assert len(set(first)) == len(first)          # it really varies
    assert all(d > 0 for d in first)


def test_uniform_stays_in_its_bounds_and_normal_above_its_floor():
    uniform = _sampled(1, durations.uniform("50ms", "150ms"), n=200)
    assert all(0.05 <= d <= 0.15 for d in uniform)
    normal = _sampled(1, durations.normal("10ms", "50ms", floor="5ms"), n=200)
    assert min(normal) == 0.005          # a wide normal hits its floor
    assert all(d >= 0.005 for d in normal)


# https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html:
# "at 1,769 MB, a function has the equivalent of one vCPU"; CPU is allocated in proportion to
# memory. cpu_bound(cpu) is work that takes `cpu` seconds on one full vCPU.
@pytest.mark.parametrize("memory, threads, expected", [
    (1769, 1, 1.0),                 # one full vCPU: nominal time
    (3538, 1, 1.0),                 # two vCPUs do not help a single thread
    (3538, 2, 0.5),                 # two threads on two vCPUs: half the time
    (3538, 4, 0.5),                 # more threads than vCPUs: still two vCPUs
    (128, 1, 1769 / 128),           # 128 MB gets 128/1769 of a vCPU
    (128, 2, 1769 / 128),           # threads do not help below one vCPU
    (10240, 1, 1.0),                # the most memory: a single thread still takes 1 s
])
def test_cpu_bound_scales_with_memory(memory, threads, expected):
    model = durations.cpu_bound("1s", threads=threads)
    assert model.sample(b"{}", memory, None) == pytest.approx(expected)


def test_cpu_bound_through_a_function_and_io_does_not_scale(lab):
    model = durations.cpu_bound("1s", io="200ms")
    small = lab.function(lambda e, c: None, name="small", memory_size=128, timeout=60,
                         duration=model)
    full = lab.function(lambda e, c: None, name="full", memory_size=1769, duration=model)
    assert _warm_duration(small) == pytest.approx(1769 / 128 + 0.2)
    assert _warm_duration(full) == pytest.approx(1.2)
    full.configure(memory_size=3538)
    assert _warm_duration(full) == pytest.approx(1.2)


# --- INIT: module-level code -------------------------------------------------------------

def test_module_level_code_sees_the_function_environment_variables(lab, monkeypatch):
    # The common pattern TABLE = os.environ["TABLE_NAME"] at module level runs during INIT,
    # when the function's variables are already set (L/configuration-envvars.html).
    monkeypatch.delenv("TABLE_NAME", raising=False)
    code = make_zip({"lambda_function.py": (
        "import os\n"
        "TABLE = os.environ['TABLE_NAME']\n"
        "REGION = os.environ['AWS_REGION']\n"
        "def lambda_handler(event, context):\n"
        "    return [TABLE, REGION]\n")})
    fn = lab.awslambda.create_function("init-env", code=code,
                                       handler_name="lambda_function.lambda_handler",
                                       environment={"TABLE_NAME": "orders"})
    result = fn.invoke({})
    assert result.function_error is None, result.json()
    assert result.json() == ["orders", "us-east-1"]
    assert "TABLE_NAME" not in os.environ


def test_variables_set_by_function_code_stay_with_the_function_not_the_notebook(lab,
                                                                                monkeypatch):
    # Module-level code that sets os.environ (as Powertools-style setup does) runs once per
    # execution environment; later warm requests still see what it set, but the notebook
    # process and other functions do not.
    monkeypatch.delenv("SERVICE_NAME", raising=False)
    code = make_zip({"lambda_function.py": (
        "import os\n"
        "os.environ.setdefault('SERVICE_NAME', 'orders')\n"
        "def lambda_handler(event, context):\n"
        "    return os.environ.get('SERVICE_NAME')\n")})
    fn = lab.awslambda.create_function("sets-env", code=code,
                                       handler_name="lambda_function.lambda_handler")

    @lab.function
    def other(event, context):
        return os.environ.get("SERVICE_NAME")

    assert fn.invoke({}).json() == "orders"
    assert "SERVICE_NAME" not in os.environ
    warm = fn.invoke({})
    assert not warm.attempt.cold
    assert warm.json() == "orders"
    assert other.invoke({}).json() is None
    assert "SERVICE_NAME" not in os.environ


def test_memory_change_is_seen_by_the_context_and_the_environment(lab):
    @lab.function(memory_size=256)
    def mem(event, context):
        return [context.memory_limit_in_mb, os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]]

    assert mem.invoke({}).json() == ["256", "256"]
    mem.configure(memory_size=1024)
    assert mem.invoke({}).json() == ["1024", "1024"]


def test_init_longer_than_10_seconds_is_a_function_error_not_a_crash(lab):
    # https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html:
    # "The Init phase is limited to 10 seconds."
    code = make_zip({"lambda_function.py": (
        "import time\n"
        "time.sleep(20)\n"
        "def lambda_handler(event, context):\n"
        "    return 'ran'\n")})
    fn = lab.awslambda.create_function("slow-init", code=code,
                                       handler_name="lambda_function.lambda_handler")
    result = fn.invoke({})
    assert result.function_error == "Unhandled"
    assert result.json() != "ran"
    assert "10 second" in result.json()["errorMessage"]


def test_stack_trace_paths_read_like_aws(lab):
    import json

    @lab.function
    def parses(event, context):
        return json.loads(event["body"])

    trace = parses.invoke({"body": "{broken"}).json()["stackTrace"]
    assert ", in parses\n" in trace[0] and trace[0].startswith('  File "/var/task/')
    # the standard library lives under /var/lang on AWS
    assert any(frame.startswith(f'  File "/var/lang/lib/python{sys.version_info[0]}.'
                                f'{sys.version_info[1]}/json/') for frame in trace[1:])


def test_user_code_in_a_folder_named_lambdalab_keeps_its_frames(lab, tmp_path):
    folder = tmp_path / "lambdalab"
    folder.mkdir()
    source = folder / "course_handlers.py"
    source.write_text("def handler(event, context):\n    raise ValueError('mine')\n")
    import importlib.util
    spec = importlib.util.spec_from_file_location("course_handlers", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fn = lab.function(module.handler, name="course")
    trace = fn.invoke({}).json()["stackTrace"]
    assert len(trace) == 1
    assert ", in handler\n" in trace[0]


# How the Python runtime reports INIT failures (awslambdaric bootstrap._get_handler,
# https://github.com/aws/aws-lambda-python-runtime-interface-client).
INIT_FAILURES = [
    ("import not_installed\n", "Runtime.ImportModuleError",
     "Unable to import module 'lambda_function': No module named 'not_installed'"),
    ("def broken(:\n    pass\n", "Runtime.UserCodeSyntaxError",
     "Syntax error in module 'lambda_function': invalid syntax (lambda_function.py, line 1)"),
    ("import os\nTABLE = os.environ['NOT_SET_ANYWHERE']\n", "KeyError", "'NOT_SET_ANYWHERE'"),
    ("x = None.attribute\n", "AttributeError",
     "'NoneType' object has no attribute 'attribute'"),
    ("def other(event, context):\n    pass\n", "Runtime.HandlerNotFound",
     "Handler 'lambda_handler' missing on module 'lambda_function'"),
]


@pytest.mark.parametrize("source, error_type, message", INIT_FAILURES)
def test_init_error_classification(source, error_type, message):
    from lambdalab.awslambda.code import ZipCode, init_error
    code = ZipCode(make_zip({"lambda_function.py": source}), "lambda_function.lambda_handler")
    try:
        with pytest.raises(Exception) as info:
            code.load()
        kind, text, trace = init_error(info.value, code.handler_name, code.root)
    finally:
        code.close()
    assert (kind, text) == (error_type, message)
    if error_type in ("KeyError", "AttributeError", "Runtime.UserCodeSyntaxError"):
        assert trace and trace[0].startswith('  File "/var/task/lambda_function.py"')


@pytest.mark.parametrize("source, error_type, message",
                         [f for f in INIT_FAILURES if f[1] in ("Runtime.UserCodeSyntaxError",
                                                               "KeyError", "AttributeError")])
def test_init_errors_reach_the_caller_as_the_runtime_reports_them(lab, source, error_type,
                                                                  message):
    fn = lab.awslambda.create_function("init-fails", code=make_zip({"lambda_function.py": source}),
                                       handler_name="lambda_function.lambda_handler")
    document = fn.invoke({}).json()
    assert (document["errorType"], document["errorMessage"]) == (error_type, message)


def test_variables_are_restored_between_calls_inside_an_open_aws_door(lab, monkeypatch):
    monkeypatch.delenv("TABLE_NAME", raising=False)

    @lab.function(environment={"TABLE_NAME": "orders"})
    def reads(event, context):
        return os.environ.get("TABLE_NAME")

    with lab.aws():
        assert reads.invoke({}).json() == "orders"
        assert "TABLE_NAME" not in os.environ      # notebook code inside the block
        assert reads.invoke({}).json() == "orders"
    assert "TABLE_NAME" not in os.environ


def test_sleep_in_another_thread_is_real_while_a_handler_runs(lab):
    """ipykernel's poller thread sleeps in a loop: its sleeps must not count as handler time."""
    import threading
    import time as time_module

    slept = {}

    def other_thread():
        started = time_module.perf_counter()
        time_module.sleep(0.05)
        slept["real"] = time_module.perf_counter() - started

    @lab.function(timeout=5)
    def handler(event, context):
        worker = threading.Thread(target=other_thread)
        worker.start()
        worker.join()
        return context.get_remaining_time_in_millis()

    assert handler.invoke({}).json() == 5000        # the handler's virtual time did not move
    assert slept["real"] >= 0.05                     # the other thread really slept
