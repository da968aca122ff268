"""The catalog's JSON: snake_case fields, money as a decimal string beside its currency."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from catalog.domain.model import Product
from servicekit.codes import CurrencyCode, SkuCode
from servicekit.text import Multiline, OneLine

Sku = Annotated[
    SkuCode,
    Field(
        description="Stock keeping unit: upper-case letters, digits and dashes",
        examples=["MUG-001"],
    ),
    OneLine,
]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), OneLine
]
Description = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=2000),
    Field(description="Plain text; line breaks and tabs are kept"),
    Multiline,
]
Category = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,49}$"),
    Field(examples=["kitchen"]),
    OneLine,
]
Price = Annotated[
    Decimal,
    Field(gt=0, le=Decimal("1000000"), max_digits=12, decimal_places=2, examples=["12.50"]),
    # As a number or a decimal string, with at most two places, above 0, at most 1,000,000.
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0, "maximum": 1000000, "multipleOf": 0.01},
                {"type": "string", "pattern": r"^[0-9]{1,7}(\.[0-9]{1,2})?$", "maxLength": 10},
            ],
            "examples": ["12.50"],
        }
    ),
]
Currency = Annotated[
    CurrencyCode,
    Field(description="ISO 4217", examples=["EUR"]),
    OneLine,
]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProductCreate(_Input):
    sku: Sku
    name: Name
    description: Description = ""
    category: Category
    price: Price
    currency: Currency


class ProductPatch(_Input):
    """The fields that change; at least one. A price comes with its currency."""

    name: Name | None = None
    description: Description | None = None
    category: Category | None = None
    price: Price | None = None
    currency: Currency | None = None

    @model_validator(mode="after")
    def _some_change(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("Name at least one field to change.")
        for field in self.model_fields_set:
            if getattr(self, field) is None:
                raise ValueError(f"{field} cannot be null.")
        if len({"price", "currency"} & self.model_fields_set) == 1:
            raise ValueError("Send price and currency together.")
        return self


class PriceChange(_Input):
    price: Price
    currency: Currency


class ProductOut(BaseModel):
    id: uuid.UUID
    sku: str
    name: str
    description: str
    category: str
    price: Decimal
    currency: str
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, product: Product) -> ProductOut:
        return cls.model_construct(**{name: getattr(product, name) for name in cls.model_fields})


class ProductList(BaseModel):
    items: list[ProductOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page"
    )
