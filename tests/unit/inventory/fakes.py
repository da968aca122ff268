"""An in-memory unit of work with the real one's promises: nothing is kept unless committed,
a reservation never takes more than is available, and counts never go negative."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

from inventory.domain.model import Reservation, ReservationStatus, StockLevel, StockMovement
from servicekit.testing import InMemoryUnitOfWork


class FakeStock:
    def __init__(self, rows: dict[str, StockLevel]) -> None:
        self.rows = rows

    async def get(self, sku: str) -> StockLevel | None:
        return self.rows.get(sku)

    async def add(self, sku: str, product_id: uuid.UUID) -> bool:
        if sku in self.rows:
            return False
        self.rows[sku] = StockLevel(sku, 0, 0, 1, datetime.now(UTC))
        return True

    async def set_on_hand(self, sku: str, on_hand: int) -> tuple[StockLevel, bool] | None:
        current = self.rows.get(sku)
        if current is None:
            self.rows[sku] = StockLevel(sku, on_hand, 0, 1, datetime.now(UTC))
            return self.rows[sku], True
        if current.reserved > on_hand:
            return None
        self.rows[sku] = replace(current, on_hand=on_hand, version=current.version + 1)
        return self.rows[sku], False

    async def reserve(self, sku: str, quantity: int) -> bool:
        current = self.rows.get(sku)
        if current is None or current.available < quantity:
            return False
        self.rows[sku] = replace(
            current, reserved=current.reserved + quantity, version=current.version + 1
        )
        return True

    async def take(self, sku: str, quantity: int) -> int:
        current = self.rows.get(sku)
        taken = 0 if current is None else min(quantity, current.available)
        if taken > 0:
            await self.move(StockMovement(sku, -taken, 0))
        return taken

    async def move(self, movement: StockMovement) -> None:
        current = self.rows[movement.sku]
        moved = replace(
            current,
            on_hand=current.on_hand + movement.on_hand,
            reserved=current.reserved + movement.reserved,
            version=current.version + 1,
        )
        # The database's check constraints.
        assert 0 <= moved.reserved <= moved.on_hand, moved
        self.rows[movement.sku] = moved


class FakeReservations:
    def __init__(self, rows: dict[str, Reservation]) -> None:
        self.rows = rows

    async def add(self, reservation: Reservation) -> bool:
        if reservation.order_id in self.rows:
            return False
        self.rows[reservation.order_id] = reservation
        return True

    async def get(self, order_id: str) -> Reservation | None:
        return self.rows.get(order_id)

    async def next_expired(self, held_before: datetime) -> Reservation | None:
        held = [
            r
            for r in self.rows.values()
            if r.status is ReservationStatus.HELD and r.created_at < held_before
        ]
        return min(held, key=lambda r: r.created_at, default=None)

    async def save(self, reservation: Reservation) -> None:
        self.rows[reservation.order_id] = reservation


class FakeUnitOfWork(InMemoryUnitOfWork):
    """Committed state in `stock_rows` and `reservation_rows`; a transaction works on copies
    of them."""

    stock: FakeStock
    reservations: FakeReservations

    def __init__(self) -> None:
        super().__init__()
        self.stock_rows: dict[str, StockLevel] = {}
        self.reservation_rows: dict[str, Reservation] = {}

    def begin(self) -> None:
        self.stock = FakeStock(dict(self.stock_rows))
        self.reservations = FakeReservations(dict(self.reservation_rows))

    def keep(self) -> None:
        self.stock_rows = dict(self.stock.rows)
        self.reservation_rows = dict(self.reservations.rows)

    def level(self, sku: str) -> tuple[int, int]:
        """(on_hand, reserved) of a SKU, as committed."""
        row = self.stock_rows[sku]
        return row.on_hand, row.reserved

    def stocked(self, **on_hand: int) -> FakeUnitOfWork:
        """Give SKUs (as keyword names, dashes as underscores) committed stock."""
        for name, units in on_hand.items():
            sku = name.replace("_", "-")
            self.stock_rows[sku] = StockLevel(sku, units, 0, 1, datetime.now(UTC))
        return self
