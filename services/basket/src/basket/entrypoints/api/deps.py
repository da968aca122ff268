"""What routes are given: a unit of work on the basket table, and the catalog."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from basket.adapters.catalog import HttpProductCatalog, ProductCatalog
from basket.service_layer.unit_of_work import UnitOfWork
from servicekit.provisions import fresh_unit_of_work, provided

Baskets = Annotated[UnitOfWork, Depends(fresh_unit_of_work)]
Catalog = Annotated[ProductCatalog, Depends(provided(HttpProductCatalog))]
