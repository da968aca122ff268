"""The kit's tracing: what a message carries and what its handler continues; a request's span,
sampled before anything is prepared for it; a statement's, only within a recorded span."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, FastAPI
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import Decision, ParentBased, TraceIdRatioBased
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags, TraceState

from servicekit import telemetry
from servicekit.app import create_service_app
from servicekit.messaging.envelope import Envelope, Event
from servicekit.settings import ServiceSettings
from servicekit.testing import no_resources

_EXPORTER = InMemorySpanExporter()


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
        trace.set_tracer_provider(provider)
    _EXPORTER.clear()
    yield _EXPORTER
    _EXPORTER.clear()


class Happened(Event):
    TYPE = "test.Happened"

    what: str


def _by_name(exporter: InMemorySpanExporter) -> dict[str, ReadableSpan]:
    return {span.name: span for span in exporter.get_finished_spans()}


def test_without_an_endpoint_nothing_is_configured() -> None:
    assert not telemetry.telemetry_enabled(ServiceSettings(service_name="x"))
    assert not telemetry.telemetry_enabled(
        ServiceSettings(
            service_name="x", otel_exporter_otlp_endpoint="http://o:4318", otel_sdk_disabled=True
        )
    )
    assert telemetry.telemetry_enabled(
        ServiceSettings(service_name="x", otel_exporter_otlp_traces_endpoint="http://o:4318")
    )


def _recorded_by_tracer_provider() -> list[str]:
    """What a provider built by the kit records of a readiness check, a request and a message."""
    exporter = InMemorySpanExporter()
    provider = telemetry.tracer_provider(Resource.create({"service.name": "parcels-api"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("SELECT 1", kind=SpanKind.CLIENT):
        pass
    with (
        tracer.start_as_current_span("GET /parcels/{id}", kind=SpanKind.SERVER),
        tracer.start_as_current_span("SELECT parcels", kind=SpanKind.CLIENT),
    ):
        pass
    with tracer.start_as_current_span("parcels.Delivered receive", kind=SpanKind.CONSUMER):
        pass
    provider.shutdown()
    return [span.name for span in exporter.get_finished_spans()]


def test_a_client_call_outside_any_work_starts_no_trace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "1")
    assert _recorded_by_tracer_provider() == [
        "SELECT parcels",
        "GET /parcels/{id}",
        "parcels.Delivered receive",
    ]


def test_the_standard_variables_still_choose_the_sampler(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_off")
    assert _recorded_by_tracer_provider() == []


def _parents() -> list[Context]:
    """No parent, and remote and local parents sampled and not, one carrying a trace state."""
    state = TraceState([("vendor", "value")])
    return [Context()] + [
        trace.set_span_in_context(
            NonRecordingSpan(SpanContext(7, 9, remote, TraceFlags(flags), state)), Context()
        )
        for remote in (True, False)
        for flags in (TraceFlags.SAMPLED, TraceFlags.DEFAULT)
    ]


@pytest.mark.parametrize("rate", [0.0, 0.05, 0.5, 1.0])
def test_the_kit_samples_as_the_sdk_samples(monkeypatch: pytest.MonkeyPatch, rate: float) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", str(rate))
    kit = telemetry.tracer_provider(Resource.create({})).sampler
    sdk = ParentBased(TraceIdRatioBased(rate))
    bound = TraceIdRatioBased.get_bound_for_rate(rate)
    draws = random.Random(21)
    trace_ids = [draws.getrandbits(128) for _ in range(500)]
    trace_ids += [(5 << 64) | max(bound - 1, 1), (5 << 64) | bound]  # either side of the ratio
    for parent in _parents():
        for kind in (SpanKind.SERVER, SpanKind.CONSUMER, SpanKind.INTERNAL):
            for trace_id in trace_ids:
                ours = kit.should_sample(parent, trace_id, "GET", kind)
                theirs = sdk.should_sample(parent, trace_id, "GET", kind)
                assert (ours.decision, dict(ours.attributes), ours.trace_state) == (
                    theirs.decision,
                    dict(theirs.attributes),
                    theirs.trace_state,
                )


def test_a_new_trace_left_out_is_decided_without_the_sdks_chain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "parentbased_traceidratio")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "0.05")
    sampler = telemetry.tracer_provider(Resource.create({})).sampler
    asked: list[int] = []
    ratio = TraceIdRatioBased.should_sample

    def should_sample(
        self: TraceIdRatioBased, parent_context: Any, trace_id: int, **kw: Any
    ) -> Any:
        asked.append(trace_id)
        return ratio(self, parent_context, trace_id, **kw)

    monkeypatch.setattr(TraceIdRatioBased, "should_sample", should_sample)
    bound = TraceIdRatioBased.get_bound_for_rate(0.05)
    left_out, kept = (9 << 64) | bound, (9 << 64) | (bound - 1)
    assert sampler.should_sample(Context(), left_out, "GET", SpanKind.SERVER).decision is (
        Decision.DROP
    )
    assert sampler.should_sample(Context(), kept, "GET", SpanKind.SERVER).decision is (
        Decision.RECORD_AND_SAMPLE
    )
    assert asked == [kept]


def test_outside_any_span_a_message_carries_no_traceparent(spans: InMemorySpanExporter) -> None:
    assert telemetry.current_traceparent() is None
    assert Envelope.wrap(Happened(what="x"), source="test").traceparent is None
    assert telemetry.context_of(None) is None
    assert telemetry.context_of("not-a-traceparent") is None


def test_an_envelope_carries_the_span_that_wrote_it(spans: InMemorySpanExporter) -> None:
    with telemetry.tracer().start_as_current_span("checkout") as span:
        envelope = Envelope.wrap(Happened(what="x"), source="test")
    context = span.get_span_context()
    assert envelope.traceparent is not None
    assert envelope.traceparent.startswith(f"00-{context.trace_id:032x}-{context.span_id:016x}-")


def test_a_handler_continues_the_trace_its_message_carries(spans: InMemorySpanExporter) -> None:
    with telemetry.tracer().start_as_current_span("checkout"):
        carried = telemetry.current_traceparent()
    with telemetry.consuming("handle test.Happened", carried, {"shop.order_id": "o-1"}):
        inner = telemetry.current_traceparent()
    found = _by_name(spans)
    checkout, handled = found["checkout"], found["handle test.Happened"]
    assert handled.kind is SpanKind.CONSUMER
    assert handled.context is not None
    assert checkout.context is not None
    assert handled.context.trace_id == checkout.context.trace_id
    assert handled.parent is not None
    assert handled.parent.span_id == checkout.context.span_id
    assert handled.attributes is not None
    assert handled.attributes["shop.order_id"] == "o-1"
    assert inner is not None
    assert f"{handled.context.span_id:016x}" in inner


def test_a_message_without_a_trace_starts_a_new_one(spans: InMemorySpanExporter) -> None:
    with telemetry.consuming("handle test.Happened", None):
        pass
    (handled,) = spans.get_finished_spans()
    assert handled.parent is None


def test_a_batch_is_published_in_each_message_s_trace(spans: InMemorySpanExporter) -> None:
    carried = []
    for name in ("first", "second"):
        with telemetry.tracer().start_as_current_span(name):
            carried.append(telemetry.current_traceparent())
    with telemetry.publishing("publish shop-events", [*carried, None]) as onward:
        pass
    assert len(onward) == 3
    assert onward[2] is None
    found = _by_name(spans)
    sent = [s for s in spans.get_finished_spans() if s.name == "publish shop-events"]
    assert len(sent) == 2
    for origin, span, header in zip(("first", "second"), sent, onward[:2], strict=True):
        parent = found[origin].context
        assert parent is not None
        assert span.parent is not None
        assert span.context is not None
        assert span.kind is SpanKind.PRODUCER
        assert (span.context.trace_id, span.parent.span_id) == (parent.trace_id, parent.span_id)
        assert header is not None
        assert header.startswith(f"00-{span.context.trace_id:032x}-{span.context.span_id:016x}-")


def test_log_lines_carry_the_trace_they_were_written_in(spans: InMemorySpanExporter) -> None:
    event: dict[str, Any] = {}
    assert telemetry.add_trace_ids(None, "info", event) == {}
    with telemetry.tracer().start_as_current_span("work") as span:
        telemetry.add_trace_ids(None, "info", event)
    assert event == {
        "trace_id": f"{span.get_span_context().trace_id:032x}",
        "span_id": f"{span.get_span_context().span_id:016x}",
    }


def test_a_failed_publish_marks_each_message_s_span(spans: InMemorySpanExporter) -> None:
    with telemetry.tracer().start_as_current_span("write"):
        carried = telemetry.current_traceparent()
    with (
        pytest.raises(ConnectionError),
        telemetry.publishing("publish shop-events", [carried]),
    ):
        raise ConnectionError("the broker is down")
    (sent,) = [s for s in spans.get_finished_spans() if s.name == "publish shop-events"]
    assert not sent.status.is_ok


# The requests' spans: the kit's own, sampled first (`telemetry.ServerSpans`).

CALLER_TRACE = 0x4BF92F3577B34DA6A3CE929D0E0E4736
CALLER_SPAN = 0x00F067AA0BA902B7


def _caller(sampled: bool) -> dict[str, str]:
    return {"traceparent": f"00-{CALLER_TRACE:032x}-{CALLER_SPAN:016x}-0{int(sampled)}"}


class Seen:
    """What a route saw of the trace it ran in."""

    span: trace.Span
    log: dict[str, Any]
    traceparent: str | None


def _parcels(seen: Seen) -> FastAPI:
    router = APIRouter(prefix="/parcels")

    @router.get("/{parcel_id}")
    async def parcel(parcel_id: str) -> dict[str, str]:
        with telemetry.tracer().start_as_current_span("load parcel", kind=SpanKind.CLIENT):
            seen.span = trace.get_current_span()
        seen.log = dict(telemetry.add_trace_ids(None, "info", {}))
        seen.traceparent = telemetry.current_traceparent()
        return {"parcel_id": parcel_id}

    return create_service_app(title="Parcels", router=router, lifespan=no_resources)


async def _get(app: FastAPI, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://parcels:8000") as http:
        return await http.get(path, headers=headers)


@pytest.fixture
def tracing(monkeypatch: pytest.MonkeyPatch, spans: InMemorySpanExporter) -> InMemorySpanExporter:
    """Telemetry as `configure_telemetry` leaves it: the kit's flag set, a provider recording."""
    monkeypatch.setattr(telemetry, "_enabled", True)
    return spans


async def test_a_sampled_request_has_its_span_named_by_route(
    tracing: InMemorySpanExporter,
) -> None:
    seen = Seen()
    response = await _get(_parcels(seen), "/parcels/p-1?size=large", _caller(sampled=True))
    assert response.status_code == 200
    found = _by_name(tracing)
    assert set(found) == {"GET /parcels/{parcel_id}", "load parcel"}
    # One server span: FastAPI's own tracing, which prepares every request's, stays off.
    assert [span.kind for span in tracing.get_finished_spans()].count(SpanKind.SERVER) == 1
    server, child = found["GET /parcels/{parcel_id}"], found["load parcel"]
    assert server.kind is SpanKind.SERVER
    assert server.parent is not None
    assert server.parent.is_remote
    assert (server.parent.trace_id, server.parent.span_id) == (CALLER_TRACE, CALLER_SPAN)
    assert server.attributes is not None
    assert dict(server.attributes) == {
        "url.scheme": "http",
        "http.request.method": "GET",
        "url.path": "/parcels/p-1",
        "url.query": "size=large",
        "server.address": "parcels",
        "server.port": 8000,
        "network.protocol.version": "1.1",
        "http.route": "/parcels/{parcel_id}",
        "http.response.status_code": 200,
    }
    assert server.status.is_ok
    assert server.context is not None
    assert child.parent is not None
    assert child.parent.span_id == server.context.span_id
    assert seen.log == {
        "trace_id": f"{CALLER_TRACE:032x}",
        "span_id": f"{server.context.span_id:016x}",
    }
    assert seen.traceparent == f"00-{CALLER_TRACE:032x}-{server.context.span_id:016x}-01"


async def test_a_request_with_no_caller_starts_a_trace(tracing: InMemorySpanExporter) -> None:
    assert (await _get(_parcels(Seen()), "/parcels/p-1")).status_code == 200
    server = _by_name(tracing)["GET /parcels/{parcel_id}"]
    assert server.parent is None


async def test_a_failed_request_s_span_says_so(tracing: InMemorySpanExporter) -> None:
    router = APIRouter(prefix="/parcels")

    @router.get("/{parcel_id}")
    async def broken(parcel_id: str) -> None:
        raise RuntimeError("the shelf fell")

    app = create_service_app(title="Parcels", router=router, lifespan=no_resources)
    assert (await _get(app, "/parcels/p-1")).status_code == 500
    (server,) = tracing.get_finished_spans()
    assert server.name == "GET /parcels/{parcel_id}"
    assert server.attributes is not None
    assert (server.attributes["http.response.status_code"], server.attributes["error.type"]) == (
        500,
        "500",
    )
    assert not server.status.is_ok


async def test_health_checks_and_unknown_paths(tracing: InMemorySpanExporter) -> None:
    app = _parcels(Seen())
    await _get(app, "/health/live")
    assert tracing.get_finished_spans() == ()
    assert (await _get(app, "/nowhere")).status_code == 404
    (server,) = tracing.get_finished_spans()
    assert server.name == "GET"
    assert server.attributes is not None
    assert "http.route" not in server.attributes


class _Untouchable(NonRecordingSpan):
    """A span the sampler left out, which fails a test if anything is recorded on it."""

    def set_attribute(self, key: str, value: Any) -> None:
        raise AssertionError(f"{key} recorded on a span the sampler left out")

    def set_attributes(self, attributes: Any) -> None:
        raise AssertionError(f"{attributes} recorded on a span the sampler left out")

    def update_name(self, name: str) -> None:
        raise AssertionError("a span the sampler left out was renamed")

    def set_status(self, status: Any, description: str | None = None) -> None:
        raise AssertionError("a status set on a span the sampler left out")


class _Watching:
    """The kit's tracer, noting what each span was started with."""

    def __init__(self, tracer: trace.Tracer) -> None:
        self.tracer = tracer
        self.started: list[tuple[str, Any]] = []

    def start_span(self, name: str, *args: Any, **kwargs: Any) -> trace.Span:
        span = self.tracer.start_span(name, *args, **kwargs)
        self.started.append((name, kwargs.get("attributes")))
        return span if span.is_recording() else _Untouchable(span.get_span_context())

    def start_as_current_span(self, *args: Any, **kwargs: Any) -> Any:
        return self.tracer.start_as_current_span(*args, **kwargs)


async def test_an_unsampled_request_records_nothing_but_carries_its_trace(
    tracing: InMemorySpanExporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    watching = _Watching(telemetry.tracer())
    monkeypatch.setattr(telemetry, "tracer", lambda: watching)
    seen = Seen()
    response = await _get(_parcels(seen), "/parcels/p-1?size=large", _caller(sampled=False))
    assert response.status_code == 200
    assert tracing.get_finished_spans() == ()
    # Sampled on the propagated context alone: no attributes prepared for the sampler.
    assert watching.started == [("GET", None)]
    assert not seen.span.is_recording()
    assert seen.span.get_span_context().trace_id == CALLER_TRACE
    assert seen.log["trace_id"] == f"{CALLER_TRACE:032x}"
    assert seen.traceparent is not None
    assert seen.traceparent.startswith(f"00-{CALLER_TRACE:032x}-")
    assert seen.traceparent.endswith("-00")  # the next service leaves it out too


async def test_without_tracing_requests_pass_straight_through(
    spans: InMemorySpanExporter,
) -> None:
    seen = Seen()
    assert (await _get(_parcels(seen), "/parcels/p-1", _caller(sampled=True))).status_code == 200
    (child,) = spans.get_finished_spans()
    assert (child.name, child.parent) == ("load parcel", None)  # no request span around it


# The statements' spans: asyncpg's instrumentation, within a recorded span only.


class FakeConnection(asyncpg.connection.Connection):
    """Enough of an asyncpg connection for its own `fetchrow` to run on."""

    def __init__(self) -> None:
        self._params = type("Params", (), {"database": "parcels", "user": "parcels"})()
        self._addr = ("db", 5432)
        self._aborted = True  # closed, as far as its finalizer is concerned

    def _check_open(self) -> None:
        pass

    async def _execute(self, *args: Any, **kwargs: Any) -> Any:
        return [{"parcel_id": "p-1"}]


class _Refusing:
    def start_as_current_span(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a statement's span prepared outside a recorded span")


@pytest.fixture
def statements(spans: InMemorySpanExporter) -> Iterator[AsyncPGInstrumentor]:
    instrumentor = telemetry.statement_instrumentor()
    instrumentor.instrument(tracer_provider=trace.get_tracer_provider())
    yield instrumentor
    instrumentor.uninstrument()


def test_the_instrumentation_s_wrappers_are_all_overridden() -> None:
    overridden = {"_do_execute", "_do_cursor_execute", "_do_prepared_execute"}
    assert overridden <= set(vars(type(telemetry.statement_instrumentor())))
    # Its wrappers, as the maintained instrumentation names them: a rename upstream would
    # leave the statements of unsampled requests traced again.
    assert all(callable(getattr(AsyncPGInstrumentor, name, None)) for name in overridden)
    # Its own singleton: an instrumentor class makes one instance, and a subclass would
    # otherwise inherit its base's.
    assert type(telemetry.statement_instrumentor()) is not AsyncPGInstrumentor


async def test_a_statement_within_a_recorded_span_has_its_own(
    spans: InMemorySpanExporter, statements: AsyncPGInstrumentor
) -> None:
    with telemetry.tracer().start_as_current_span("request", kind=SpanKind.SERVER) as request:
        row = await FakeConnection().fetchrow("SELECT 1")
    assert row is not None
    assert dict(row) == {"parcel_id": "p-1"}
    found = _by_name(spans)
    statement = found["SELECT"]
    assert statement.kind is SpanKind.CLIENT
    assert statement.parent is not None
    assert statement.parent.span_id == request.get_span_context().span_id
    assert statement.attributes is not None
    assert statement.attributes["db.statement"] == "SELECT 1"


async def test_a_statement_outside_a_recorded_span_is_left_alone(
    spans: InMemorySpanExporter, statements: AsyncPGInstrumentor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(statements, "_tracer", _Refusing())
    unsampled = NonRecordingSpan(
        SpanContext(CALLER_TRACE, CALLER_SPAN, is_remote=False, trace_flags=TraceFlags(0))
    )
    with trace.use_span(unsampled):
        row = await FakeConnection().fetchrow("SELECT 1")
    assert row is not None
    assert dict(row) == {"parcel_id": "p-1"}
    assert await FakeConnection().fetchrow("SELECT 2") is not None  # outside any span
    assert spans.get_finished_spans() == ()
