"""`python -m inventory.entrypoints.api` serves the inventory API."""

from inventory.entrypoints.api.app import create_app
from inventory.settings import InventorySettings
from servicekit.app import serve

settings = InventorySettings()
serve(create_app, settings)
