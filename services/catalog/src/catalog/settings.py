"""The catalog's settings: the only module that reads the environment."""

from __future__ import annotations

from servicekit.settings import PostgresSettings


class CatalogSettings(PostgresSettings):
    """Settings of the catalog API."""

    service_name: str = "catalog"
    db_schema: str = "catalog"
