"""What routes are given: a unit of work on the basket table, and the catalog."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from basket.adapters.catalog import ProductCatalog
from basket.service_layer.unit_of_work import UnitOfWork


async def _unit_of_work(request: Request) -> UnitOfWork:
    new_uow: Callable[[], UnitOfWork] = request.app.state.new_uow
    return new_uow()


async def _catalog(request: Request) -> ProductCatalog:
    catalog: ProductCatalog = request.app.state.catalog
    return catalog


Baskets = Annotated[UnitOfWork, Depends(_unit_of_work)]
Catalog = Annotated[ProductCatalog, Depends(_catalog)]
