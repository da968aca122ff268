import uuid
from decimal import Decimal

import orjson
import pytest

from catalog.adapters.orm import products
from catalog.domain.model import Product
from catalog.entrypoints.api.schemas import ProductOut
from catalog.service_layer.queries import PRODUCT_BY_ID, decode_cursor, encode_cursor
from servicekit.cursors import InvalidCursorError


@pytest.fixture
def product() -> Product:
    return Product.new(
        sku="MUG-001",
        name="Mug",
        description="",
        category="kitchen",
        price=Decimal("12.50"),
        currency="EUR",
    )


@pytest.mark.parametrize(
    ("sort", "attribute"), [("name", "name"), ("-price", "price"), ("created_at", "created_at")]
)
def test_a_cursor_points_after_the_product_it_was_made_from(
    product: Product, sort: str, attribute: str
) -> None:
    value, last_id = decode_cursor(encode_cursor(sort, product), sort)  # type: ignore[arg-type]
    assert (value, last_id) == (getattr(product, attribute), product.id)


def test_a_cursor_from_another_sort_order_is_refused(product: Product) -> None:
    with pytest.raises(InvalidCursorError, match="another sort order"):
        decode_cursor(encode_cursor("name", product), "-price")


@pytest.mark.parametrize("garbage", ["", "!!!", "e30", "eyJzIjogIm5hbWUifQ", str(uuid.uuid4())])
def test_garbage_is_not_a_cursor(garbage: str) -> None:
    with pytest.raises(InvalidCursorError):
        decode_cursor(garbage, "name")


def test_the_hot_read_selects_every_column_of_the_table() -> None:
    selected = PRODUCT_BY_ID.removeprefix("SELECT ").split(" FROM ")[0].split(", ")
    assert [c.strip() for c in selected] == [c.name for c in products.columns]


def test_a_product_renders_as_its_documented_schema(product: Product) -> None:
    assert orjson.loads(
        orjson.dumps(product, default=str, option=orjson.OPT_UTC_Z)
    ) == orjson.loads(ProductOut.of(product).model_dump_json())
