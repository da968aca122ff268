"""Migrations of the `inventory` schema, run online against the service's own database."""

from inventory.adapters.orm import metadata
from inventory.settings import InventorySettings
from servicekit.migrations import run_migrations

run_migrations(metadata, InventorySettings())
