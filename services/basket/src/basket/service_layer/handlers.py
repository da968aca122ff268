"""One function per command. A basket write retries when another write to it won the race."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from basket.adapters.catalog import ProductCatalog
from basket.adapters.repository import BasketRepository
from basket.domain import commands
from basket.domain.commands import ProductRepriced, ProductWithdrawn
from basket.domain.errors import ConcurrentUpdateError, ProductUnavailableError
from basket.domain.model import Basket

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
    """Empty the basket."""
    await repository.delete(await repository.get(cmd.user_id))


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
