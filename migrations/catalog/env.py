"""Migrations of the `catalog` schema, run online against the service's own database."""

from catalog.adapters.orm import metadata
from catalog.settings import CatalogSettings
from servicekit.migrations import run_migrations

settings = CatalogSettings()
run_migrations(
    "catalog",
    metadata,
    settings.database_url(),
    grant_to=settings.db_grant_to,
    grant_password=settings.db_grant_password.get_secret_value(),
)
