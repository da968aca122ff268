"""One function per command: load, let the domain decide, store with its events, commit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from ordering.adapters.repository import Recorded, Timelines
from ordering.adapters.saga import SagaStarter
from ordering.contracts.events import OrderCancelled, OrderConfirmed, OrderPlaced, OrderRejected
from ordering.domain import commands
from ordering.domain.errors import OrderNotFoundError, TimelineFullError
from ordering.domain.model import TIMELINE_LIMIT, Order, OrderStatus, TimelineEntry
from ordering.service_layer.unit_of_work import UnitOfWork


def _entry(step: str, detail: str = "") -> TimelineEntry:
    return TimelineEntry(step=step, at=datetime.now(UTC), detail=detail)


async def place_order(cmd: commands.PlaceOrder, uow: UnitOfWork, saga: SagaStarter) -> Order:
    """Store the order once, then start its saga (again, harmlessly, on a redelivery)."""
    order = Order(
        id=cmd.order_id,
        user_id=cmd.user_id,
        lines=cmd.lines,
        currency=cmd.currency,
        shipping_address=cmd.shipping_address,
    )
    async with uow:
        placed = await uow.orders.add(order)  # once per order id, whichever message asks
        if placed:
            await uow.orders.record(
                order.id, _entry("PLACED", f"{order.total:.2f} {order.currency}")
            )
            uow.publish(OrderPlaced.of(order))
        uow.claim(cmd.message_id, "place_order")
        if not await uow.commit() or not placed:
            order = await uow.orders.get(cmd.order_id) or order
    # After the commit: the saga's first step may run before this function returns, and
    # must find the order. If starting fails, the message comes back and this runs again.
    if order.status is OrderStatus.PENDING:
        await saga.start(order, cmd.payment_token)
    return order


async def reject_order(cmd: commands.RejectOrder, uow: UnitOfWork) -> Order:
    """Keep what can be kept of a `PlaceOrder` that can never be stored, and say so: the
    basket reopens, the customer sees the order rejected. An order already placed under the
    id stays as it is."""
    order = Order.rejected(cmd.order_id, cmd.user_id, cmd.currency)
    async with uow:
        rejected = await uow.orders.add(order)
        if rejected:
            refused = ", ".join(cmd.refused)
            await uow.orders.record(order.id, _entry("REJECTED", f"INVALID_ORDER: {refused}"))
            uow.publish(OrderRejected.of(order, list(cmd.refused)))
        uow.claim(cmd.message_id, "place_order")
        if await uow.commit() and rejected:
            return order
        return await uow.orders.get(cmd.order_id) or order


async def _load(uow: UnitOfWork, order_id: uuid.UUID) -> Order:
    order = await uow.orders.get(order_id)
    if order is None:
        raise OrderNotFoundError(order_id)
    return order


async def confirm_order(cmd: commands.ConfirmOrder, uow: UnitOfWork) -> Order:
    """The saga's confirmation step; refused if the customer cancelled meanwhile."""
    async with uow:
        order = await _load(uow, cmd.order_id)
        confirmed = order.confirm()
        if confirmed is not order:
            await uow.orders.save(confirmed)
            await uow.orders.record(order.id, _entry("CONFIRMED"))
            uow.publish(OrderConfirmed.of(confirmed))
            await uow.commit()
        return confirmed


async def cancel_order(cmd: commands.CancelOrder, uow: UnitOfWork) -> Order:
    """The saga's last compensation: the order is cancelled, with the reason."""
    async with uow:
        order = await _load(uow, cmd.order_id)
        cancelled = order.cancel(cmd.reason)
        if cancelled is not order:
            await uow.orders.save(cancelled)
            await uow.orders.record(order.id, _entry("CANCELLED", cmd.reason.value))
            uow.publish(OrderCancelled.of(cancelled))
            await uow.commit()
        return cancelled


async def record_step(cmd: commands.RecordStep, timelines: Timelines) -> bool:
    """Add a saga step's outcome to the order's timeline, once per message; False when the
    message was recorded before or names no order here (it is then handled: a redelivery has
    nothing to wait for). Raises `TimelineFullError`, the message handled and nothing added,
    when the timeline has all the entries any saga could give it."""
    entry = TimelineEntry(cmd.step, cmd.at, cmd.detail)
    recorded = await timelines.record_once(
        cmd.message_id, cmd.order_id, entry, limit=TIMELINE_LIMIT
    )
    if recorded is Recorded.FULL:  # a redelivery is dropped at once, not again
        raise TimelineFullError(cmd.order_id, TIMELINE_LIMIT)
    return recorded is Recorded.ADDED


async def request_cancellation(cmd: commands.RequestCancellation, uow: UnitOfWork) -> Order:
    """The customer asks to cancel their pending order."""
    async with uow:
        order = await uow.orders.get(cmd.order_id)
        if order is None or order.user_id != cmd.user_id:
            raise OrderNotFoundError(cmd.order_id)
        requested = order.request_cancellation()
        if requested is not order:
            await uow.orders.save(requested)
            await uow.orders.record(order.id, _entry("CANCEL_REQUESTED"))
            await uow.commit()
        return requested
