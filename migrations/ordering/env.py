"""Migrations of the `ordering` schema, run online against the service's own database."""

from ordering.adapters.orm import metadata
from ordering.settings import OrderingSettings
from servicekit.migrations import run_migrations

settings = OrderingSettings()
run_migrations(
    "ordering",
    metadata,
    settings.database_url(),
    grant_to=settings.db_grant_to,
    grant_password=settings.db_grant_password.get_secret_value(),
)
