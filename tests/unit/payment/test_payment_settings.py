"""The simulated provider approves any card: production runs it only when told to."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from payment.adapters.provider import SimulatedProvider
from payment.entrypoints.worker import payment_provider
from payment.settings import PaymentSettings
from tests.unit.payment.fakes import FakeAttempts


def test_the_simulator_refuses_to_start_in_production() -> None:
    with pytest.raises(ValidationError, match="PAYMENT_SIMULATOR_ALLOWED"):
        PaymentSettings(shop_environment="prod")


def test_production_runs_the_simulator_when_explicitly_allowed() -> None:
    settings = PaymentSettings(shop_environment="prod", payment_simulator_allowed=True)
    assert settings.payment_provider == "simulator"


@pytest.mark.parametrize("environment", ["local", "dev"])
def test_elsewhere_the_simulator_is_the_default(environment: str) -> None:
    assert PaymentSettings(shop_environment=environment).payment_provider == "simulator"


def test_the_environment_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOP_ENVIRONMENT", "prod")
    with pytest.raises(ValidationError):
        PaymentSettings()
    monkeypatch.setenv("PAYMENT_SIMULATOR_ALLOWED", "true")
    assert PaymentSettings().payment_simulator_allowed


def test_the_worker_builds_the_provider_the_settings_name(monkeypatch: pytest.MonkeyPatch) -> None:
    provider = payment_provider(PaymentSettings(payment_provider="simulator"), FakeAttempts())
    assert isinstance(provider, SimulatedProvider)
    monkeypatch.setenv("PAYMENT_PROVIDER", "acme")
    with pytest.raises(ValidationError, match="payment_provider"):
        PaymentSettings()
