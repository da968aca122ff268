"""What the inventory reads of the catalog's events is bounded as the catalog bounds it: a
product's SKU by the shop's SKU pattern. Anything else is poison."""

import uuid

import pytest
from pydantic import ValidationError

from inventory.contracts.consumed import ProductCreatedRead

CREATED = {"product_id": str(uuid.uuid4()), "sku": "MUG-001"}


@pytest.mark.parametrize("sku", ["mug-001", "MUG 001", "MUG-001\n", "M" * 65, "-MUG"])
def test_a_sku_outside_the_shops_pattern_is_refused(sku: str) -> None:
    ProductCreatedRead.model_validate(CREATED)  # the genuine event is read
    with pytest.raises(ValidationError):
        ProductCreatedRead.model_validate(CREATED | {"sku": sku})
