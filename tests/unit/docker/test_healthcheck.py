"""The containers' healthcheck probe (docker/healthcheck), run as compose runs it: healthy
only on a 2xx answer in time."""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

PROBE = Path(__file__).resolve().parents[3] / "docker" / "healthcheck"


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
    return run(url).returncode


def run(url: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([str(PROBE), url, "1"], capture_output=True, timeout=10)


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (204, True), (503, False)])
def test_healthy_only_on_a_2xx_answer(status: int, healthy: bool) -> None:
    with answering(status) as url:
        assert (probe(url) == 0) is healthy


def test_a_closed_port_is_unhealthy_and_says_so() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    url = f"http://127.0.0.1:{port}/health/ready"
    done = run(url)
    assert done.returncode == 1
    assert done.stderr.decode() == f"{url}: no connection\n"


@pytest.mark.parametrize(
    ("status_line", "healthy"),
    [
        (b"HTTP/1.1 200\r\n", True),  # no reason phrase
        (b"HTTP/1.0 299 Fine\r\n", True),
        (b"HTTP/1.1 2000 OK\r\n", False),
        (b"HTTP/1.1 20 OK\r\n", False),
        (b"garbage\r\n", False),
        (b"", False),  # closed without a word
    ],
)
def test_only_a_2xx_status_line_is_healthy(status_line: bytes, healthy: bool) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        url = f"http://127.0.0.1:{server.getsockname()[1]}/health/ready"

        def answer() -> None:
            connection, _ = server.accept()
            with connection:
                request = b""
                while not request.endswith(b"\r\n\r\n") and (part := connection.recv(1024)):
                    request += part
                if request.startswith(b"GET /health/ready HTTP/1.0\r\n"):
                    connection.sendall(status_line)

        threading.Thread(target=answer, daemon=True).start()
        assert (probe(url) == 0) is healthy


def test_a_silent_server_is_unhealthy_after_the_timeout() -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        assert probe(f"http://127.0.0.1:{silent.getsockname()[1]}/health/ready") == 1
