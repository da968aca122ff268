"""The catalog's settings: the only module that reads the environment."""

from __future__ import annotations

from servicekit.settings import PostgresSettings, PublisherSettings


class CatalogSettings(PostgresSettings, PublisherSettings):
    """Settings of the catalog API."""

    service_name: str = "catalog"
    db_schema: str = "catalog"
    events_topic: str = "catalog-events"
