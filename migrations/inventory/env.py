"""Migrations of the `inventory` schema, run online against the service's own database."""

from inventory.adapters.orm import metadata
from inventory.settings import InventorySettings
from servicekit.migrations import run_migrations

settings = InventorySettings()
run_migrations(
    "inventory",
    metadata,
    settings.database_url(),
    grant_to=settings.db_grant_to,
    grant_password=settings.db_grant_password.get_secret_value(),
)
