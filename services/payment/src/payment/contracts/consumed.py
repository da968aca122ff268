"""What payment reads of the order saga's step commands, and the commands it makes of them.

A step command payment cannot act on fails its step as `InvalidCommand`, rather than waiting
in the queue for a fix that cannot come.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal, InvalidOperation

from pydantic import BaseModel, ConfigDict

from payment.domain import commands
from payment.domain.model import CENT
from servicekit.codes import CURRENCY_PATTERN
from servicekit.messaging.envelope import UserId
from servicekit.messaging.saga import StepFailedError

_CURRENCY = re.compile(CURRENCY_PATTERN)


class PaymentStepRead(BaseModel):
    """Capture, void and refund: which order."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    order_id: str

    def order(self) -> uuid.UUID:
        """The order the step is for."""
        try:
            return uuid.UUID(self.order_id)
        except ValueError as exc:
            raise StepFailedError("InvalidCommand", f"order_id {self.order_id!r}") from exc

    def to_capture(self) -> commands.CapturePayment:
        return commands.CapturePayment(self.order())

    def to_void(self) -> commands.VoidPayment:
        return commands.VoidPayment(self.order())

    def to_refund(self) -> commands.RefundPayment:
        return commands.RefundPayment(self.order())


class LineRead(BaseModel):
    """What an order's line costs: the authorization's amount is their sum."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    quantity: int
    unit_price: Decimal


class AuthorizePaymentRead(PaymentStepRead):
    # Bounded as payment's events carry it: a payment that could not announce itself is none.
    user_id: UserId
    lines: list[LineRead]
    total: Decimal
    currency: str
    payment_token: str | None = None

    def to_command(self) -> commands.AuthorizePayment:
        """The authorization of the order's total, which must be its lines' sum."""
        if not _CURRENCY.match(self.currency):
            raise StepFailedError("InvalidCommand", f"currency {self.currency!r}")
        try:
            amount = self.total.quantize(CENT)
        except InvalidOperation:  # NaN, infinite, or more digits than money has
            amount = Decimal(0)
        if amount <= 0:
            raise StepFailedError("InvalidCommand", f"total {self.total}")
        if amount != sum((line.unit_price * line.quantity for line in self.lines), Decimal(0)):
            # The order's total is what its lines cost; a total of its own is no order's.
            raise StepFailedError("InvalidCommand", f"total {self.total} is not its lines' sum")
        return commands.AuthorizePayment(
            order_id=self.order(),
            user_id=self.user_id,
            amount=amount,
            currency=self.currency,
            payment_token=self.payment_token,
        )
