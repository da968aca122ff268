"""Service processes started the way their containers start them, on free local ports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.emulator import stop
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class RunningService:
    name: str
    url: str
    pid: int
    seconds_to_ready: float


def migrate(schema: str, env: Mapping[str, str]) -> None:
    """Run a schema's migrations as the migration job does."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "alembic",
            "-c",
            "migrations/alembic.ini",
            "-n",
            schema,
            "upgrade",
            "head",
        ],
        cwd=ROOT,
        env=os.environ | dict(env),
        check=True,
        capture_output=True,
    )


@contextmanager
def running_service(
    module: str, env: Mapping[str, str], log_path: Path, timeout: float = 30
) -> Iterator[RunningService]:
    """Start `python -m <module>` and wait until its `/health/ready` answers 200."""
    port = free_port()
    started = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", module],
            env=os.environ | dict(env) | {"PORT": str(port), "HOST": "127.0.0.1"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{module} exited: {log_path.read_text()[-2000:]}")
            if time.monotonic() - started > timeout:
                raise RuntimeError(
                    f"{module} not ready after {timeout} s: {log_path.read_text()[-2000:]}"
                )
            try:
                if httpx.get(f"{url}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        yield RunningService(module, url, process.pid, time.monotonic() - started)
    finally:
        stop(process)


@dataclass
class RunningWorker:
    name: str
    pid: int
    log_path: Path

    def log_lines(self) -> list[dict[str, object]]:
        """The worker's JSON log lines so far."""
        lines = []
        for raw in self.log_path.read_text().splitlines():
            try:
                lines.append(json.loads(raw))
            except ValueError:
                continue
        return lines


def start_worker(module: str, env: Mapping[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """Start `python -m <module>`, its output added to `log_path`, without waiting for it: for
    a test that stops and starts the worker itself."""
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", module],
            env=os.environ | dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )


@contextmanager
def running_worker(
    module: str, env: Mapping[str, str], log_path: Path, timeout: float = 30
) -> Iterator[RunningWorker]:
    """Start `python -m <module>` and wait until it logs that it started."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", module],
            env=os.environ | dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    worker = RunningWorker(module, process.pid, log_path)
    started = time.monotonic()
    try:
        while not any(line.get("message") == "worker_started" for line in worker.log_lines()):
            if process.poll() is not None or time.monotonic() - started > timeout:
                raise RuntimeError(f"{module} did not start: {log_path.read_text()[-2000:]}")
            time.sleep(0.05)
        yield worker
    finally:
        stop(process)
