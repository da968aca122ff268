"""The order saga's messages: the execution's input, which every step command is built from
(see `infra/statemachine/`), and the commands for ordering's own steps. The other services
read what they need of the input through their own models, checked against this one."""

from __future__ import annotations

import uuid
from typing import Self

from pydantic import BaseModel, ConfigDict

from ordering.contracts.events import Line
from ordering.domain import commands
from ordering.domain.model import CancelReason, Order
from servicekit.messaging.envelope import Money


class _Saga(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class OrderSaga(_Saga):
    """The execution's input."""

    order_id: uuid.UUID
    user_id: str
    lines: list[Line]
    total: Money
    currency: str
    payment_token: str
    # The W3C trace context of the order's start, copied into every step command so each step
    # continues the checkout's trace; null when tracing is off (the key is always there, as
    # the state machine's paths require it).
    traceparent: str | None
    # The execution's secret (`servicekit.messaging.saga.SagaKey`), which the state machine
    # hashes into each command's proof; no command carries it.
    secret: str

    @classmethod
    def of(
        cls, order: Order, payment_token: str, secret: str, traceparent: str | None = None
    ) -> Self:
        return cls(
            order_id=order.id,
            user_id=order.user_id,
            lines=Line.all_of(order),
            total=order.total,
            currency=order.currency,
            payment_token=payment_token,
            traceparent=traceparent,
            secret=secret,
        )


class ConfirmOrderRead(_Saga):
    order_id: uuid.UUID

    def to_command(self) -> commands.ConfirmOrder:
        return commands.ConfirmOrder(self.order_id)


class CancelOrderRead(_Saga):
    order_id: uuid.UUID
    # Chosen by the state machine from the failure it compensates (`CancelReason`).
    reason: str | None = None

    def to_command(self) -> commands.CancelOrder:
        """Cancel for the reason named, or as failed when it names none ordering knows."""
        try:
            reason = CancelReason(self.reason or "FAILED")
        except ValueError:
            reason = CancelReason.FAILED
        return commands.CancelOrder(self.order_id, reason)
