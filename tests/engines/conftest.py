"""A real OPA for the engine tests: the pinned binary, and servers started on free local ports."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ensure_built, need


def _ensure_opa() -> str | None:
    return ensure_built("ensure-opa", os.environ.get("DICOMGUARD_OPA_BINARY"))


@pytest.fixture(scope="session")
def opa_binary() -> str:
    """The pinned OPA: $DICOMGUARD_OPA_BINARY, else built once by .ci/ensure-opa."""
    binary = _ensure_opa()
    need(binary is not None, "no OPA binary (set DICOMGUARD_OPA_BINARY or install Go)")
    assert binary is not None
    return binary


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_healthy(url: str, process: subprocess.Popen[Any], **urlopen: Any) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"opa exited with {process.returncode}: "
                               f"{process.stderr.read() if process.stderr else ''}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1, **urlopen) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"opa at {url} did not become healthy")


@contextmanager
def opa_server(binary: str, *arguments: str, scheme: str = "http",
               **urlopen: Any) -> Iterator[str]:
    """`opa run --server` on a free 127.0.0.1 port; yields its URL and stops it afterwards."""
    port = free_port()
    process = subprocess.Popen(
        [binary, "run", "--server", "--addr", f"127.0.0.1:{port}", "--log-level", "error",
         *arguments],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"{scheme}://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process, **urlopen)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


@pytest.fixture(scope="session")
def opa_url(opa_binary: str) -> Iterator[str]:
    """An empty OPA server; scans push their policies to it."""
    with opa_server(opa_binary) as url:
        yield url


@pytest.fixture(scope="session")
def bundle_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built-in policies as written by `dicomguard policies bundle`."""
    from tests.conftest import run_cli

    path = tmp_path_factory.mktemp("bundle") / "dicomguard-bundle.tar.gz"
    result = run_cli("policies", "bundle", "-o", str(path))
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture(scope="session")
def bundle_url(opa_binary: str, bundle_file: Path) -> Iterator[str]:
    """An OPA server started with the dicomguard bundle, as a central OPA would be."""
    with opa_server(opa_binary, "--bundle", str(bundle_file)) as url:
        yield url
