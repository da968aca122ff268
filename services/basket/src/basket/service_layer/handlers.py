"""One function per command. A basket write retries when another write to it won the race."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from basket.adapters.catalog import ProductCatalog
from basket.adapters.repository import BasketRepository
from basket.domain import commands
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
        if await repository.save(changed):
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
    await repository.delete(cmd.user_id)
