"""What a service itself holds a request to, reached without the gateway, as a real process:
If-Match names a version in ASCII digits or is refused with a 4xx problem (never a 500); a body
above 64 KiB is refused with a 413 before it is read whole, with or without Content-Length; a
validation error lists a bounded number of fields and never the values sent."""

from __future__ import annotations

import json
import socket
import uuid
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

PROBLEM = "application/problem+json"


def _assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    return problem


@pytest.fixture
def product(catalog: httpx.Client, admin: dict[str, str]) -> str:
    body = {
        "sku": f"E-{uuid.uuid4().hex[:10].upper()}",
        "name": "Edge mug",
        "category": "edge",
        "price": "4.00",
        "currency": "EUR",
    }
    response = catalog.post("/catalog/products", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return str(response.headers["location"])


# Header values as bytes on the wire: a server reads them as Latin-1.
MALFORMED = [b"", b"1", b'"1', b'"1", "2"', "²".encode()]
NO_VERSION = [b'"\xb2"', '"²"'.encode(), '"٣"'.encode(), b'W/"1"', b'"one"']


@pytest.mark.parametrize(
    ("if_match", "status"), [(v, 400) for v in MALFORMED] + [(v, 412) for v in NO_VERSION]
)
def test_an_if_match_that_names_no_version_is_a_4xx_and_changes_nothing(
    catalog: httpx.Client, admin: dict[str, str], product: str, if_match: bytes, status: int
) -> None:
    headers: dict[str, Any] = admin | {"If-Match": if_match}
    price = {"price": "1.00", "currency": "EUR"}
    _assert_problem(catalog.patch(product, json={"name": "Changed"}, headers=headers), status)
    _assert_problem(catalog.put(f"{product}/price", json=price, headers=headers), status)
    _assert_problem(catalog.delete(product, headers=headers), status)
    unchanged = catalog.get(product).json()
    assert (unchanged["name"], unchanged["price"], unchanged["version"]) == ("Edge mug", "4.00", 1)
    assert unchanged["active"] is True
    renamed = catalog.patch(product, json={"name": "Renamed"}, headers=admin | {"If-Match": '"1"'})
    assert renamed.status_code == 200, renamed.text


def _exchange(url: str, head: bytes, body: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send a request's head and part of its body, never the rest, and read the answer: a
    server that waited for the whole body would not answer at all (the socket times out)."""
    address = urlsplit(url)
    with socket.create_connection((address.hostname, address.port), timeout=5) as connection:
        connection.sendall(head + body)
        received = b""
        while b"\r\n\r\n" not in received or not _complete(received):
            chunk = connection.recv(65536)
            if not chunk:
                break
            received += chunk
    head_part, _, content = received.partition(b"\r\n\r\n")
    status_line, *lines = head_part.decode("latin-1").split("\r\n")
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines)
    }
    return int(status_line.split()[1]), headers, content


def _complete(received: bytes) -> bool:
    head, _, content = received.partition(b"\r\n\r\n")
    for line in head.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            return len(content) >= int(value)
    return False


def _head(admin: dict[str, str], *framing: str) -> bytes:
    lines = [
        "POST /catalog/products HTTP/1.1",
        "Host: catalog.test",
        "Content-Type: application/json",
        f"Authorization: {admin['Authorization']}",
        *framing,
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _refused(answer: tuple[int, dict[str, str], bytes]) -> None:
    status, headers, content = answer
    assert status == 413, content
    assert headers["content-type"] == PROBLEM
    assert json.loads(content)["type"] == "/problems/payload-too-large"
    assert headers.get("connection") == "close"


def test_a_body_declared_too_large_is_refused_before_it_is_sent(
    catalog: httpx.Client, admin: dict[str, str]
) -> None:
    head = _head(admin, f"Content-Length: {10 * 1024 * 1024}")
    _refused(_exchange(str(catalog.base_url), head, b'{"sku": '))


def test_a_chunked_body_is_refused_once_it_passes_64_kib(
    catalog: httpx.Client, admin: dict[str, str]
) -> None:
    chunk = b" " * 8192
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(10))  # 80 KiB
    head = _head(admin, "Transfer-Encoding: chunked")
    _refused(_exchange(str(catalog.base_url), head, b"1\r\n{\r\n" + chunks))


def test_a_body_of_many_unknown_fields_gets_a_short_answer(
    catalog: httpx.Client, admin: dict[str, str]
) -> None:
    body = {f"unknown-{n}-{'x' * 200}": f"secret-{n}" for n in range(200)}
    problem = _assert_problem(catalog.post("/catalog/products", json=body, headers=admin), 422)
    assert len(problem["errors"]) == 20
    assert problem["more_errors"] >= 180
    assert "secret-" not in json.dumps(problem)
    assert all(len(error["field"]) <= 64 for error in problem["errors"])
