"""What routes are given: the basket API's state, a unit of work from it per request, and
the catalog."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from basket.adapters.catalog import ProductCatalog
from basket.service_layer.unit_of_work import UnitOfWork
from servicekit.state import ApiState


@dataclass(frozen=True, slots=True, kw_only=True)
class BasketState(ApiState):
    """The basket API while it runs: units of work on the `baskets` table (a checkout's
    `PlaceOrder` sent as soon as it is stored), and the catalog it asks for prices."""

    new_unit_of_work: Callable[[], UnitOfWork]
    catalog: ProductCatalog


State = Annotated[BasketState, Depends(BasketState.of)]


async def _baskets(state: State) -> UnitOfWork:
    return state.new_unit_of_work()


async def _catalog(state: State) -> ProductCatalog:
    return state.catalog


Baskets = Annotated[UnitOfWork, Depends(_baskets)]
Catalog = Annotated[ProductCatalog, Depends(_catalog)]
