"""Running one handler call the way the Python runtime does: context, logs, errors, payloads."""
from __future__ import annotations

import functools
import json
import os
import sys
import traceback
from contextlib import contextmanager

from .. import facts
from ..vtime import HandlerTimeout, Running, RunawayHandler, VirtualTime


class Context:
    """The ``context`` object a Python handler receives (same attribute names as on AWS)."""

    __slots__ = ("function_name", "function_version", "invoked_function_arn",
                 "memory_limit_in_mb", "aws_request_id", "log_group_name", "log_stream_name",
                 "identity", "client_context", "_running")

    def __init__(self, fn, env, request_id, running, client_context=None):
        self.function_name = fn.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = fn.arn
        self.memory_limit_in_mb = str(fn.memory_size)  # a string on AWS too
        self.aws_request_id = request_id
        self.log_group_name = fn.log_group
        self.log_stream_name = env.log_stream
        self.identity = None
        self.client_context = client_context
        self._running = running

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the timeout, on the virtual clock."""
        r = self._running
        return max(0, int(round((r.limit - r.elapsed) * 1000)))


def _environ_state():
    """A cheap copy of ``os.environ``'s contents, for spotting changes made by handler code."""
    data = getattr(os.environ, "_data", None)   # CPython's encoded mapping: copies in C
    return data.copy() if data is not None else dict(os.environ)


def _environ_changed(state) -> bool:
    data = getattr(os.environ, "_data", None)
    return (data if data is not None else dict(os.environ)) != state


def _decoded(state) -> dict:
    if state and isinstance(next(iter(state)), bytes):
        return {os.environ.decodekey(k): os.environ.decodevalue(v) for k, v in state.items()}
    return dict(state)


class Environ:
    """Which function's variables are in ``os.environ``.

    Setting variables costs a system call each, so a function's variables stay applied between
    its calls and are swapped only when another function runs; the lab restores the original
    environment when it stops running (:meth:`restore`).

    Variables the function's own code sets or deletes (``os.environ["X"] = ...`` at module
    level or in the handler) are undone too, so nothing leaks into the notebook or into other
    functions; they are kept on the function (``env_overlay``) and re-applied the next time it
    runs, as they would persist in its execution environment on AWS."""

    active = None
    saved: dict = {}
    applied = None   # os.environ right after the active function's variables were applied

    @classmethod
    def switch(cls, fn):
        """Apply ``fn``'s variables; return the function whose variables were active before."""
        previous = cls.active
        if previous is not fn:
            cls.restore()
            cls.saved = fn.apply_environment()
            cls.applied = _environ_state()
            cls.active = fn
        return previous

    @classmethod
    def restore(cls):
        fn = cls.active
        if fn is None:
            return
        saved = cls.saved
        if _environ_changed(cls.applied):
            # the function's code changed os.environ: remember its changes, then undo them
            before = _decoded(cls.applied)
            now = dict(os.environ)
            overlay = dict(fn.env_overlay or {})
            for key, value in now.items():
                if before.get(key) != value:
                    overlay[key] = value
                    saved.setdefault(key, before.get(key))
            for key in before.keys() - now.keys():
                overlay[key] = None
                saved.setdefault(key, before[key])
            fn.env_overlay = overlay
        fn.restore_environment(saved)
        cls.active, cls.saved, cls.applied = None, {}, None


class _Capture:
    """Collects what the handler prints (stdout and stderr) as log text."""

    __slots__ = ("parts",)

    def __init__(self):
        self.parts = []

    def write(self, text):
        self.parts.append(text)
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False

    def lines(self) -> list[str]:
        text = "".join(self.parts)
        return text.splitlines() if text else []


@contextmanager
def capture_output():
    """Send ``print`` (stdout and stderr) to a :class:`_Capture` for the block."""
    capture = _Capture()
    saved_out, saved_err = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = capture
    try:
        yield capture
    finally:
        sys.stdout, sys.stderr = saved_out, saved_err


class Outcome:
    """What one handler call produced."""

    __slots__ = ("payload", "error_type", "error", "elapsed", "output", "status")

    def __init__(self):
        self.payload = b"null"   # response bytes (the error document on failure)
        self.error_type = None   # None on success, else e.g. "ValueError", "Sandbox.Timedout"
        self.error = None        # "Unhandled" (function error) or None
        self.elapsed = 0.0       # virtual seconds consumed inside the handler
        self.output = []         # log lines the handler wrote
        self.status = "success"  # success | error | timeout


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


_STDLIB = os.path.dirname(os.__file__) + os.sep
_AWS_STDLIB = f"/var/lang/lib/python{sys.version_info[0]}.{sys.version_info[1]}/"


@functools.lru_cache(maxsize=1024)
def _is_lab_file(filename: str) -> bool:
    return os.path.abspath(filename).startswith(_PACKAGE_DIR)


@functools.lru_cache(maxsize=1024)
def _short_path(path: str, roots: tuple) -> str:
    """Paths as they read on AWS: the function's code under /var/task, the standard library
    under /var/lang; ``<frozen ...>`` pseudo-files unchanged."""
    for root in roots:
        if root and path.startswith(root + os.sep):
            return "/var/task/" + os.path.relpath(path, root)
    if path.startswith("<"):
        return path
    if path.startswith(_STDLIB) and os.sep + "site-packages" + os.sep not in path:
        return _AWS_STDLIB + os.path.relpath(path, _STDLIB)
    return "/var/task/" + os.path.basename(path)


def error_document(exc: BaseException, request_id: str, roots=()) -> dict:
    """The JSON the Python runtime returns for an unhandled exception."""
    # Drop the lab's own frames: the trace starts in the handler, as on AWS. (Judged by the
    # package's own directory, so user code in a folder that happens to be called
    # "lambdalab" keeps its frames.) Skipped before extraction, which is the costly part.
    tb = exc.__traceback__
    while tb is not None and _is_lab_file(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    stack = []
    for f in traceback.extract_tb(tb):
        line = f.line
        stack.append(f'  File "{_short_path(f.filename, roots)}", line {f.lineno}, in {f.name}\n'
                     + (f"    {line}\n" if line else ""))
    return {"errorMessage": str(exc), "errorType": type(exc).__name__,
            "requestId": request_id, "stackTrace": stack}


def fail(out: Outcome, status: str, error_type: str, document: dict) -> None:
    out.status = status
    out.error = "Unhandled"
    out.error_type = error_type
    out.payload = json.dumps(document).encode()


def timeout_message(seconds: float) -> str:
    return f"Task timed out after {seconds:.2f} seconds"


def call(fn, env, handler, event_bytes: bytes, request_id: str, base: float,
         wall_limit: float, client_context=None) -> Outcome:
    """Run ``handler`` for one invocation starting at lab time ``base``."""
    out = Outcome()
    running = Running(base, float(fn.timeout), wall_limit)
    context = Context(fn, env, request_id, running, client_context)
    capture = _Capture()
    if env.init_output and not env.invocations:
        # what module-level code printed during INIT goes with the environment's first request
        capture.parts.append("\n".join(env.init_output) + "\n")
    saved_out, saved_err = sys.stdout, sys.stderr
    outer_env = Environ.switch(fn)
    code_state = fn.code.enter(env.modules) if env.modules is not None else None
    VirtualTime.push(running)
    sys.stdout = sys.stderr = capture
    try:
        event = json.loads(event_bytes)
        result = handler(event, context)
        try:
            out.payload = json.dumps(result).encode()
        except (TypeError, ValueError) as exc:
            fail(out, "error", "Runtime.MarshalError",
                  {"errorMessage": f"Unable to marshal response: {exc}",
                   "errorType": "Runtime.MarshalError", "requestId": request_id, "stackTrace": []})
    except (HandlerTimeout, RunawayHandler) as exc:
        running.elapsed = running.limit
        if isinstance(exc, RunawayHandler):
            capture.write(f"lambdalab: the runaway guard stopped this handler after "
                          f"{wall_limit:g} real seconds (a loop that never sleeps?)\n")
        out.status = "timeout"
    except Exception as exc:  # the handler's own error: an "Unhandled" function error
        document = error_document(exc, request_id, (fn.code.root,))
        capture.write(f"[ERROR] {document['errorType']}: {document['errorMessage']}\n"
                      "Traceback (most recent call last):\n" + "".join(document["stackTrace"]))
        fail(out, "error", document["errorType"], document)
    except SystemExit as exc:
        fail(out, "error", "Runtime.ExitError",
              {"errorType": "Runtime.ExitError", "requestId": request_id,
               "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: "
                               f"exit status {exc.code}"})
    finally:
        sys.stdout, sys.stderr = saved_out, saved_err
        VirtualTime.pop()
        if code_state is not None:
            fn.code.leave(env.modules, code_state)
        if outer_env is not None:
            Environ.switch(outer_env)
    out.elapsed = running.elapsed
    out.output = capture.lines()
    return out


def timed_out(out: Outcome, request_id: str, timeout: float) -> None:
    """Turn ``out`` into the timeout error (the model's duration ran past the timeout)."""
    out.elapsed = timeout
    fail(out, "timeout", "Sandbox.Timedout",
          {"errorType": "Sandbox.Timedout",
           "errorMessage": f"RequestId: {request_id} Error: {timeout_message(timeout)}"})


def out_of_memory(out: Outcome, request_id: str) -> None:
    fail(out, "error", "Runtime.OutOfMemory",
          {"errorType": "Runtime.OutOfMemory",
           "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: "
                           "signal: killed"})


def response_too_large(out: Outcome, request_id: str) -> None:
    size = len(out.payload)
    fail(out, "error", "Function.ResponseSizeTooLarge",
          {"errorType": "Function.ResponseSizeTooLarge",
           "errorMessage": f"Response payload size ({size} bytes) exceeded maximum allowed "
                           f"payload size ({facts.SYNC_PAYLOAD_BYTES} bytes)."})
