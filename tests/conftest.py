"""Test-session guards shared by every test under tests/.

- No network: a connection to anything but loopback or a Unix socket raises at once.
- No real AWS: fake credentials, no profile, no endpoint overrides, no config files.

Notebooks run by nbval execute in their own kernel processes; these guards do not reach
inside those kernels.
"""
from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_create_connection = socket.create_connection


def _is_loopback(host) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return False  # a host name: resolving it would already be a network call
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback


def _check(family, address) -> None:
    if family not in (socket.AF_INET, socket.AF_INET6):
        return  # AF_UNIX and other local families
    host = address[0] if isinstance(address, tuple) and address else address
    if not _is_loopback(host):
        raise RuntimeError(f"lambdalab tests must not use the network: tried to connect to {address!r}")


def _guarded_connect(self, address):
    _check(self.family, address)
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    _check(self.family, address)
    return _real_connect_ex(self, address)


def _guarded_create_connection(address, *args, **kwargs):
    # Checked before the name is resolved, so no DNS query goes out either.
    _check(socket.AF_INET, address)
    return _real_create_connection(address, *args, **kwargs)


@pytest.fixture(scope="session", autouse=True)
def _no_network_no_real_aws():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", _guarded_connect)
        mp.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
        mp.setattr(socket, "create_connection", _guarded_create_connection)

        for name in list(os.environ):
            if name.startswith("AWS_ENDPOINT_URL"):
                mp.delenv(name)
        # Region too, so a developer's shell cannot make local runs differ from CI.
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN",
                     "AWS_SECURITY_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION"):
            mp.delenv(name, raising=False)
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_CONFIG_FILE", os.devnull)
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        yield


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The project's shared reference folder, next to the repository (may be absent)."""
    return REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def conformance_dir(shared_dir: Path) -> Path:
    path = shared_dir / "conformance"
    if not path.is_dir():
        pytest.skip(f"conformance data not available: {path} does not exist (it lives outside the repository)")
    return path
