"""The local AWS emulator for a test session: the configured one, or one started here."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "docker" / "emulator" / "requirements.txt"


def _wait_healthy(url: str, process: subprocess.Popen[bytes] | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the emulator exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/_ministack/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the emulator at {url} did not become healthy in {timeout:.0f} s")


@contextmanager
def running_emulator(log_path: Path) -> Iterator[str]:
    """Yield the endpoint of an emulator: `AWS_ENDPOINT_URL` if set, else a fresh one.

    A fresh one runs from its own environment (its botocore pin clashes with the
    services'), built by uv from the same pinned requirements as the emulator image.
    """
    if configured := os.environ.get("AWS_ENDPOINT_URL"):
        _wait_healthy(configured, None, timeout=30)
        yield configured
        return
    with fresh_emulator(log_path) as url:
        yield url


@contextmanager
def fresh_emulator(log_path: Path) -> Iterator[str]:
    """Start an emulator of its own, whatever `AWS_ENDPOINT_URL` says, and yield its endpoint."""
    uv = shutil.which("uv")
    if uv is None:
        raise RuntimeError("uv is needed to start the emulator; or set AWS_ENDPOINT_URL")
    port = free_port()
    env = os.environ | {"BIND_HOST": "127.0.0.1", "GATEWAY_PORT": str(port)}
    command = [uv, "tool", "run", "--with-requirements", str(REQUIREMENTS), "ministack"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        # The first run may have to install the emulator's environment.
        _wait_healthy(url, process, timeout=180)
        yield url
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes], grace: float = 15.0) -> None:
    """SIGTERM, then SIGKILL if it is still there after `grace` seconds."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
