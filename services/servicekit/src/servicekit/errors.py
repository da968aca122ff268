"""Every error leaves a service as `application/problem+json` (RFC 9457) with a stable `type`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit.cursors import InvalidCursorError

PROBLEM_JSON = "application/problem+json"

log = structlog.get_logger(__name__)

# A validation error lists this many fields, and counts the rest: a body of a thousand bad
# lines gets a short answer that names the first ones.
MAX_LISTED_ERRORS = 20
# A field is named as the client spelled it, and an unknown key may be as long as the body.
_MAX_NAME_PART = 64
_MAX_MESSAGE = 200

# Each status's title and the slug of its default problem type.
_KINDS = {
    400: ("Bad request", "bad-request"),
    401: ("Unauthorized", "unauthorized"),
    403: ("Forbidden", "forbidden"),
    404: ("Not found", "not-found"),
    405: ("Method not allowed", "method-not-allowed"),
    409: ("Conflict", "conflict"),
    412: ("Precondition failed", "precondition-failed"),
    413: ("Payload too large", "payload-too-large"),
    415: ("Unsupported media type", "unsupported-media-type"),
    422: ("Unprocessable content", "unprocessable"),
    428: ("Precondition required", "precondition-required"),
    429: ("Too many requests", "too-many-requests"),
    500: ("Internal server error", "internal"),
    503: ("Service unavailable", "unavailable"),
}


class FieldError(BaseModel):
    """What is wrong with one field of a request."""

    model_config = ConfigDict(populate_by_name=True)

    field: str = Field(description="The field, e.g. `lines[0].quantity`")
    in_: str = Field(alias="in", description="Where it was: body, query, path or header")
    message: str
    code: str = Field(description="A stable name for the rule it breaks")


class ProblemDocument(BaseModel):
    """An error, as a problem document (RFC 9457)."""

    model_config = ConfigDict(title="Problem")

    type: str = Field(description="A stable URI reference naming the kind of problem")
    title: str
    status: int = Field(ge=400, le=599)
    detail: str
    instance: str = Field(description="The path of the request")
    errors: list[FieldError] | None = Field(
        default=None,
        description=f"The fields a validation error names: the first {MAX_LISTED_ERRORS}",
    )
    more_errors: int | None = Field(
        default=None, ge=1, description="How many more fields it names than `errors` lists"
    )


def _title(status: int) -> str:
    return _KINDS.get(status, ("Error", "error"))[0]


def _slug(status: int) -> str:
    return _KINDS.get(status, ("Error", "error"))[1]


class BusyError(Exception):
    """A store could not take the change now (a conflict, throttling) and decided nothing:
    the same request may succeed if sent again, so it is a 503 with `Retry-After`."""


class Problem(Exception):  # noqa: N818 - it is the problem document, raised
    """An error a client may see; raise it anywhere below a route."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        slug: str | None = None,
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
        errors: Sequence[dict[str, Any]] | None = None,
        more_errors: int = 0,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug or _slug(status)
        self.title = title or _title(status)
        self.headers = dict(headers) if headers else None
        self.errors = list(errors) if errors else None
        self.more_errors = more_errors


def problem_response(request: Request, problem: Problem) -> JSONResponse:
    """Render `problem` as the problem document of `request`."""
    body: dict[str, Any] = {
        "type": f"/problems/{problem.slug}",
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "instance": request.url.path,
    }
    if problem.errors:
        body["errors"] = problem.errors
    if problem.more_errors:
        body["more_errors"] = problem.more_errors
    return JSONResponse(
        body, status_code=problem.status, headers=problem.headers, media_type=PROBLEM_JSON
    )


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _field_name(loc: Sequence[Any]) -> str:
    # `("body", "lines", 0, "quantity")` names the field `lines[0].quantity`; the first
    # element says where it came from and is reported separately.
    name = ""
    for part in loc[1:]:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            part = _shortened(str(part), _MAX_NAME_PART)
            name += f".{part}" if name else part
    return name or str(loc[0])


def _validation_errors(exc: RequestValidationError) -> tuple[list[dict[str, Any]], int]:
    """The first `MAX_LISTED_ERRORS` errors, each naming its field and the rule it breaks,
    and how many more there are. Never the input: pydantic keeps the value it refused (for
    an unknown field, whatever the client put there), which is the client's own data at best."""
    found = exc.errors()
    errors = []
    for error in found[:MAX_LISTED_ERRORS]:
        loc = error.get("loc", ())
        errors.append(
            {
                "field": _field_name(loc),
                "in": loc[0] if loc else "body",
                "message": _shortened(str(error.get("msg", "invalid")), _MAX_MESSAGE),
                "code": error.get("type", "invalid"),
            }
        )
    return errors, max(0, len(found) - MAX_LISTED_ERRORS)


async def _on_problem(request: Request, exc: Problem) -> JSONResponse:
    return problem_response(request, exc)


async def _on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if any(e.get("loc", ())[:1] == ("body",) for e in exc.errors()) and not (
        media_type == "application/json" or media_type.endswith("+json")
    ):
        return problem_response(
            request, Problem(415, "Send the body as JSON, with Content-Type: application/json.")
        )
    errors, more = _validation_errors(exc)
    fields = ", ".join(sorted({e["field"] for e in errors}))
    detail = f"Invalid request: {fields}" + (f", and {more} more" if more else "")
    return problem_response(
        request,
        Problem(422, detail, slug="validation-error", errors=errors, more_errors=more),
    )


async def _on_invalid_cursor(request: Request, exc: Exception) -> JSONResponse:
    error = {"field": "cursor", "in": "query", "message": str(exc), "code": "invalid"}
    return problem_response(
        request, Problem(422, str(exc), slug="validation-error", errors=[error])
    )


async def _on_busy(request: Request, exc: Exception) -> JSONResponse:
    log.warning("store_busy", path=request.url.path, error=str(exc))
    problem = Problem(
        503, "The service is busy; try again.", slug="busy", headers={"Retry-After": "1"}
    )
    return problem_response(request, problem)


async def _on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else _title(exc.status_code)
    return problem_response(request, Problem(exc.status_code, detail, headers=exc.headers))


# The database cannot take the request now, and has decided nothing: at its connection limit
# (SQLSTATE class 53), starting or shutting down (57P03), or the connection lost or refused.
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    asyncpg.InsufficientResourcesError,
    asyncpg.CannotConnectNowError,
    asyncpg.PostgresConnectionError,
    ConnectionError,
    TimeoutError,
)


def _wrapped(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and what it wraps (SQLAlchemy's `orig`, a `__cause__`), five deep at most."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return
        yield seen
        seen = getattr(seen, "orig", None) or seen.__cause__


def is_data_error(exc: BaseException) -> bool:
    """Whether the database refused a value it was sent (SQLSTATE class 22: an encoding it
    cannot store, a number out of range, ...) rather than failed."""
    return any(
        isinstance(seen, asyncpg.DataError)
        # asyncpg's own check of a query argument, before it is sent (an unencodable string).
        or (isinstance(seen, asyncpg.InterfaceError) and isinstance(seen, ValueError))
        for seen in _wrapped(exc)
    )


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled_error", path=request.url.path, exc_info=exc)
    return problem_response(request, Problem(500, "The server could not complete the request."))


async def _on_database_error(request: Request, exc: Exception) -> JSONResponse:
    if any(isinstance(seen, _UNAVAILABLE) for seen in _wrapped(exc)):
        return await _on_busy(request, exc)
    if not is_data_error(exc):
        return _unexpected(request, exc)
    log.info("data_refused_by_database", path=request.url.path, error=type(exc).__name__)
    return problem_response(
        request,
        Problem(422, "A value in the request cannot be stored or compared.", slug="invalid-value"),
    )


class UnexpectedErrorMiddleware:
    """Answer any error nothing else handled with a 500 problem, and keep the connection.

    Starlette's outermost error middleware re-raises after answering, and the server then
    closes the client's connection: a gateway that keeps connections to the service alive
    may already have sent the next request on it, which then fails at the gateway (503).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            response = _unexpected(Request(scope), exc)
            if started:
                raise  # half a response was sent: only closing the connection can end it
            await response(scope, receive, send)


def map_errors(
    app: FastAPI, base: type[Exception], statuses: Mapping[type[Exception], tuple[int, str]]
) -> None:
    """Render a service's domain errors (subclasses of `base`) as problems: status and slug by
    class, the error's message as the detail."""

    async def on_domain_error(request: Request, exc: Exception) -> JSONResponse:
        status, slug = statuses.get(type(exc), (400, "bad-request"))
        headers = {"Retry-After": "1"} if status == 503 else None
        return problem_response(request, Problem(status, str(exc), slug=slug, headers=headers))

    app.add_exception_handler(base, on_domain_error)


def document_problems(openapi: dict[str, Any]) -> dict[str, Any]:
    """`openapi` with its error responses as they are sent: every 4xx and 5xx a problem
    document, validation errors with the fields they name, and any other error as `default`."""
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    for fastapi_default in ("HTTPValidationError", "ValidationError"):
        schemas.pop(fastapi_default, None)
    problem = ProblemDocument.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    content = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path in openapi.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                if status[:1] in ("4", "5"):
                    response["content"] = content
            if "422" in responses:
                responses["422"]["description"] = "A rule broken; `errors` names each field"
            responses["default"] = {"description": "Any other error", "content": content}
    return openapi


E = TypeVar("E", bound=Exception)


def _handle(
    app: FastAPI, kind: type[E], render: Callable[[Request, E], Awaitable[JSONResponse]]
) -> None:
    """Render `kind` with `render`, which reads it as what it is."""

    async def handle(request: Request, exc: Exception) -> JSONResponse:
        # Starlette hands a handler only the exceptions it was registered for.
        if not isinstance(exc, kind):
            raise TypeError(f"{type(exc).__name__} is not a {kind.__name__}") from exc
        return await render(request, exc)

    app.add_exception_handler(kind, handle)


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error, expected or not, a problem document."""
    _handle(app, Problem, _on_problem)
    _handle(app, RequestValidationError, _on_validation)
    app.add_exception_handler(InvalidCursorError, _on_invalid_cursor)
    _handle(app, StarletteHTTPException, _on_http)
    app.add_exception_handler(BusyError, _on_busy)
    for database_error in (
        DBAPIError,
        asyncpg.PostgresError,
        asyncpg.InterfaceError,
        ConnectionError,
        TimeoutError,
    ):
        app.add_exception_handler(database_error, _on_database_error)
    app.add_middleware(UnexpectedErrorMiddleware)
