import uuid
from decimal import Decimal

import pytest

from catalog.domain.model import Product
from catalog.service_layer.queries import InvalidCursorError, decode_cursor, encode_cursor


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
