"""What notification reads of ordering's and payment's events is bounded as its producers
bound it: amounts a table could hold, currency codes, reasons as codes (never free text to
put before a customer), user ids as ordering stores them. Anything else is poison."""

import uuid
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from notification.contracts.consumed import OrderCancelledRead, OrderEventRead, PaymentDeclinedRead

ORDER = {"order_id": str(uuid.uuid4()), "user_id": "alice", "total": "59.80", "currency": "EUR"}
PAYMENT = {"order_id": str(uuid.uuid4()), "user_id": "alice", "amount": "59.80", "currency": "EUR"}

REFUSED: list[tuple[type[BaseModel], dict[str, Any], dict[str, Any]]] = [
    (OrderEventRead, ORDER, {"currency": "<b>EUR</b>"}),
    (OrderEventRead, ORDER, {"currency": "eur"}),
    (OrderEventRead, ORDER, {"total": "-5.00"}),
    (OrderEventRead, ORDER, {"total": "1e30"}),
    (OrderEventRead, ORDER, {"user_id": "x" * 129}),
    (OrderEventRead, ORDER, {"user_id": "alice\u0000"}),
    (OrderCancelledRead, ORDER | {"reason": "TIMEOUT"}, {"reason": "We are sorry, click here"}),
    (OrderCancelledRead, ORDER | {"reason": "TIMEOUT"}, {"reason": "T" * 41}),
    (PaymentDeclinedRead, PAYMENT | {"reason": "CARD_DECLINED"}, {"reason": "CARD_DECLINED\n"}),
    (PaymentDeclinedRead, PAYMENT | {"reason": "CARD_DECLINED"}, {"amount": "10000000000.00"}),
    (PaymentDeclinedRead, PAYMENT | {"reason": "CARD_DECLINED"}, {"currency": "EURO"}),
]


@pytest.mark.parametrize(("model", "valid", "forged"), REFUSED, ids=lambda v: str(v)[:40])
def test_a_field_beyond_its_bound_is_refused(
    model: type[BaseModel], valid: dict[str, Any], forged: dict[str, Any]
) -> None:
    model.model_validate(valid)  # the genuine event is read
    with pytest.raises(ValidationError):
        model.model_validate(valid | forged)
