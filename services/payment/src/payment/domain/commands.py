"""The saga steps payment runs, as the service's own commands."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class AuthorizePayment:
    order_id: uuid.UUID
    user_id: str
    amount: Decimal
    currency: str
    payment_token: str | None


@dataclass(frozen=True, slots=True)
class CapturePayment:
    order_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class VoidPayment:
    """Compensates an authorization: the order will hold no money."""

    order_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class RefundPayment:
    """Compensates a capture: the order will hold no money."""

    order_id: uuid.UUID
