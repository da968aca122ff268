"""HTTP routes. Every route works on the caller's own basket; there is no other to name."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Response, status

from basket.domain import commands
from basket.entrypoints.api.deps import Baskets, Catalog
from basket.entrypoints.api.schemas import BasketOut, CheckoutIn, CheckoutOut, ItemQuantity
from basket.service_layer import handlers
from servicekit.auth import CurrentUser
from servicekit.telemetry import annotate_span
from servicekit.text import OneLine

router = APIRouter(prefix="/basket", tags=["basket"])


@router.get("", response_model=BasketOut, summary="Your basket, with line and basket totals")
async def get_basket(user: CurrentUser, baskets: Baskets) -> BasketOut:
    return BasketOut.of(await handlers.get_basket(user.user_id, baskets))


@router.put(
    "/items/{product_id}",
    response_model=BasketOut,
    summary="Set how many of a product are in your basket, at its current price",
)
async def set_item_quantity(
    product_id: uuid.UUID, body: ItemQuantity, user: CurrentUser, baskets: Baskets, catalog: Catalog
) -> BasketOut:
    cmd = commands.SetItemQuantity(user.user_id, product_id, body.quantity)
    return BasketOut.of(await handlers.set_item_quantity(cmd, baskets, catalog))


@router.delete(
    "/items/{product_id}", response_model=BasketOut, summary="Take a product out of your basket"
)
async def remove_item(product_id: uuid.UUID, user: CurrentUser, baskets: Baskets) -> BasketOut:
    cmd = commands.RemoveItem(user.user_id, product_id)
    return BasketOut.of(await handlers.remove_item(cmd, baskets))


@router.delete("", status_code=status.HTTP_204_NO_CONTENT, summary="Empty your basket")
async def clear_basket(user: CurrentUser, baskets: Baskets) -> Response:
    await handlers.clear_basket(commands.ClearBasket(user.user_id), baskets)
    return Response(status_code=204)


IdempotencyKey = Annotated[
    str,
    Header(
        pattern=r"^[A-Za-z0-9_.:-]{1,128}$",
        description="Chosen by the client, unique per checkout attempt; a retry with the same "
        "key and body returns the same order; the same key with another body is a 422",
    ),
    OneLine,
]


@router.post(
    "/checkout",
    response_model=CheckoutOut,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Check out: the order is accepted now and placed asynchronously",
)
async def check_out(
    body: CheckoutIn,
    user: CurrentUser,
    baskets: Baskets,
    response: Response,
    idempotency_key: IdempotencyKey,
) -> CheckoutOut:
    address = body.shipping_address
    cmd = commands.CheckOut(
        user_id=user.user_id,
        idempotency_key=idempotency_key,
        payment_token=body.payment_token,
        shipping_address=commands.ShippingAddress(**address.model_dump()) if address else None,
    )
    order_id = await handlers.check_out(cmd, baskets)
    # What `shopctl trace ORDER_ID` finds the order's trace by.
    annotate_span({"shop.order_id": str(order_id)})
    response.headers["Location"] = f"/orders/{order_id}"
    return CheckoutOut(order_id=order_id, status="PENDING")
