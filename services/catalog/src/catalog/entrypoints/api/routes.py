"""HTTP routes: parse, authorize, call a handler or a query, render."""

from __future__ import annotations

import uuid
from typing import Annotated

import orjson
from fastapi import APIRouter, Header, Query, Response, status

from catalog.domain import commands
from catalog.domain.model import Product
from catalog.entrypoints.api.deps import Uow
from catalog.entrypoints.api.schemas import (
    Category,
    PriceChange,
    ProductCreate,
    ProductList,
    ProductOut,
    ProductPatch,
)
from catalog.service_layer import handlers, queries
from servicekit.auth import AdminUser
from servicekit.cursors import Cursor, PageSize
from servicekit.errors import Problem
from servicekit.lifespans import Engine, Reads
from servicekit.text import OneLine

router = APIRouter(prefix="/catalog", tags=["catalog"])

IfMatch = Annotated[
    str | None,
    Header(max_length=64, description="The product's ETag, as returned by a previous read"),
    OneLine,
]


def _etag(product: Product) -> str:
    return f'"{product.version}"'


def _expected_version(if_match: str | None) -> int | None:
    """The version an `If-Match` header names; None for `*` or no header."""
    if if_match is None or if_match.strip() == "*":
        return None
    value = if_match.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise Problem(412, "If-Match does not name a version of this product.")
    return int(value)


def _render(product: Product, status_code: int = 200, **headers: str) -> Response:
    # The hot path: orjson renders the dataclass as ProductOut documents it, money included
    # (a Decimal becomes its string).
    return Response(
        orjson.dumps(product, default=str, option=orjson.OPT_UTC_Z),
        status_code=status_code,
        media_type="application/json",
        headers={"ETag": _etag(product), **headers},
    )


@router.get("/products", response_model=ProductList, summary="List products for sale")
async def list_products(
    engine: Engine,
    category: Annotated[Category | None, Query()] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=100, description="Search names"), OneLine
    ] = None,
    sort: queries.SortKey = "name",
    limit: PageSize = 20,
    cursor: Cursor = None,
) -> Response:
    page = await queries.list_products(
        engine, category=category, search=q, sort=sort, limit=limit, cursor=cursor
    )
    body = ProductList(items=[ProductOut.of(p) for p in page.items], next_cursor=page.next_cursor)
    return Response(body.model_dump_json(), media_type="application/json")


@router.get("/products/{product_id}", response_model=ProductOut, summary="Get a product")
async def get_product(product_id: uuid.UUID, reads: Reads) -> Response:
    product = await queries.get_product(reads, product_id)
    if product is None:
        raise Problem(404, f"Product {product_id} does not exist.")
    return _render(product)


@router.post(
    "/products",
    response_model=ProductOut,
    status_code=status.HTTP_201_CREATED,
    summary="Create a product (admin)",
)
async def create_product(body: ProductCreate, uow: Uow, _: AdminUser) -> Response:
    product = await handlers.create_product(commands.CreateProduct(**body.model_dump()), uow)
    return _render(product, 201, Location=f"/catalog/products/{product.id}")


@router.patch(
    "/products/{product_id}",
    response_model=ProductOut,
    summary="Change a product's name, description, category or price (admin; If-Match required)",
    description=(
        "Changes the fields sent, as one new version. A new `price` comes with its `currency` "
        "and is published as `catalog.ProductPriceChanged`, as `PUT .../price` publishes it."
    ),
)
async def update_product(
    product_id: uuid.UUID, body: ProductPatch, uow: Uow, _: AdminUser, if_match: IfMatch = None
) -> Response:
    if if_match is None:
        raise Problem(428, "Send If-Match with the product's ETag to change it.")
    expected = _expected_version(if_match)
    if expected is None:
        raise Problem(428, "If-Match must name the product's version, not '*'.")
    cmd = commands.UpdateProduct(
        product_id=product_id, expected_version=expected, **body.model_dump(exclude_unset=True)
    )
    return _render(await handlers.update_product(cmd, uow))


@router.put(
    "/products/{product_id}/price", response_model=ProductOut, summary="Change a price (admin)"
)
async def change_price(
    product_id: uuid.UUID, body: PriceChange, uow: Uow, _: AdminUser, if_match: IfMatch = None
) -> Response:
    cmd = commands.ChangePrice(
        product_id=product_id,
        price=body.price,
        currency=body.currency,
        expected_version=_expected_version(if_match),
    )
    return _render(await handlers.change_price(cmd, uow))


@router.delete(
    "/products/{product_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Withdraw a product from sale (admin)",
)
async def deactivate_product(
    product_id: uuid.UUID, uow: Uow, _: AdminUser, if_match: IfMatch = None
) -> Response:
    cmd = commands.DeactivateProduct(product_id, _expected_version(if_match))
    product = await handlers.deactivate_product(cmd, uow)
    return Response(status_code=204, headers={"ETag": _etag(product)})
