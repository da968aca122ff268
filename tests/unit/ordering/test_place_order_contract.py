"""A `PlaceOrder` is checked as strictly as the checkout that sent it: one that could not be
stored whole is refused before anything is stored, and its values stay out of the refusal."""

import uuid
from typing import Any

import pytest

from ordering.contracts.consumed import PlaceOrderRead
from ordering.domain import commands
from servicekit.messaging.consumer import PoisonMessageError
from servicekit.messaging.envelope import Envelope
from servicekit.messaging.router import MessageRouter
from servicekit.testing import received

TOKEN = "tok_secret_visa"
STREET = "1 Secret Street"


def _data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "order_id": str(uuid.uuid4()),
        "user_id": "user-1",
        "lines": [
            {
                "product_id": str(uuid.uuid4()),
                "sku": "MUG-001",
                "name": "Mug",
                "quantity": 2,
                "unit_price": "12.50",
            }
        ],
        "total": "25.00",
        "currency": "EUR",
        "payment_token": TOKEN,
        "shipping_address": {
            "name": "Ann",
            "line1": STREET,
            "city": "Utrecht",
            "postal_code": "3511",
            "country": "NL",
        },
    }
    return data | changes


def _envelope(data: dict[str, Any]) -> Envelope:
    return Envelope(type="ordering.PlaceOrder", version=1, source="basket", data=data)


async def _read(envelope: Envelope) -> commands.PlaceOrder:
    """The command as ordering's worker reads it off `ordering-checkouts`."""
    read: list[commands.PlaceOrder] = []

    async def place(placed: PlaceOrderRead, envelope: Envelope) -> None:
        read.append(placed.to_command(envelope))

    # As sent: JSON escapes what the wire cannot carry raw, such as a lone surrogate.
    await MessageRouter().on(PlaceOrderRead, place)(received(envelope.model_dump(mode="json")))
    return read[0]


def _line(**changes: Any) -> list[dict[str, Any]]:
    return [_data()["lines"][0] | changes]


def _address(**changes: Any) -> dict[str, Any]:
    address: dict[str, Any] = _data()["shipping_address"]
    return address | changes


async def test_a_well_formed_command_is_read() -> None:
    cmd = await _read(_envelope(_data()))
    assert cmd.shipping_address is not None
    assert (cmd.payment_token, cmd.shipping_address.line1) == (TOKEN, STREET)


@pytest.mark.parametrize(
    "changes",
    [
        {"shipping_address": _address(line1="1 Main\x00 St")},
        {"shipping_address": _address(city="Ut\ud800")},
        {"shipping_address": _address(name="A\nB")},
        {"shipping_address": _address(country="nl")},
        {"lines": _line(name="Mug\x00")},
        {"lines": _line(sku="mug 1")},
        {"lines": _line(unit_price="1E+300000")},
        {"lines": _line(unit_price="Infinity")},
        {"lines": _line(unit_price="0.001")},
        {"lines": _line(quantity=2**40)},
        {"lines": _line(quantity=9999, unit_price="9999999999.99")},
        {"lines": []},
        {"user_id": "u\x00"},
        {"user_id": "u" * 129},
        {"currency": "EURO"},
        {"payment_token": "tok\x00"},
    ],
    ids=lambda changes: next(iter(changes)),
)
async def test_a_command_the_tables_could_not_hold_is_refused_without_its_values(
    changes: dict[str, Any],
) -> None:
    with pytest.raises(PoisonMessageError) as caught:
        await _read(_envelope(_data(**changes)))
    assert TOKEN not in str(caught.value)
    assert STREET not in str(caught.value)
