"""`python -m payment.entrypoints.api` serves the payment API."""

from payment.entrypoints.api.app import create_app
from payment.settings import PaymentSettings
from servicekit.app import serve

settings = PaymentSettings()
serve(create_app, settings)
