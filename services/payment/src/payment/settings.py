"""The payment service's settings: the only module that reads the environment."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal, Self

from pydantic import model_validator

from servicekit.settings import PublisherSettings, SagaSettings


class PaymentSettings(PublisherSettings, SagaSettings):
    """Settings of the payment API and worker."""

    service_name: str = "payment"
    payments_table: str = "payments"
    # The simulated provider declines any authorization above this amount.
    payment_limit: Decimal = Decimal("10000.00")
    events_topic: str = "payment-events"
    payment_commands_queue: str = "payment-commands"
    # Set in AWS from the deployment; found by name on a local stack when empty.
    payment_commands_queue_url: str = ""
    # Which provider takes the money. Only the simulator exists so far; a real one is another
    # `PaymentProvider` (adapters/provider.py) chosen here. See infra/README.md.
    payment_provider: Literal["simulator"] = "simulator"
    # The simulator approves any card: in production it runs only when this says so.
    payment_simulator_allowed: bool = False
    shop_environment: str = "local"

    @model_validator(mode="after")
    def _no_silent_simulator_in_production(self) -> Self:
        if (
            self.payment_provider == "simulator"
            and self.shop_environment == "prod"
            and not self.payment_simulator_allowed
        ):
            raise ValueError(
                "the simulated payment provider approves any card: in prod set "
                "PAYMENT_PROVIDER to a real provider, or PAYMENT_SIMULATOR_ALLOWED=true"
            )
        return self
