"""Every service refuses a request body above 64 KiB with a 413 problem, without reading it
whole: a declared Content-Length before a byte is read, a chunked body as soon as it passes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request

from servicekit.app import create_service_app
from servicekit.body_limit import MAX_BODY_BYTES
from servicekit.errors import PROBLEM_JSON, Problem
from servicekit.testing import no_resources

CHUNK = 4096


class Calls:
    """Counts what reached the routes."""

    def __init__(self) -> None:
        self.routes = 0


def _app(calls: Calls) -> FastAPI:
    router = APIRouter(prefix="/things")

    @router.post("")
    async def create(thing: dict[str, Any]) -> dict[str, int]:
        calls.routes += 1
        return {"keys": len(thing)}

    @router.post("/raw")
    async def raw(request: Request) -> dict[str, int]:
        body = await request.body()
        calls.routes += 1
        return {"bytes": len(body)}

    @router.get("")
    async def listing() -> list[str]:
        return []

    @router.post("/careless")
    async def careless(request: Request) -> dict[str, int]:
        # A route that takes any failure to read the body for a bad request.
        try:
            await request.body()
        except Exception as exc:
            raise Problem(400, "Unreadable.") from exc
        return {"read": 1}

    return create_service_app(title="Things", router=router, lifespan=no_resources)


class Body:
    """A request body sent in chunks, counting how many the service pulled."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.sent < self.size:
            chunk = b" " * min(CHUNK, self.size - self.sent)
            self.sent += len(chunk)
            yield chunk


@pytest.fixture
def calls() -> Calls:
    return Calls()


@pytest.fixture
def client(calls: Calls) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(_app(calls), raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


def _assert_413(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["type"] == "/problems/payload-too-large"
    assert "64 KiB" in response.json()["detail"]
    assert response.headers["connection"] == "close"
    assert response.headers["x-request-id"]


async def test_a_declared_length_above_the_limit_is_refused_before_reading(
    client: httpx.AsyncClient, calls: Calls
) -> None:
    body = Body(10 * MAX_BODY_BYTES)
    headers = {"content-type": "application/json", "content-length": str(body.size)}
    _assert_413(await client.post("/things", content=body, headers=headers))
    assert body.sent <= CHUNK  # the transport's first pull at most; nothing was read
    assert calls.routes == 0


@pytest.mark.parametrize("path", ["/things", "/things/raw", "/things/careless"])
async def test_a_chunked_body_is_refused_once_it_passes_the_limit(
    client: httpx.AsyncClient, calls: Calls, path: str
) -> None:
    body = Body(16 * MAX_BODY_BYTES)
    response = await client.post(path, content=body, headers={"content-type": "application/json"})
    _assert_413(response)
    assert body.sent <= MAX_BODY_BYTES + 2 * CHUNK
    assert calls.routes == 0


async def test_a_body_at_the_limit_is_served(client: httpx.AsyncClient) -> None:
    body = b"{}" + b" " * (MAX_BODY_BYTES - 2)
    declared = await client.post("/things/raw", content=body)
    assert declared.json() == {"bytes": MAX_BODY_BYTES}
    chunked = await client.post("/things/raw", content=Body(MAX_BODY_BYTES))
    assert chunked.json() == {"bytes": MAX_BODY_BYTES}
    small = await client.post("/things", json={"a": 1})
    assert small.json() == {"keys": 1}


def test_the_openapi_document_describes_the_413(calls: Calls) -> None:
    spec = _app(calls).openapi()
    refused = spec["paths"]["/things"]["post"]["responses"]["413"]
    assert refused["content"][PROBLEM_JSON]["schema"] == {"$ref": "#/components/schemas/Problem"}
    assert "413" not in spec["paths"]["/things"]["get"]["responses"]
