"""Traces and metrics with OpenTelemetry, switched on by the standard `OTEL_*` variables.

With no OTLP endpoint configured (or `OTEL_SDK_DISABLED=true`) nothing is set up: the API's
no-op tracer answers every call, and the SDK and exporters are never imported. With one, each
process exports its spans (and, with `OTEL_METRICS_EXPORTER=otlp`, its metrics) over OTLP/HTTP;
the SDK reads the rest of the standard variables itself (`OTEL_SERVICE_NAME`,
`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`, `OTEL_EXPORTER_OTLP_HEADERS`, ...).

The maintained instrumentations cover HTTP out (httpx) and PostgreSQL (asyncpg, its statements
traced only within a span being recorded: `statement_instrumentor`); FastAPI measures the
requests (its own metrics). The server span of each request is the kit's (`ServerSpans`), so
that a request the sampler leaves out costs next to nothing. What the instrumentations cannot
see is written here too: the context a message carries across a queue, a topic, an outbox or
the state machine, as a W3C `traceparent` in the message itself.
"""

from __future__ import annotations

import atexit
from collections.abc import (
    Callable,
    Coroutine,
    Iterable,
    Iterator,
    Mapping,
    MutableMapping,
    Sequence,
)
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from opentelemetry import context, metrics, propagate, trace
from opentelemetry.context import Context
from opentelemetry.propagators.textmap import Getter, TextMapPropagator
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

if TYPE_CHECKING:
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.metrics import Histogram
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Link, TraceState
    from opentelemetry.util.types import Attributes
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from servicekit.settings import ServiceSettings

_TRACER = "servicekit"
_enabled = False
_metering = False


def telemetry_enabled(settings: ServiceSettings) -> bool:
    """Whether the settings ask for telemetry to be exported."""
    endpoint = settings.otel_exporter_otlp_endpoint or settings.otel_exporter_otlp_traces_endpoint
    return bool(endpoint) and not settings.otel_sdk_disabled


def configure_telemetry(settings: ServiceSettings, role: str) -> None:
    """Export this process's traces (and metrics, if asked) when an OTLP endpoint is set.

    The process is named `<service>-<role>` (`ordering-api`, `ordering-worker`) unless
    `OTEL_SERVICE_NAME` names it."""
    global _enabled, _metering  # one provider per process, set once at start-up
    if _enabled or not telemetry_enabled(settings):
        return
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    name = settings.otel_service_name or f"{settings.service_name}-{role}"
    resource = Resource.create({SERVICE_NAME: name})
    provider = tracer_provider(resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    atexit.register(provider.shutdown)
    if settings.otel_metrics_exporter == "otlp":
        meter_provider = metrics_pipeline(resource)
        metrics.set_meter_provider(meter_provider)
        atexit.register(meter_provider.shutdown)
        _metering = True
    HTTPXClientInstrumentor().instrument()
    statement_instrumentor().instrument()
    _enabled = True


# An asyncpg method running a statement, as its instrumentation wraps it.
_Statement = Callable[..., Coroutine[Any, Any, Any]]
# One of that instrumentation's wrappers: (instrumentor, statement, its instance, args, kwargs).
_Wrapper = Callable[[Any, _Statement, Any, Sequence[Any], dict[str, Any]], Coroutine[Any, Any, Any]]


def _when_recorded(traced: _Wrapper) -> _Wrapper:
    """`traced`, the instrumentation's wrapper, where the current span is being recorded; the
    statement run straight away where it is not."""

    def wrapper(
        self: Any, func: _Statement, instance: Any, args: Sequence[Any], kwargs: dict[str, Any]
    ) -> Coroutine[Any, Any, Any]:
        if trace.get_current_span().is_recording():
            return traced(self, func, instance, args, kwargs)
        return func(*args, **kwargs)

    return wrapper


@cache
def statement_instrumentor() -> AsyncPGInstrumentor:
    """asyncpg's maintained instrumentation, tracing a statement only within a span being
    recorded.

    Left as it is, it prepares every statement's span before asking whether it will be
    recorded: its operation name (a regular expression), its attributes (database, user,
    address, the statement itself), then a span from the sampler, made current and ended. In a
    request the sampler left out, all of it makes a span that records nothing: about 75 µs of
    CPU on a catalog read that takes some 330 without tracing (measured in process). Its three
    wrappers (statements on a connection, a cursor, a prepared statement) are overridden here
    to run the statement straight away when the current span records nothing. That changes no
    trace: the sampler follows the parent (`OTEL_TRACES_SAMPLER=parentbased_*`), and a
    statement outside any work starts no trace (`tracer_provider`)."""
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

    class RecordedStatements(AsyncPGInstrumentor):
        _instance = None  # an instrumentor is a singleton of its class, not of its base's
        _do_execute = _when_recorded(AsyncPGInstrumentor._do_execute)
        _do_cursor_execute = _when_recorded(AsyncPGInstrumentor._do_cursor_execute)
        _do_prepared_execute = _when_recorded(AsyncPGInstrumentor._do_prepared_execute)

    return RecordedStatements()  # type: ignore[no-untyped-call]


def tracer_provider(resource: Any) -> TracerProvider:
    """A tracer provider sampling as the `OTEL_TRACES_SAMPLER*` variables say, where traces
    begin with work: a request, a message, a saga step. A client call made outside any span
    (a readiness check's query, a relay's or a sweep's poll) starts no trace of its own.

    A new trace that production's sampler (`parentbased_traceidratio`) leaves out is decided
    in one look: its trace id against the ratio's bound, answered with one shared result. The
    SDK's chain (the parent-based sampler, then the ratio's, each looking for the parent again
    and building its own result) says the same in about 3 µs of CPU, most of what the SDK
    spends on a request it does not record. Every other span, and every other sampler, is
    decided by the SDK's sampler."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.sampling import (
        Decision,
        ParentBased,
        ParentBasedTraceIdRatio,
        Sampler,
        SamplingResult,
        TraceIdRatioBased,
    )

    # What the SDK's samplers answer for a new trace they drop: no attributes, no trace state.
    dropped = SamplingResult(Decision.DROP)

    class WorkStartsTraces(Sampler):
        def __init__(self, sampler: Sampler) -> None:
            self._sampler = sampler
            # The SDK's own samplers only, not a subclass that decides otherwise. The SDK
            # keeps a parent-based sampler's root as `_root`: should that change, every span
            # goes the SDK's way (and the kit's tests say so).
            parent_based = type(sampler) in (ParentBased, ParentBasedTraceIdRatio)
            root = getattr(sampler, "_root", None) if parent_based else None
            self._bound = root.bound if type(root) is TraceIdRatioBased else None

        def should_sample(
            self,
            parent_context: Context | None,
            trace_id: int,
            name: str,
            kind: SpanKind | None = None,
            attributes: Attributes = None,
            links: Sequence[Link] | None = None,
            trace_state: TraceState | None = None,
        ) -> SamplingResult:
            if not trace.get_current_span(parent_context).get_span_context().is_valid and (
                kind is SpanKind.CLIENT
                or (
                    self._bound is not None
                    and trace_id & TraceIdRatioBased.TRACE_ID_LIMIT >= self._bound
                )
            ):
                return dropped
            return self._sampler.should_sample(
                parent_context, trace_id, name, kind, attributes, links, trace_state
            )

        def get_description(self) -> str:
            return f"WorkStartsTraces{{{self._sampler.get_description()}}}"

    provider = TracerProvider(resource=resource)  # its sampler is the one the variables name
    provider.sampler = WorkStartsTraces(provider.sampler)
    return provider


def metrics_pipeline(resource: Any) -> MeterProvider:
    """A meter provider exporting over OTLP/HTTP as the standard variables say (endpoint,
    headers, and `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`: with `delta`, an interval
    in which nothing was recorded exports nothing)."""
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

    reader = PeriodicExportingMetricReader(OTLPMetricExporter())
    return MeterProvider(resource=resource, metric_readers=[reader])


class Measures:
    """The measures operators watch besides the routes' own (which FastAPI records: rate, errors
    and duration per route). Instruments of the API's global meter: they
    record nothing until a meter provider is configured, and then are exported with it."""

    def __init__(self) -> None:
        meter = metrics.get_meter("servicekit")

        def seconds(name: str, description: str) -> Histogram:
            return meter.create_histogram(name, unit="s", description=description)

        self.message_age = seconds(
            "shop.queue.message.age", "Time a message waited in its queue before a worker took it"
        )
        self.handling = seconds(
            "shop.queue.message.handling.duration",
            "Time a worker spent on a message, by queue and outcome",
        )
        self.outbox_lag = seconds(
            "shop.outbox.lag", "Time from a message's commit to its publication, by destination"
        )
        self.saga_step = seconds(
            "shop.saga.step.duration", "Time a saga step took in its worker, by step and outcome"
        )
        self.outbox_parked = meter.create_counter(
            "shop.outbox.parked",
            unit="{message}",
            description="Messages a relay set aside after the broker refused them, by store",
        )


@cache
def measures() -> Measures:
    """The process's instruments, made on first use."""
    return Measures()


def metering() -> bool:
    """Whether this process exports metrics."""
    return _metering


def tracing() -> bool:
    """Whether this process exports traces (what a message's trace is worth reading for)."""
    return _enabled


@cache
def tracer() -> trace.Tracer:
    """The tracer for the kit's own spans (requests, messages, relays, saga steps). Made once:
    the SDK's `get_tracer` resets the warnings filters on every call. Before a provider is set
    it is the API's proxy, which turns into the provider's tracer once one is."""
    return trace.get_tracer(_TRACER)


def current_traceparent() -> str | None:
    """The W3C `traceparent` of the span being recorded now, to carry in a message."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent")


def context_of(traceparent: str | None) -> context.Context | None:
    """The context a message's `traceparent` names, or None when it names none."""
    if not traceparent:
        return None
    extracted = propagate.extract({"traceparent": traceparent})
    span_context = trace.get_current_span(extracted).get_span_context()
    return extracted if span_context.is_valid else None


@contextmanager
def consuming(
    name: str, traceparent: str | None, attributes: Mapping[str, Any] | None = None
) -> Iterator[Span]:
    """A span for handling a message, continuing the trace the message carries."""
    with tracer().start_as_current_span(
        name,
        context=context_of(traceparent),
        kind=SpanKind.CONSUMER,
        attributes=dict(attributes or {}),
    ) as span:
        yield span


@contextmanager
def publishing(
    name: str, traceparents: Sequence[str | None], attributes: Mapping[str, Any] | None = None
) -> Iterator[list[str | None]]:
    """Spans for sending a batch of messages: one in each message's own trace, below the span
    that wrote it. Yields the `traceparent` each message should travel with onward (None for a
    message that carries no trace)."""
    spans: list[Span | None] = []
    for traceparent in traceparents:
        carried = context_of(traceparent)
        spans.append(
            None
            if carried is None
            else tracer().start_span(
                name, context=carried, kind=SpanKind.PRODUCER, attributes=dict(attributes or {})
            )
        )
    try:
        yield [None if span is None else _traceparent_of(span) for span in spans]
    except BaseException as error:
        for span in spans:
            if span is not None:
                record_failure(span, error)
        raise
    finally:
        for span in spans:
            if span is not None:
                span.end()


def _traceparent_of(span: Span) -> str:
    carrier: dict[str, str] = {}
    propagate.inject(carrier, context=trace.set_span_in_context(span))
    return carrier["traceparent"]


def annotate_span(attributes: Mapping[str, str | int | float | bool]) -> None:
    """Add attributes to the span being recorded now (a no-op when none is)."""
    trace.get_current_span().set_attributes(dict(attributes))


def record_failure(span: Span, error: BaseException) -> None:
    """Mark `span` as failed by `error`."""
    span.record_exception(error)
    span.set_status(Status(StatusCode.ERROR, type(error).__name__))


def add_trace_ids(
    logger: object, method: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A log processor: the trace and span ids of the span being recorded, if any."""
    span_context = trace.get_current_span().get_span_context()
    if span_context.is_valid:
        event.setdefault("trace_id", format(span_context.trace_id, "032x"))
        event.setdefault("span_id", format(span_context.span_id, "016x"))
    return event


# The methods a span is named by; any other is `HTTP` (and `_OTHER` in its attributes), as
# the semantic conventions ask, so that a client cannot make up span names.
_METHODS = frozenset(
    {"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY", "TRACE"}
)
# Query parameters whose values a span never holds (signed URLs' secrets).
_SECRET_QUERY_PARAMETERS = frozenset(
    {"X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "sig", "X-Goog-Signature"}
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class _Headers(Getter[dict[str, str]]):
    """Reads a carrier of lower-cased header names, whatever case a propagator asks in."""

    def get(self, carrier: dict[str, str], key: str) -> list[str] | None:
        value = carrier.get(key.lower())
        return None if value is None else [value]

    def keys(self, carrier: dict[str, str]) -> list[str]:
        return list(carrier)


_HEADERS = _Headers()


@cache
def _propagated_fields(propagator: TextMapPropagator) -> frozenset[bytes]:
    return frozenset(field.lower().encode("latin-1") for field in propagator.fields)


def _incoming_context(headers: Iterable[tuple[bytes, bytes]]) -> Context:
    """The context a request's headers carry (a remote parent, baggage), on an empty one: a
    request continues its caller's trace or starts its own, never the server's."""
    propagator = propagate.get_global_textmap()
    fields = _propagated_fields(propagator)
    carrier: dict[str, str] = {}
    for name, value in headers:
        if name in fields:
            key = name.decode("latin-1")
            text = value.decode("latin-1")
            carrier[key] = f"{carrier[key]},{text}" if key in carrier else text
    return propagator.extract(carrier, Context(), getter=_HEADERS) if carrier else Context()


def _server_address(scope: Scope) -> dict[str, Any]:
    authority = next((value for name, value in scope["headers"] if name == b"host"), None)
    if authority is None:
        address, port = scope.get("server") or (None, None)
    else:
        try:
            url = urlsplit("//" + authority.decode("latin-1"))
            address, port = url.hostname, url.port
        except ValueError:
            return {}
        if url.username is not None or url.path or url.query or url.fragment:
            return {}
        port = port or _DEFAULT_PORTS.get(scope.get("scheme", "http"))
    if address is None:
        return {}
    return {"server.address": address} | ({} if port is None else {"server.port": port})


def _request_attributes(scope: Scope, method: str) -> dict[str, Any]:
    known = method in _METHODS
    attributes: dict[str, Any] = {
        "url.scheme": scope.get("scheme", "http"),
        "http.request.method": method if known else "_OTHER",
        "url.path": scope["path"],
        **_server_address(scope),
    }
    if not known:
        attributes["http.request.method_original"] = method
    if scope.get("http_version"):
        attributes["network.protocol.version"] = scope["http_version"]
    if scope.get("query_string"):
        pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
        attributes["url.query"] = urlencode(
            [(k, "REDACTED" if k in _SECRET_QUERY_PARAMETERS else v) for k, v in pairs]
        )
    return attributes


def _error_type(error: BaseException) -> str:
    kind = type(error)
    name = kind.__qualname__
    return name if kind.__module__ == "builtins" else f"{kind.__module__}.{name}"


class ServerSpans:
    """A server span for each HTTP request, named by its route (`GET /catalog/products/{id}`)
    and current while the request is handled: the parent of its statements' and calls' spans,
    the trace of its log lines and of the messages it writes.

    FastAPI's own telemetry would trace requests too, but it prepares every request's span
    before the sampler decides: the propagated context, the span's attributes (the server's
    address parsed from the Host header, the path, the query), the request's telemetry record
    and three contexts made current, then a span from the sampler. In a request left out of
    the sample all of that records nothing: about 85 µs of CPU on a catalog read that takes
    some 330 without tracing (measured in process), over half of what tracing cost it at 5%.
    Here the sampler decides first, from the propagated context alone: a request left out has
    its span (which records nothing, but carries the trace on) made current and nothing else; a
    recorded one gets the attributes FastAPI would give it (the HTTP semantic conventions), its
    route, its status, and `error.type` when it failed (a 5xx, an exception, a response left
    incomplete). The route is the path of the route that matched: a service includes its one
    router at the app's root, so that is the route's whole template. FastAPI keeps measuring
    requests (`http.server.request.duration`) when metrics are exported; its tracing is off
    (`create_service_app`).

    A pure ASGI middleware, the outermost of an app's own, so that even the request context's
    log lines carry the trace; it passes requests straight on while tracing is off, and those
    `exclude` names always (health checks)."""

    def __init__(self, app: ASGIApp, exclude: Callable[[Scope], bool] | None = None) -> None:
        self.app = app
        self.exclude = exclude

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            not _enabled
            or scope["type"] != "http"
            or (self.exclude is not None and self.exclude(scope))
        ):
            await self.app(scope, receive, send)
            return
        parent = _incoming_context(scope["headers"])
        method = scope["method"]
        name = method if method in _METHODS else "HTTP"
        span = tracer().start_span(name, context=parent, kind=SpanKind.SERVER)
        token = context.attach(trace.set_span_in_context(span, parent))
        try:
            if span.is_recording():
                await _recorded(self.app, span, name, scope, receive, send)
            else:
                await self.app(scope, receive, send)
        finally:
            context.detach(token)


async def _recorded(
    app: ASGIApp, span: Span, name: str, scope: Scope, receive: Receive, send: Send
) -> None:
    """Handle a request whose span records: what it was asked and how it ended."""
    span.set_attributes(_request_attributes(scope, scope["method"]))
    prefix = str(scope.get("app_root_path", scope.get("root_path", ""))).rstrip("/")
    status: int | None = None
    trailers = finished = disconnected = False

    def finish(error: BaseException | None) -> None:
        nonlocal finished
        if finished:
            return
        finished = True
        route = getattr(scope.get("route"), "path_format", None)
        if route is not None:
            span.update_name(f"{name} {prefix}{route}")
            span.set_attribute("http.route", f"{prefix}{route}")
        if status is not None:
            span.set_attribute("http.response.status_code", status)
        if error is not None or status is None or status >= 500:
            failure = _error_type(error) if error else str(status or "incomplete_response")
            span.set_attribute("error.type", failure)
            span.set_status(StatusCode.ERROR)
        span.end()

    async def watched_send(message: Message) -> None:
        nonlocal status, trailers
        if message["type"] == "http.response.start":
            status = message["status"]
            trailers = message.get("trailers", False)
        await send(message)
        if (
            (
                message["type"] == "http.response.body"
                and not message.get("more_body", False)
                and not trailers
            )
            or (message["type"] == "http.response.trailers" and not message.get("more_trailers"))
            or message["type"] == "http.response.pathsend"
        ):
            finish(None)

    async def watched_receive() -> Message:
        nonlocal disconnected
        message = await receive()
        disconnected = disconnected or message["type"] == "http.disconnect"
        return message

    try:
        await app(scope, watched_receive, watched_send)
    except BaseException as error:
        finish(error)
        raise
    finally:
        if not finished:
            finish(
                ConnectionError("Client disconnected")
                if disconnected
                else RuntimeError("Incomplete ASGI response")
            )
