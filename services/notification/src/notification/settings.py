"""The notification service's settings: the only module that reads the environment."""

from __future__ import annotations

from servicekit.settings import ServiceSettings


class NotificationSettings(ServiceSettings):
    """Settings of the notification API and worker."""

    service_name: str = "notification"
    notifications_table: str = "notifications"
    # How long a customer can look back; DynamoDB's TTL deletes older messages.
    notification_ttl_days: int = 90
    notification_events_queue: str = "notification-events"
    # Set in AWS from the deployment; found by name on a local stack when empty.
    notification_events_queue_url: str = ""
