"""One function per saga step: read the order's payment, let the domain decide, store the
change with its event. Each is idempotent by order id and step: a redelivered command finds
what an earlier delivery stored and gets the same answer, without calling the provider again
for work already recorded.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from payment.adapters.provider import PaymentProvider
from payment.contracts import events
from payment.domain import commands
from payment.domain.errors import (
    AuthorizationMismatchError,
    ConcurrentUpdateError,
    PaymentClosedError,
    PaymentDeclinedError,
    PaymentNotAuthorizedError,
)
from payment.domain.model import Payment, PaymentStatus
from payment.service_layer.unit_of_work import UnitOfWork
from servicekit.unit_of_work import retrying

ATTEMPTS = 5
NOTHING_HELD = "NOTHING_HELD"


@dataclass(frozen=True, slots=True)
class StepResult:
    """How a step ended. `outcome` is the answer, the same for every delivery of a command;
    `changed` says whether this delivery did the work."""

    order_id: uuid.UUID
    outcome: str
    changed: bool


def idempotency_key(order_id: uuid.UUID, step: str) -> str:
    """What the provider deduplicates one order's step by."""
    return f"{order_id}:{step}"


def _authorization(payment: Payment, changed: bool, cmd: commands.AuthorizePayment) -> StepResult:
    """The step's answer: `payment` must be the one `cmd` asks for, as a payment just decided on
    it is (its amount in cents, as the command's is); a stored one may be another command's."""
    if (payment.amount, payment.currency, payment.user_id) != (
        cmd.amount,
        cmd.currency,
        cmd.user_id,
    ):
        # Not answered: the step times out, and the saga's void gives the hold back.
        raise AuthorizationMismatchError(payment.order_id)
    if payment.status is PaymentStatus.DECLINED:
        raise PaymentDeclinedError(payment.order_id, payment.decline_reason or "DECLINED")
    return StepResult(payment.order_id, PaymentStatus.AUTHORIZED.value, changed)


async def authorize_payment(
    cmd: commands.AuthorizePayment, uow: UnitOfWork, provider: PaymentProvider
) -> StepResult:
    """Hold the order's total with the provider, once per order; a decline is final."""
    async with uow:
        stored = await uow.payments.find(cmd.order_id)
        if stored.payment is not None:
            return _authorization(stored.payment, changed=False, cmd=cmd)
        if stored.closed:
            raise PaymentClosedError(cmd.order_id)
        decision = await provider.authorize(cmd, idempotency_key(cmd.order_id, "AuthorizePayment"))
        payment = Payment.decided(cmd, decision)
        event = (
            events.PaymentAuthorized.of(payment)
            if decision.approved
            else events.PaymentDeclined.of(payment)
        )
        uow.payments.add(payment)
        uow.publish(event)
        if await uow.commit():
            return _authorization(payment, changed=True, cmd=cmd)
        # Another delivery of this command stored its payment first, or the order was closed
        # while the provider was deciding, or the write collided with another: look again.
        stored = await uow.payments.find(cmd.order_id)
        if stored.payment is not None:
            return _authorization(stored.payment, changed=False, cmd=cmd)
        if stored.closed:
            if decision.reference is not None:  # the order is being cancelled: give the hold back
                await provider.void(decision.reference, idempotency_key(cmd.order_id, "Closed"))
            raise PaymentClosedError(cmd.order_id)
    # Retrying with the same idempotency key gets the same authorization from the provider.
    raise ConcurrentUpdateError(cmd.order_id)


async def capture_payment(
    cmd: commands.CapturePayment, uow: UnitOfWork, provider: PaymentProvider
) -> StepResult:
    """Take the authorized amount: exactly one capture per order, however often asked."""

    async def capture(uow: UnitOfWork) -> StepResult:
        payment = await uow.payments.get(cmd.order_id)
        if payment is None:
            raise PaymentNotAuthorizedError(cmd.order_id, None)
        captured = payment.capture()
        if captured is payment:
            return StepResult(cmd.order_id, PaymentStatus.CAPTURED.value, changed=False)
        await provider.capture(payment, idempotency_key(cmd.order_id, "CapturePayment"))
        uow.payments.save(captured, payment.status)
        uow.publish(events.PaymentCaptured.of(captured))
        return StepResult(cmd.order_id, PaymentStatus.CAPTURED.value, changed=True)

    return await retrying(
        uow, capture, attempts=ATTEMPTS, conflict=ConcurrentUpdateError(cmd.order_id)
    )


async def void_payment(
    cmd: commands.VoidPayment, uow: UnitOfWork, provider: PaymentProvider
) -> StepResult:
    """Compensate an authorization: afterwards the order holds no money."""
    return await _release(cmd.order_id, "VoidPayment", uow, provider)


async def refund_payment(
    cmd: commands.RefundPayment, uow: UnitOfWork, provider: PaymentProvider
) -> StepResult:
    """Compensate a capture: afterwards the order holds no money."""
    return await _release(cmd.order_id, "RefundPayment", uow, provider)


def _released(payment: Payment) -> str:
    if payment.status in (PaymentStatus.VOIDED, PaymentStatus.REFUNDED):
        return payment.status.value
    return NOTHING_HELD  # declined: no money was ever held


async def _release(
    order_id: uuid.UUID, step: str, uow: UnitOfWork, provider: PaymentProvider
) -> StepResult:
    async def release(uow: UnitOfWork) -> StepResult:
        payment = await uow.payments.get(order_id)
        if payment is None:
            # Nothing held. Close the order so that a late authorization cannot hold any;
            # if one was stored meanwhile, the commit fails: go round again and release it.
            uow.payments.close(order_id)
            return StepResult(order_id, NOTHING_HELD, changed=False)
        released = payment.release()
        if released is payment:
            return StepResult(order_id, _released(payment), changed=False)
        key = idempotency_key(order_id, step)
        event: events.PaymentEvent
        if released.status is PaymentStatus.VOIDED:
            await provider.void(payment.provider_reference or "", key)
            event = events.PaymentVoided.of(released)
        else:
            await provider.refund(payment, key)
            event = events.PaymentRefunded.of(released)
        uow.payments.save(released, payment.status)
        uow.publish(event)
        return StepResult(order_id, released.status.value, changed=True)

    return await retrying(uow, release, attempts=ATTEMPTS, conflict=ConcurrentUpdateError(order_id))


async def get_payment(
    order_id: uuid.UUID, uow: UnitOfWork, *, viewer: str, is_admin: bool
) -> Payment | None:
    """The order's payment if `viewer` may see it: its owner or an administrator."""
    async with uow:
        payment = await uow.payments.get(order_id)
    if payment is None or not (is_admin or payment.user_id == viewer):
        return None
    return payment
