"""The catalog's settings: the only module that reads the environment."""

from __future__ import annotations

from servicekit.settings import PostgresSettings


class CatalogSettings(PostgresSettings):
    """Settings of the catalog API."""

    service_name: str = "catalog"
    db_schema: str = "catalog"
    events_topic: str = "catalog-events"
    # Set in AWS from the deployment; found by name on a local stack when empty.
    events_topic_arn: str = ""
