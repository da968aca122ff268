"""The FastAPI application every service starts from."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol, TypeVar

import uvicorn
from fastapi import APIRouter, FastAPI

from servicekit.body_limit import MAX_BODY_BYTES, BodyLimitMiddleware, document_body_limit
from servicekit.errors import document_problems, install_problem_handlers, map_errors
from servicekit.health import health_router
from servicekit.logging import RequestContextMiddleware, configure_logging
from servicekit.runtime import settle_after_start
from servicekit.settings import ServiceSettings
from servicekit.telemetry import ServerSpans, configure_telemetry, metering

# A service's own settings.
S = TypeVar("S", bound=ServiceSettings)
# A service's domain error base, and the status and slug of each of its errors.
DomainErrors = tuple[type[Exception], Mapping[type[Exception], tuple[int, str]]]


class Lifespan(Protocol):
    def __call__(self, app: FastAPI) -> AbstractAsyncContextManager[None]: ...


def _health_check(scope: Mapping[str, Any]) -> bool:
    return str(scope.get("path", "")).startswith("/health/")


def create_service_app(
    *,
    title: str,
    router: APIRouter,
    lifespan: Lifespan,
    errors: DomainErrors | None = None,
    version: str = "1.0.0",
    description: str = "",
    max_body_bytes: int = MAX_BODY_BYTES,
) -> FastAPI:
    """An app with problem+json errors, request ids, a cap on request bodies, health routes, the
    service's `router` and docs under its prefix; `errors` is the service's error base and its
    table of statuses (see `map_errors`)."""
    prefix = router.prefix
    app = FastAPI(
        title=title,
        version=version,
        description=description,
        lifespan=lifespan,
        docs_url=f"{prefix}/docs",
        redoc_url=None,
        openapi_url=f"{prefix}/openapi.json",
        # Where the process exports metrics (`serve` configures telemetry before it builds the
        # app), FastAPI measures every request itself: rate, errors and duration per route, not
        # health checks. Where it does not, FastAPI is told so, or it would look for a meter
        # provider on every request. It traces none: a request's span is the kit's
        # (`ServerSpans`, below), which costs a request the sampler leaves out next to nothing.
        # No log records of its own either (the service logs what it means to).
        telemetry={
            "tracing": False,
            "metrics": metering(),
            "operation_spans": False,
            "logs": False,
            "exclude": _health_check,
        },
    )
    install_problem_handlers(app)
    # Inside the request context, so that a refused body's 413 carries the request id.
    app.add_middleware(BodyLimitMiddleware, limit=max_body_bytes)
    app.add_middleware(RequestContextMiddleware)
    # Outermost, so that the request context's own log lines carry the request's trace.
    app.add_middleware(ServerSpans, exclude=_health_check)
    app.include_router(health_router())
    app.include_router(router)
    if errors is not None:
        map_errors(app, *errors)
    generate_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            documented = document_problems(generate_openapi())
            app.openapi_schema = document_body_limit(documented, max_body_bytes)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def serve(create_app: Callable[[S], FastAPI], settings: S, **uvicorn_options: Any) -> None:
    """Build the app `create_app` makes of `settings` once telemetry is configured, and run it
    until SIGTERM, then finish in-flight requests and run the lifespan's cleanup."""
    configure_logging(settings.service_name, settings.log_level)
    configure_telemetry(settings, "api")
    app = create_app(settings)
    settle_after_start()
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        # X-Forwarded-For and X-Forwarded-Proto are taken only from the gateway's addresses:
        # from anyone else they would let a client choose the address the service sees.
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        timeout_graceful_shutdown=10,
        # Longer than the load balancer's idle timeout (60 s, infra/modules/alb): the balancer
        # closes an idle connection first, so it never sends a request into one the service
        # is closing (uvicorn's default, 5 s, gives intermittent 502s).
        timeout_keep_alive=65,
        ws="none",  # no service speaks WebSocket; not loading it saves memory
        server_header=False,
        **uvicorn_options,
    )
