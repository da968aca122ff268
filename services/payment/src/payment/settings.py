"""The payment service's settings: the only module that reads the environment."""

from __future__ import annotations

from decimal import Decimal

from servicekit.settings import ServiceSettings


class PaymentSettings(ServiceSettings):
    """Settings of the payment API and worker."""

    service_name: str = "payment"
    payments_table: str = "payments"
    # The simulated provider declines any authorization above this amount.
    payment_limit: Decimal = Decimal("10000.00")
    events_topic: str = "payment-events"
    payment_commands_queue: str = "payment-commands"
    # Set in AWS from the deployment; found by name on a local stack when empty.
    events_topic_arn: str = ""
    payment_commands_queue_url: str = ""
