import uuid
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal

import pytest

from basket.adapters.repository import PastCheckout
from basket.domain import commands
from basket.domain.errors import (
    BasketFrozenError,
    CatalogUnavailableError,
    ConcurrentUpdateError,
    CurrencyMismatchError,
    EmptyBasketError,
    IdempotencyKeyReusedError,
    LinesUnavailableError,
    ProductUnavailableError,
)
from basket.domain.model import Basket, LineChange, ProductSnapshot
from basket.service_layer import handlers
from servicekit.messaging.envelope import Envelope
from servicekit.testing import InMemoryUnitOfWork


class FakeBasketTable:
    """The baskets as the table holds them, with their membership items (`held`: product and
    user); writes are staged into the unit of work. `reads` names each read, as each is one
    request to the table."""

    def __init__(self, uow: "FakeBaskets") -> None:
        self.uow = uow
        self.rows: dict[str, Basket] = {}
        self.checkouts: dict[tuple[str, str], PastCheckout] = {}
        self.held: set[tuple[uuid.UUID, str]] = set()
        self.reads: list[str] = []

    async def get(self, user_id: str) -> Basket:
        self.reads.append("get")
        return self.rows.get(user_id, Basket(user_id))

    def save(self, basket: Basket, previous: Basket) -> None:
        def unchanged() -> bool:
            return self.rows.get(basket.user_id, Basket(basket.user_id)).version == previous.version

        def store() -> None:
            self.rows[basket.user_id] = replace(basket, version=previous.version + 1)
            gone = previous.lines.keys() - basket.lines.keys()
            self.held -= {(product_id, basket.user_id) for product_id in gone}
            self.held |= {(product_id, basket.user_id) for product_id in basket.lines}

        self.uow.stage(store, unchanged)

    def delete(self, basket: Basket) -> None:
        def forget() -> None:
            self.rows.pop(basket.user_id, None)
            self.held -= {(product_id, basket.user_id) for product_id in basket.lines}

        self.uow.stage(forget)

    async def get_for_checkout(
        self, user_id: str, idempotency_key: str
    ) -> tuple[Basket, PastCheckout | None]:
        self.reads.append("get_for_checkout")
        basket = self.rows.get(user_id, Basket(user_id))
        return basket, self.checkouts.get((user_id, idempotency_key))

    def check_out(
        self, basket: Basket, previous: Basket, idempotency_key: str, request_hash: str
    ) -> None:
        key = (basket.user_id, idempotency_key)
        assert basket.order_id is not None
        past = PastCheckout(basket.order_id, request_hash)
        self.save(basket, previous)
        self.uow.stage(
            lambda: self.checkouts.update({key: past}), lambda: key not in self.checkouts
        )

    def finish_checkout(
        self, user_id: str, order_id: uuid.UUID, product_ids: Iterable[uuid.UUID]
    ) -> None:
        def frozen() -> bool:
            basket = self.rows.get(user_id)
            return basket is not None and basket.order_id == order_id

        def empty() -> None:
            self.rows.pop(user_id)
            self.held -= {(product_id, user_id) for product_id in product_ids}

        self.uow.stage(empty, frozen)

    def reopen(self, user_id: str, order_id: uuid.UUID) -> None:
        def frozen() -> bool:
            basket = self.rows.get(user_id)
            return basket is not None and basket.order_id == order_id

        def thaw() -> None:
            basket = self.rows[user_id]
            self.rows[user_id] = replace(basket, order_id=None, version=basket.version + 1)

        self.uow.stage(thaw, frozen)

    async def holders(self, product_id: uuid.UUID) -> list[str]:
        return sorted(user for held, user in self.held if held == product_id)

    def update_line(self, user_id: str, change: LineChange) -> None:
        def older() -> bool:
            basket = self.rows.get(user_id, Basket(user_id))
            line = basket.lines.get(change.product_id)
            return line is not None and line.product_version < change.product_version

        def apply() -> None:
            basket = self.rows[user_id]
            line = basket.lines[change.product_id]
            line = replace(
                line,
                product_version=change.product_version,
                unit_price=line.unit_price if change.unit_price is None else change.unit_price,
                currency=line.currency if change.currency is None else change.currency,
                available=line.available if change.available is None else change.available,
            )
            lines = basket.lines | {change.product_id: line}
            self.rows[user_id] = replace(basket, lines=lines, version=basket.version + 1)

        self.uow.stage(apply, older)


class FakeBaskets(InMemoryUnitOfWork):
    """The basket's unit of work in memory; `lose_races` commits fail as if another write won."""

    def __init__(self, lose_races: int = 0) -> None:
        super().__init__()
        self.table = FakeBasketTable(self)
        self.losing = lose_races

    @property
    def baskets(self) -> FakeBasketTable:
        return self.table

    @property
    def rows(self) -> dict[str, Basket]:
        return self.table.rows


class FakeCatalog:
    def __init__(self, *products: ProductSnapshot, down: bool = False) -> None:
        self.products = {p.id: p for p in products}
        self.down = down

    async def get(self, product_id: uuid.UUID) -> ProductSnapshot | None:
        if self.down:
            raise CatalogUnavailableError
        return self.products.get(product_id)


def _product(price: str = "12.50", currency: str = "EUR", active: bool = True) -> ProductSnapshot:
    return ProductSnapshot(uuid.uuid4(), "MUG-001", "Mug", Decimal(price), currency, active, 1)


async def test_lines_take_the_catalog_price_and_totals_add_up() -> None:
    mug, book = _product("12.50"), _product("39.99")
    baskets, catalog = FakeBaskets(), FakeCatalog(mug, book)
    await handlers.set_item_quantity(commands.SetItemQuantity("alice", mug.id, 3), baskets, catalog)
    basket = await handlers.set_item_quantity(
        commands.SetItemQuantity("alice", book.id, 1), baskets, catalog
    )
    assert basket.lines[mug.id].total == Decimal("37.50")
    assert (basket.total, basket.item_count, basket.currency) == (Decimal("77.49"), 4, "EUR")
    assert baskets.rows["alice"].version == 2


async def test_setting_a_quantity_replaces_it() -> None:
    mug = _product()
    baskets, catalog = FakeBaskets(), FakeCatalog(mug)
    await handlers.set_item_quantity(commands.SetItemQuantity("alice", mug.id, 3), baskets, catalog)
    basket = await handlers.set_item_quantity(
        commands.SetItemQuantity("alice", mug.id, 1), baskets, catalog
    )
    assert basket.item_count == 1


@pytest.mark.parametrize("product", [None, _product(active=False)])
async def test_unknown_or_inactive_products_are_refused(product: ProductSnapshot | None) -> None:
    catalog = FakeCatalog(*([product] if product else []))
    product_id = product.id if product else uuid.uuid4()
    baskets = FakeBaskets()
    with pytest.raises(ProductUnavailableError):
        await handlers.set_item_quantity(
            commands.SetItemQuantity("alice", product_id, 1), baskets, catalog
        )
    assert baskets.rows == {}


async def test_a_catalog_outage_is_reported_not_guessed_around() -> None:
    with pytest.raises(CatalogUnavailableError):
        await handlers.set_item_quantity(
            commands.SetItemQuantity("alice", uuid.uuid4(), 1),
            FakeBaskets(),
            FakeCatalog(down=True),
        )


async def test_a_lost_race_is_retried_on_the_fresh_basket() -> None:
    mug = _product()
    baskets = FakeBaskets(lose_races=2)
    basket = await handlers.set_item_quantity(
        commands.SetItemQuantity("alice", mug.id, 2), baskets, FakeCatalog(mug)
    )
    assert basket.item_count == 2
    assert baskets.rows["alice"].item_count == 2


async def test_a_basket_that_keeps_changing_gives_up() -> None:
    mug = _product()
    with pytest.raises(ConcurrentUpdateError):
        await handlers.set_item_quantity(
            commands.SetItemQuantity("alice", mug.id, 2),
            FakeBaskets(lose_races=handlers.ATTEMPTS),
            FakeCatalog(mug),
        )


async def test_one_basket_holds_one_currency() -> None:
    euro, dollar = _product(currency="EUR"), _product(currency="USD")
    baskets, catalog = FakeBaskets(), FakeCatalog(euro, dollar)
    await handlers.set_item_quantity(commands.SetItemQuantity("a", euro.id, 1), baskets, catalog)
    with pytest.raises(CurrencyMismatchError):
        await handlers.set_item_quantity(
            commands.SetItemQuantity("a", dollar.id, 1), baskets, catalog
        )


async def test_removing_and_clearing() -> None:
    mug = _product()
    baskets, catalog = FakeBaskets(), FakeCatalog(mug)
    await handlers.set_item_quantity(commands.SetItemQuantity("a", mug.id, 1), baskets, catalog)
    emptied = await handlers.remove_item(commands.RemoveItem("a", mug.id), baskets)
    assert emptied.lines == {}
    assert (await handlers.remove_item(commands.RemoveItem("a", mug.id), baskets)) is not None
    await handlers.clear_basket(commands.ClearBasket("a"), baskets)
    assert (await handlers.get_basket("a", baskets)).version == 0


async def test_a_price_change_reaches_every_basket_holding_the_product_once() -> None:
    mug, book = _product("12.50"), _product("39.99")
    baskets, catalog = FakeBaskets(), FakeCatalog(mug, book)
    for user in ("alice", "bob"):
        await handlers.set_item_quantity(
            commands.SetItemQuantity(user, mug.id, 2), baskets, catalog
        )
    await handlers.set_item_quantity(
        commands.SetItemQuantity("carol", book.id, 1), baskets, catalog
    )
    event = commands.ProductRepriced(uuid.uuid4(), mug.id, Decimal("10.00"), "EUR", 2)
    assert await handlers.reprice_lines(event, baskets) == 2
    assert baskets.rows["alice"].total == Decimal("20.00")
    assert await handlers.reprice_lines(event, baskets) == 0
    stale = commands.ProductRepriced(uuid.uuid4(), mug.id, Decimal("99.00"), "EUR", 1)
    assert await handlers.reprice_lines(stale, baskets) == 0
    assert baskets.rows["bob"].lines[mug.id].unit_price == Decimal("10.00")
    assert baskets.rows["carol"].total == Decimal("39.99")


async def test_a_withdrawn_product_is_marked_unavailable() -> None:
    mug = _product()
    baskets, catalog = FakeBaskets(), FakeCatalog(mug)
    await handlers.set_item_quantity(commands.SetItemQuantity("a", mug.id, 1), baskets, catalog)
    event = commands.ProductWithdrawn(uuid.uuid4(), mug.id, 2)
    assert await handlers.withdraw_lines(event, baskets) == 1
    assert baskets.rows["a"].lines[mug.id].available is False


def _checkout(
    user: str = "a",
    key: str = "k1",
    token: str = "tok_visa",
    address: commands.ShippingAddress | None = None,
) -> commands.CheckOut:
    return commands.CheckOut(user, key, token, address)


async def test_a_key_reused_with_another_body_is_refused_and_the_same_body_is_the_same_order() -> (
    None
):
    mug = _product()
    baskets, catalog = FakeBaskets(), FakeCatalog(mug)
    await handlers.set_item_quantity(commands.SetItemQuantity("a", mug.id, 1), baskets, catalog)
    home = commands.ShippingAddress("Ann", "1 Main St", "Utrecht", "3511", "NL")
    order_id = await handlers.check_out(_checkout(address=home), baskets)
    assert await handlers.check_out(_checkout(address=home), baskets) == order_id
    with pytest.raises(IdempotencyKeyReusedError):
        await handlers.check_out(_checkout(token="tok_other", address=home), baskets)
    with pytest.raises(IdempotencyKeyReusedError):
        await handlers.check_out(_checkout(address=replace(home, city="Delft")), baskets)
    with pytest.raises(IdempotencyKeyReusedError):
        await handlers.check_out(_checkout(), baskets)
    # A key stored before requests were hashed still answers with its order.
    baskets.table.checkouts[("a", "old")] = PastCheckout(order_id, None)
    assert await handlers.check_out(_checkout(key="old", token="tok_x"), baskets) == order_id
    assert len(baskets.published) == 1
    # Setting the quantity read the basket; each checkout read it and its key together, once.
    assert baskets.table.reads == ["get"] + ["get_for_checkout"] * 6


async def test_checkout_freezes_the_basket_and_sends_one_place_order() -> None:
    mug = _product("12.50")
    baskets, catalog = FakeBaskets(), FakeCatalog(mug)
    await handlers.set_item_quantity(commands.SetItemQuantity("a", mug.id, 2), baskets, catalog)
    order_id = await handlers.check_out(_checkout(), baskets)
    assert baskets.rows["a"].order_id == order_id
    [message] = baskets.published
    sent = Envelope.wrap(message, "basket")
    assert (sent.type, sent.data["order_id"], sent.data["total"]) == (
        "ordering.PlaceOrder",
        str(order_id),
        "25.00",
    )
    assert sent.data["payment_token"] == "tok_visa"
    # The same key, or another checkout of the frozen basket: the same order, nothing sent.
    assert await handlers.check_out(_checkout(), baskets) == order_id
    assert await handlers.check_out(_checkout(key="k2"), baskets) == order_id
    assert len(baskets.published) == 1
    with pytest.raises(BasketFrozenError):
        await handlers.set_item_quantity(commands.SetItemQuantity("a", mug.id, 1), baskets, catalog)
    with pytest.raises(BasketFrozenError):
        await handlers.clear_basket(commands.ClearBasket("a"), baskets)


async def test_an_empty_basket_or_unavailable_lines_cannot_be_checked_out() -> None:
    with pytest.raises(EmptyBasketError):
        await handlers.check_out(_checkout(), FakeBaskets())
    mug = _product()
    baskets, catalog = FakeBaskets(), FakeCatalog(mug)
    await handlers.set_item_quantity(commands.SetItemQuantity("a", mug.id, 1), baskets, catalog)
    await handlers.withdraw_lines(commands.ProductWithdrawn(uuid.uuid4(), mug.id, 2), baskets)
    with pytest.raises(LinesUnavailableError):
        await handlers.check_out(_checkout(), baskets)
    assert baskets.published == []


async def test_a_confirmed_order_empties_the_basket_and_a_cancelled_one_reopens_it() -> None:
    mug = _product()
    baskets, catalog = FakeBaskets(), FakeCatalog(mug)
    await handlers.set_item_quantity(commands.SetItemQuantity("a", mug.id, 1), baskets, catalog)
    first = await handlers.check_out(_checkout(), baskets)
    assert not await handlers.reopen_basket(commands.ReopenBasket("a", uuid.uuid4()), baskets)
    assert await handlers.reopen_basket(commands.ReopenBasket("a", first), baskets)
    assert baskets.rows["a"].order_id is None
    second = await handlers.check_out(_checkout(key="k2"), baskets)
    assert second != first
    confirmed = commands.FinishCheckout("a", second, frozenset({mug.id}))
    assert not await handlers.finish_checkout(
        commands.FinishCheckout("a", first, frozenset({mug.id})), baskets
    )
    assert baskets.rows["a"].order_id == second
    baskets.table.reads.clear()
    assert await handlers.finish_checkout(confirmed, baskets)
    assert "a" not in baskets.rows
    # The basket went with its membership items: a price change finds it no more.
    assert await baskets.baskets.holders(mug.id) == []
    # Nothing was read: the delete's condition said whether the basket was the order's.
    assert baskets.table.reads == []
    # A redelivery finds nothing frozen for the order and changes nothing.
    assert not await handlers.finish_checkout(confirmed, baskets)
    # The key still answers with its order once the basket is gone.
    assert await handlers.check_out(_checkout(key="k2"), baskets) == second
    assert "a" not in baskets.rows
