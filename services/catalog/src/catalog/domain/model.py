"""Products: what the catalog sells, and the rules for changing them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal

from catalog.domain.errors import ProductInactiveError

CENT = Decimal("0.01")


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Product:
    """A product, priced in one currency. `version` grows by one with every change."""

    id: uuid.UUID
    sku: str
    name: str
    description: str
    category: str
    price: Decimal
    currency: str
    active: bool = True
    version: int = 1
    created_at: datetime = field(default_factory=_now)
    updated_at: datetime = field(default_factory=_now)

    @classmethod
    def new(
        cls,
        *,
        sku: str,
        name: str,
        description: str,
        category: str,
        price: Decimal,
        currency: str,
    ) -> Product:
        """A new, active product."""
        now = _now()
        return cls(
            id=uuid.uuid4(),
            sku=sku,
            name=name,
            description=description,
            category=category,
            price=price.quantize(CENT),
            currency=currency,
            created_at=now,
            updated_at=now,
        )

    def revise(
        self,
        *,
        name: str | None = None,
        description: str | None = None,
        category: str | None = None,
        price: Decimal | None = None,
        currency: str | None = None,
    ) -> Product:
        """The product with the fields given changed, as one new version; a new price is
        refused for an inactive product, as `reprice` refuses it."""
        changes: dict[str, object] = {
            "name": self.name if name is None else name,
            "description": self.description if description is None else description,
            "category": self.category if category is None else category,
        }
        if price is not None or currency is not None:
            if not self.active:
                raise ProductInactiveError(self.id)
            changes["price"] = (self.price if price is None else price).quantize(CENT)
            changes["currency"] = self.currency if currency is None else currency
        return self._next(**changes)

    def is_repriced_from(self, before: Product) -> bool:
        """Whether this version sells at another price than `before` (9.9 is 9.90)."""
        return (self.price, self.currency) != (before.price, before.currency)

    def reprice(self, price: Decimal, currency: str) -> Product:
        """The product at a new price; an inactive product keeps the price it was sold at."""
        if not self.active:
            raise ProductInactiveError(self.id)
        return self._next(price=price.quantize(CENT), currency=currency)

    def deactivate(self) -> Product:
        """The product withdrawn from sale; deactivating twice changes nothing."""
        return self if not self.active else self._next(active=False)

    def _next(self, **changes: object) -> Product:
        return replace(self, version=self.version + 1, updated_at=_now(), **changes)  # type: ignore[arg-type]
