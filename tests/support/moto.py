"""A moto server for a test: the second AWS emulator, for what ministack does not emulate."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.emulator import stop
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ROOT / "docker" / "emulator" / "moto-requirements.txt"
SERVER = ROOT / "docker" / "emulator" / "moto_server.py"


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"moto exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/moto-api/", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"moto at {url} did not answer in {timeout:.0f} s")


@contextmanager
def running_moto(log_path: Path, account_id: str) -> Iterator[str]:
    """Start moto's server (docker/emulator/moto_server.py) and yield its endpoint.

    It runs from its own environment, built by uv from moto's pinned requirements: moto pins
    botocore, which must never meet the services'. Every request is answered for `account_id`.
    """
    uv = shutil.which("uv")
    if uv is None:
        raise RuntimeError("uv is needed to start moto")
    port = free_port()
    env = os.environ | {"MOTO_ACCOUNT_ID": account_id}
    command = [
        uv,
        "tool",
        "run",
        "--with-requirements",
        str(REQUIREMENTS),
        "--from",
        "moto",
        "python",
        str(SERVER),
        "-H",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        # The first run may have to install moto's environment.
        _wait_ready(url, process, timeout=180)
        yield url
    finally:
        stop(process)
