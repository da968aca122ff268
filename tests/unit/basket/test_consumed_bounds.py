"""What the basket reads of others' events is bounded as its producers bound it: a forged
price change (no price, a huge one, a currency that is not a code, a version beyond the
catalog's range) or an order's end naming no plausible user (or, confirmed, no product of
each line) is poison, and changes no basket."""

import uuid
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from basket.contracts.consumed import (
    OrderConfirmedRead,
    ProductDeactivatedRead,
    ProductPriceChangedRead,
)
from basket.entrypoints.worker import router
from servicekit.messaging.consumer import PoisonMessageError
from servicekit.testing import envelope, received
from tests.unit.basket.test_order_events import _checked_out

PRICE = {
    "product_id": str(uuid.uuid4()),
    "price": "12.50",
    "currency": "EUR",
    "product_version": 2,
}
LINE = {"product_id": str(uuid.uuid4()), "sku": "MUG-1", "quantity": 1, "unit_price": "9.50"}
CONFIRMED = {"order_id": str(uuid.uuid4()), "user_id": "alice", "lines": [LINE]}

REFUSED: list[tuple[type[BaseModel], dict[str, Any], dict[str, Any]]] = [
    (ProductPriceChangedRead, PRICE, {"price": "0"}),
    (ProductPriceChangedRead, PRICE, {"price": "-1.00"}),
    (ProductPriceChangedRead, PRICE, {"price": "10000000000.00"}),  # beyond numeric(12, 2)
    (ProductPriceChangedRead, PRICE, {"price": "1.005"}),
    (ProductPriceChangedRead, PRICE, {"price": "NaN"}),
    (ProductPriceChangedRead, PRICE, {"currency": "euro"}),
    (ProductPriceChangedRead, PRICE, {"currency": "EU\n"}),
    (ProductPriceChangedRead, PRICE, {"product_version": 2**31}),  # beyond the catalog's column
    (ProductPriceChangedRead, PRICE, {"product_version": 0}),
    (ProductDeactivatedRead, PRICE, {"product_version": 2**63}),
    (OrderConfirmedRead, CONFIRMED, {"user_id": ""}),
    (OrderConfirmedRead, CONFIRMED, {"user_id": "a" * 129}),
    (OrderConfirmedRead, CONFIRMED, {"user_id": "alice\r\nbob"}),
    # The lines say which membership items go with the basket: none may be guessed at.
    (OrderConfirmedRead, CONFIRMED, {"lines": None}),
    (OrderConfirmedRead, CONFIRMED, {"lines": [LINE | {"product_id": "p-1"}]}),
]


@pytest.mark.parametrize(("model", "valid", "forged"), REFUSED, ids=lambda v: str(v)[:40])
def test_a_field_beyond_its_bound_is_refused(
    model: type[BaseModel], valid: dict[str, Any], forged: dict[str, Any]
) -> None:
    model.model_validate(valid)  # the genuine event is read
    with pytest.raises(ValidationError):
        model.model_validate(valid | forged)


async def test_a_forged_price_change_is_poison_and_changes_no_basket() -> None:
    baskets, _ = await _checked_out()
    [line] = baskets.rows["alice"].lines.values()
    forged = PRICE | {"product_id": str(line.product_id), "product_version": 2**31}
    with pytest.raises(PoisonMessageError, match="product_version"):
        await router(lambda: baskets)(received(envelope("catalog.ProductPriceChanged", forged)))
    assert baskets.rows["alice"].lines[line.product_id] == line
