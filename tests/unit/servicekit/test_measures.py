"""The kit's own measures (what a saga step took, by step and outcome), and the routes' own
where metrics are exported."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

import httpx
import pytest
from fastapi import APIRouter
from opentelemetry import metrics
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from opentelemetry.sdk.resources import Resource
from pydantic import BaseModel

from servicekit import telemetry
from servicekit.app import create_service_app
from servicekit.messaging.router import MessageRouter
from servicekit.messaging.saga import SagaSteps
from servicekit.telemetry import metrics_pipeline
from servicekit.testing import SAGA_KEY, FakeStepFunctions, no_resources, proven, received

READER = InMemoryMetricReader()


def _reader() -> InMemoryMetricReader:
    if not isinstance(metrics.get_meter_provider(), MeterProvider):
        metrics.set_meter_provider(MeterProvider(metric_readers=[READER]))
    return READER


class Parcel(BaseModel):
    parcel_id: str


def _points(reader: InMemoryMetricReader, name: str) -> dict[tuple[Any, ...], int]:
    data = reader.get_metrics_data()
    assert data is not None
    return {
        tuple(sorted((point.attributes or {}).items())): point.count
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
        if metric.name == name
        for point in metric.data.data_points
        if isinstance(point, HistogramDataPoint)
    }


async def test_saga_steps_are_measured_by_step_and_outcome() -> None:
    reader = _reader()

    async def deliver(parcel: Parcel) -> None:
        return None

    sfn = FakeStepFunctions()
    steps = SagaSteps(cast(Any, sfn), {}, correlate_by="parcel_id", key=SAGA_KEY).step(
        "Deliver", Parcel, deliver
    )
    handle = MessageRouter().saga(steps)
    command = {"command": "Deliver", "task_token": "live", "parcel_id": "p"}
    await handle(received(proven(command, "parcel_id")))
    for forged in ("", "0" * 64):
        await handle(received(command | {"proof": forged}))
    points = _points(reader, "shop.saga.step.duration")
    assert points[(("outcome", "succeeded"), ("step", "Deliver"))] == 1
    assert points[(("outcome", "refused"), ("step", "Deliver"))] == 2


async def test_routes_are_measured_where_metrics_are_exported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """FastAPI measures each route of an app built where the process exports metrics (as
    `serve` builds it, once telemetry is configured); an app built where it does not is told
    so, a meter provider in the process notwithstanding."""
    reader = _reader()
    for name, exporting in {"measured": True, "unmeasured": False}.items():
        monkeypatch.setattr(telemetry, "_metering", exporting)
        router = APIRouter(prefix=f"/{name}")

        @router.get("/{parcel_id}")
        async def parcel(parcel_id: str) -> dict[str, str]:
            return {"parcel_id": parcel_id}

        app = create_service_app(title=name, router=router, lifespan=no_resources)
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://parcels") as http:
            assert (await http.get(f"/{name}/p-1")).status_code == 200
    routes = {
        dict(attributes).get("http.route")
        for attributes in _points(reader, "http.server.request.duration")
    }
    assert "/measured/{parcel_id}" in routes
    assert "/unmeasured/{parcel_id}" not in routes


@pytest.fixture
def otlp_receiver() -> Iterator[tuple[str, list[ExportMetricsServiceRequest]]]:
    """An OTLP/HTTP endpoint that keeps every metrics export it is sent."""
    exports: list[ExportMetricsServiceRequest] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            exports.append(ExportMetricsServiceRequest.FromString(body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", exports
    server.shutdown()
    server.server_close()


def test_an_idle_process_exports_no_metrics_as_deltas(
    otlp_receiver: tuple[str, list[ExportMetricsServiceRequest]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tasks export deltas: CloudWatch bills a metric for the hours it receives data, and a
    process with nothing to report sends none."""
    endpoint, exports = otlp_receiver
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "delta")
    provider = metrics_pipeline(Resource.create({"service.name": "parcels-worker"}))
    try:
        handling = provider.get_meter("servicekit").create_histogram(
            "shop.queue.message.handling.duration"
        )
        handling.record(0.25, {"queue": "parcels", "outcome": "handled"})
        assert provider.force_flush()
        assert provider.force_flush()  # an interval with nothing recorded
    finally:
        provider.shutdown()

    points = [
        [point.count for metric in scope.metrics for point in metric.histogram.data_points]
        for export in exports
        for resource in export.resource_metrics
        for scope in resource.scope_metrics
    ]
    assert points == [[1]]
