"""A cap on the size of a request body, enforced while it arrives.

The gateway refuses bodies above the same size (docker/gateway/nginx.conf), but a service is
also reached without it: by another service, and in AWS through the load balancer, behind an
API Gateway that lets 10 MB through. No operation of the shop takes a body anywhere near 64 KiB.

FastAPI's own `max_body_size` is not used: when a route answers without reading a body whose
declared length is too large, Starlette's limiter replaces the answer with a plain-text 413
from outside every middleware of the service, so it would be neither a problem document nor
carry the request id.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit.errors import PROBLEM_JSON, Problem, problem_response

MAX_BODY_BYTES = 64 * 1024


class BodyTooLargeError(HTTPException):
    """The request body passed the limit. An HTTP exception, so that FastAPI, which turns any
    other error met while reading a body into a 400, lets it through to the problem handlers."""

    def __init__(self, limit: int) -> None:
        # Closing the connection spares the server reading (and discarding) the rest.
        super().__init__(413, _detail(limit), headers={"Connection": "close"})


def _detail(limit: int) -> str:
    return f"The request body exceeds {limit // 1024} KiB."


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        # ASCII digits only (bytes.isdigit): the server refuses any other Content-Length.
        if name == b"content-length" and value.isdigit():
            return int(value)
    return None


class BodyLimitMiddleware:
    """Refuse a request body above `limit` bytes with a 413 problem, never reading it whole.

    A declared Content-Length above the limit is refused before the app runs; a body without
    one (chunked transfer encoding) is counted as it arrives, and reading stops with a 413 as
    soon as it passes the limit."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.limit:
            await self._refuse(scope, receive, send)
            return
        received = 0
        exceeded = started = False
        passing = True

        async def counted() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    exceeded = True
                    raise BodyTooLargeError(self.limit)
            return message

        async def answer(message: Message) -> None:
            nonlocal started, passing
            if message["type"] == "http.response.start":
                started = True
                # A route that caught the error and answered otherwise answered a body it
                # never had: that answer is dropped for the 413.
                passing = not exceeded or message["status"] == 413
            if passing:
                await send(message)

        try:
            await self.app(scope, counted, answer)
        except BodyTooLargeError:
            if started and passing:
                raise
            await self._refuse(scope, receive, send)
            return
        if not passing:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        problem = Problem(413, _detail(self.limit), headers={"Connection": "close"})
        await problem_response(Request(scope), problem)(scope, receive, send)


def document_body_limit(openapi: dict[str, Any], limit: int = MAX_BODY_BYTES) -> dict[str, Any]:
    """`openapi` with a 413 problem on every operation that takes a body."""
    content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path in openapi.get("paths", {}).values():
        for operation in path.values():
            if "requestBody" in operation:
                operation.setdefault("responses", {})["413"] = {
                    "description": f"The body is larger than {limit // 1024} KiB",
                    "content": content,
                }
    return openapi
