"""The kit's trace propagation: what a message carries, and what its handler continues."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from servicekit import telemetry
from servicekit.messaging.envelope import Envelope, Event
from servicekit.settings import ServiceSettings

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
