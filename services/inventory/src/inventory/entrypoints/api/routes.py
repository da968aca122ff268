"""HTTP routes: parse, authorize, call a handler or a query, render. Administrators only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from inventory.domain import commands
from inventory.domain.model import StockLevel
from inventory.entrypoints.api.deps import Uow
from inventory.entrypoints.api.schemas import StockOut, StockUpdate
from inventory.service_layer import handlers, queries
from servicekit.auth import AdminUser
from servicekit.codes import SKU_PATTERN
from servicekit.errors import Problem
from servicekit.lifespans import Engine
from servicekit.text import OneLine

router = APIRouter(prefix="/inventory", tags=["inventory"])

Sku = Annotated[
    str,
    Path(
        pattern=SKU_PATTERN,
        description="Stock keeping unit: upper-case letters, digits and dashes",
        examples=["MUG-001"],
    ),
    OneLine,
]


def _render(level: StockLevel, status_code: int = 200, **headers: str) -> Response:
    return Response(
        StockOut.of(level).model_dump_json(),
        status_code=status_code,
        media_type="application/json",
        headers={"ETag": f'"{level.version}"', **headers},
    )


@router.get(
    "/stock/{sku}",
    response_model=StockOut,
    summary="Get the stock of a SKU (admin)",
    responses={404: {"description": "The SKU is not counted here"}},
)
async def get_stock(sku: Sku, engine: Engine, _: AdminUser) -> Response:
    level = await queries.get_stock(engine, sku)
    if level is None:
        raise Problem(404, f"There is no stock record for SKU {sku}.")
    return _render(level)


@router.put(
    "/stock/{sku}",
    response_model=StockOut,
    summary="Set the units on hand of a SKU (admin)",
    description=(
        "Sets `on_hand` to the counted number. It cannot go below `reserved` (409). A SKU not "
        "counted yet is created with it (201), so stock can be set before the catalog's "
        "`ProductCreated` reaches the inventory."
    ),
    responses={
        201: {"description": "The SKU was not counted before; it is now", "model": StockOut},
        409: {"description": "More units than that are reserved for orders"},
    },
)
async def set_stock(sku: Sku, body: StockUpdate, uow: Uow, _: AdminUser) -> Response:
    level, created = await handlers.set_on_hand(commands.SetOnHand(sku, body.on_hand), uow)
    if created:
        return _render(level, status.HTTP_201_CREATED, Location=f"/inventory/stock/{sku}")
    return _render(level)
