"""What can go wrong with a payment."""

from __future__ import annotations

import uuid


class PaymentError(Exception):
    """Base of the payment's domain errors."""


class PaymentDeclinedError(PaymentError):
    def __init__(self, order_id: uuid.UUID, reason: str) -> None:
        super().__init__(f"The payment for order {order_id} was declined: {reason}.")
        self.reason = reason


class PaymentNotAuthorizedError(PaymentError):
    """Capture needs a standing authorization."""

    def __init__(self, order_id: uuid.UUID, status: str | None) -> None:
        held = f"is {status}" if status else "was never authorized"
        super().__init__(f"The payment for order {order_id} {held}; there is nothing to capture.")


class PaymentClosedError(PaymentError):
    """The order's payment was released before any authorization arrived; none may now."""

    def __init__(self, order_id: uuid.UUID) -> None:
        super().__init__(f"Order {order_id} was compensated already; it takes no authorization.")


class AuthorizationMismatchError(PaymentError):
    """The order's stored authorization is for another amount, currency or customer than the
    saga asks for: it is not this order's to capture."""

    def __init__(self, order_id: uuid.UUID) -> None:
        super().__init__(f"The authorization stored for order {order_id} is not the order's.")


class ConcurrentUpdateError(PaymentError):
    def __init__(self, order_id: uuid.UUID) -> None:
        super().__init__(f"The payment for order {order_id} kept changing; try again.")


class ProviderUnavailableError(PaymentError):
    """The provider failed this time; the same request may succeed if sent again."""


class ProviderNoAnswerError(PaymentError):
    """The provider never answered; nobody knows what it did."""

    def __init__(self, order_id: uuid.UUID) -> None:
        super().__init__(f"The provider did not answer for order {order_id}.")
        self.order_id = order_id
