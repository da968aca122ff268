"""Calls to other services: timeouts, bounded retries on idempotent requests, ids propagated."""

from __future__ import annotations

import asyncio

import httpx

from servicekit.logging import correlation_id_var, request_id_var

_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


async def _propagate_ids(request: httpx.Request) -> None:
    if (correlation_id := correlation_id_var.get()) is not None:
        request.headers["x-correlation-id"] = correlation_id
    if (request_id := request_id_var.get()) is not None:
        # The callee gets its own request id; ours travels as the cause.
        request.headers["x-causation-id"] = request_id


class DependencyUnavailableError(Exception):
    """Another service could not be reached or kept failing."""


class ServiceClient:
    """An HTTP client for one downstream service."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 2.0,
        retries: int = 2,
        backoff: float = 0.05,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._client = httpx.AsyncClient(
            base_url=base_url,
            timeout=timeout,
            transport=transport,
            event_hooks={"request": [_propagate_ids]},
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
        )
        self._retries = retries
        self._backoff = backoff

    async def request(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        """Send a request, retrying idempotent ones on network errors and 502/503/504."""
        attempts = 1 + (self._retries if method.upper() in _IDEMPOTENT else 0)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = await self._client.request(method, url, **kwargs)  # type: ignore[arg-type]
            except httpx.TransportError as exc:
                if last:
                    raise DependencyUnavailableError(str(exc) or type(exc).__name__) from exc
            else:
                if response.status_code not in (502, 503, 504):
                    return response
                if last:
                    raise DependencyUnavailableError(f"answered {response.status_code}")
            await asyncio.sleep(self._backoff * 2**attempt)
        raise AssertionError("unreachable")

    async def get(self, url: str, **kwargs: object) -> httpx.Response:
        """GET `url`."""
        return await self.request("GET", url, **kwargs)

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()
