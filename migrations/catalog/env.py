"""Migrations of the `catalog` schema, run online against the service's own database."""

from catalog.adapters.orm import metadata
from catalog.settings import CatalogSettings
from servicekit.migrations import run_migrations

run_migrations(metadata, CatalogSettings())
