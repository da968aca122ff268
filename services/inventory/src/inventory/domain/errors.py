"""What can go wrong in the inventory, in its own words."""

from __future__ import annotations

from collections.abc import Iterable


class InventoryError(Exception):
    """Base of the inventory's domain errors."""


class SkuNotFoundError(InventoryError):
    def __init__(self, sku: str) -> None:
        super().__init__(f"There is no stock record for SKU {sku}.")
        self.sku = sku


class BelowReservedError(InventoryError):
    def __init__(self, sku: str, on_hand: int, reserved: int) -> None:
        super().__init__(
            f"{reserved} units of {sku} are reserved for orders; on hand cannot be set to "
            f"{on_hand}, below that."
        )
        self.reserved = reserved


class OutOfStockError(InventoryError):
    """An order cannot be reserved: these SKUs are unknown or have too few units."""

    def __init__(self, order_id: str, skus: Iterable[str]) -> None:
        self.skus = tuple(skus)
        super().__init__(f"Not enough stock for order {order_id}: {', '.join(self.skus)}.")
        self.order_id = order_id


class ReservationReleasedError(InventoryError):
    """A reservation arrives for an order whose stock was already released (it came late, or
    was redelivered after the saga compensated): it is not held again."""

    def __init__(self, order_id: str) -> None:
        super().__init__(f"The stock of order {order_id} was already released.")
        self.order_id = order_id
