"""One function per command: load, let the domain decide, store, commit."""

from __future__ import annotations

import uuid

from catalog.contracts import events
from catalog.domain import commands
from catalog.domain.errors import DuplicateSkuError, ProductNotFoundError, StaleVersionError
from catalog.domain.model import Product
from catalog.service_layer.unit_of_work import UnitOfWork


async def create_product(cmd: commands.CreateProduct, uow: UnitOfWork) -> Product:
    """Add a product; its SKU must be new."""
    product = Product.new(
        sku=cmd.sku,
        name=cmd.name,
        description=cmd.description,
        category=cmd.category,
        price=cmd.price,
        currency=cmd.currency,
    )
    async with uow:
        if not await uow.products.add(product):
            raise DuplicateSkuError(cmd.sku)
        uow.publish(events.ProductCreated.of(product))
        await uow.commit()
    return product


async def _load(uow: UnitOfWork, product_id: uuid.UUID, expected_version: int | None) -> Product:
    product = await uow.products.get(product_id)
    if product is None:
        raise ProductNotFoundError(product_id)
    if expected_version is not None and product.version != expected_version:
        raise StaleVersionError(product.id, expected_version, product.version)
    return product


async def _store(uow: UnitOfWork, before: Product, after: Product) -> Product:
    if after is not before and not await uow.products.save(after, before.version):
        # The row is locked by `get`, so only a concurrent delete could get here.
        raise StaleVersionError(before.id, before.version, before.version + 1)
    await uow.commit()
    return after


async def update_product(cmd: commands.UpdateProduct, uow: UnitOfWork) -> Product:
    """Change a product's fields, if nobody changed it since it was read; a new price is
    published as `change_price` publishes it."""
    async with uow:
        product = await _load(uow, cmd.product_id, cmd.expected_version)
        revised = product.revise(
            name=cmd.name,
            description=cmd.description,
            category=cmd.category,
            price=cmd.price,
            currency=cmd.currency,
        )
        if revised.is_repriced_from(product):
            uow.publish(events.ProductPriceChanged.of(product, revised))
        return await _store(uow, product, revised)


async def change_price(cmd: commands.ChangePrice, uow: UnitOfWork) -> Product:
    """Set a product's price."""
    async with uow:
        product = await _load(uow, cmd.product_id, cmd.expected_version)
        if product.price == cmd.price and product.currency == cmd.currency:  # 9.9 == 9.90
            return product
        repriced = product.reprice(cmd.price, cmd.currency)
        uow.publish(events.ProductPriceChanged.of(product, repriced))
        return await _store(uow, product, repriced)


async def deactivate_product(cmd: commands.DeactivateProduct, uow: UnitOfWork) -> Product:
    """Withdraw a product from sale."""
    async with uow:
        product = await _load(uow, cmd.product_id, cmd.expected_version)
        deactivated = product.deactivate()
        if deactivated is not product:
            uow.publish(events.ProductDeactivated.of(deactivated))
        return await _store(uow, product, deactivated)
