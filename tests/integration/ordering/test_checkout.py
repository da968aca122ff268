"""Checkout answers at once; the order travels as a command to the ordering worker, which
stores it and starts its saga."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import jwt
import pytest

from servicekit.messaging.envelope import Envelope
from shopctl.aws import client
from tests.integration.events import new_product
from tests.support.services import RunningWorker
from tests.support.waiting import eventually

PROBLEM = "application/problem+json"


@pytest.fixture(autouse=True)
def _workers(basket_worker: RunningWorker, ordering_worker: RunningWorker) -> None:
    """The basket's outbox relay and the ordering worker run throughout."""


def _checkout(
    basket: httpx.Client, user: dict[str, str], key: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    return basket.post(
        "/basket/checkout",
        json=body if body is not None else {"payment_token": "tok_visa"},
        headers=user | {"Idempotency-Key": key},
    )


def _fresh_customer(token_for: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(f'checkout-{uuid.uuid4().hex[:8]}')}"}


def test_checkout_places_one_order_and_starts_its_saga(
    catalog: httpx.Client,
    basket: httpx.Client,
    orders: httpx.Client,
    admin: dict[str, str],
    token_for: Any,
) -> None:
    me = _fresh_customer(token_for)
    product_id = new_product(catalog, admin, "12.50")
    basket.put(f"/basket/items/{product_id}", json={"quantity": 2}, headers=me).raise_for_status()

    address = {
        "name": "A",
        "line1": "1 Way",
        "city": "Town",
        "postal_code": "1000",
        "country": "NL",
    }
    body = {"payment_token": "tok_visa", "shipping_address": address}
    accepted = _checkout(basket, me, "key-1", body)
    assert accepted.status_code == 202, accepted.text
    order_id = accepted.json()["order_id"]
    assert accepted.headers["location"] == f"/orders/{order_id}"
    assert accepted.json()["status"] == "PENDING"

    # A retry with the key and body, or another checkout of the frozen basket: the same order.
    assert _checkout(basket, me, "key-1", body).json()["order_id"] == order_id
    assert _checkout(basket, me, "key-2").json()["order_id"] == order_id
    assert basket.get("/basket", headers=me).json()["order_id"] == order_id
    frozen = basket.put(f"/basket/items/{product_id}", json={"quantity": 1}, headers=me)
    assert (frozen.status_code, frozen.headers["content-type"]) == (409, PROBLEM)

    order = eventually(
        lambda: (
            r.json()
            if (r := orders.get(f"/orders/{order_id}", headers=me)).status_code == 200
            else None
        ),
        what="the order",
    )
    assert (order["status"], order["total"], order["currency"]) == ("PENDING", "25.00", "EUR")
    assert order["shipping_address"] == address
    assert order["timeline"][0]["step"] == "PLACED"
    listed = orders.get("/orders", headers=me).json()["items"]
    assert [o["id"] for o in listed] == [order_id]

    sfn = client("stepfunctions")
    machine = next(
        m["stateMachineArn"]
        for m in sfn.list_state_machines()["stateMachines"]
        if m["name"] == "order-saga"
    )
    execution_arn = machine.replace(":stateMachine:", ":execution:") + f":{order_id}"
    execution = eventually(lambda: _describe(sfn, execution_arn), what="the saga execution")
    assert execution["status"] in ("RUNNING", "SUCCEEDED", "FAILED")
    assert (
        len(
            [
                e
                for e in sfn.list_executions(stateMachineArn=machine)["executions"]
                if e["name"] == order_id
            ]
        )
        == 1
    )


def _describe(sfn: Any, arn: str) -> dict[str, Any] | None:
    try:
        return dict(sfn.describe_execution(executionArn=arn))
    except sfn.exceptions.ExecutionDoesNotExist:
        return None


def test_orders_are_private_and_cancellable_while_pending(
    catalog: httpx.Client,
    basket: httpx.Client,
    orders: httpx.Client,
    admin: dict[str, str],
    token_for: Any,
) -> None:
    me, other = _fresh_customer(token_for), _fresh_customer(token_for)
    product_id = new_product(catalog, admin, "3.00")
    basket.put(f"/basket/items/{product_id}", json={"quantity": 1}, headers=me).raise_for_status()
    order_id = _checkout(basket, me, "k").json()["order_id"]
    eventually(
        lambda: orders.get(f"/orders/{order_id}", headers=me).status_code == 200, what="the order"
    )

    assert orders.get(f"/orders/{order_id}", headers=other).status_code == 404
    assert orders.get("/orders", headers=other).json()["items"] == []
    assert orders.post(f"/orders/{order_id}/cancel", headers=other).status_code == 404
    requested = orders.post(f"/orders/{order_id}/cancel", headers=me)
    assert requested.status_code == 202, requested.text
    assert requested.json()["cancel_requested"] is True
    steps = [s["step"] for s in orders.get(f"/orders/{order_id}", headers=me).json()["timeline"]]
    assert {"PLACED", "CANCEL_REQUESTED"} <= set(steps)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "payment_token"),
        ({"payment_token": ""}, "payment_token"),
        ({"payment_token": "x" * 101}, "payment_token"),
        ({"payment_token": "tok", "shipping_address": {"name": "A"}}, "shipping_address.line1"),
        (
            {
                "payment_token": "tok",
                "shipping_address": {
                    "name": "A",
                    "line1": "B",
                    "city": "C",
                    "postal_code": "D",
                    "country": "Netherlands",
                },
            },
            "shipping_address.country",
        ),
    ],
)
def test_bad_checkouts_are_422_naming_the_field(
    basket: httpx.Client, alice: dict[str, str], body: dict[str, Any], field: str
) -> None:
    response = _checkout(basket, alice, "bad", body)
    assert response.status_code == 422, response.text
    assert field in {e["field"] for e in response.json()["errors"]}


def test_checkout_needs_an_idempotency_key_and_a_non_empty_basket(
    basket: httpx.Client, token_for: Any
) -> None:
    me = _fresh_customer(token_for)
    missing = basket.post("/basket/checkout", json={"payment_token": "tok"}, headers=me)
    assert missing.status_code == 422
    assert "idempotency-key" in {e["field"] for e in missing.json()["errors"]}
    empty = _checkout(basket, me, "k")
    assert (empty.status_code, empty.json()["type"]) == (422, "/problems/empty-basket")


ADDRESS = {"name": "A", "line1": "1 Way", "city": "Town", "postal_code": "1000", "country": "NL"}


def _order(orders: httpx.Client, me: dict[str, str], order_id: str, status: str) -> Any:
    return eventually(
        lambda: (
            r.json()
            if (r := orders.get(f"/orders/{order_id}", headers=me)).status_code == 200
            and r.json()["status"] == status
            else None
        ),
        what=f"order {order_id} to be {status}",
    )


def test_an_address_ordering_cannot_store_rejects_the_order_and_reopens_the_basket(
    catalog: httpx.Client,
    basket: httpx.Client,
    orders: httpx.Client,
    admin: dict[str, str],
    token_for: Any,
) -> None:
    me = _fresh_customer(token_for)
    product_id = new_product(catalog, admin, "4.00")
    basket.put(f"/basket/items/{product_id}", json={"quantity": 1}, headers=me).raise_for_status()
    hostile = ADDRESS | {"line1": "1 Way\u0000"}
    accepted = _checkout(
        basket, me, "nul", {"payment_token": "tok_visa", "shipping_address": hostile}
    )
    if accepted.status_code == 422:  # refused at the door: nothing froze either
        assert "shipping_address.line1" in {e["field"] for e in accepted.json()["errors"]}
        return
    assert accepted.status_code == 202, accepted.text
    order_id = accepted.json()["order_id"]

    order = _order(orders, me, order_id, "REJECTED")
    assert (order["reason"], order["lines"], order["shipping_address"]) == (
        "INVALID_ORDER",
        [],
        None,
    )
    assert order["timeline"][-1]["step"] == "REJECTED"
    assert "shipping_address.line1" in order["timeline"][-1]["detail"]
    reopened = eventually(
        lambda: b if (b := basket.get("/basket", headers=me).json())["order_id"] is None else None,
        what="the basket to reopen",
    )
    assert [line["product_id"] for line in reopened["lines"]] == [product_id]
    changed = basket.put(f"/basket/items/{product_id}", json={"quantity": 2}, headers=me)
    assert changed.status_code == 200, changed.text
    # The customer can check out again, with an address ordering can store.
    again = _checkout(
        basket, me, "nul-2", {"payment_token": "tok_visa", "shipping_address": ADDRESS}
    )
    assert again.status_code == 202, again.text
    assert again.json()["order_id"] != order_id
    assert _order(orders, me, again.json()["order_id"], "PENDING")["total"] == "8.00"


def test_a_place_order_ordering_cannot_store_is_rejected_not_dead_lettered(
    orders: httpx.Client, token_for: Any
) -> None:
    token = token_for(f"checkout-{uuid.uuid4().hex[:8]}")
    me, user_id = {"Authorization": f"Bearer {token}"}, _user_id(token)
    order_id = str(uuid.uuid4())
    place = Envelope(
        type="ordering.PlaceOrder",
        version=1,
        source="basket",
        data={
            "order_id": order_id,
            "user_id": user_id,
            "lines": [
                {
                    "product_id": str(uuid.uuid4()),
                    "sku": "MUG-\u0000",
                    "name": "Mug",
                    "quantity": 1,
                    "unit_price": "4.00",
                }
            ],
            "currency": "EUR",
            "payment_token": "tok_visa",
            "shipping_address": ADDRESS,
        },
    )
    sqs = client("sqs")
    queue_url = sqs.get_queue_url(QueueName="ordering-checkouts")["QueueUrl"]
    sqs.send_message(QueueUrl=queue_url, MessageBody=place.model_dump_json())
    order = _order(orders, me, order_id, "REJECTED")
    assert (order["reason"], order["currency"], order["total"]) == ("INVALID_ORDER", "EUR", "0.00")
    assert "lines.0.sku" in order["timeline"][-1]["detail"]


def _user_id(token: str) -> str:
    """The user id ordering scopes orders by: the token's subject."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return str(claims["sub"])
