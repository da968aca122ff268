"""One function per command. A basket write retries when another write to it won the race."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import replace

from basket.adapters.catalog import ProductCatalog
from basket.adapters.repository import BasketRepository
from basket.contracts.commands import PlaceOrder
from basket.domain import commands
from basket.domain.commands import ProductRepriced, ProductWithdrawn
from basket.domain.errors import (
    BasketFrozenError,
    ConcurrentUpdateError,
    IdempotencyKeyReusedError,
    ProductUnavailableError,
)
from basket.domain.model import Basket
from servicekit.messaging.envelope import Envelope

ATTEMPTS = 5


async def _update(
    repository: BasketRepository, user_id: str, change: Callable[[Basket], Basket]
) -> Basket:
    for _ in range(ATTEMPTS):
        basket = await repository.get(user_id)
        changed = change(basket)
        if changed is basket:
            return basket
        if await repository.save(changed, basket):
            return replace(changed, version=changed.version + 1)
    raise ConcurrentUpdateError


async def get_basket(user_id: str, repository: BasketRepository) -> Basket:
    """The user's basket, empty if they have none."""
    return await repository.get(user_id)


async def set_item_quantity(
    cmd: commands.SetItemQuantity, repository: BasketRepository, catalog: ProductCatalog
) -> Basket:
    """Put `quantity` of a product in the basket at the catalog's current price."""
    product = await catalog.get(cmd.product_id)
    if product is None:
        raise ProductUnavailableError(cmd.product_id, "does not exist")
    if not product.active:
        raise ProductUnavailableError(cmd.product_id, "is no longer for sale")
    return await _update(
        repository, cmd.user_id, lambda basket: basket.set_quantity(product, cmd.quantity)
    )


async def remove_item(cmd: commands.RemoveItem, repository: BasketRepository) -> Basket:
    """Take a product out of the basket."""
    return await _update(repository, cmd.user_id, lambda basket: basket.remove(cmd.product_id))


async def clear_basket(cmd: commands.ClearBasket, repository: BasketRepository) -> None:
    """Empty the basket, unless it is checked out."""
    basket = await repository.get(cmd.user_id)
    if basket.order_id is not None:
        raise BasketFrozenError(basket.order_id)
    await repository.delete(basket)


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


async def check_out(cmd: commands.CheckOut, repository: BasketRepository) -> uuid.UUID:
    """Freeze the basket and send `PlaceOrder`, once per idempotency key and per basket:
    a repeated request, or a checkout of a basket already checked out, returns the same
    order and sends nothing. The same key with another request is refused."""
    asked = request_hash(cmd)
    for _ in range(ATTEMPTS):
        past = await repository.find_checkout(cmd.user_id, cmd.idempotency_key)
        if past is not None:
            if past.request_hash not in (None, asked):
                raise IdempotencyKeyReusedError
            return past.order_id
        basket = await repository.get(cmd.user_id)
        if basket.order_id is not None:
            return basket.order_id
        frozen = basket.check_out(uuid.uuid4())
        place_order = Envelope.wrap(
            PlaceOrder.of(frozen, cmd.payment_token, cmd.shipping_address), "basket"
        )
        if await repository.check_out(frozen, basket, cmd.idempotency_key, asked, place_order):
            assert frozen.order_id is not None
            return frozen.order_id
    raise ConcurrentUpdateError


async def finish_checkout(cmd: commands.FinishCheckout, repository: BasketRepository) -> bool:
    """The order was confirmed: empty the basket it came from."""
    return await repository.finish_checkout(cmd.user_id, cmd.order_id)


async def reopen_basket(cmd: commands.ReopenBasket, repository: BasketRepository) -> bool:
    """The order was cancelled: the customer may change the basket and try again."""
    return await repository.reopen(cmd.user_id, cmd.order_id)


async def reprice_lines(event: ProductRepriced, repository: BasketRepository) -> int:
    """Give every basket holding the product its new price; return how many changed."""
    changed = 0
    for user_id in await repository.holders(event.product_id):
        changed += await repository.update_line(
            user_id,
            event.product_id,
            product_version=event.product_version,
            event_id=event.event_id,
            unit_price=event.price,
            currency=event.currency,
        )
    return changed


async def withdraw_lines(event: ProductWithdrawn, repository: BasketRepository) -> int:
    """Mark the product unavailable in every basket holding it; checkout will refuse those."""
    changed = 0
    for user_id in await repository.holders(event.product_id):
        changed += await repository.update_line(
            user_id,
            event.product_id,
            product_version=event.product_version,
            event_id=event.event_id,
            available=False,
        )
    return changed
