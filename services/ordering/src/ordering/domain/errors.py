"""What can go wrong with an order."""

from __future__ import annotations

import uuid


class OrderingError(Exception):
    """Base of the ordering service's domain errors."""


class OrderNotFoundError(OrderingError):
    def __init__(self, order_id: uuid.UUID) -> None:
        super().__init__(f"Order {order_id} does not exist.")


class OrderNotCancellableError(OrderingError):
    def __init__(self, order_id: uuid.UUID, why: str) -> None:
        super().__init__(f"Order {order_id} cannot be cancelled: {why}.")


class OrderNotConfirmableError(OrderingError):
    def __init__(self, order_id: uuid.UUID, why: str) -> None:
        super().__init__(f"Order {order_id} cannot be confirmed: {why}.")


class TimelineFullError(OrderingError):
    """The order's timeline holds as many entries as any saga could give it."""

    def __init__(self, order_id: uuid.UUID, limit: int) -> None:
        super().__init__(f"Order {order_id}'s timeline already holds {limit} entries.")
        self.order_id = order_id
