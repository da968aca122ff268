"""A payment: one per order, moving through the states money can be in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from payment.domain.commands import AuthorizePayment
from payment.domain.errors import PaymentNotAuthorizedError

CENT = Decimal("0.01")


def _now() -> datetime:
    return datetime.now(UTC)


class PaymentStatus(StrEnum):
    AUTHORIZED = "AUTHORIZED"
    DECLINED = "DECLINED"
    CAPTURED = "CAPTURED"
    VOIDED = "VOIDED"
    REFUNDED = "REFUNDED"


@dataclass(frozen=True, slots=True)
class AuthorizationDecision:
    """The provider's answer: a reference to the hold, or the reason there is none."""

    approved: bool
    reference: str | None = None
    decline_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Payment:
    """The money an order holds. The state only moves forward: AUTHORIZED to CAPTURED or
    VOIDED, CAPTURED to REFUNDED; DECLINED, VOIDED and REFUNDED are final."""

    order_id: uuid.UUID
    user_id: str
    amount: Decimal
    currency: str
    status: PaymentStatus
    provider_reference: str | None
    decline_reason: str | None
    created_at: datetime
    updated_at: datetime
    authorized_at: datetime | None = None
    captured_at: datetime | None = None
    voided_at: datetime | None = None
    refunded_at: datetime | None = None

    @classmethod
    def decided(cls, request: AuthorizePayment, decision: AuthorizationDecision) -> Payment:
        """The payment the provider's decision on `request` leaves."""
        now = _now()
        approved = decision.approved
        return cls(
            order_id=request.order_id,
            user_id=request.user_id,
            amount=request.amount.quantize(CENT),
            currency=request.currency,
            status=PaymentStatus.AUTHORIZED if approved else PaymentStatus.DECLINED,
            provider_reference=decision.reference,
            decline_reason=None if approved else (decision.decline_reason or "DECLINED"),
            created_at=now,
            updated_at=now,
            authorized_at=now if approved else None,
        )

    def capture(self) -> Payment:
        """The payment with the held amount taken; a payment captured before stays as it is."""
        if self.captured_at is not None:
            return self  # captured already (and perhaps refunded since): never twice
        if self.status is not PaymentStatus.AUTHORIZED:
            raise PaymentNotAuthorizedError(self.order_id, self.status)
        now = _now()
        return replace(self, status=PaymentStatus.CAPTURED, captured_at=now, updated_at=now)

    def release(self) -> Payment:
        """The payment holding nothing: an authorization voided, a capture refunded.

        Both compensations end here, because both mean "this order is being cancelled": a
        refund that finds the capture never happened voids the authorization rather than
        leave it standing, and a payment that holds nothing stays as it is.
        """
        now = _now()
        if self.status is PaymentStatus.AUTHORIZED:
            return replace(self, status=PaymentStatus.VOIDED, voided_at=now, updated_at=now)
        if self.status is PaymentStatus.CAPTURED:
            return replace(self, status=PaymentStatus.REFUNDED, refunded_at=now, updated_at=now)
        return self
