"""What routes are given: the basket store and the catalog."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from basket.adapters.catalog import ProductCatalog
from basket.adapters.repository import BasketRepository


async def _repository(request: Request) -> BasketRepository:
    repository: BasketRepository = request.app.state.baskets
    return repository


async def _catalog(request: Request) -> ProductCatalog:
    catalog: ProductCatalog = request.app.state.catalog
    return catalog


Baskets = Annotated[BasketRepository, Depends(_repository)]
Catalog = Annotated[ProductCatalog, Depends(_catalog)]
