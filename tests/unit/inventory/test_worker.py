import json
import uuid
from typing import Any, cast

import pytest

from inventory.contracts.consumed import order_key
from inventory.entrypoints.worker import event_router, saga_steps
from servicekit.messaging.consumer import PoisonMessageError, ReceivedMessage
from servicekit.messaging.router import MessageRouter
from servicekit.testing import SAGA_KEY, FakeStepFunctions, envelope, proven, received
from tests.unit.inventory.fakes import FakeUnitOfWork


def _command(command: str, order_id: str, **quantities: int) -> ReceivedMessage:
    body = {
        "command": command,
        "task_token": f"token-{uuid.uuid4()}",
        "order_id": order_id,
        "user_id": "u-1",
        "lines": [
            {"product_id": str(uuid.uuid4()), "sku": sku, "quantity": q, "unit_price": "2.50"}
            for sku, q in quantities.items()
        ],
        "total": "10.00",
        "currency": "EUR",
    }
    return ReceivedMessage("m-1", json.dumps(proven(body)), 1)


def _run(uow: FakeUnitOfWork) -> tuple[FakeStepFunctions, MessageRouter]:
    sfn = FakeStepFunctions()
    return sfn, MessageRouter().saga(saga_steps(cast(Any, sfn), SAGA_KEY, lambda: uow))


async def test_a_reservation_answers_success_and_a_short_one_out_of_stock() -> None:
    uow = FakeUnitOfWork().stocked(MUG=3)
    sfn, handle = _run(uow)
    order = str(uuid.uuid4())
    await handle(_command("ReserveStock", order, MUG=2))
    await handle(_command("ReserveStock", str(uuid.uuid4()), MUG=2))
    answer, failure = sfn.answers
    assert answer["output"] == {"reservation": "HELD"}
    assert failure["error"] == "OutOfStock"
    assert "MUG" in failure["cause"]
    assert uow.level("MUG") == (3, 2)


async def test_release_answers_success_even_with_nothing_to_release() -> None:
    uow = FakeUnitOfWork().stocked(MUG=3)
    sfn, handle = _run(uow)
    order = str(uuid.uuid4())
    await handle(_command("ReleaseStock", order, MUG=2))
    await handle(_command("ReserveStock", order, MUG=2))
    released, failure = sfn.answers
    assert (released["output"], failure["error"]) == (
        {"reservation": "RELEASED"},
        "ReservationReleased",
    )
    assert uow.level("MUG") == (3, 0)


async def test_an_unknown_step_is_poison() -> None:
    _, handle = _run(FakeUnitOfWork())
    with pytest.raises(PoisonMessageError):
        await handle(_command("CapturePayment", str(uuid.uuid4())))


def test_order_ids_are_stored_in_one_spelling() -> None:
    order = uuid.uuid4()
    assert order_key(str(order).upper()) == str(order)
    assert order_key("not-a-uuid") == "not-a-uuid"


def _event(event_type: str, data: dict[str, Any], version: int = 1) -> ReceivedMessage:
    return received(envelope(event_type, data, version))


async def test_product_created_and_order_confirmed_reach_their_handlers() -> None:
    uow = FakeUnitOfWork()
    handle = event_router(lambda: uow)
    created = {"product_id": str(uuid.uuid4()), "sku": "MUG", "name": "Mug", "price": "1.00"}
    await handle(_event("catalog.ProductCreated", created))
    assert uow.level("MUG") == (0, 0)

    uow.stocked(MUG=3)
    order = uuid.uuid4()
    _, steps = _run(uow)
    await steps(_command("ReserveStock", str(order), MUG=2))
    await handle(_event("ordering.OrderConfirmed", {"order_id": str(order), "lines": []}))
    assert uow.level("MUG") == (1, 0)


async def test_an_event_that_breaks_its_contract_is_poison_and_others_are_ignored() -> None:
    uow = FakeUnitOfWork()
    handle = event_router(lambda: uow)
    with pytest.raises(PoisonMessageError):
        await handle(_event("ordering.OrderConfirmed", {"order_id": "nope"}))
    await handle(_event("catalog.ProductPriceChanged", {"product_id": "x"}))
    # A version it was not written for is not guessed at.
    await handle(_event("catalog.ProductCreated", {"product_id": "x", "sku": "MUG"}, version=2))
    with pytest.raises(PoisonMessageError):
        await handle(received("not json"))
    assert uow.commits == 0
