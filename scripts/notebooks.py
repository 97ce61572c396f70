#!/usr/bin/env python3
"""Execute, normalize and check the course notebooks.

    python scripts/notebooks.py run   [NOTEBOOK ...]   execute top to bottom, write back normalized
    python scripts/notebooks.py check [NOTEBOOK ...]   fail if stale, not normalized, too big, ...
    python scripts/notebooks.py check --static [NOTEBOOK ...]   the same without re-executing
    python scripts/notebooks.py normalize [NOTEBOOK ...]  normalize in place without executing
    python scripts/notebooks.py badge NAME             print the Binder badge markdown for NAME

NOTEBOOK is a path, a file name in notebooks/ or a number prefix ("05"); the default is every
notebooks/NN_*.ipynb. Notebooks run in a fresh "python3" kernel whose working directory is the
notebook's folder (notebooks/ for the course).

A normalized notebook carries nothing that changes from run to run or from machine to machine:
execution counts 1..n in order, cell ids "cell-<index>", fixed notebook metadata (kernelspec and a
version-free language_info), no volatile cell metadata (timings, collapsed/scrolled), no saved
widget state, widget views reduced to their text/plain fallback and consecutive stream outputs
merged. tests/test_notebooks.py runs the static part of `check` on every notebook; strict nbval
(pytest) re-executes them and compares outputs.

Needs only the standard library, nbformat and nbclient.
"""
from __future__ import annotations

import argparse
import copy
import dataclasses
import difflib
import json
import re
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS_DIR = ROOT / "notebooks"
SANITIZE_CFG = NOTEBOOKS_DIR / "sanitize.cfg"
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
NAME_PATTERN = re.compile(r"^[0-9]{2}_[a-z0-9]+(?:_[a-z0-9]+)*\.ipynb$")

# The one place that knows where the course lives on GitHub / Binder. The real owner is not
# known yet: "lambdalab-course" is the placeholder used by the README and every notebook.
GITHUB_OWNER = "lambdalab-course"
GITHUB_REPO = "lambdalab"
BINDER_URL = ("https://mybinder.org/v2/gh/{owner}/{repo}/HEAD"
              "?urlpath=lab/tree/notebooks/{name}.ipynb")
BINDER_BADGE = "[![Binder](https://mybinder.org/badge_logo.svg)]({url})"
BINDER_LINK = re.compile(r"https?://mybinder\.org/v2/[^\s)\]\"'>]+")

TIME_LIMIT_S = 60.0              # each notebook must run in under this (kernel start included)
SIZE_LIMIT_BYTES = 1_000_000     # and be at most this big on disk
DEFAULT_TIMEOUT_S = 120.0        # hard stop for one notebook's execution (run and check)
KERNEL_NAME = "python3"
SETUP_MARKER = "Lab(seed="       # must appear in one of the first SETUP_CELLS code cells
SETUP_CELLS = 3

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": KERNEL_NAME}
LANGUAGE_INFO = {  # what ipykernel reports, minus the Python version
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
}
# Cell metadata written by front ends and executors that changes from run to run or only
# records view state: JupyterLab/nbclient timings, collapsed/scrolled outputs, hidden inputs.
VOLATILE_CELL_METADATA = ("execution", "ExecuteTime", "collapsed", "scrolled", "jupyter",
                          "trusted", "heading_collapsed", "hidden", "vscode", "pycharm")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

# nbval's cell markers (comments in the source, or cell tags), as nbval reads them.
_NBVAL_COMMENTS = {"NBVAL_IGNORE_OUTPUT": "ignore", "PYTEST_VALIDATE_IGNORE_OUTPUT": "ignore",
                   "NBVAL_CHECK_OUTPUT": "check", "NBVAL_RAISES_EXCEPTION": "raises",
                   "NBVAL_SKIP": "skip"}
_NBVAL_TAGS = {k.lower().replace("_", "-"): v for k, v in _NBVAL_COMMENTS.items()}
_NBVAL_TAGS["raises-exception"] = "raises"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


# --------------------------------------------------------------------------- naming and links

def binder_url(name: str) -> str:
    """The Binder link that opens notebook NAME (file name or stem) in JupyterLab."""
    stem = Path(name).name.removesuffix(".ipynb")
    return BINDER_URL.format(owner=GITHUB_OWNER, repo=GITHUB_REPO, name=stem)


def binder_badge(name: str) -> str:
    """The badge markdown the first cell of notebook NAME carries."""
    return BINDER_BADGE.format(url=binder_url(name))


def course_notebooks(directory: Path = NOTEBOOKS_DIR) -> list[Path]:
    """notebooks/NN_*.ipynb, in course order."""
    return sorted(Path(directory).glob(NOTEBOOK_GLOB))


def resolve(args: list[str], directory: Path = NOTEBOOKS_DIR) -> list[Path]:
    """Paths for command-line arguments: a path, a file name in notebooks/, or a prefix ("05")."""
    if not args:
        return course_notebooks(directory)
    paths = []
    for arg in args:
        path = Path(arg)
        if path.is_file():
            paths.append(path.resolve())
            continue
        found = [p for p in (directory / arg, directory / f"{arg}.ipynb") if p.is_file()]
        found = found or sorted(directory.glob(f"{arg}*.ipynb"))
        if len(found) != 1:
            raise SystemExit(f"notebooks.py: {arg!r} names {'no' if not found else 'more than one'} "
                             f"notebook ({', '.join(p.name for p in found) or directory})")
        paths.append(found[0].resolve())
    return paths


# --------------------------------------------------------------------------- normalization

def _merge_streams(outputs: list) -> list:
    merged: list = []
    for out in outputs:
        if (out.get("output_type") == "stream" and merged
                and merged[-1].get("output_type") == "stream"
                and merged[-1].get("name") == out.get("name")):
            merged[-1]["text"] = merged[-1]["text"] + out["text"]
        else:
            merged.append(out)
    return merged


def _normalize_outputs(outputs: list, execution_count: int | None) -> list:
    result = []
    for out in outputs:
        out = nbformat.from_dict(copy.deepcopy(dict(out)))
        kind = out.get("output_type")
        if kind in ("display_data", "execute_result"):
            data = out.get("data", {})
            if WIDGET_VIEW in data:
                # The view names a widget model id that changes every run, and the widget
                # state is not saved: keep only what a static viewer can show.
                if "text/plain" not in data:
                    continue
                out["data"] = {"text/plain": data["text/plain"]}
                out["metadata"] = {}
            out.setdefault("metadata", {})
            if kind == "execute_result":
                out["execution_count"] = execution_count
        if kind == "stream" and isinstance(out.get("text"), list):
            out["text"] = "".join(out["text"])
        result.append(out)
    return _merge_streams(result)


def normalize(nb):
    """Normalize a notebook in place (and return it). Idempotent."""
    nb.nbformat = 4
    nb.nbformat_minor = 5
    nb.metadata = nbformat.from_dict({"kernelspec": dict(KERNELSPEC),
                                      "language_info": copy.deepcopy(LANGUAGE_INFO)})
    count = 0
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index}"
        metadata = cell.setdefault("metadata", nbformat.NotebookNode())
        for key in VOLATILE_CELL_METADATA:
            metadata.pop(key, None)
        if "tags" in metadata and not metadata["tags"]:
            del metadata["tags"]
        if cell.cell_type == "code":
            if cell.get("execution_count") is not None:
                count += 1
                cell["execution_count"] = count
            else:
                cell["execution_count"] = None
            cell["outputs"] = _normalize_outputs(cell.get("outputs", []), cell["execution_count"])
        else:
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
    return nb


def dumps(nb) -> str:
    """The file text of a notebook, exactly as nbformat.write (and JupyterLab) writes it."""
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def normalized_text(text: str) -> str:
    return dumps(normalize(nbformat.reads(text, as_version=4)))


def write(nb, path: Path) -> int:
    """Write NB normalized to PATH; returns the file size in bytes."""
    data = dumps(normalize(nb)).encode("utf-8")
    Path(path).write_bytes(data)
    return len(data)


# --------------------------------------------------------------------------- nbval markers

def nbval_markers(cell) -> set[str]:
    """nbval's options for a code cell: any of "ignore", "check", "raises", "skip"."""
    found = set()
    tags = cell.get("metadata", {}).get("tags", [])
    if isinstance(tags, list):
        found.update(_NBVAL_TAGS[tag] for tag in tags if tag in _NBVAL_TAGS)
    for line in cell.get("source", "").splitlines():
        line = line.strip()
        if line.startswith("#"):
            marker = _NBVAL_COMMENTS.get(line.lstrip("#").strip())
            if marker:
                found.add(marker)
    return found


def _code_cell_labels(nb) -> dict[int, str]:
    """'cell-12 (nbval Cell 7)': the id of a cell and the number nbval reports for it."""
    labels, code = {}, 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            labels[index] = f"cell-{index} (nbval Cell {code})"
            code += 1
        else:
            labels[index] = f"cell-{index}"
    return labels


# --------------------------------------------------------------------------- sanitizing, comparing

def load_sanitizers(path: Path = SANITIZE_CFG) -> list[tuple[re.Pattern, str]]:
    """The regex/replace pairs of an nbval sanitize file, parsed the way nbval parses them."""
    path = Path(path)
    if not path.is_file():
        return []
    pairs = re.findall(r"^regex: (.*)$\n^replace: (.*)$", path.read_text(), flags=re.MULTILINE)
    return [(re.compile(regex), replace) for regex, replace in pairs]


def sanitize(value, sanitizers):
    if isinstance(value, str):
        for regex, replace in sanitizers:
            value = regex.sub(replace, value)
        return value
    if isinstance(value, list):
        return [sanitize(v, sanitizers) for v in value]
    if isinstance(value, dict):
        return {k: sanitize(v, sanitizers) for k, v in value.items()}
    return value


def _comparable(outputs, sanitizers) -> list[str]:
    """Outputs as text blocks for comparison: streams merged per name as nbval does, tracebacks
    left out (they name files on this machine), sanitize patterns applied."""
    streams: dict[str, dict] = {}
    blocks: list = []
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream":
            if out["name"] in streams:
                streams[out["name"]]["text"] += out["text"]
            else:
                streams[out["name"]] = {"kind": f"stream {out['name']}", "text": out["text"]}
                blocks.append(streams[out["name"]])
        elif kind == "error":
            blocks.append({"kind": "error", "text": f"{out.get('ename')}: {out.get('evalue')}"})
        else:
            for mime, value in sorted(out.get("data", {}).items()):
                if not isinstance(value, str):
                    value = json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False)
                blocks.append({"kind": f"{kind} {mime}", "text": value})
            if out.get("metadata"):
                blocks.append({"kind": f"{kind} metadata",
                               "text": json.dumps(out["metadata"], sort_keys=True)})
    return [f"[{b['kind']}]\n{sanitize(b['text'], sanitizers)}" for b in blocks]


def output_differences(committed, fresh, sanitizers=(), max_lines: int = 24,
                       max_cells: int = 5) -> list[str]:
    """Cells whose committed outputs differ from a fresh run's (both normalized), with a short
    diff for the first MAX_CELLS. Left out: cells nbval does not compare (NBVAL_IGNORE_OUTPUT,
    NBVAL_SKIP) and cells never executed in the file (nbval skips those; `check` reports them)."""
    committed = normalize(copy.deepcopy(committed))
    fresh = normalize(copy.deepcopy(fresh))
    if [c.cell_type for c in committed.cells] != [c.cell_type for c in fresh.cells]:
        return ["the re-executed notebook has different cells"]
    labels = _code_cell_labels(committed)
    problems = []
    for index, (old, new) in enumerate(zip(committed.cells, fresh.cells)):
        if (old.cell_type != "code" or old.execution_count is None
                or nbval_markers(old) & {"ignore", "skip"}):
            continue
        before = _comparable(old.outputs, sanitizers)
        after = _comparable(new.outputs, sanitizers)
        if before == after:
            continue
        if len(problems) >= max_cells:
            problems.append(f"stale: {labels[index]} outputs differ from a fresh run")
            continue
        diff = list(difflib.unified_diff("\n".join(before).splitlines(),
                                         "\n".join(after).splitlines(),
                                         "committed", "re-executed", lineterm="", n=1))
        diff = [line if len(line) <= 160 else line[:160] + " ..." for line in diff]
        if len(diff) > max_lines:
            diff = diff[:max_lines] + [f"... ({len(diff) - max_lines} more diff lines)"]
        problems.append(f"stale: {labels[index]} outputs differ from a fresh run\n"
                        + "\n".join("      " + line for line in diff))
    return problems


def keep_equivalent_outputs(committed, fresh, sanitizers=()):
    """FRESH (normalized), except that code cells whose outputs differ from COMMITTED only where
    the sanitize patterns mask keep the committed outputs, so a re-run does not churn the file
    (plotly's random div ids, for example)."""
    committed = normalize(copy.deepcopy(committed))
    fresh = normalize(copy.deepcopy(fresh))
    if [c.cell_type for c in committed.cells] != [c.cell_type for c in fresh.cells]:
        return fresh
    for old, new in zip(committed.cells, fresh.cells):
        if (old.cell_type == "code" and old.source == new.source
                and old.execution_count == new.execution_count
                and old.outputs != new.outputs
                and _comparable(old.outputs, sanitizers) == _comparable(new.outputs, sanitizers)
                and _comparable(old.outputs, ()) != _comparable(new.outputs, ())):
            new.outputs = old.outputs
    return fresh


# --------------------------------------------------------------------------- execution

@dataclasses.dataclass
class Execution:
    nb: object                      # the executed notebook (normalized)
    seconds: float                  # wall time, kernel start included
    cell_seconds: dict              # cell index -> seconds
    error: str | None = None        # why execution stopped, or an unexpected cell error
    widget_cells: tuple = ()        # indices of cells that displayed a widget view


def _first_error(nb) -> str | None:
    labels = _code_cell_labels(nb)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "raises" in nbval_markers(cell):
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                trace = _ANSI.sub("", "\n".join(out.get("traceback", [])))
                tail = "\n".join(trace.strip().splitlines()[-12:])
                return (f"{labels[index]} raised {out.get('ename')}: {out.get('evalue')}\n"
                        + "\n".join("      " + line for line in tail.splitlines()))
    return None


def execute(nb, cwd: Path, timeout: float = DEFAULT_TIMEOUT_S) -> Execution:
    """Run a copy of NB top to bottom in a fresh kernel; never raises for notebook errors.

    Errors in cells are collected rather than stopping the run (cells marked raises-exception /
    NBVAL_RAISES_EXCEPTION may raise); the first unexpected one is reported in `error`.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    starts: dict[int, float] = {}
    cell_seconds: dict[int, float] = {}
    start = time.monotonic()
    deadline = start + timeout

    def on_cell_start(cell, cell_index):
        starts[cell_index] = time.monotonic()

    def on_cell_executed(cell, cell_index, execute_reply):
        cell_seconds[cell_index] = time.monotonic() - starts.get(cell_index, start)

    client = NotebookClient(
        nb, kernel_name=KERNEL_NAME, allow_errors=True, record_timing=False,
        timeout_func=lambda cell: max(1, int(deadline - time.monotonic()) + 1),
        startup_timeout=min(60, int(timeout)), store_widget_state=False,
        resources={"metadata": {"path": str(cwd)}},
        on_cell_start=on_cell_start, on_cell_executed=on_cell_executed)
    error = None
    try:
        client.execute()
    except CellTimeoutError:
        error = f"timed out: still running after {timeout:.0f} s"
    except DeadKernelError as exc:
        error = f"the kernel died: {exc}"
    except Exception as exc:  # kernel start failures and the like
        error = f"execution failed: {type(exc).__name__}: {exc}"
    seconds = time.monotonic() - start
    widget_cells = tuple(index for index, cell in enumerate(nb.cells) if cell.cell_type == "code"
                         and any(WIDGET_VIEW in out.get("data", {}) for out in cell.outputs))
    normalize(nb)
    return Execution(nb, seconds, cell_seconds, error or _first_error(nb), widget_cells)


def widget_problems(run: Execution) -> list[str]:
    """Cells that show a widget must be marked # NBVAL_IGNORE_OUTPUT: only the widget's
    text/plain repr is kept in the file, and nbval would otherwise compare that."""
    labels = _code_cell_labels(run.nb)
    unmarked = [labels[i] for i in run.widget_cells
                if not nbval_markers(run.nb.cells[i]) & {"ignore", "skip"}]
    if not unmarked:
        return []
    return [f"cells show widgets but are not marked '# NBVAL_IGNORE_OUTPUT': {', '.join(unmarked)}"]


# --------------------------------------------------------------------------- checks

def convention_problems(nb, name: str) -> list[str]:
    """The course conventions that a machine can check (DESIGN.md section 6)."""
    problems = []
    if not NAME_PATTERN.match(name):
        problems.append(f"name {name!r} does not match NN_snake_case.ipynb")
    first = nb.cells[0] if nb.cells else None
    if first is None or first.cell_type != "markdown":
        problems.append("the first cell must be a markdown cell with the title and Binder badge")
    else:
        lines = first.source.lstrip("\n").splitlines()
        if not lines or not lines[0].startswith("# "):
            problems.append("the first cell's first line must be the '# ' title")
        links = BINDER_LINK.findall(first.source)
        expected = binder_url(name)
        if expected not in links:
            found = f" (found {', '.join(links)})" if links else ""
            problems.append(f"the first cell must link the Binder badge to {expected}{found}; "
                            f"use: {binder_badge(name)}")
    code = [cell for cell in nb.cells if cell.cell_type == "code"][:SETUP_CELLS]
    if not any(SETUP_MARKER in cell.source for cell in code):
        problems.append(f"none of the first {SETUP_CELLS} code cells creates the lab "
                        f"({SETUP_MARKER!r} not found)")
    return problems


def _normalization_changes(nb, normalized) -> list[str]:
    changes = []
    if nb.get("metadata") != normalized.metadata:
        extra = sorted(set(nb.get("metadata", {})) - {"kernelspec", "language_info"})
        changes.append("notebook metadata" + (f" (has {', '.join(extra)})" if extra else ""))
    for index, (old, new) in enumerate(zip(nb.cells, normalized.cells)):
        keys = [key for key in ("id", "metadata", "execution_count", "outputs")
                if old.get(key) != new.get(key)]
        if keys:
            changes.append(f"cell-{index}: {', '.join(keys)}")
    return changes


def static_problems(path: Path) -> list[str]:
    """Everything `check` verifies without running the notebook."""
    path = Path(path)
    raw = path.read_bytes()
    problems = []
    if len(raw) > SIZE_LIMIT_BYTES:
        problems.append(f"file is {len(raw):,} bytes, over the {SIZE_LIMIT_BYTES:,} byte limit")
    try:
        text = raw.decode("utf-8")
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:
        return problems + [f"not a readable notebook: {exc}"]
    if "widgets" in nb.get("metadata", {}):
        problems.append("saved widget state in metadata.widgets (JupyterLab: Settings > "
                        "Save Widget State Automatically off; `run` or `normalize` strips it)")
    normalized = normalize(copy.deepcopy(nb))
    if dumps(normalized) != text:
        changes = _normalization_changes(nb, normalized)
        shown = "; ".join(changes[:8]) + (f"; ... ({len(changes) - 8} more)" if len(changes) > 8 else "")
        problems.append(f"not normalized ({shown or 'file format'}); "
                        f"fix: python scripts/notebooks.py run {path.name}")
    labels = _code_cell_labels(nb)
    unrun = [labels[i] for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and c.source.strip() and c.get("execution_count") is None]
    if unrun:
        problems.append(f"code cells never executed: {', '.join(unrun)}")
    error = _first_error(nb)
    if error:
        problems.append(f"saved error output: {error}")
    problems += convention_problems(nb, path.name)
    return problems


def check_notebook(path: Path, execute_it: bool = True, timeout: float = DEFAULT_TIMEOUT_S,
                   sanitizers=None) -> tuple[list[str], Execution | None]:
    """Problems of one notebook; with execute_it, also re-run a copy and compare outputs."""
    path = Path(path)
    problems = static_problems(path)
    if not execute_it:
        return problems, None
    try:
        committed = nbformat.read(path, as_version=4)
    except Exception:
        return problems, None
    run = execute(committed, path.parent, timeout)
    if run.error:
        problems.append(f"re-execution failed: {run.error}")
    else:
        problems += widget_problems(run)
        if run.seconds > TIME_LIMIT_S:
            problems.append(f"took {run.seconds:.1f} s, over the {TIME_LIMIT_S:.0f} s limit")
        sanitizers = load_sanitizers() if sanitizers is None else sanitizers
        problems += output_differences(committed, run.nb, sanitizers)
    return problems, run


# --------------------------------------------------------------------------- command line

def _slowest(run: Execution, nb, count: int = 3) -> str:
    labels = _code_cell_labels(nb)
    top = sorted(run.cell_seconds.items(), key=lambda item: -item[1])[:count]
    return ", ".join(f"{labels[i].split(' ')[0]} {s:.1f} s" for i, s in top if s >= 0.05)


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def cmd_run(paths: list[Path], timeout: float, timings: Path | None) -> int:
    failed, rows = 0, []
    sanitizers = load_sanitizers()
    for path in paths:
        print(f"run   {_rel(path)} ...", flush=True)
        nb = nbformat.read(path, as_version=4)
        run = execute(nb, path.parent, timeout)
        problems = []
        size = None
        if run.error:
            problems.append(f"{run.error}\n      (file left unchanged)")
        else:
            size = write(keep_equivalent_outputs(nb, run.nb, sanitizers), path)
            problems += widget_problems(run)
            if run.seconds > TIME_LIMIT_S:
                problems.append(f"took {run.seconds:.1f} s, over the {TIME_LIMIT_S:.0f} s limit")
            if size > SIZE_LIMIT_BYTES:
                problems.append(f"file is {size:,} bytes, over the {SIZE_LIMIT_BYTES:,} byte limit")
        slow = _slowest(run, nb)
        status = "FAIL" if problems else "ok"
        print(f"{status:5} {path.name}: {run.seconds:.1f} s"
              + (f", {size / 1000:.0f} kB" if size is not None else "")
              + (f" (slowest: {slow})" if slow else ""))
        for problem in problems:
            print(f"  - {problem}")
        failed += bool(problems)
        rows.append({"notebook": path.name, "seconds": round(run.seconds, 2), "bytes": size,
                     "ok": not problems, "problems": problems})
    if timings:
        timings.parent.mkdir(parents=True, exist_ok=True)
        timings.write_text(json.dumps(rows, indent=1) + "\n")
    if len(paths) > 1:
        print(f"{len(paths) - failed} of {len(paths)} notebooks ok, "
              f"{sum(r['seconds'] for r in rows):.1f} s in all")
    return 1 if failed else 0


def cmd_check(paths: list[Path], execute_it: bool, timeout: float) -> int:
    failed = 0
    sanitizers = load_sanitizers()
    for path in paths:
        if execute_it:
            print(f"check {_rel(path)} ...", flush=True)
        problems, run = check_notebook(path, execute_it, timeout, sanitizers)
        timing = f" ({run.seconds:.1f} s)" if run else ""
        print(f"{'FAIL' if problems else 'ok':5} {path.name}{timing}")
        for problem in problems:
            print(f"  - {problem}")
        failed += bool(problems)
    if len(paths) > 1 or failed:
        print(f"{len(paths) - failed} of {len(paths)} notebooks ok")
    return 1 if failed else 0


def cmd_normalize(paths: list[Path]) -> int:
    for path in paths:
        text = path.read_text(encoding="utf-8")
        new = normalized_text(text)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"normalized {path.name}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="notebooks.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="execute notebooks and write them back normalized")
    check = sub.add_parser("check", help="fail if notebooks are stale, not normalized, too big, ...")
    check.add_argument("--static", action="store_true", help="skip re-execution (no staleness check)")
    for p in (run, check):
        p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S,
                       help=f"seconds before one notebook's execution is stopped "
                            f"(default {DEFAULT_TIMEOUT_S:.0f}; the limit it must meet is "
                            f"{TIME_LIMIT_S:.0f})")
    run.add_argument("--timings", type=Path, help="also write the timings as JSON to this file")
    norm = sub.add_parser("normalize", help="normalize notebooks in place without executing")
    for p in (run, check, norm):
        p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK")
    badge = sub.add_parser("badge", help="print the Binder badge markdown for a notebook")
    badge.add_argument("name")
    args = parser.parse_args(argv)

    if args.command == "badge":
        print(binder_badge(args.name))
        return 0
    paths = resolve(args.notebooks)
    if not paths:
        print(f"no notebooks matching {NOTEBOOK_GLOB} in {_rel(NOTEBOOKS_DIR)}")
        return 0
    if args.command == "run":
        return cmd_run(paths, args.timeout, args.timings)
    if args.command == "check":
        return cmd_check(paths, not args.static, args.timeout)
    return cmd_normalize(paths)


if __name__ == "__main__":
    sys.exit(main())
