"""`python -m basket.entrypoints.api` serves the basket API."""

from basket.entrypoints.api.app import create_app
from basket.settings import BasketSettings
from servicekit.app import serve

settings = BasketSettings()
serve(create_app, settings)
