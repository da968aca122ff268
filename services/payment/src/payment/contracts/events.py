"""Payment's published events. Changing a field a consumer could notice means a new VERSION."""

from __future__ import annotations

import uuid
from typing import ClassVar, Self

from pydantic import ConfigDict, Field

from payment.domain.model import Payment
from servicekit.codes import CurrencyCode, ReasonCode
from servicekit.messaging.envelope import Event, Money, UserId

# Money travels as a decimal string with two places, never a float.


class PaymentEvent(Event):
    """What every payment event says: whose order, how much."""

    model_config = ConfigDict(from_attributes=True)

    order_id: uuid.UUID
    user_id: UserId
    amount: Money
    currency: CurrencyCode

    @classmethod
    def of(cls, payment: Payment) -> Self:
        """The event about `payment`: its attributes of the same names."""
        return cls.model_validate(payment)


class PaymentAuthorized(PaymentEvent):
    TYPE: ClassVar[str] = "payment.PaymentAuthorized"


class PaymentDeclined(PaymentEvent):
    TYPE: ClassVar[str] = "payment.PaymentDeclined"

    reason: ReasonCode = Field(description="Why the provider declined, e.g. CARD_DECLINED")

    @classmethod
    def of(cls, payment: Payment) -> Self:
        facts = PaymentEvent.of(payment)
        return cls(**dict(facts), reason=payment.decline_reason or "DECLINED")


class PaymentCaptured(PaymentEvent):
    TYPE: ClassVar[str] = "payment.PaymentCaptured"


class PaymentVoided(PaymentEvent):
    TYPE: ClassVar[str] = "payment.PaymentVoided"


class PaymentRefunded(PaymentEvent):
    TYPE: ClassVar[str] = "payment.PaymentRefunded"


PUBLISHED: tuple[type[Event], ...] = (
    PaymentAuthorized,
    PaymentDeclined,
    PaymentCaptured,
    PaymentVoided,
    PaymentRefunded,
)
