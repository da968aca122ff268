"""Checkout to a terminal state through every service: the happy path and each way it fails."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import httpx
import pytest

from tests.integration.saga.shop import Shop
from tests.support.ports import free_port
from tests.support.services import running_service
from tests.support.waiting import eventually


@pytest.fixture(autouse=True)
def _workers(saga_workers: None) -> None:
    """Every saga step has its worker."""


def test_a_checkout_ends_confirmed_captured_and_with_the_basket_emptied(
    shop: Shop, notifications: httpx.Client
) -> None:
    me = shop.customer()
    product_id, sku = shop.product(on_hand=5, price="12.50")
    order_id = shop.check_out(me, product_id, 2)

    order = shop.finished(me, order_id)
    assert (order["status"], order["reason"], order["total"]) == ("CONFIRMED", None, "25.00")
    # The saga's steps, from the events their services published, beside the order's own.
    steps = shop.timeline(
        me,
        order_id,
        ("PLACED", "25.00 EUR"),
        ("ReserveStock", "succeeded"),
        ("AuthorizePayment", "succeeded"),
        ("CONFIRMED", ""),
        ("CapturePayment", "succeeded"),
    )
    assert [step for step, _ in steps] == [
        "PLACED",
        "ReserveStock",
        "AuthorizePayment",
        "CONFIRMED",
        "CapturePayment",
    ]
    payment = shop.captured(me, order_id)
    assert payment["amount"] == "25.00"
    eventually(lambda: shop.stock(sku)["on_hand"] == 3, what="the stock to be committed")
    assert shop.stock(sku)["reserved"] == 0
    basket = eventually(
        lambda: b if (b := shop.basket.get("/basket", headers=me).json())["lines"] == [] else None,
        what="the basket to be emptied",
    )
    assert basket["order_id"] is None
    messages = eventually(
        lambda: notifications.get("/notifications", headers=me).json()["items"] or None,
        what="a notification",
    )
    assert any(order_id in str(message) for message in messages)


def test_a_declined_payment_releases_the_stock_and_reopens_the_basket(shop: Shop) -> None:
    me = shop.customer()
    product_id, sku = shop.product(on_hand=5)
    order_id = shop.check_out(me, product_id, 3, token="tok_decline")

    order = shop.finished(me, order_id)
    assert (order["status"], order["reason"]) == ("CANCELLED", "PAYMENT_DECLINED")
    steps = shop.timeline(
        me,
        order_id,
        ("ReserveStock", "succeeded"),
        ("AuthorizePayment", "failed: PaymentDeclined"),
        ("ReleaseStock", "succeeded"),
        ("CANCELLED", "PAYMENT_DECLINED"),
    )
    assert [step for step, _ in steps] == [
        "PLACED",
        "ReserveStock",
        "AuthorizePayment",
        "ReleaseStock",
        "CANCELLED",
    ]
    assert (shop.stock(sku)["on_hand"], shop.stock(sku)["reserved"]) == (5, 0)
    payment = shop.payment(me, order_id)
    assert payment is not None
    assert payment["status"] == "DECLINED"
    basket = eventually(
        lambda: (
            b if (b := shop.basket.get("/basket", headers=me).json())["order_id"] is None else None
        ),
        what="the basket to reopen",
    )
    assert [line["product_id"] for line in basket["lines"]] == [product_id]


def test_too_little_stock_cancels_the_order_out_of_stock(shop: Shop) -> None:
    me = shop.customer()
    product_id, sku = shop.product(on_hand=1)
    order_id = shop.check_out(me, product_id, 2)
    order = shop.finished(me, order_id)
    assert (order["status"], order["reason"]) == ("CANCELLED", "OUT_OF_STOCK")
    steps = shop.timeline(me, order_id, ("ReserveStock", "failed: OutOfStock"))
    assert [step for step, _ in steps] == ["PLACED", "ReserveStock", "CANCELLED"]
    assert (shop.stock(sku)["on_hand"], shop.stock(sku)["reserved"]) == (1, 0)
    assert shop.payment(me, order_id) is None  # never authorized: no money held


def test_a_flaky_provider_is_retried_and_the_order_confirmed(shop: Shop) -> None:
    me = shop.customer()
    product_id, _ = shop.product(on_hand=2)
    order_id = shop.check_out(me, product_id, 1, token="tok_flaky")
    assert shop.finished(me, order_id)["status"] == "CONFIRMED"


def test_a_customer_cancellation_is_compensated(shop: Shop) -> None:
    me = shop.customer()
    product_id, sku = shop.product(on_hand=4)
    # The flaky token's retry holds the saga before confirmation long enough to cancel.
    order_id = shop.check_out(me, product_id, 1, token="tok_flaky")
    eventually(
        lambda: shop.orders.get(f"/orders/{order_id}", headers=me).status_code == 200,
        what="the order",
    )
    assert shop.orders.post(f"/orders/{order_id}/cancel", headers=me).status_code in (200, 202)
    order = shop.finished(me, order_id)
    assert (order["status"], order["reason"]) == ("CANCELLED", "CANCELLED_BY_CUSTOMER")
    assert (shop.stock(sku)["on_hand"], shop.stock(sku)["reserved"]) == (4, 0)
    payment = shop.payment(me, order_id)
    assert payment is None or payment["status"] in ("VOIDED", "DECLINED")


# A bearer token: a JWT's header and claims, base64url-encoded JSON objects.
JWT = re.compile(r"eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]+")


def _take_one(shop: Shop, me: dict[str, str], product_id: str) -> httpx.Response | None:
    put = shop.basket.put(f"/basket/items/{product_id}", json={"quantity": 1}, headers=me)
    return put if put.status_code == 200 else None


def test_no_log_line_carries_a_token_a_payment_token_or_an_address(shop: Shop, logs: Path) -> None:
    card = f"tok_visa_{uuid.uuid4().hex[:12]}"
    street = f"{uuid.uuid4().hex[:12]} Private Lane"
    me = shop.customer()
    product_id, _ = shop.product(on_hand=5)
    orders = []
    for token in (card, "tok_decline"):
        # The basket is emptied once the basket's worker hears the first order confirmed.
        put = eventually(partial(_take_one, shop, me, product_id), what="the basket to take items")
        assert put.status_code == 200, put.text
        accepted = shop.basket.post(
            "/basket/checkout",
            json={
                "payment_token": token,
                "shipping_address": {
                    "name": "Pat",
                    "line1": street,
                    "city": "Utrecht",
                    "postal_code": "3511",
                    "country": "NL",
                },
            },
            headers=me | {"Idempotency-Key": uuid.uuid4().hex},
        )
        assert accepted.status_code == 202, accepted.text
        orders.append(shop.finished(me, accepted.json()["order_id"]))
    assert [order["status"] for order in orders] == ["CONFIRMED", "CANCELLED"]

    bearer = me["Authorization"].removeprefix("Bearer ")
    service_logs = [path for path in logs.glob("*.log") if path.name != "emulator.log"]
    assert len(service_logs) >= 8
    for path in service_logs:
        text = path.read_text(errors="replace")
        for secret in (card, street, bearer):
            assert secret not in text, f"{path.name} carries {secret[:12]}..."
        assert not JWT.search(text), f"{path.name} carries a bearer token"


@pytest.fixture(scope="module")
def orders_without_step_functions(
    ordering_env: dict[str, str], logs: Path
) -> Iterator[httpx.Client]:
    """An ordering API for which Step Functions cannot be reached at all."""
    unreachable = {"AWS_ENDPOINT_URL_SFN": f"http://127.0.0.1:{free_port()}"}
    with (
        running_service(
            "ordering.entrypoints.api", ordering_env | unreachable, logs / "ordering-no-sfn.log"
        ) as service,
        httpx.Client(base_url=service.url, timeout=10) as http,
    ):
        yield http


def test_the_timeline_is_read_from_the_shop_not_from_step_functions(
    shop: Shop, orders_without_step_functions: httpx.Client
) -> None:
    me = shop.customer()
    product_id, _ = shop.product(on_hand=2)
    order_id = shop.check_out(me, product_id, 1)
    assert shop.finished(me, order_id)["status"] == "CONFIRMED"
    steps = shop.timeline(
        me,
        order_id,
        ("ReserveStock", "succeeded"),
        ("AuthorizePayment", "succeeded"),
        ("CapturePayment", "succeeded"),
        orders=orders_without_step_functions,
    )
    assert steps == shop.timeline(me, order_id)
