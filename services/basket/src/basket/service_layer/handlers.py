"""One function per command. A basket write retries when another write to it won the race."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import replace

from basket.adapters.catalog import ProductCatalog
from basket.contracts.commands import PlaceOrder
from basket.domain import commands
from basket.domain.commands import ProductRepriced, ProductWithdrawn
from basket.domain.errors import (
    BasketFrozenError,
    ConcurrentUpdateError,
    IdempotencyKeyReusedError,
    ProductUnavailableError,
)
from basket.domain.model import Basket, LineChange
from basket.service_layer.unit_of_work import UnitOfWork
from servicekit.unit_of_work import retrying

ATTEMPTS = 5


async def _update(uow: UnitOfWork, user_id: str, change: Callable[[Basket], Basket]) -> Basket:
    async def update(uow: UnitOfWork) -> Basket:
        basket = await uow.baskets.get(user_id)
        changed = change(basket)
        if changed is basket:
            return basket
        uow.baskets.save(changed, basket)
        return replace(changed, version=changed.version + 1)

    return await retrying(uow, update, attempts=ATTEMPTS, conflict=ConcurrentUpdateError())


async def get_basket(user_id: str, uow: UnitOfWork) -> Basket:
    """The user's basket, empty if they have none."""
    async with uow:
        return await uow.baskets.get(user_id)


async def set_item_quantity(
    cmd: commands.SetItemQuantity, uow: UnitOfWork, catalog: ProductCatalog
) -> Basket:
    """Put `quantity` of a product in the basket at the catalog's current price."""
    product = await catalog.get(cmd.product_id)
    if product is None:
        raise ProductUnavailableError(cmd.product_id, "does not exist")
    if not product.active:
        raise ProductUnavailableError(cmd.product_id, "is no longer for sale")
    return await _update(
        uow, cmd.user_id, lambda basket: basket.set_quantity(product, cmd.quantity)
    )


async def remove_item(cmd: commands.RemoveItem, uow: UnitOfWork) -> Basket:
    """Take a product out of the basket."""
    return await _update(uow, cmd.user_id, lambda basket: basket.remove(cmd.product_id))


async def clear_basket(cmd: commands.ClearBasket, uow: UnitOfWork) -> None:
    """Empty the basket, unless it is checked out."""
    async with uow:
        basket = await uow.baskets.get(cmd.user_id)
        if basket.order_id is not None:
            raise BasketFrozenError(basket.order_id)
        uow.baskets.delete(basket)
        await uow.commit()


def request_hash(cmd: commands.CheckOut) -> str:
    """A hash of what a checkout request asks for, in a canonical form: the same request
    sent again hashes the same, whatever the order or spacing of its JSON."""
    asked = {
        "payment_token": cmd.payment_token,
        "shipping_address": dataclasses.asdict(cmd.shipping_address)
        if cmd.shipping_address
        else None,
    }
    canonical = json.dumps(asked, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def check_out(cmd: commands.CheckOut, uow: UnitOfWork) -> uuid.UUID:
    """Freeze the basket and send `PlaceOrder`, once per idempotency key and per basket:
    a repeated request, or a checkout of a basket already checked out, returns the same
    order and sends nothing. The same key with another request is refused."""
    asked = request_hash(cmd)

    async def freeze(uow: UnitOfWork) -> uuid.UUID:
        basket, past = await uow.baskets.get_for_checkout(cmd.user_id, cmd.idempotency_key)
        if past is not None:
            if past.request_hash not in (None, asked):
                raise IdempotencyKeyReusedError
            return past.order_id
        if basket.order_id is not None:
            return basket.order_id
        order_id = uuid.uuid4()
        frozen = basket.check_out(order_id)
        uow.baskets.check_out(frozen, basket, cmd.idempotency_key, asked)
        uow.publish(PlaceOrder.of(frozen, cmd.payment_token, cmd.shipping_address))
        return order_id

    return await retrying(uow, freeze, attempts=ATTEMPTS, conflict=ConcurrentUpdateError())


async def finish_checkout(cmd: commands.FinishCheckout, uow: UnitOfWork) -> bool:
    """The order was confirmed: empty the basket it came from. False, changing nothing, if
    the basket is not frozen for it (emptied by an earlier delivery, or another order's)."""
    async with uow:
        uow.baskets.finish_checkout(cmd.user_id, cmd.order_id, cmd.product_ids)
        return await uow.commit()


async def reopen_basket(cmd: commands.ReopenBasket, uow: UnitOfWork) -> bool:
    """The order was cancelled: the customer may change the basket and try again."""
    async with uow:
        uow.baskets.reopen(cmd.user_id, cmd.order_id)
        return await uow.commit()


async def reprice_lines(event: ProductRepriced, uow: UnitOfWork) -> int:
    """Give every basket holding the product its new price; return how many changed."""
    change = LineChange(
        event.product_id, event.product_version, unit_price=event.price, currency=event.currency
    )
    return await _change_lines(uow, event.event_id, change)


async def withdraw_lines(event: ProductWithdrawn, uow: UnitOfWork) -> int:
    """Mark the product unavailable in every basket holding it; checkout will refuse those."""
    change = LineChange(event.product_id, event.product_version, available=False)
    return await _change_lines(uow, event.event_id, change)


async def _change_lines(uow: UnitOfWork, event_id: uuid.UUID, change: LineChange) -> int:
    """Apply a catalog change to each basket holding the product, in a transaction of its
    own that records the event as handled for that basket; return how many changed."""
    async with uow:
        holders = await uow.baskets.holders(change.product_id)
    changed = 0
    for user_id in holders:
        async with uow:
            uow.baskets.update_line(user_id, change)
            uow.claim(str(event_id), f"USER#{user_id}")
            changed += await uow.commit()
    return changed
