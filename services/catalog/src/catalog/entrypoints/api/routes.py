"""HTTP routes: parse, authorize, call a handler or a query, render."""

from __future__ import annotations

import re
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
    Header(
        max_length=64,
        description=(
            'The product\'s ETag, as a read returned it (`"3"`), or `*`. Compared strongly: '
            'a weak ETag (`W/"3"`) or one this service never issued matches no version '
            "(412); a value that is not one entity tag is a 400."
        ),
    ),
    OneLine,
]

# RFC 9110, section 8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, where etagc is any
# visible ASCII character but DQUOTE, or obs-text (bytes above 0x7F; taken here as any
# character above it, whatever the bytes were decoded as).
_ENTITY_TAG = re.compile(r'(W/)?"([^\x00-\x20"\x7f]*)"')


def _etag(product: Product) -> str:
    return f'"{product.version}"'


def version_in_if_match(if_match: str | None) -> int | None:
    """The version an `If-Match` header names; None for `*` or no header. A 400 problem when
    it is not one entity tag, a 412 when it is one that cannot match a version."""
    if if_match is None:
        return None
    value = if_match.strip(" \t")
    if value == "*":
        return None
    tag = _ENTITY_TAG.fullmatch(value)
    if tag is None:
        # Empty, unquoted, several tags: a malformed precondition is the client's mistake to
        # fix (400), not a version that went stale (412), which a client retries after a read.
        raise Problem(
            400, 'If-Match must be the product\'s ETag as a read returned it, such as "3", or *.'
        )
    weak, opaque = tag.groups()
    # If-Match compares strongly (RFC 9110, section 13.1.1): a weak tag matches nothing. This
    # service's tags are ASCII digits; str.isdigit() alone also takes "²" (int() refuses it)
    # and "٣" (int() reads it as 3).
    if weak or not (opaque.isascii() and opaque.isdigit()):
        raise Problem(412, "If-Match does not name a version of this product.")
    return int(opaque)


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
    expected = version_in_if_match(if_match)
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
        expected_version=version_in_if_match(if_match),
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
    cmd = commands.DeactivateProduct(product_id, version_in_if_match(if_match))
    product = await handlers.deactivate_product(cmd, uow)
    return Response(status_code=204, headers={"ETag": _etag(product)})
