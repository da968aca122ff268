"""Ordering and payment events reach customers as notifications: through the queue, once, and
only to the customer they are about."""

from __future__ import annotations

import json
import os
import signal
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from shopctl.aws import client
from tests.integration.events import user_id
from tests.support.services import RunningService, RunningWorker, running_service, running_worker
from tests.support.waiting import eventually

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def notification_worker(
    aws_endpoint: str, service_env: dict[str, str], logs: Path
) -> Iterator[RunningWorker]:
    log = logs / f"notification-worker-{uuid.uuid4().hex}.log"
    with running_worker("notification.entrypoints.worker", service_env, log) as worker:
        yield worker


@pytest.fixture(scope="module")
def notification_service(service_env: dict[str, str], logs: Path) -> Iterator[RunningService]:
    log = logs / f"notification-api-{uuid.uuid4().hex}.log"
    with running_service("notification.entrypoints.api", service_env, log) as service:
        yield service


@pytest.fixture
def api(
    notification_service: RunningService, notification_worker: RunningWorker
) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=notification_service.url, timeout=10) as http:
        yield http


def _envelope(
    event_type: str, user: str, order_id: str, occurred_at: datetime, **extra: str
) -> dict[str, Any]:
    money = {"total": "42.00"} if event_type.startswith("ordering.") else {"amount": "42.00"}
    return {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "version": 1,
        "occurred_at": occurred_at.isoformat(),
        "source": event_type.split(".")[0],
        "data": {"order_id": order_id, "user_id": user, "currency": "EUR", **money, **extra},
    }


def _send(*envelopes: dict[str, Any]) -> None:
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName="notification-events")["QueueUrl"]
    for envelope in envelopes:
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(envelope))


def _about(
    api: httpx.Client, headers: dict[str, str], order_id: str, limit: int = 100
) -> list[dict[str, Any]]:
    response = api.get("/notifications", params={"limit": limit}, headers=headers)
    assert response.status_code == 200, response.text
    return [item for item in response.json()["items"] if item["order_id"] == order_id]


def _stored(user: str, order_id: str) -> list[dict[str, Any]]:
    """The table's items about the order, as DynamoDB holds them."""
    items: list[dict[str, Any]] = client("dynamodb").query(
        TableName="notifications",
        KeyConditionExpression="pk = :pk",
        FilterExpression="order_id = :order",
        ExpressionAttributeValues={":pk": {"S": f"USER#{user}"}, ":order": {"S": order_id}},
        ConsistentRead=True,
    )["Items"]
    return items


def _requests(worker: RunningWorker) -> dict[str, int]:
    """The AWS requests the worker has sent so far, by service and API, as it reports them."""
    reports = len(_reports(worker))
    os.kill(worker.pid, signal.SIGUSR1)
    return eventually(
        lambda: found[-1] if len(found := _reports(worker)) > reports else None,
        what="the worker's report of its requests",
    )


def _reports(worker: RunningWorker) -> list[dict[str, int]]:
    return [
        line["requests"]  # type: ignore[misc]
        for line in worker.log_lines()
        if line.get("message") == "aws_requests"
    ]


def _handled(worker: RunningWorker, event_id: str) -> list[dict[str, object]]:
    return [
        line
        for line in worker.log_lines()
        if line.get("message") == "event_handled" and line.get("event_id") == event_id
    ]


def test_a_customer_sees_the_story_of_their_order_and_nobody_else_does(
    api: httpx.Client, alice: dict[str, str], bob: dict[str, str]
) -> None:
    order_id = str(uuid.uuid4())
    start = datetime.now(UTC)
    placed = _envelope("ordering.OrderPlaced", user_id(alice), order_id, start)
    authorized = _envelope(
        "payment.PaymentAuthorized", user_id(alice), order_id, start + timedelta(seconds=1)
    )
    confirmed = _envelope(
        "ordering.OrderConfirmed", user_id(alice), order_id, start + timedelta(seconds=2)
    )
    _send(confirmed, placed, authorized)  # arrival order does not matter; time does

    items = eventually(
        lambda: found if len(found := _about(api, alice, order_id)) == 3 else None,
        what="alice's three notifications",
    )
    assert [item["id"] for item in items] == [confirmed["id"], authorized["id"], placed["id"]]
    assert [item["topic"] for item in items] == [
        "ORDER_CONFIRMED",
        "PAYMENT_AUTHORIZED",
        "ORDER_PLACED",
    ]
    assert items[0]["subject"] == f"Your order {order_id.replace('-', '')[:8].upper()} is confirmed"
    assert "42.00 EUR" in items[0]["body"]
    assert _about(api, bob, order_id) == []


def test_a_duplicated_event_makes_one_notification(
    api: httpx.Client, alice: dict[str, str], notification_worker: RunningWorker
) -> None:
    order_id = str(uuid.uuid4())
    cancelled = _envelope(
        "ordering.OrderCancelled", user_id(alice), order_id, datetime.now(UTC), reason="TIMEOUT"
    )
    _send(cancelled)
    eventually(lambda: _handled(notification_worker, cancelled["id"]), what="the first delivery")
    stored = _stored(user_id(alice), order_id)
    _send(cancelled)
    eventually(
        lambda: len(_handled(notification_worker, cancelled["id"])) == 2, what="both deliveries"
    )
    # The second put wrote the same item again: nothing in it changed, its expiry included.
    assert _stored(user_id(alice), order_id) == stored
    (item,) = _about(api, alice, order_id)
    assert "could not be completed in time" in item["body"]


def test_events_handled_together_share_their_writes(
    api: httpx.Client, bob: dict[str, str], notification_worker: RunningWorker
) -> None:
    order_id = str(uuid.uuid4())
    start = datetime.now(UTC)
    events = [
        _envelope("ordering.OrderPlaced", user_id(bob), order_id, start + timedelta(seconds=i))
        for i in range(10)
    ]
    before = _requests(notification_worker)
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName="notification-events")["QueueUrl"]
    sqs.send_message_batch(
        QueueUrl=url,
        Entries=[{"Id": str(i), "MessageBody": json.dumps(e)} for i, e in enumerate(events)],
    )
    eventually(lambda: len(_about(api, bob, order_id)) == 10, what="bob's ten notifications")
    sent = _requests(notification_worker)
    writes = {api: sent.get(api, 0) - before.get(api, 0) for api in sent}
    # Ten messages received together, handled together: their puts go in shared calls (the
    # first at once, the rest in the next), not a call each.
    assert writes.get("dynamodb.PutItem", 0) == 0
    assert 1 <= writes.get("dynamodb.BatchWriteItem", 0) < 10


def test_events_published_on_the_payment_topic_arrive_through_the_subscription(
    api: httpx.Client, bob: dict[str, str]
) -> None:
    sns = client("sns")
    topic = next(
        t["TopicArn"]
        for t in sns.list_topics()["Topics"]
        if t["TopicArn"].endswith(":payment-events")
    )
    order_id = str(uuid.uuid4())
    declined = _envelope(
        "payment.PaymentDeclined", user_id(bob), order_id, datetime.now(UTC), reason="CARD_DECLINED"
    )
    sns.publish(
        TopicArn=topic,
        Message=json.dumps(declined),
        MessageAttributes={"type": {"DataType": "String", "StringValue": declined["type"]}},
    )
    (item,) = eventually(lambda: _about(api, bob, order_id), what="bob's notification")
    assert (item["topic"], item["id"]) == ("PAYMENT_DECLINED", declined["id"])
    assert "your card was declined" in item["body"]


def test_the_listing_pages_with_a_cursor(
    api: httpx.Client, token_for: Callable[[str], str]
) -> None:
    reader = {"Authorization": f"Bearer {token_for(f'reader-{uuid.uuid4().hex[:8]}')}"}
    order_id = str(uuid.uuid4())
    start = datetime.now(UTC)
    sent = [
        _envelope(
            "payment.PaymentCaptured", user_id(reader), order_id, start + timedelta(seconds=i)
        )
        for i in range(3)
    ]
    _send(*sent)
    eventually(lambda: len(_about(api, reader, order_id)) == 3, what="the reader's notifications")
    first = api.get("/notifications", params={"limit": 2}, headers=reader).json()
    assert first["next_cursor"] is not None
    second = api.get(
        "/notifications", params={"limit": 2, "cursor": first["next_cursor"]}, headers=reader
    ).json()
    assert second["next_cursor"] is None
    ids = [item["id"] for item in first["items"] + second["items"]]
    assert ids == [envelope["id"] for envelope in reversed(sent)]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"cursor": "x"}, "cursor")],
)
def test_bad_listing_parameters_are_named(
    api: httpx.Client, alice: dict[str, str], params: dict[str, Any], field: str
) -> None:
    response = api.get("/notifications", params=params, headers=alice)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert [error["field"] for error in response.json()["errors"]] == [field]


def test_without_a_token_there_is_nothing_to_see(api: httpx.Client) -> None:
    response = api.get("/notifications")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM


def test_the_api_documents_itself(api: httpx.Client) -> None:
    assert api.get("/notifications/docs").status_code == 200
    spec = api.get("/notifications/openapi.json").json()
    assert "/notifications" in spec["paths"]
