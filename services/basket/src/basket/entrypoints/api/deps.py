"""What routes are given: a unit of work on the basket table, and the catalog."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from basket.adapters.catalog import ProductCatalog
from basket.service_layer.unit_of_work import UnitOfWork
from servicekit.provisions import provided


@dataclass(frozen=True, slots=True)
class Resources:
    """What the app's lifespan opens for its routes."""

    new_uow: Callable[[], UnitOfWork]
    catalog: ProductCatalog


Provided = Annotated[Resources, Depends(provided(Resources))]


async def _unit_of_work(resources: Provided) -> UnitOfWork:
    return resources.new_uow()


async def _catalog(resources: Provided) -> ProductCatalog:
    return resources.catalog


Baskets = Annotated[UnitOfWork, Depends(_unit_of_work)]
Catalog = Annotated[ProductCatalog, Depends(_catalog)]
