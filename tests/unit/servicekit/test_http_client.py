"""The kit's service-to-service client: bounded retries on idempotent calls, timeouts and
outages reported as a dependency being unavailable, ids propagated."""

import httpx
import pytest

from servicekit.http import DependencyUnavailableError, ServiceClient
from servicekit.logging import correlation_id_var


def _client(answers: list[int | Exception], seen: list[httpx.Request]) -> ServiceClient:
    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer, json={})

    transport = httpx.MockTransport(handle)
    return ServiceClient("http://catalog", retries=2, backoff=0, transport=transport)


async def test_an_idempotent_call_is_retried_through_a_brief_outage() -> None:
    seen: list[httpx.Request] = []
    client = _client([503, httpx.ConnectError("refused"), 200], seen)
    assert (await client.get("/products/1")).status_code == 200
    assert len(seen) == 3


async def test_retries_are_bounded_and_then_the_dependency_is_unavailable() -> None:
    seen: list[httpx.Request] = []
    client = _client([503, 502, 504, 200], seen)
    with pytest.raises(DependencyUnavailableError, match="504"):
        await client.get("/products/1")
    assert len(seen) == 3


async def test_a_timeout_is_an_unavailable_dependency() -> None:
    seen: list[httpx.Request] = []
    client = _client([httpx.ReadTimeout("slow")] * 3, seen)
    with pytest.raises(DependencyUnavailableError):
        await client.get("/products/1")
    assert len(seen) == 3


async def test_a_post_is_sent_once_and_client_errors_are_answers() -> None:
    seen: list[httpx.Request] = []
    client = _client([503], seen)
    with pytest.raises(DependencyUnavailableError):
        await client.request("POST", "/orders")
    assert len(seen) == 1
    client = _client([404], seen)
    assert (await client.get("/products/2")).status_code == 404


async def test_the_correlation_id_travels_with_the_call() -> None:
    seen: list[httpx.Request] = []
    token = correlation_id_var.set("order-7")
    try:
        await _client([200], seen).get("/products/1")
    finally:
        correlation_id_var.reset(token)
    assert seen[0].headers["x-correlation-id"] == "order-7"
