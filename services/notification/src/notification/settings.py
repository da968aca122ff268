"""The notification service's settings: the only module that reads the environment."""

from __future__ import annotations

from servicekit.settings import ServiceSettings


class NotificationSettings(ServiceSettings):
    """Settings of the notification API and worker."""

    service_name: str = "notification"
    notifications_table: str = "notifications"
    # How long after its event a customer can still see a message; DynamoDB's TTL deletes
    # older ones.
    notification_ttl_days: int = 90
    notification_events_queue: str = "notification-events"
    # Set in AWS from the deployment; found by name on a local stack when empty.
    notification_events_queue_url: str = ""
