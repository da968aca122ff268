"""What can go wrong with a basket."""

from __future__ import annotations

import uuid


class BasketError(Exception):
    """Base of the basket's domain errors."""


class ProductUnavailableError(BasketError):
    def __init__(self, product_id: uuid.UUID, reason: str) -> None:
        super().__init__(f"Product {product_id} {reason}.")
        self.product_id = product_id


class CurrencyMismatchError(BasketError):
    def __init__(self, basket: str, product: str) -> None:
        super().__init__(f"The basket is priced in {basket}; this product is priced in {product}.")


class BasketFullError(BasketError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"A basket holds at most {limit} different products.")


class ConcurrentUpdateError(BasketError):
    def __init__(self) -> None:
        super().__init__("The basket kept changing while it was being updated; try again.")


class CatalogUnavailableError(BasketError):
    def __init__(self) -> None:
        super().__init__("The catalog cannot be reached to check the product; try again shortly.")


class BasketFrozenError(BasketError):
    def __init__(self, order_id: uuid.UUID) -> None:
        super().__init__(
            f"The basket is checked out as order {order_id}; it changes again once that order "
            "is confirmed or cancelled."
        )
        self.order_id = order_id


class EmptyBasketError(BasketError):
    def __init__(self) -> None:
        super().__init__("The basket is empty.")


class LinesUnavailableError(BasketError):
    def __init__(self, skus: list[str]) -> None:
        super().__init__(f"No longer for sale: {', '.join(skus)}. Remove them to check out.")


class IdempotencyKeyReusedError(BasketError):
    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was used for a checkout with another body; use a new key "
            "for a new checkout."
        )
