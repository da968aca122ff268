"""HTTP routes: parse, authorize, call, render."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from payment.entrypoints.api.deps import Payments
from payment.entrypoints.api.schemas import PaymentOut
from payment.service_layer import handlers
from servicekit.auth import CurrentUser
from servicekit.errors import Problem

router = APIRouter(prefix="/payments", tags=["payments"])


@router.get(
    "/{order_id}",
    response_model=PaymentOut,
    summary="The payment of one of your orders (any order, for an administrator)",
    responses={404: {"description": "No payment for this order that you may see"}},
)
async def get_payment(order_id: uuid.UUID, user: CurrentUser, payments: Payments) -> PaymentOut:
    payment = await handlers.get_payment(
        order_id, payments, viewer=user.user_id, is_admin=user.is_admin
    )
    if payment is None:
        # The same answer whether the order has no payment or someone else's: a customer
        # cannot learn that another customer's order exists.
        raise Problem(404, f"No payment for order {order_id}.")
    return PaymentOut.of(payment)
