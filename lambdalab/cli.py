"""The real AWS CLI, run in this Python process against a lab.

>>> from lambdalab.cli import aws
>>> result = aws("lambda list-functions", lab=lab)      # doctest: +SKIP
>>> print(result.stdout)                                # exactly what the CLI printed

The CLI (``awscli``, version 1) runs inside the lab's door (``lab.aws()``): its clients for
lab-owned services are answered by the lab, everything else by moto, and nothing reaches the
network. Output is JSON unless ``--output`` says otherwise, the region is the lab's, and there is
no pager. ``%load_ext lambdalab`` adds the ``%aws`` / ``%%aws`` notebook magics.
"""
from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import shlex
import sys
import threading
import time
from dataclasses import dataclass

from .errors import LabError

_CLI_LOGGERS = ("botocore", "awscli", "s3transfer")  # ``--debug`` attaches handlers to these
_one_at_a_time = threading.RLock()   # re-entrant: a handler run by ``aws lambda invoke`` may call aws()


@dataclass(frozen=True)
class CliResult:
    """One CLI run: its arguments (without ``aws``), exit code and captured output."""
    args: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    def json(self):
        """The output parsed as JSON (``None`` when the command printed nothing)."""
        return json.loads(self.stdout) if self.stdout.strip() else None

    def __str__(self) -> str:
        return self.stdout + self.stderr


def split_commands(text: str) -> list[list[str]]:
    """The commands in ``text``, one per line, split into words as a POSIX shell would: quotes,
    ``\\`` + newline continuations, quoted strings spanning lines and ``#`` comments. A leading
    ``aws`` word is dropped, so commands can be pasted from a terminal or from docs."""
    commands, pending = [], ""
    for line in text.splitlines():
        pending += line
        if re.search(r"(?<!\\)(?:\\\\)*\\$", line):      # an odd number of trailing backslashes
            pending = pending[:-1]
            continue
        try:
            words = shlex.split(pending, comments=True)
        except ValueError:                                 # a quoted string goes on
            pending += "\n"
            continue
        if words:
            commands.append(words[1:] if words[0] == "aws" else words)
        pending = ""
    if pending.strip():
        shlex.split(pending, comments=True)                # raises: unclosed quotation
        raise ValueError("the last command ends with a line continuation")
    return commands


def _args(command) -> list[str]:
    if isinstance(command, str):
        commands = split_commands(command)
        if len(commands) != 1:
            raise ValueError(f"give one command, not {len(commands)}: {command!r}")
        return commands[0]
    args = [str(word) for word in command]
    return args[1:] if args[:1] == ["aws"] else args


def aws(command: str | list[str], lab=None) -> CliResult:
    """Run one AWS CLI command in-process against ``lab`` and capture what it prints.

    ``command`` is a shell-like string (``"lambda get-function --function-name f"``; a leading
    ``aws`` and ``\\`` + newline continuations are fine) or a list of arguments. ``lab`` defaults
    to the lab of the innermost open door; if that is not ``lab``'s door, its door is opened for
    the call. Files the CLI writes (``aws lambda invoke ... out.json``) go to the current
    directory, as in a shell. A failed command is a non-zero ``exit_code`` (255 for an AWS
    error, 2 for a usage error, as CLI v1 does) with its message in ``stderr``; nothing is
    raised. One command runs at a time (the CLI prints to the process's ``sys.stdout``).
    """
    from . import door

    args = _args(command)
    for word in args:   # (argparse also takes an unambiguous abbreviation such as --endpoint)
        if len(word.split("=")[0]) > 2 and "--endpoint-url".startswith(word.split("=")[0]):
            return CliResult(tuple(args), 255, "", "\nlambdalab: --endpoint-url is not available "
                             "here: the lab and moto answer every call in this process.\n")
    if lab is None:
        if not door._active:
            raise LabError("No lab door is open: pass lab=..., or call aws() inside "
                           "`with lab.aws():`.")
        lab = door._active[-1].lab
    with _one_at_a_time, contextlib.ExitStack() as stack:
        if not (door._active and door._active[-1].lab is lab):
            stack.enter_context(lab.aws())
        return _run(args)


def _run(args: list[str]) -> CliResult:
    try:
        import awscli
        import awscli.help
        from awscli.clidriver import create_clidriver
    except ImportError as exc:  # pragma: no cover - awscli is pinned in requirements.txt
        raise LabError("The AWS CLI is not installed here: pip install awscli") from exc
    out, err = io.BytesIO(), io.BytesIO()
    stdout, stderr = (io.TextIOWrapper(buffer, encoding="utf-8", errors="backslashreplace",
                                       newline="\n", write_through=True) for buffer in (out, err))
    # awscli adds its data folder to AWS_DATA_PATH when first imported; a door opened meanwhile
    # restores the variable's earlier value when it closes, so put the folder back for the run.
    data_path = os.path.join(os.path.dirname(awscli.__file__), "data")
    saved_data_path = os.environ.get("AWS_DATA_PATH")
    paths = (saved_data_path or "").split(os.pathsep)
    if data_path not in paths:
        os.environ["AWS_DATA_PATH"] = os.pathsep.join([p for p in paths if p] + [data_path])
    loggers = {name: logging.getLogger(name) for name in _CLI_LOGGERS}
    saved_loggers = {name: (lg.level, list(lg.handlers)) for name, lg in loggers.items()}
    # Usage errors name the program after sys.argv[0], as "aws: error: ..." in a shell. Times
    # the CLI shows in local time (``aws s3 ls``) are shown in UTC, the lab's clock's zone.
    saved_argv, saved_tz = sys.argv, os.environ.get("TZ")
    saved_renderer = awscli.help.get_renderer
    sys.argv = ["aws", *args]
    _set_tz("UTC")
    awscli.help.get_renderer = _text_help_renderer     # ``aws ... help``: plain text, no pager
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                exit_code = create_clidriver().main(args) or 0   # help returns None
            except SystemExit as exc:                      # argparse usage errors
                if exc.code is None or isinstance(exc.code, int):
                    exit_code = exc.code or 0
                else:
                    print(exc.code, file=sys.stderr)
                    exit_code = 1
    finally:
        sys.argv = saved_argv
        awscli.help.get_renderer = saved_renderer
        _set_tz(saved_tz)
        if saved_data_path is None:
            os.environ.pop("AWS_DATA_PATH", None)
        else:
            os.environ["AWS_DATA_PATH"] = saved_data_path
        for name, (level, handlers) in saved_loggers.items():
            loggers[name].setLevel(level)
            loggers[name].handlers[:] = handlers
    return CliResult(tuple(args), exit_code, out.getvalue().decode("utf-8"),
                     err.getvalue().decode("utf-8"))


def _text_help_renderer():
    from awscli.help import WindowsHelpRenderer

    class TextHelpRenderer(WindowsHelpRenderer):
        """The help page as plain text (docutils, as on Windows), printed instead of paged."""
        def _send_output_to_pager(self, output):
            sys.stdout.write(output.decode("utf-8") + "\n")

    return TextHelpRenderer()


def _set_tz(zone: str | None) -> None:
    if zone is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = zone
    if hasattr(time, "tzset"):  # POSIX
        time.tzset()


# --- IPython ------------------------------------------------------------------------------------
def _magic_lab(ipython):
    from . import door
    from .lab import Lab
    if door._active:
        return door._active[-1].lab
    candidate = ipython.user_ns.get("lab") if ipython is not None else None
    if isinstance(candidate, Lab):
        return candidate
    raise LabError("no lab to talk to: open a lab's door (`with lab.aws():` or "
                   "`lab.aws().start()`) or name the lab `lab`.")


def run_magic(text: str, ipython=None) -> None:
    """``%aws`` / ``%%aws``: run each command in ``text`` and print what the CLI prints; stop at
    the first one that fails, after printing its error (no traceback)."""
    try:
        commands = split_commands(text)
        lab = _magic_lab(ipython) if commands else None
    except (ValueError, LabError) as exc:
        print(f"%aws: {exc}", file=sys.stderr)
        return
    for args in commands:
        result = aws(args, lab=lab)
        print(result.stdout, end="")
        print(result.stderr, end="", file=sys.stderr)
        if not result.ok:
            return


def load_ipython_extension(ipython) -> None:
    """Register ``%aws`` (one command on the line) and ``%%aws`` (commands in the cell)."""
    from IPython.core.magic import no_var_expand

    @no_var_expand          # ``$LATEST`` and ``{...}`` JSON reach the CLI as typed
    def aws_magic(line, cell=None):
        run_magic(line if cell is None else f"{line}\n{cell}", ipython)

    ipython.register_magic_function(aws_magic, magic_kind="line_cell", magic_name="aws")
