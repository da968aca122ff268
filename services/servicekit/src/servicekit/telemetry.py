"""Traces and metrics with OpenTelemetry, switched on by the standard `OTEL_*` variables.

With no OTLP endpoint configured (or `OTEL_SDK_DISABLED=true`) nothing is set up: the API's
no-op tracer answers every call, and the SDK and exporters are never imported. With one, each
process exports its spans (and, with `OTEL_METRICS_EXPORTER=otlp`, its metrics) over OTLP/HTTP;
the SDK reads the rest of the standard variables itself (`OTEL_SERVICE_NAME`,
`OTEL_TRACES_SAMPLER`, `OTEL_TRACES_SAMPLER_ARG`, `OTEL_EXPORTER_OTLP_HEADERS`, ...).

The maintained instrumentations cover HTTP in and out (FastAPI's own telemetry, httpx) and
PostgreSQL (asyncpg). What they cannot see is written here: the context a message carries
across a queue, a topic, an outbox or the state machine, as a W3C `traceparent` in the message
itself.
"""

from __future__ import annotations

import atexit
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any

from opentelemetry import context, metrics, propagate, trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.metrics import Histogram
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Link, TraceState
    from opentelemetry.util.types import Attributes

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
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
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
    AsyncPGInstrumentor().instrument()  # type: ignore[no-untyped-call]
    _enabled = True


def tracer_provider(resource: Any) -> TracerProvider:
    """A tracer provider sampling as the `OTEL_TRACES_SAMPLER*` variables say, where traces
    begin with work: a request, a message, a saga step. A client call made outside any span
    (a readiness check's query, a relay's or a sweep's poll) starts no trace of its own."""
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult

    class WorkStartsTraces(Sampler):
        def __init__(self, sampler: Sampler) -> None:
            self._sampler = sampler

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
            orphan = not trace.get_current_span(parent_context).get_span_context().is_valid
            if orphan and kind is SpanKind.CLIENT:
                return SamplingResult(Decision.DROP)
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


def tracer() -> trace.Tracer:
    """The tracer for the kit's own spans (messages, relays, saga steps)."""
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
