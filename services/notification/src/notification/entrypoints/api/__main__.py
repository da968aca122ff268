"""`python -m notification.entrypoints.api` serves the notification API."""

from notification.entrypoints.api.app import create_app
from notification.settings import NotificationSettings
from servicekit.app import serve

settings = NotificationSettings()
serve(create_app, settings)
