"""Migrations of the `ordering` schema, run online against the service's own database."""

from ordering.adapters.orm import metadata
from ordering.settings import OrderingSettings
from servicekit.migrations import run_migrations

run_migrations(metadata, OrderingSettings())
