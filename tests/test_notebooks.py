"""The course notebooks are normalized, small, executed and follow the conventions.

One test per notebooks/*.ipynb runs the static part of `scripts/notebooks.py check`; re-executing
and comparing outputs is left to strict nbval, which the same pytest run does already. The rest
are unit tests of the normalizer and the checks on small in-memory notebooks.
"""
from __future__ import annotations

import copy
import importlib.util
import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = Path(__file__).resolve().parents[1]


def _load_tool():
    spec = importlib.util.spec_from_file_location("lambdalab_notebooks_tool",
                                                  ROOT / "scripts" / "notebooks.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


nbtool = _load_tool()

# Every top-level notebook (an Untitled.ipynb left behind fails the name check).
COURSE = sorted((ROOT / "notebooks").glob("*.ipynb"))

if COURSE:  # with no notebooks this test yields no items at all (not a skipped one)
    @pytest.mark.parametrize("path", COURSE, ids=[p.name for p in COURSE])
    def test_notebook_is_clean(path):
        problems = nbtool.static_problems(path)
        assert not problems, f"{path.name}:\n- " + "\n- ".join(problems)


# --------------------------------------------------------------------------- helpers

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
NAME = "42_tiny_example.ipynb"


def executed_notebook(name: str = NAME):
    """A small notebook as nbclient or JupyterLab would leave it: noisy metadata, widgets."""
    nb = new_notebook(cells=[
        new_markdown_cell(f"# A tiny example\n\n{nbtool.binder_badge(name)}"),
        new_code_cell("from lambdalab import Lab\nlab = Lab(seed=0)", execution_count=7),
        new_code_cell("print('a')\nprint('b')", execution_count=9, outputs=[
            new_output("stream", name="stdout", text="a\n"),
            new_output("stream", name="stdout", text="b\n")]),
        new_code_cell("# NBVAL_IGNORE_OUTPUT\nslider", execution_count=12, outputs=[
            new_output("execute_result", execution_count=12, data={
                "text/plain": "IntSlider(value=3)",
                WIDGET_VIEW: {"model_id": "f00dfeed", "version_major": 2, "version_minor": 0}}),
            new_output("display_data", data={WIDGET_VIEW: {"model_id": "deadbeef"}})]),
        new_code_cell("1 + 1", execution_count=13, outputs=[
            new_output("execute_result", execution_count=13, data={"text/plain": "2"})]),
    ])
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python", "version": "3.11.9", "pygments_lexer": "ipython3"},
        "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {"f00dfeed": {}}}},
        "toc": {"number_sections": True},
    }
    nb.cells[2].metadata.update({"execution": {"iopub.status.busy": "2026-11-30T02:00:00Z"},
                                 "collapsed": False, "scrolled": True, "tags": ["keep-me"]})
    nb.cells[4].metadata.update({"jupyter": {"outputs_hidden": True}, "tags": []})
    return nb


def write(tmp_path: Path, nb, name: str = NAME) -> Path:
    path = tmp_path / name
    path.write_text(nbtool.dumps(nb), encoding="utf-8")
    return path


# --------------------------------------------------------------------------- normalizer

def test_normalize_is_idempotent():
    once = nbtool.normalize(executed_notebook())
    twice = nbtool.normalize(copy.deepcopy(once))
    assert nbtool.dumps(once) == nbtool.dumps(twice)
    text = nbtool.dumps(once)
    assert nbtool.normalized_text(text) == text


def test_normalize_strips_widget_state_and_views():
    nb = nbtool.normalize(executed_notebook())
    assert "widgets" not in nb.metadata
    text = nbtool.dumps(nb)
    assert WIDGET_VIEW not in text and "f00dfeed" not in text and "deadbeef" not in text
    # The view with a text/plain fallback keeps only that; the one without is dropped.
    assert nb.cells[3].outputs == [new_output("execute_result", execution_count=3,
                                              data={"text/plain": "IntSlider(value=3)"})]


def test_normalize_renumbers_execution_counts_in_order():
    nb = executed_notebook()
    nb.cells.insert(2, new_code_cell("x = 1"))  # never executed: stays None, not counted
    nb = nbtool.normalize(nb)
    counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
    assert counts == [1, None, 2, 3, 4]
    assert nb.cells[5].outputs[0].execution_count == 4


def test_normalize_sets_deterministic_ids_and_metadata():
    nb = nbtool.normalize(executed_notebook())
    assert [c.id for c in nb.cells] == [f"cell-{i}" for i in range(5)]
    assert nb.nbformat == 4 and nb.nbformat_minor == 5
    assert nb.metadata == {"kernelspec": nbtool.KERNELSPEC, "language_info": nbtool.LANGUAGE_INFO}
    assert "version" not in json.dumps(nb.metadata["language_info"]).replace('"version": 3', "")
    nbformat.validate(nb)


def test_normalize_strips_volatile_cell_metadata_and_keeps_tags():
    nb = nbtool.normalize(executed_notebook())
    assert nb.cells[2].metadata == {"tags": ["keep-me"]}
    assert nb.cells[4].metadata == {}


def test_normalize_merges_consecutive_streams_only():
    nb = executed_notebook()
    nb.cells[2].outputs.append(new_output("stream", name="stderr", text="warn\n"))
    nb.cells[2].outputs.append(new_output("stream", name="stdout", text="c\n"))
    outputs = nbtool.normalize(nb).cells[2].outputs
    assert [(o.name, o.text) for o in outputs] == [("stdout", "a\nb\n"), ("stderr", "warn\n"),
                                                   ("stdout", "c\n")]


def test_normalize_gives_the_same_file_whatever_the_run():
    a, b = executed_notebook(), executed_notebook()
    b.cells[1].execution_count = 1
    b.cells[3].outputs[0].data[WIDGET_VIEW]["model_id"] = "0123abcd"
    b.metadata["language_info"]["version"] = "3.13.1"
    for cell in b.cells:
        cell.id = "random-" + str(id(cell))
    assert nbtool.dumps(nbtool.normalize(a)) == nbtool.dumps(nbtool.normalize(b))


# --------------------------------------------------------------------------- static checks

def test_a_normalized_notebook_following_the_conventions_is_clean(tmp_path):
    path = write(tmp_path, nbtool.normalize(executed_notebook()))
    assert nbtool.static_problems(path) == []


def test_static_check_reports_unnormalized_widget_state_and_unrun_cells(tmp_path):
    nb = executed_notebook()
    nb.cells.append(new_code_cell("print('never run')"))
    problems = "\n".join(nbtool.static_problems(write(tmp_path, nb)))
    assert "not normalized" in problems
    assert "saved widget state" in problems
    assert "never executed: cell-5 (nbval Cell 4)" in problems


def test_static_check_reports_size_and_saved_errors(tmp_path, monkeypatch):
    nb = nbtool.normalize(executed_notebook())
    nb.cells[4].outputs = [new_output("error", ename="ValueError", evalue="boom", traceback=[])]
    nb.cells[4].source = "x = 1\n" * 300
    monkeypatch.setattr(nbtool, "SIZE_LIMIT_BYTES", 1000)
    problems = "\n".join(nbtool.static_problems(write(tmp_path, nb)))
    assert "over the 1,000 byte limit" in problems
    assert "raised ValueError: boom" in problems
    nb.cells[4].metadata["tags"] = ["raises-exception"]  # an intended error is fine
    assert "raised" not in "\n".join(nbtool.static_problems(write(tmp_path, nb)))


@pytest.mark.parametrize("change,message", [
    (lambda nb: nb.cells.pop(0), "first cell must be a markdown cell"),
    (lambda nb: setattr(nb.cells[0], "source", "## Not a title\n" + nbtool.binder_badge(NAME)),
     "first line must be the '# ' title"),
    (lambda nb: setattr(nb.cells[0], "source", "# Title\nno badge"), "Binder badge"),
    (lambda nb: setattr(nb.cells[0], "source", "# Title\n" + nbtool.binder_badge("01_other")),
     "found https://mybinder.org/v2/gh/lambdalab-course/lambdalab/HEAD?urlpath=lab/tree/notebooks/01_other.ipynb"),
    (lambda nb: setattr(nb.cells[1], "source", "lab = Lab()"), "Lab(seed="),
], ids=["no-markdown-first", "no-title", "no-badge", "wrong-badge", "no-setup"])
def test_conventions(change, message):
    nb = nbtool.normalize(executed_notebook())
    assert nbtool.convention_problems(nb, NAME) == []
    change(nb)
    assert any(message in p for p in nbtool.convention_problems(nb, NAME))


@pytest.mark.parametrize("name", ["5_x.ipynb", "05-concurrency.ipynb", "05_Concurrency.ipynb",
                                  "Untitled.ipynb", "05_a__b.ipynb"])
def test_notebook_names_must_be_nn_snake_case(name):
    nb = nbtool.normalize(executed_notebook(name))
    assert any("NN_snake_case" in p for p in nbtool.convention_problems(nb, name))


def test_binder_links_come_from_one_constant():
    url = nbtool.binder_url("05_concurrency_and_scaling.ipynb")
    assert url == ("https://mybinder.org/v2/gh/lambdalab-course/lambdalab/HEAD"
                   "?urlpath=lab/tree/notebooks/05_concurrency_and_scaling.ipynb")
    assert nbtool.binder_url("05_concurrency_and_scaling") == url
    assert f"]({url})" in nbtool.binder_badge("05_concurrency_and_scaling")


# --------------------------------------------------------------------------- staleness

def test_sanitize_cfg_masks_plotly_div_ids_only():
    sanitizers = nbtool.load_sanitizers()
    assert sanitizers, "notebooks/sanitize.cfg has no regex/replace pairs"
    div = '<div id="2195cc87-6fbb-4f81-809c-c70af351c142" class="plotly-graph-div">'
    other = "RequestId: 2195cc87-6fbb-4f81-809c-c70af351c142"
    assert "PLOTLY-DIV-ID" in nbtool.sanitize(div, sanitizers)
    assert nbtool.sanitize(other, sanitizers) == other


def test_output_differences_name_the_stale_cells():
    committed = nbtool.normalize(executed_notebook())
    fresh = copy.deepcopy(committed)
    assert nbtool.output_differences(committed, fresh) == []
    fresh.cells[2].outputs[0].text = "a\nB\n"          # checked by nbval: stale
    fresh.cells[3].outputs[0].data["text/plain"] = "IntSlider(value=4)"  # NBVAL_IGNORE_OUTPUT
    problems = nbtool.output_differences(committed, fresh)
    assert len(problems) == 1
    assert problems[0].startswith("stale: cell-2 (nbval Cell 1)")
    assert "-b" in problems[0] and "+B" in problems[0]


def test_output_differences_apply_the_sanitize_patterns():
    committed = nbtool.normalize(executed_notebook())
    fresh = copy.deepcopy(committed)
    html = '<div id="{}"></div>'
    committed.cells[4].outputs[0].data["text/html"] = html.format("2195cc87-6fbb-4f81-809c-c70af351c142")
    fresh.cells[4].outputs[0].data["text/html"] = html.format("51cc3b7e-cc4e-4b9a-877d-289278cd389f")
    assert nbtool.output_differences(committed, fresh) != []
    assert nbtool.output_differences(committed, fresh, nbtool.load_sanitizers()) == []
    # and `run` keeps the committed bytes when only masked parts changed
    kept = nbtool.keep_equivalent_outputs(committed, fresh, nbtool.load_sanitizers())
    assert nbtool.dumps(kept) == nbtool.dumps(committed)


def test_output_differences_ignore_tracebacks():
    committed = nbtool.normalize(executed_notebook())
    error = dict(ename="ValueError", evalue="boom")
    committed.cells[4].outputs = [new_output("error", traceback=["/home/a/x.py"], **error)]
    fresh = copy.deepcopy(committed)
    fresh.cells[4].outputs[0].traceback = ["/srv/b/x.py"]
    assert nbtool.output_differences(committed, fresh) == []


def test_default_notebook_selection_is_nn_notebooks(tmp_path):
    for name in ("00_welcome.ipynb", "05_concurrency_and_scaling.ipynb", "scratch.ipynb"):
        (tmp_path / name).write_text("{}")
    assert [p.name for p in nbtool.course_notebooks(tmp_path)] == [
        "00_welcome.ipynb", "05_concurrency_and_scaling.ipynb"]
    assert [p.name for p in nbtool.resolve(["05"], tmp_path)] == ["05_concurrency_and_scaling.ipynb"]


def test_run_then_check_end_to_end(tmp_path, capsys):
    """The CLI on a real kernel: run writes a normalized, checked notebook; check then passes,
    and fails once a committed output is edited."""
    nb = new_notebook(cells=[
        new_markdown_cell(f"# Tiny\n\n{nbtool.binder_badge(NAME)}"),
        new_code_cell("from lambdalab import Lab\nlab = Lab(seed=0)\nprint(lab.now)"),
        new_code_cell("for i in range(3):\n    print(i)\n6 * 7"),
    ])
    path = write(tmp_path, nb)
    assert nbtool.main(["run", str(path)]) == 0
    assert nbtool.main(["check", str(path)]) == 0
    ran = nbformat.read(path, as_version=4)
    assert [c.execution_count for c in ran.cells[1:]] == [1, 2]
    assert ran.cells[2].outputs[0].text == "0\n1\n2\n"
    assert ran.cells[2].outputs[1].data["text/plain"] == "42"

    ran.cells[2].outputs[1].data["text/plain"] = "41"
    path.write_text(nbtool.dumps(ran), encoding="utf-8")
    capsys.readouterr()
    assert nbtool.main(["check", str(path)]) == 1
    assert "stale: cell-2 (nbval Cell 1)" in capsys.readouterr().out


def test_cells_showing_widgets_must_ignore_output(tmp_path, capsys):
    cells = [new_markdown_cell(f"# Tiny\n\n{nbtool.binder_badge(NAME)}"),
             new_code_cell("import ipywidgets\nfrom lambdalab import Lab\nlab = Lab(seed=0)"),
             new_code_cell("ipywidgets.IntSlider(value=3)")]
    path = write(tmp_path, new_notebook(cells=cells))
    assert nbtool.main(["run", str(path)]) == 1
    assert "not marked '# NBVAL_IGNORE_OUTPUT': cell-2 (nbval Cell 1)" in capsys.readouterr().out
    ran = nbformat.read(path, as_version=4)  # written all the same, the view reduced to text
    assert ran.cells[2].outputs[0].data == {"text/plain": "IntSlider(value=3)"}
    ran.cells[2].source = "# NBVAL_IGNORE_OUTPUT\n" + ran.cells[2].source
    path.write_text(nbtool.dumps(ran), encoding="utf-8")
    assert nbtool.main(["run", str(path)]) == 0


@pytest.mark.parametrize("path", COURSE, ids=lambda p: p.name)
def test_links_between_notebooks_point_to_notebooks_that_exist(path):
    """A "next notebook" link to a notebook not written yet would be a dead end for learners."""
    import re
    nb = nbformat.read(path, as_version=4)
    targets = [t for cell in nb.cells if cell.cell_type == "markdown"
               for t in re.findall(r"\]\(([^)#]+\.ipynb)\)", cell.source) if "://" not in t]
    missing = [t for t in targets if not (path.parent / t).exists()]
    assert not missing, f"{path.name} links to missing notebooks: {missing}"
