"""The kit's own measures: what a saga step took, by step and outcome."""

from __future__ import annotations

from typing import Any, cast

from opentelemetry import metrics
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import HistogramDataPoint, InMemoryMetricReader
from pydantic import BaseModel

from servicekit.messaging.router import MessageRouter
from servicekit.messaging.saga import SagaSteps
from servicekit.testing import FakeStepFunctions, received

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

    sfn = FakeStepFunctions(issued={"live"})
    steps = SagaSteps(cast(Any, sfn), {}, correlate_by="parcel_id").step("Deliver", Parcel, deliver)
    handle = MessageRouter().saga(steps)
    for token in ("live", "forged", "forged"):
        await handle(received({"command": "Deliver", "task_token": token, "parcel_id": "p"}))
    points = _points(reader, "shop.saga.step.duration")
    assert points[(("outcome", "succeeded"), ("step", "Deliver"))] == 1
    assert points[(("outcome", "refused"), ("step", "Deliver"))] == 2
