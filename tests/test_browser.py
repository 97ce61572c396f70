"""Notebook 05 works for a learner in JupyterLab: run all cells in headless Chromium, see a
plotly figure and a slider, move the slider and watch the plot change.

Skipped when Chromium or the playwright package is missing. Uses the system Chromium through
Playwright's `executable_path` (never `playwright install`). Point it at another notebook with
LAMBDALAB_BROWSER_NOTEBOOK=path/to/notebook.ipynb; it needs one ipywidgets slider wired to a
plotly figure. The screenshot goes to test-artifacts/browser-NN.png.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_NOTEBOOK = ROOT / "notebooks" / "05_concurrency_and_scaling.ipynb"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
BUDGET_S = 150  # server start to screenshot; with teardown the test stays under 3 minutes

# JavaScript run in the page (JupyterLab 4, with the app exposed as window.jupyterapp).
NOTEBOOK_READY = """() => {
  const app = window.jupyterapp;
  const panel = app && app.shell.currentWidget;
  const ctx = panel && panel.sessionContext;
  return !!(panel && panel.content && ctx && ctx.session && ctx.session.kernel
            && ctx.session.kernel.status === 'idle' && panel.content.widgets.length > 0);
}"""
ALL_EXECUTED = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel || kernel.status !== 'idle') return false;
  // Run All stops at a failing cell: report it rather than wait for cells that never run.
  if ([...document.querySelectorAll('.jp-OutputArea-output')]
      .some(el => el.textContent.includes('Traceback'))) return true;
  const cells = panel.content.widgets.filter(c => c.model.type === 'code'
                                                  && c.model.sharedModel.getSource().trim());
  if (!cells.every(c => c.model.executionCount !== null)) return false;
  return ![...document.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'));
}"""
PLOT_DATA = """() => JSON.stringify([...document.querySelectorAll('.js-plotly-plot')].map(
  el => (el.data || []).map(t => ({x: t.x, y: t.y, z: t.z, values: t.values}))))"""
ERROR_TEXT = """() => [...document.querySelectorAll(
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], .jp-RenderedText')]
  .map(el => el.textContent).filter(text => text.includes('Traceback'))
  .map(text => text.slice(0, 800))"""


def _chromium() -> str | None:
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


@pytest.fixture
def notebook() -> Path:
    chosen = os.environ.get("LAMBDALAB_BROWSER_NOTEBOOK")
    path = Path(chosen).resolve() if chosen else DEFAULT_NOTEBOOK
    if not path.is_file():
        pytest.skip(f"{path} does not exist (yet)")
    return path


@pytest.fixture
def chromium() -> str:
    exe = _chromium()
    if exe is None:
        pytest.skip("Chromium not found (/usr/bin/chromium or `chromium` on PATH)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("the playwright Python package is not installed")
    return exe


@pytest.fixture
def jupyterlab(notebook: Path, tmp_path: Path):
    """A JupyterLab server on 127.0.0.1 serving the notebook's folder; yields its base URL and
    token. Isolated config, runtime, settings and workspace dirs; no news or update checks."""
    port, token = _free_port(), secrets.token_hex(16)
    config_dir, runtime_dir = tmp_path / "config", tmp_path / "runtime"
    settings_dir, workspaces_dir = tmp_path / "settings", tmp_path / "workspaces"
    for d in (config_dir, runtime_dir, workspaces_dir):
        d.mkdir()
    # Checkpoints go to the temp dir, not a .ipynb_checkpoints folder next to the notebook.
    (config_dir / "jupyter_server_config.json").write_text(json.dumps({
        "FileCheckpoints": {"checkpoint_dir": str(tmp_path / "checkpoints")},
        "LabApp": {"news_url": None, "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
                   "expose_app_in_browser": True, "extension_manager": "readonly"},
    }))
    notification = settings_dir / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    # The test changes the notebook in the browser (outputs, slider): never save it.
    docmanager = settings_dir / "@jupyterlab" / "docmanager-extension"
    docmanager.mkdir(parents=True)
    (docmanager / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": False}))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(config_dir), JUPYTER_RUNTIME_DIR=str(runtime_dir),
               JUPYTERLAB_SETTINGS_DIR=str(settings_dir),
               JUPYTERLAB_WORKSPACES_DIR=str(workspaces_dir), JUPYTER_PLATFORM_DIRS="1")
    log = tmp_path / "jupyterlab.log"
    started = time.monotonic()
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
             f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
             f"--ServerApp.root_dir={notebook.parent}", "--ServerApp.allow_remote_access=False",
             *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])],
            cwd=notebook.parent, env=env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        deadline = started + 60
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited with {server.returncode}:\n{_tail(log)}")
            try:
                with no_proxy.open(f"{base}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer within 60 s:\n{_tail(log)}")
            time.sleep(0.3)
        yield base, token, log, started
    finally:
        server.terminate()  # JupyterLab shuts its kernels down on SIGTERM
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
        try:  # anything of its session still alive (kernels): only what this test started
            os.killpg(server.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def test_notebook_runs_and_slider_redraws_plot(notebook, chromium, jupyterlab):
    from playwright.sync_api import sync_playwright

    base, token, log, start = jupyterlab

    def remaining_ms(cap: float) -> float:
        left = BUDGET_S - (time.monotonic() - start)
        if left <= 1:
            pytest.fail(f"browser test over its {BUDGET_S} s budget\n{_tail(log)}")
        return min(cap, left) * 1000

    number = notebook.name.split("_", 1)[0]
    screenshot = ARTIFACTS / f"browser-{number}.png"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page_errors: list[str] = []
            page.on("pageerror", lambda exc: page_errors.append(str(exc)))
            try:
                page.goto(f"{base}/lab/tree/{notebook.name}?token={token}",
                          wait_until="domcontentloaded", timeout=remaining_ms(60))
                page.wait_for_function(NOTEBOOK_READY, timeout=remaining_ms(90), polling=250)

                # Start from a clean slate (clearing also resets execution counts), then run all.
                page.evaluate("() => window.jupyterapp.commands.execute("
                              "'notebook:clear-all-cell-outputs')")
                assert page.locator(".js-plotly-plot").count() == 0
                page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
                page.wait_for_function(ALL_EXECUTED, timeout=remaining_ms(120), polling=250)

                errors = page.evaluate(ERROR_TEXT)
                assert errors == [], "cells show errors:\n" + "\n---\n".join(errors)

                page.locator(".js-plotly-plot").first.wait_for(state="visible",
                                                              timeout=remaining_ms(30))
                slider = page.locator(".widget-slider").first
                slider.wait_for(state="visible", timeout=remaining_ms(30))
                assert page.locator(".jupyter-widgets").count() > 0
                # Let plotly finish drawing widget figures before reading their data.
                page.wait_for_function(
                    "() => [...document.querySelectorAll('.js-plotly-plot')]"
                    ".every(el => Array.isArray(el.data))", timeout=remaining_ms(30), polling=250)
                before = page.evaluate(PLOT_DATA)

                handle = slider.locator(".noUi-handle").first
                handle.scroll_into_view_if_needed(timeout=remaining_ms(10))
                handle.focus()
                for _ in range(3):
                    handle.press("ArrowRight")
                    page.wait_for_timeout(150)
                try:
                    page.wait_for_function(f"() => ({PLOT_DATA})() !== {json.dumps(before)}",
                                           timeout=remaining_ms(30), polling=250)
                except Exception:
                    pass  # asserted below, with the data in the message
                after = page.evaluate(PLOT_DATA)
                page.wait_for_timeout(300)  # let the redraw paint before the screenshot
            finally:
                page.screenshot(path=str(screenshot), full_page=False)
            assert after != before, ("moving the first slider did not change any plotted data\n"
                                     f"before: {before[:500]}\nafter: {after[:500]}")
        finally:
            browser.close()
