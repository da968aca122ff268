"""The containers' healthcheck probe (docker/healthcheck.py), run as compose runs it: healthy
only on a 2xx answer in time."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

PROBE = Path(__file__).resolve().parents[3] / "docker" / "healthcheck.py"


@contextmanager
def answering(status: int) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/health/ready"
    finally:
        server.shutdown()
        server.server_close()


def probe(url: str) -> int:
    done = subprocess.run(
        [sys.executable, "-I", "-S", str(PROBE), url, "1"], capture_output=True, timeout=10
    )
    return done.returncode


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (204, True), (503, False)])
def test_healthy_only_on_a_2xx_answer(status: int, healthy: bool) -> None:
    with answering(status) as url:
        assert (probe(url) == 0) is healthy


def test_a_closed_port_is_unhealthy() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    assert probe(f"http://127.0.0.1:{port}/health/ready") == 1


def test_a_silent_server_is_unhealthy_after_the_timeout() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        assert probe(f"http://127.0.0.1:{silent.getsockname()[1]}/health/ready") == 1
