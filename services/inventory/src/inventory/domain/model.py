"""Stock per SKU and the reservations orders hold on it: the rules, without any I/O.

How many units a reservation may take is decided where the rows live (`UPDATE ... WHERE on_hand -
reserved >= :quantity`), so that concurrent reservations cannot both see the same free units. What
this module decides is what a reservation's next state is and which units that moves.
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

MAX_ON_HAND = 1_000_000


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class StockLevel:
    """What there is of one SKU: `on_hand` in the warehouse, `reserved` of it for orders."""

    sku: str
    on_hand: int
    reserved: int
    version: int
    updated_at: datetime

    @property
    def available(self) -> int:
        """Units a new order may still reserve."""
        return self.on_hand - self.reserved


@dataclass(frozen=True, slots=True)
class Line:
    """Units of one SKU that an order wants."""

    sku: str
    quantity: int


def merge_lines(lines: Iterable[Line]) -> tuple[Line, ...]:
    """One line per SKU, quantities added up, sorted by SKU.

    Every writer touches stock rows in SKU order, so two orders sharing SKUs lock them in the
    same order and cannot deadlock.
    """
    totals: Counter[str] = Counter()
    for line in lines:
        totals[line.sku] += line.quantity
    return tuple(Line(sku, quantity) for sku, quantity in sorted(totals.items()))


@dataclass(frozen=True, slots=True)
class StockMovement:
    """A change to one SKU's counts, applied as a delta."""

    sku: str
    on_hand: int
    reserved: int


class ReservationStatus(enum.StrEnum):
    HELD = "HELD"  # units taken from `available`, the order not yet confirmed
    COMMITTED = "COMMITTED"  # the order is confirmed: the units left `on_hand`
    RELEASED = "RELEASED"  # given back; also what a release leaves when nothing was held
    REJECTED = "REJECTED"  # the order could not be reserved; nothing is held
    # Held past the expiry, its units given back to `available`: its saga most likely died.
    # Unlike RELEASED, the order may still be confirmed (its confirmation came late, or from
    # the dead-letter queue): it then takes its units from what is left (`commit_late`).
    EXPIRED = "EXPIRED"


@dataclass(frozen=True, slots=True)
class Reservation:
    """What an order holds of stock: all of its lines, or (rejected) none of them."""

    order_id: str
    status: ReservationStatus
    lines: tuple[Line, ...] = ()
    short_skus: tuple[str, ...] = ()
    created_at: datetime = field(default_factory=_now)
    # Of a reservation committed late: per SKU, the units its order was confirmed for that
    # were no longer there to take (sold again after the expiry gave them back).
    shortfall: tuple[Line, ...] = ()

    @classmethod
    def hold(cls, order_id: str, lines: Iterable[Line]) -> Reservation:
        """A reservation of `lines` for an order, to be reserved from stock."""
        return cls(order_id, ReservationStatus.HELD, merge_lines(lines))

    @classmethod
    def nothing_held(cls, order_id: str) -> Reservation:
        """The mark a release leaves for an order it finds nothing of, so that a late
        reservation of the same order is refused rather than held forever."""
        return cls(order_id, ReservationStatus.RELEASED)

    def reject(self, short_skus: Iterable[str]) -> Reservation:
        """The reservation refused because these SKUs have too little stock."""
        return replace(
            self, status=ReservationStatus.REJECTED, lines=(), short_skus=tuple(short_skus)
        )

    def taken(self, line: Line) -> int:
        """Units of `line` the order took when committed: all, less any shortfall."""
        return line.quantity - sum(s.quantity for s in self.shortfall if s.sku == line.sku)

    def release(self) -> tuple[Reservation, list[StockMovement]]:
        """Give the units back: held ones to `available`, committed ones to `on_hand` (what
        was taken of them). An expired hold gave its units back already; released, a late
        confirmation of its order no longer takes them."""
        if self.status is ReservationStatus.HELD:
            moves = [StockMovement(line.sku, 0, -line.quantity) for line in self.lines]
        elif self.status is ReservationStatus.COMMITTED:
            moves = [
                StockMovement(line.sku, self.taken(line), 0)
                for line in self.lines
                if self.taken(line)
            ]
        elif self.status is ReservationStatus.EXPIRED:
            moves = []
        else:
            return self, []
        return replace(self, status=ReservationStatus.RELEASED), moves

    def expire(self) -> tuple[Reservation, list[StockMovement]]:
        """Held past the expiry: give the units back to `available`, as a release does, but
        leave the order able to take them again if it turns out confirmed."""
        if self.status is not ReservationStatus.HELD:
            return self, []
        moves = [StockMovement(line.sku, 0, -line.quantity) for line in self.lines]
        return replace(self, status=ReservationStatus.EXPIRED), moves

    def commit(self) -> tuple[Reservation, list[StockMovement]]:
        """The order is confirmed: held units leave the warehouse's count."""
        if self.status is not ReservationStatus.HELD:
            return self, []
        moves = [StockMovement(line.sku, -line.quantity, -line.quantity) for line in self.lines]
        return replace(self, status=ReservationStatus.COMMITTED), moves

    def commit_late(self, taken: Mapping[str, int]) -> Reservation:
        """The order of an expired hold is confirmed after all: it took `taken` units of each
        SKU from what was left on hand (never from other orders' holds, decided where the rows
        live), and what it could not take is its shortfall."""
        if self.status is not ReservationStatus.EXPIRED:
            return self
        shortfall = []
        for line in self.lines:
            got = taken.get(line.sku, 0)
            if not 0 <= got <= line.quantity:
                raise ValueError(f"took {got} of {line.quantity} units of {line.sku}")
            if got < line.quantity:
                shortfall.append(Line(line.sku, line.quantity - got))
        return replace(self, status=ReservationStatus.COMMITTED, shortfall=tuple(shortfall))
