import uuid
from dataclasses import replace
from decimal import Decimal

import pytest

from catalog.contracts import events
from catalog.domain import commands
from catalog.domain.errors import (
    DuplicateSkuError,
    ProductInactiveError,
    ProductNotFoundError,
    StaleVersionError,
)
from catalog.domain.model import Product
from catalog.service_layer import handlers
from servicekit.testing import InMemoryUnitOfWork


class FakeProducts:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Product] = {}

    async def get(self, product_id: uuid.UUID) -> Product | None:
        return self.rows.get(product_id)

    async def add(self, product: Product) -> bool:
        if any(p.sku == product.sku for p in self.rows.values()):
            return False
        self.rows[product.id] = product
        return True

    async def save(self, product: Product, expected_version: int) -> bool:
        if self.rows[product.id].version != expected_version:
            return False
        self.rows[product.id] = product
        return True


class FakeUnitOfWork(InMemoryUnitOfWork):
    def __init__(self) -> None:
        super().__init__()
        self.products = FakeProducts()


def _create(sku: str = "MUG-001") -> commands.CreateProduct:
    return commands.CreateProduct(
        sku=sku,
        name="Mug",
        description="",
        category="kitchen",
        price=Decimal("12.50"),
        currency="EUR",
    )


async def test_create_product_stores_an_active_first_version() -> None:
    uow = FakeUnitOfWork()
    product = await handlers.create_product(_create(), uow)
    assert uow.products.rows[product.id] == product
    assert (product.active, product.version, uow.commits) == (True, 1, 1)
    assert uow.published == [events.ProductCreated.of(product)]


async def test_a_taken_sku_is_refused_and_nothing_is_committed() -> None:
    uow = FakeUnitOfWork()
    await handlers.create_product(_create(), uow)
    with pytest.raises(DuplicateSkuError):
        await handlers.create_product(_create(), uow)
    assert uow.commits == 1
    assert len(uow.products.rows) == 1
    assert len(uow.published) == 1


async def test_update_changes_only_the_given_fields_and_bumps_the_version() -> None:
    uow = FakeUnitOfWork()
    product = await handlers.create_product(_create(), uow)
    updated = await handlers.update_product(
        commands.UpdateProduct(product.id, expected_version=1, name="Big mug"), uow
    )
    assert (updated.name, updated.category, updated.version) == ("Big mug", "kitchen", 2)
    assert uow.products.rows[product.id].name == "Big mug"


async def test_a_patch_with_a_price_publishes_the_price_change_in_one_version() -> None:
    uow = FakeUnitOfWork()
    product = await handlers.create_product(_create(), uow)
    updated = await handlers.update_product(
        commands.UpdateProduct(product.id, 1, name="Big mug", price=Decimal("9.9"), currency="EUR"),
        uow,
    )
    assert (updated.name, updated.price, updated.version) == ("Big mug", Decimal("9.90"), 2)
    assert uow.published[-1] == events.ProductPriceChanged(
        product_id=product.id,
        sku=product.sku,
        price=Decimal("9.90"),
        currency="EUR",
        previous_price=Decimal("12.50"),
        previous_currency="EUR",
        product_version=2,
    )
    # The same price again is no price change; a stale version changes nothing.
    await handlers.update_product(
        commands.UpdateProduct(product.id, 2, price=Decimal("9.90"), currency="EUR"), uow
    )
    assert len(uow.published) == 2
    with pytest.raises(StaleVersionError):
        await handlers.update_product(
            commands.UpdateProduct(product.id, 2, price=Decimal("1.00"), currency="EUR"), uow
        )
    assert uow.products.rows[product.id].price == Decimal("9.90")


async def test_a_patch_cannot_reprice_a_withdrawn_product() -> None:
    uow = FakeUnitOfWork()
    product = await handlers.create_product(_create(), uow)
    await handlers.deactivate_product(commands.DeactivateProduct(product.id), uow)
    with pytest.raises(ProductInactiveError):
        await handlers.update_product(
            commands.UpdateProduct(product.id, 2, price=Decimal("1.00"), currency="EUR"), uow
        )


async def test_update_with_a_stale_version_is_refused() -> None:
    uow = FakeUnitOfWork()
    product = await handlers.create_product(_create(), uow)
    await handlers.update_product(commands.UpdateProduct(product.id, 1, name="Two"), uow)
    with pytest.raises(StaleVersionError) as caught:
        await handlers.update_product(commands.UpdateProduct(product.id, 1, name="Three"), uow)
    assert caught.value.actual == 2
    assert uow.products.rows[product.id].name == "Two"


async def test_unknown_products_are_not_found() -> None:
    with pytest.raises(ProductNotFoundError):
        await handlers.change_price(
            commands.ChangePrice(uuid.uuid4(), Decimal("1.00"), "EUR"), FakeUnitOfWork()
        )


async def test_an_unchanged_price_does_not_make_a_new_version() -> None:
    uow = FakeUnitOfWork()
    product = await handlers.create_product(_create(), uow)
    same = await handlers.change_price(
        commands.ChangePrice(product.id, Decimal("12.50"), "EUR"), uow
    )
    assert same.version == 1
    assert len(uow.published) == 1
    changed = await handlers.change_price(
        commands.ChangePrice(product.id, Decimal("9.99"), "EUR"), uow
    )
    assert (changed.price, changed.version) == (Decimal("9.99"), 2)
    assert uow.published[-1] == events.ProductPriceChanged(
        product_id=product.id,
        sku=product.sku,
        price=Decimal("9.99"),
        currency="EUR",
        previous_price=Decimal("12.50"),
        previous_currency="EUR",
        product_version=2,
    )


async def test_deactivation_is_idempotent_and_freezes_the_price() -> None:
    uow = FakeUnitOfWork()
    product = await handlers.create_product(_create(), uow)
    gone = await handlers.deactivate_product(commands.DeactivateProduct(product.id), uow)
    again = await handlers.deactivate_product(commands.DeactivateProduct(product.id), uow)
    assert (gone.active, gone.version, again.version) == (False, 2, 2)
    assert [type(e) for e in uow.published] == [events.ProductCreated, events.ProductDeactivated]
    with pytest.raises(ProductInactiveError):
        await handlers.change_price(commands.ChangePrice(product.id, Decimal("1.00"), "EUR"), uow)


def test_revising_keeps_identity_and_creation_time() -> None:
    product = Product.new(
        sku="A-1", name="A", description="", category="c", price=Decimal(1), currency="EUR"
    )
    revised = product.revise(description="new")
    assert replace(revised, description="", version=1, updated_at=product.updated_at) == product
