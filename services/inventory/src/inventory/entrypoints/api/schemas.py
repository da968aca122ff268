"""The inventory's JSON: counts as integers, snake_case fields."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from inventory.domain.model import MAX_ON_HAND, StockLevel


class StockUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on_hand: Annotated[
        StrictInt,
        Field(
            ge=0,
            le=MAX_ON_HAND,
            description="Units in the warehouse; not below what orders have reserved",
            examples=[25],
        ),
    ]


class StockOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    sku: str
    on_hand: int
    reserved: int = Field(description="Units held for orders not yet confirmed")
    available: int = Field(description="on_hand - reserved: what new orders may reserve")
    version: int = Field(description="Grows with every change; also the ETag")
    updated_at: datetime

    @classmethod
    def of(cls, level: StockLevel) -> StockOut:
        return cls.model_validate(level)
