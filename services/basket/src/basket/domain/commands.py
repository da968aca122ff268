"""What a customer can ask of their basket."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SetItemQuantity:
    user_id: str
    product_id: uuid.UUID
    quantity: int


@dataclass(frozen=True, slots=True)
class RemoveItem:
    user_id: str
    product_id: uuid.UUID


@dataclass(frozen=True, slots=True)
class ClearBasket:
    user_id: str
