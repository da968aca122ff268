"""One function per command: load, let the domain decide, store with its events, commit."""

from __future__ import annotations

from inventory.contracts.events import (
    OUT_OF_STOCK,
    StockReleased,
    StockReservationRefused,
    StockReserved,
)
from inventory.domain import commands
from inventory.domain.errors import (
    BelowReservedError,
    OutOfStockError,
    ReservationReleasedError,
)
from inventory.domain.model import Reservation, ReservationStatus, StockLevel, StockMovement
from inventory.service_layer.unit_of_work import UnitOfWork


async def register_sku(cmd: commands.RegisterSku, uow: UnitOfWork) -> bool:
    """Start counting a product the catalog created, at zero; True if it is new here."""
    async with uow:
        created = await uow.stock.add(cmd.sku, cmd.product_id)
        uow.claim(str(cmd.event_id), "register_sku")
        return await uow.commit() and created


async def set_on_hand(cmd: commands.SetOnHand, uow: UnitOfWork) -> tuple[StockLevel, bool]:
    """Set how many units are on hand, never below what orders hold; True if the SKU is new."""
    async with uow:
        result = await uow.stock.set_on_hand(cmd.sku, cmd.on_hand)
        if result is None:
            current = await uow.stock.get(cmd.sku)
            raise BelowReservedError(cmd.sku, cmd.on_hand, current.reserved if current else 0)
        await uow.commit()
    return result


def _answer_again(reservation: Reservation | None) -> Reservation:
    """What a reservation asked for again answers: what it answered the first time."""
    if reservation is None:
        raise LookupError("an order id that is taken has its reservation, but this has none")
    if reservation.status is ReservationStatus.REJECTED:
        raise OutOfStockError(reservation.order_id, reservation.short_skus)
    if reservation.status in (ReservationStatus.RELEASED, ReservationStatus.EXPIRED):
        raise ReservationReleasedError(reservation.order_id)
    return reservation


async def reserve_stock(cmd: commands.ReserveStock, uow: UnitOfWork) -> Reservation:
    """Hold every line of an order, or none; asking again for the same order holds no more."""
    reservation = Reservation.hold(cmd.order_id, cmd.lines)
    async with uow:
        if not await uow.reservations.add(reservation):
            return _answer_again(await uow.reservations.get(cmd.order_id))
        # Lines come sorted by SKU: every writer locks stock rows in that order.
        short = [
            line.sku
            for line in reservation.lines
            if not await uow.stock.reserve(line.sku, line.quantity)
        ]
        if not short:
            uow.publish(StockReserved.of(reservation))
            await uow.commit()
            return reservation
    # Everything above is rolled back. Record the refusal, so that a redelivered command is
    # refused again rather than holding stock for an order the saga is already cancelling.
    async with uow:
        if await uow.reservations.add(reservation.reject(short)):
            uow.publish(
                StockReservationRefused(
                    order_id=cmd.order_id, reason=OUT_OF_STOCK, short_skus=list(short)
                )
            )
        await uow.commit()
    raise OutOfStockError(cmd.order_id, short)


async def _store(
    uow: UnitOfWork, before: Reservation, after: Reservation, moves: list[StockMovement]
) -> None:
    for move in sorted(moves, key=lambda m: m.sku):
        await uow.stock.move(move)
    if after is not before:
        await uow.reservations.save(after)


async def release_stock(cmd: commands.ReleaseStock, uow: UnitOfWork) -> Reservation:
    """Give back what an order holds, or took if it was committed; nothing held is fine."""
    async with uow:
        # Mark the order first: a reservation of it that arrives later is then refused.
        marked = await uow.reservations.add(Reservation.nothing_held(cmd.order_id))
        reservation = await uow.reservations.get(cmd.order_id)
        if reservation is None:
            raise LookupError(f"order {cmd.order_id} was just marked, yet has no reservation")
        released, moves = reservation.release()
        await _store(uow, reservation, released, moves)
        if marked or released is not reservation:
            # Published once, by the delivery that changed something; a redelivery is silent.
            uow.publish(StockReleased.of(released))
        await uow.commit()
    return released


async def commit_reservation(
    cmd: commands.CommitReservation, uow: UnitOfWork
) -> Reservation | None:
    """The order is confirmed: its held units leave the stock; if its hold expired meanwhile,
    it takes them from what is left on hand, and what is not there is its shortfall. None if
    the event was handled before or the order holds nothing here."""
    async with uow:
        # Staged until the commit, which stores nothing if the event was handled before.
        uow.claim(str(cmd.event_id), "commit_reservation")
        reservation = await uow.reservations.get(cmd.order_id)
        if reservation is None:
            await uow.commit()  # the claim alone: a redelivery finds it handled
            return None
        if reservation.status is ReservationStatus.EXPIRED:
            committed = await _commit_late(uow, reservation)
        else:
            committed, moves = reservation.commit()
            await _store(uow, reservation, committed, moves)
        return committed if await uow.commit() else None


async def _commit_late(uow: UnitOfWork, reservation: Reservation) -> Reservation:
    # The expiry gave these units back and other orders may have reserved them since: take
    # only what nobody holds, SKUs in sorted order as every writer locks them.
    taken = {line.sku: await uow.stock.take(line.sku, line.quantity) for line in reservation.lines}
    committed = reservation.commit_late(taken)
    await uow.reservations.save(committed)
    return committed


async def release_expired_holds(
    cmd: commands.ReleaseExpiredHolds, uow: UnitOfWork
) -> list[Reservation]:
    """Give back holds older than `cmd.held_before`, one transaction each, up to `cmd.limit`;
    each is left EXPIRED, so that its order, if confirmed late, still takes its units."""
    released: list[Reservation] = []
    while len(released) < cmd.limit:
        async with uow:
            reservation = await uow.reservations.next_expired(cmd.held_before)
            if reservation is None:
                break
            after, moves = reservation.expire()
            await _store(uow, reservation, after, moves)
            await uow.commit()
        released.append(after)
    return released
