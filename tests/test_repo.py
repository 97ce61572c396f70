"""Repository infrastructure: pinned requirements, Binder copy, CI command, network guard."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?==[A-Za-z0-9.+!_-]+(\s*;.+)?$")


def ci_print_command(repo: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(repo / ".ci" / "run"), "--print-command"],
                          capture_output=True, text=True, timeout=30)


def test_binder_requirements_is_an_exact_copy():
    assert (ROOT / "binder" / "requirements.txt").read_bytes() == (ROOT / "requirements.txt").read_bytes()


def test_every_requirement_is_pinned_exactly():
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    named = [line.split("#", 1)[0].strip() for line in lines]
    named = [line for line in named if line]
    assert named, "requirements.txt names no package"
    unpinned = [line for line in named if not PIN.match(line)]
    assert unpinned == []


def test_ci_runs_the_readme_quick_start_test_command():
    result = ci_print_command(ROOT)
    assert result.returncode == 0, result.stderr
    commands = result.stdout.splitlines()
    assert len(commands) == 1
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert commands[0] in quick_start.splitlines()
    assert "pytest" in commands[0]


def test_ci_refuses_an_ambiguous_test_command(tmp_path):
    (tmp_path / ".ci").mkdir()
    shutil.copy2(ROOT / ".ci" / "run", tmp_path / ".ci" / "run")
    (tmp_path / "README.md").write_text(
        "<!-- test-command -->\n```bash\necho one\necho two\n```\n<!-- /test-command -->\n")
    result = ci_print_command(tmp_path)
    assert result.returncode != 0
    assert "exactly one command" in result.stderr


@pytest.mark.parametrize("path", [".ci/run", "binder/postBuild"])
def test_scripts_are_executable(path):
    assert os.access(ROOT / path, os.X_OK)


BLOCKED = pytest.raises(RuntimeError, match="lambdalab tests must not use the network")


@pytest.mark.parametrize("address", [("203.0.113.1", 443), ("example.com", 443)],
                         ids=["ip", "hostname"])
def test_network_is_blocked_for_create_connection(address):
    with BLOCKED:
        socket.create_connection(address, timeout=2)


@pytest.mark.parametrize("family,address", [
    (socket.AF_INET, ("203.0.113.1", 443)),
    (socket.AF_INET6, ("2001:db8::1", 443)),
], ids=["ipv4", "ipv6"])
def test_network_is_blocked_for_socket_connect(family, address):
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(2)
        with BLOCKED:
            s.connect(address)
        with BLOCKED:
            s.connect_ex(address)


def test_loopback_still_works():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(2)
        port = server.getsockname()[1]

        def echo_twice():
            for _ in range(2):
                conn, _ = server.accept()
                with conn:
                    conn.sendall(conn.recv(16))

        thread = threading.Thread(target=echo_twice, daemon=True)
        thread.start()
        with socket.create_connection(("localhost", port), timeout=5) as c:
            c.sendall(b"ping")
            assert c.recv(16) == b"ping"
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as c:
            c.settimeout(5)
            assert c.connect_ex(("127.0.0.1", port)) == 0
            c.sendall(b"pong")
            assert c.recv(16) == b"pong"
        thread.join(5)


def test_unix_sockets_still_work(tmp_path):
    path = str(tmp_path / "s")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(path)
        server.listen(1)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
            c.connect(path)


def test_aws_environment_is_fake():
    # Runs after the engine test files (alphabetical order), so it also catches a test or the
    # engine leaving other AWS_* values behind in os.environ.
    assert os.environ["AWS_ACCESS_KEY_ID"] == os.environ["AWS_SECRET_ACCESS_KEY"] == "testing"
    assert os.environ["AWS_CONFIG_FILE"] == os.environ["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
    assert "AWS_PROFILE" not in os.environ
    assert not [name for name in os.environ if name.startswith("AWS_ENDPOINT_URL")]
