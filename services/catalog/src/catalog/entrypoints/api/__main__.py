"""`python -m catalog.entrypoints.api` serves the catalog API."""

from catalog.entrypoints.api.app import create_app
from catalog.settings import CatalogSettings
from servicekit.app import serve

settings = CatalogSettings()
serve(create_app, settings)
