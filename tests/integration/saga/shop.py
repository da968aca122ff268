"""The shop as a saga test sees it: its services' APIs, and the few things a test does with them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from tests.integration.events import new_product
from tests.support.waiting import eventually

TERMINAL = ("CONFIRMED", "CANCELLED")


@dataclass(frozen=True)
class Settled:
    """An order at the end of its saga: confirmed, captured, its stock committed, and every
    step's outcome on its timeline."""

    order: dict[str, Any]
    sku: str
    payment: dict[str, Any]
    stock: dict[str, Any]
    timeline: list[tuple[str, str]]

    @property
    def id(self) -> str:
        return str(self.order["id"])


@dataclass
class Shop:
    catalog: httpx.Client
    basket: httpx.Client
    orders: httpx.Client
    inventory: httpx.Client
    payments: httpx.Client
    admin: dict[str, str]
    token_for: Callable[[str], str]

    def customer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token_for(f'saga-{uuid.uuid4().hex[:10]}')}"}

    def product(self, on_hand: int, price: str = "10.00") -> tuple[str, str]:
        product_id = new_product(self.catalog, self.admin, price)
        sku = self.catalog.get(f"/catalog/products/{product_id}").json()["sku"]
        stocked = self.inventory.put(
            f"/inventory/stock/{sku}", json={"on_hand": on_hand}, headers=self.admin
        )
        assert stocked.status_code in (200, 201), stocked.text
        return product_id, sku

    def check_out(
        self, me: dict[str, str], product_id: str, quantity: int, token: str = "tok_visa"
    ) -> str:
        put = self.basket.put(
            f"/basket/items/{product_id}", json={"quantity": quantity}, headers=me
        )
        assert put.status_code == 200, put.text
        accepted = self.basket.post(
            "/basket/checkout",
            json={"payment_token": token},
            headers=me | {"Idempotency-Key": uuid.uuid4().hex},
        )
        assert accepted.status_code == 202, accepted.text
        return str(accepted.json()["order_id"])

    def finished(self, me: dict[str, str], order_id: str, timeout: float = 90) -> dict[str, Any]:
        def terminal() -> dict[str, Any] | None:
            response = self.orders.get(f"/orders/{order_id}", headers=me)
            if response.status_code == 200 and response.json()["status"] in TERMINAL:
                return dict(response.json())
            return None

        return eventually(terminal, timeout, f"order {order_id} to finish")

    def timeline(
        self,
        me: dict[str, str],
        order_id: str,
        *steps: tuple[str, str],
        orders: httpx.Client | None = None,
    ) -> list[tuple[str, str]]:
        """The order's timeline once it shows every one of `steps` (step, detail): the saga
        steps' outcomes arrive as events, and may follow the order's own changes."""

        def complete() -> list[tuple[str, str]] | None:
            response = (orders or self.orders).get(f"/orders/{order_id}", headers=me)
            if response.status_code != 200:
                return None
            shown = [(s["step"], s["detail"]) for s in response.json()["timeline"]]
            times = [s["at"] for s in response.json()["timeline"]]
            assert times == sorted(times), response.text
            return shown if set(steps) <= set(shown) else None

        return eventually(complete, what=f"the timeline of order {order_id} to show {steps}")

    def stock(self, sku: str) -> dict[str, Any]:
        return dict(self.inventory.get(f"/inventory/stock/{sku}", headers=self.admin).json())

    def payment(self, me: dict[str, str], order_id: str) -> dict[str, Any] | None:
        response = self.payments.get(f"/payments/{order_id}", headers=me)
        return dict(response.json()) if response.status_code == 200 else None

    def captured(self, me: dict[str, str], order_id: str, timeout: float = 30) -> dict[str, Any]:
        """The order's payment once it is captured: the saga's last step, after the order
        shows CONFIRMED."""

        def probe() -> dict[str, Any] | None:
            payment = self.payment(me, order_id)
            return payment if payment is not None and payment["status"] == "CAPTURED" else None

        return eventually(probe, timeout, f"the payment of order {order_id} to be captured")

    def settled(self, me: dict[str, str]) -> Settled:
        """An order of two units of a new product with five on hand, once its saga is over."""
        product_id, sku = self.product(on_hand=5)
        order_id = self.check_out(me, product_id, 2)
        assert self.finished(me, order_id)["status"] == "CONFIRMED"
        payment = self.captured(me, order_id)
        stock = eventually(
            lambda: s if (s := self.stock(sku))["on_hand"] == 3 else None,
            what="the stock to be committed",
        )
        timeline = self.timeline(
            me,
            order_id,
            ("ReserveStock", "succeeded"),
            ("AuthorizePayment", "succeeded"),
            ("CapturePayment", "succeeded"),
        )
        return Settled(self.finished(me, order_id), sku, payment, stock, timeline)
