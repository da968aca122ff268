"""What the event tests share: the workers, and ways to look at baskets and queues."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import jwt

from shopctl.aws import client
from tests.support.services import RunningWorker
from tests.support.waiting import eventually


def user_id(headers: dict[str, str]) -> str:
    token = headers["Authorization"].removeprefix("Bearer ")
    return str(jwt.decode(token, options={"verify_signature": False})["sub"])


def basket_item(headers: dict[str, str]) -> dict[str, Any]:
    item = client("dynamodb").get_item(
        TableName="baskets",
        Key={"pk": {"S": f"USER#{user_id(headers)}"}, "sk": {"S": "BASKET"}},
        ConsistentRead=True,
    )["Item"]
    return dict(item)


def new_product(catalog: httpx.Client, admin: dict[str, str], price: str = "10.00") -> str:
    body = {
        "sku": f"E-{uuid.uuid4().hex[:10].upper()}",
        "name": "Event test product",
        "category": "event-tests",
        "price": price,
        "currency": "EUR",
    }
    response = catalog.post("/catalog/products", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def line_of(basket: httpx.Client, headers: dict[str, str], product_id: str) -> dict[str, Any]:
    lines = basket.get("/basket", headers=headers).json()["lines"]
    return dict(next(line for line in lines if line["product_id"] == product_id))


def wait_for_line(
    basket: httpx.Client,
    headers: dict[str, str],
    product_id: str,
    condition: Callable[[dict[str, Any]], bool],
    timeout: float = 30,
) -> dict[str, Any]:
    return eventually(
        lambda: line if condition(line := line_of(basket, headers, product_id)) else None,
        timeout,
        f"the basket line of {product_id}",
    )


def queue_depth(name: str) -> int:
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def handled(worker: RunningWorker, event_id: str) -> list[dict[str, object]]:
    """The worker's log lines saying it handled `event_id`."""
    return [
        line
        for line in worker.log_lines()
        if line.get("message") == "event_handled" and line.get("event_id") == event_id
    ]
