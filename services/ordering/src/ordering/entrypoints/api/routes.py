"""HTTP routes. A customer sees only their own orders; another's order does not exist."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from ordering.domain import commands
from ordering.entrypoints.api.schemas import OrderList, OrderOut
from ordering.service_layer import handlers, queries
from ordering.service_layer.unit_of_work import SqlUnitOfWork, UnitOfWork
from servicekit.auth import CurrentUser
from servicekit.cursors import Cursor, PageSize
from servicekit.errors import Problem
from servicekit.lifespans import Engine, Reads

router = APIRouter(prefix="/orders", tags=["orders"])


async def _unit_of_work(engine: Engine) -> UnitOfWork:
    return SqlUnitOfWork(engine)


Uow = Annotated[UnitOfWork, Depends(_unit_of_work)]


@router.get("", response_model=OrderList, summary="Your orders, newest first")
async def list_orders(
    user: CurrentUser,
    engine: Engine,
    limit: PageSize = 20,
    cursor: Cursor = None,
) -> OrderList:
    page = await queries.list_orders(engine, user.user_id, limit, cursor)
    return OrderList(items=[OrderOut.of(o) for o in page.items], next_cursor=page.next_cursor)


@router.get("/{order_id}", response_model=OrderOut, summary="One of your orders, with its timeline")
async def get_order(order_id: uuid.UUID, user: CurrentUser, reads: Reads) -> Response:
    found = await queries.get_order(reads, order_id)
    if found is None or (found[0].user_id != user.user_id and not user.is_admin):
        raise Problem(404, f"Order {order_id} does not exist.")
    order, timeline = found
    # Built and checked once as OrderOut, rendered as it documents (no second validation).
    return Response(OrderOut.of(order, timeline).model_dump_json(), media_type="application/json")


@router.post(
    "/{order_id}/cancel",
    response_model=OrderOut,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Ask to cancel a pending order; it is cancelled when the saga reaches confirmation",
)
async def cancel_order(
    order_id: uuid.UUID, user: CurrentUser, uow: Uow, response: Response
) -> OrderOut:
    order = await handlers.request_cancellation(
        commands.RequestCancellation(order_id, user.user_id), uow
    )
    if order.status.value == "CANCELLED":
        response.status_code = status.HTTP_200_OK
    return OrderOut.of(order)
