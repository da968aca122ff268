"""What the inventory's integration tests share: SKUs of their own, stock, saga commands."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from inventory.domain import commands
from inventory.domain.model import Line
from inventory.service_layer import handlers
from inventory.service_layer.unit_of_work import SqlUnitOfWork
from shopctl.aws import client
from tests.support.saga import secret


def new_sku() -> str:
    """A SKU no other test uses."""
    return f"INV-{uuid.uuid4().hex[:12].upper()}"


async def stocked(engine: AsyncEngine, on_hand: int) -> str:
    """A new SKU with `on_hand` units."""
    sku = new_sku()
    await handlers.set_on_hand(commands.SetOnHand(sku, on_hand), SqlUnitOfWork(engine))
    return sku


def reserve(order_id: str, **by_sku: int) -> commands.ReserveStock:
    return commands.ReserveStock(order_id, tuple(Line(sku, q) for sku, q in by_sku.items()))


def level(inventory: httpx.Client, admin: dict[str, str], sku: str) -> tuple[int, int]:
    """(on_hand, reserved) of a SKU, read through the API."""
    response = inventory.get(f"/inventory/stock/{sku}", headers=admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["available"] == body["on_hand"] - body["reserved"] >= 0
    return body["on_hand"], body["reserved"]


def saga_input(order_id: str, **by_sku: int) -> dict[str, Any]:
    """What the order saga's execution carries, as ordering starts it."""
    return {
        "order_id": order_id,
        "user_id": "user-1",
        "lines": [
            {"product_id": str(uuid.uuid4()), "sku": sku, "quantity": q, "unit_price": "1.00"}
            for sku, q in by_sku.items()
        ],
        "total": f"{sum(by_sku.values())}.00",
        "currency": "EUR",
        "traceparent": None,
        "secret": secret(order_id),
    }


def queue_url(name: str) -> str:
    return str(client("sqs").get_queue_url(QueueName=name)["QueueUrl"])


def send(queue: str, body: dict[str, Any]) -> None:
    client("sqs").send_message(QueueUrl=queue_url(queue), MessageBody=json.dumps(body))


def envelope(event_type: str, data: dict[str, Any], source: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "version": 1,
        "occurred_at": "2026-11-27T12:00:00Z",
        "source": source,
        "data": data,
    }
