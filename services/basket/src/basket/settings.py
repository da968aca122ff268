"""The basket's settings: the only module that reads the environment."""

from __future__ import annotations

from servicekit.settings import ServiceSettings


class BasketSettings(ServiceSettings):
    """Settings of the basket API."""

    service_name: str = "basket"
    baskets_table: str = "baskets"
    basket_ttl_days: int = 30
    catalog_url: str = "http://127.0.0.1:8000"
    catalog_timeout_seconds: float = 2.0
    catalog_retries: int = 2
    basket_events_queue: str = "basket-events"
    # Set in AWS from the deployment; found by name on a local stack when empty.
    basket_events_queue_url: str = ""
    ordering_checkouts_queue: str = "ordering-checkouts"
    ordering_checkouts_queue_url: str = ""
