"""The saga's invariants under concurrency: no SKU oversold, every order finished, exactly one
capture per confirmed order, no money held for a cancelled one."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.integration.saga.shop import Shop
from tests.support.waiting import eventually

CUSTOMERS = 200
STOCK = 50


@pytest.fixture(autouse=True)
def _workers(saga_workers: None) -> None:
    """Every saga step has its worker."""


def test_concurrent_checkouts_never_oversell(shop: Shop) -> None:
    product_id, sku = shop.product(on_hand=STOCK, price="2.00")
    with ThreadPoolExecutor(16) as pool:
        customers = list(pool.map(lambda _: shop.customer(), range(CUSTOMERS)))
        order_ids = list(pool.map(lambda me: shop.check_out(me, product_id, 1), customers))
        finished = list(
            pool.map(
                lambda args: shop.finished(args[0], args[1], timeout=600),
                zip(customers, order_ids, strict=True),
            )
        )

    outcomes = Counter((order["status"], order["reason"]) for order in finished)
    assert outcomes == {
        ("CONFIRMED", None): STOCK,
        ("CANCELLED", "OUT_OF_STOCK"): CUSTOMERS - STOCK,
    }

    eventually(lambda: shop.stock(sku)["on_hand"] == 0, 120, "every confirmed order's stock")
    assert shop.stock(sku)["reserved"] == 0

    for me, order in zip(customers, finished, strict=True):
        if order["status"] == "CONFIRMED":
            shop.captured(me, order["id"], timeout=120)
        else:
            # Out of stock fails before the payment step: nothing was ever authorized.
            assert shop.payment(me, order["id"]) is None, order["id"]
