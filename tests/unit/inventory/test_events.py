"""Each saga step's outcome is published once, with the change it describes: the order's
timeline is built from these events."""

import pytest

from inventory.contracts.events import StockReleased, StockReservationRefused, StockReserved
from inventory.domain import commands
from inventory.domain.errors import OutOfStockError, ReservationReleasedError
from inventory.domain.model import Line
from inventory.service_layer import handlers
from tests.unit.inventory.fakes import FakeUnitOfWork


def _reserve(order_id: str, sku: str, quantity: int) -> commands.ReserveStock:
    return commands.ReserveStock(order_id, (Line(sku, quantity),))


async def test_a_reservation_is_published_once_with_its_lines() -> None:
    uow = FakeUnitOfWork().stocked(MUG_1=5)
    for _ in range(2):
        await handlers.reserve_stock(_reserve("o-1", "MUG-1", 2), uow)
    assert [type(e) for e in uow.published] == [StockReserved]
    [reserved] = uow.published
    assert isinstance(reserved, StockReserved)
    assert (reserved.order_id, [(x.sku, x.quantity) for x in reserved.lines]) == (
        "o-1",
        [("MUG-1", 2)],
    )


async def test_a_refusal_is_published_once_with_the_error_name_and_the_short_skus() -> None:
    uow = FakeUnitOfWork().stocked(MUG_1=1)
    for _ in range(2):
        with pytest.raises(OutOfStockError):
            await handlers.reserve_stock(_reserve("o-1", "MUG-1", 2), uow)
    assert uow.published == [
        StockReservationRefused(order_id="o-1", reason="OutOfStock", short_skus=["MUG-1"])
    ]


async def test_a_release_is_published_by_the_delivery_that_gives_units_back() -> None:
    uow = FakeUnitOfWork().stocked(MUG_1=5)
    await handlers.reserve_stock(_reserve("o-1", "MUG-1", 2), uow)
    for _ in range(2):
        await handlers.release_stock(commands.ReleaseStock("o-1"), uow)
    released = [e for e in uow.published if isinstance(e, StockReleased)]
    assert [(e.order_id, [(x.sku, x.quantity) for x in e.lines]) for e in released] == [
        ("o-1", [("MUG-1", 2)])
    ]


async def test_releasing_what_was_never_held_is_published_without_lines() -> None:
    uow = FakeUnitOfWork().stocked(MUG_1=5)
    await handlers.release_stock(commands.ReleaseStock("o-1"), uow)
    await handlers.release_stock(commands.ReleaseStock("o-1"), uow)
    with pytest.raises(ReservationReleasedError):  # a late reservation: refused, unpublished
        await handlers.reserve_stock(_reserve("o-1", "MUG-1", 1), uow)
    assert uow.published == [StockReleased(order_id="o-1", lines=[])]
