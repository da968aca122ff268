"""The gateway's own errors are problem documents, and what it forwards is its own word:
nginx runs the shop's configuration, with its upstreams pointed at local stand-ins (one that
refuses connections, one that never answers, one that answers with the headers it received)
and its limits and timeouts shortened so that each error can be provoked quickly.

Skipped where nginx is not installed (Debian: `apt-get install nginx-light`)."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support.emulator import stop
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "docker" / "gateway" / "nginx.conf"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
PROBLEM = "application/problem+json"

pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed")


def local_config(directory: Path, port: int, refusing: int, silent: int, echoing: int) -> Path:
    """The shop's gateway configuration, runnable here without root or container names."""
    text = CONFIG.read_text()
    replacements = [
        (r"(?m)^user .*;$", ""),
        (r"pid /run/nginx.pid;", f"pid {directory}/nginx.pid;"),
        (r"error_log /dev/stderr warn;", f"error_log {directory}/error.log warn;"),
        (r"access_log /dev/stdout json", f"access_log {directory}/access.log json"),
        (r"listen 8080 default_server;", f"listen 127.0.0.1:{port} default_server;"),
        (r"server catalog-api:8000;", f"server 127.0.0.1:{silent};"),
        (r"server notification-api:8000;", f"server 127.0.0.1:{echoing};"),
        (r"server [a-z]+-api:8000;", f"server 127.0.0.1:{refusing};"),
        (r"proxy_read_timeout 30s;", "proxy_read_timeout 1s;"),
        (r"zone=writes:10m rate=\d+r/s;", "zone=writes:10m rate=1r/m;"),
        (r"zone=writes burst=\d+ nodelay;", "zone=writes burst=1 nodelay;"),
    ]
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, replacement, text)
        assert count >= 1, f"the gateway configuration no longer has {pattern}"
    for temp in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        text = text.replace("http {", f"http {{\n    {temp}_temp_path {directory}/{temp};", 1)
    path = directory / "nginx.conf"
    path.write_text(text)
    return path


def _silent_upstream(port: int, stop_serving: threading.Event) -> None:
    # Accepts connections and never answers: the gateway times out.
    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen(64)
        server.settimeout(0.2)
        held = []
        while not stop_serving.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue
        for connection in held:
            connection.close()


class _Echo(BaseHTTPRequestHandler):
    """Answers every request with the header lines it received, as `[name, value]` pairs."""

    protocol_version = "HTTP/1.1"  # the gateway keeps its upstream connections alive

    def do_GET(self) -> None:
        body = json.dumps([[name.lower(), value] for name, value in self.headers.items()])
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    assert NGINX is not None
    directory = tmp_path_factory.mktemp("gateway")
    port, refusing, silent = free_port(), free_port(), free_port()
    echo = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    config = local_config(directory, port, refusing, silent, echo.server_address[1])
    stop_serving = threading.Event()
    upstream = threading.Thread(target=_silent_upstream, args=(silent, stop_serving), daemon=True)
    upstream.start()
    echoing = threading.Thread(target=echo.serve_forever, daemon=True)
    echoing.start()
    process = subprocess.Popen(
        [
            NGINX,
            "-p",
            str(directory),
            "-c",
            str(config),
            "-e",
            str(directory / "error.log"),
            "-g",
            "daemon off;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
        yield port
    finally:
        stop(process, grace=5)
        stop_serving.set()
        upstream.join(5)
        echo.shutdown()
        echo.server_close()


def _send(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(raw)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, body


def _request(method: str, target: str, *headers: str, body: bytes = b"") -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "Host: shop.test", "Connection: close", *headers]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _assert_problem(answer: tuple[int, dict[str, str], bytes], status: int) -> dict[str, Any]:
    got, headers, body = answer
    assert got == status, body
    assert headers["content-type"] == PROBLEM, headers
    problem: dict[str, Any] = json.loads(body)
    assert problem["status"] == status
    assert problem["type"].startswith("/problems/")
    return problem


def test_the_configuration_is_valid(tmp_path: Path) -> None:
    assert NGINX is not None
    config = local_config(tmp_path, free_port(), free_port(), free_port(), free_port())
    checked = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(config), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize(
    "raw",
    [
        _request("GET", "/catalog/%00"),
        _request("GET", "/%00"),
        _request("GET", "/catalog/products", "X-Bad\x01Header: 1"),
        _request("GET", "/", "Cookie: " + "x" * 20_000),
        b"GET /a b HTTP/1.1\r\nHost: shop.test\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
    ],
    ids=["nul-in-a-service-path", "nul", "bad-header", "header-too-large", "bad-line", "tls"],
)
def test_a_malformed_request_is_a_400_problem(gateway: int, raw: bytes) -> None:
    _assert_problem(_send(gateway, raw), 400)


def test_an_unknown_route_is_a_404_problem(gateway: int) -> None:
    _assert_problem(_send(gateway, _request("GET", "/nowhere")), 404)


def test_a_uri_too_long_is_a_414_problem(gateway: int) -> None:
    _assert_problem(_send(gateway, _request("GET", "/catalog/" + "x" * 20_000)), 414)


def test_a_body_too_large_is_a_413_problem(gateway: int) -> None:
    answer = _send(gateway, _request("PUT", "/basket/items/x", body=b"x" * 100_000))
    _assert_problem(answer, 413)


def test_an_unsupported_request_is_a_problem(gateway: int) -> None:
    _assert_problem(_send(gateway, _request("TRACE", "/catalog/products")), 405)
    _assert_problem(
        _send(gateway, _request("POST", "/orders", "Transfer-Encoding: gzip", body=b"x")), 501
    )
    _assert_problem(_send(gateway, b"GET / HTTP/2.0\r\nHost: shop.test\r\n\r\n"), 505)


def test_a_service_that_is_down_is_a_503_problem(gateway: int) -> None:
    problem = _assert_problem(_send(gateway, _request("GET", "/basket")), 503)
    assert problem["type"] == "/problems/unavailable"


def test_a_service_that_does_not_answer_is_a_504_problem(gateway: int) -> None:
    _assert_problem(_send(gateway, _request("GET", "/catalog/products")), 504)


def test_too_many_writes_is_a_429_problem(gateway: int) -> None:
    statuses = []
    for _ in range(4):
        status, headers, body = _send(gateway, _request("POST", "/orders/x/cancel", body=b"{}"))
        statuses.append(status)
        if status == 429:
            _assert_problem((status, headers, body), 429)
            assert headers["retry-after"] == "1"
    assert 429 in statuses


def _forwarded(port: int, *headers: str) -> list[tuple[str, str]]:
    """The header lines the service behind the gateway received for a GET with `headers`."""
    status, _, body = _send(port, _request("GET", "/notifications", *headers))
    assert status == 200, body
    return [(name, value) for name, value in json.loads(body)]


def test_a_clients_trace_context_and_baggage_do_not_reach_the_service(gateway: int) -> None:
    received = _forwarded(
        gateway,
        "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "tracestate: vendor=chosen-by-the-client",
        "baggage: user.id=admin,role=admin",
        "Traceparent: 00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01",
    )
    names = {name for name, _ in received}
    assert not names & {"traceparent", "tracestate", "baggage"}, received
    assert "x-request-id" in names  # what the gateway means to send still goes through


def test_the_forwarded_address_and_scheme_are_the_gateways_own_observation(
    gateway: int,
) -> None:
    received = _forwarded(
        gateway,
        "X-Forwarded-For: 203.0.113.9, 198.51.100.7",
        "X-Forwarded-Proto: https",
        "Forwarded: for=203.0.113.9;proto=https",
    )
    assert [value for name, value in received if name == "x-forwarded-for"] == ["127.0.0.1"]
    assert [value for name, value in received if name == "x-forwarded-proto"] == ["http"]
    assert "forwarded" not in {name for name, _ in received}
    plain = _forwarded(gateway)
    assert [value for name, value in plain if name == "x-forwarded-for"] == ["127.0.0.1"]
