"""`python -m ordering.entrypoints.api` serves the ordering API."""

from ordering.entrypoints.api.app import create_app
from ordering.settings import OrderingSettings
from servicekit.app import serve

settings = OrderingSettings()
serve(create_app, settings)
