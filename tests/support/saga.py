"""The saga key the tests' workers run with, and the proofs its executions carry."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import SecretStr

from servicekit.messaging.saga import SagaKey
from shopctl.bootstrap import fill_step_timeouts

ROOT = Path(__file__).resolve().parents[2]
SAGA_DEFINITION = ROOT / "infra" / "statemachine" / "order-saga.asl.json"

SAGA_KEY = "test-only-saga-key-0123456789abcdef"
KEY = SagaKey(SecretStr(SAGA_KEY))


def secret(order_id: str) -> str:
    """The secret ordering starts the execution for `order_id` with."""
    return KEY.secret(order_id)


def proof_expression() -> str:
    """How the shop's state machine computes a command's proof, read from its definition."""
    states = json.loads(fill_step_timeouts(SAGA_DEFINITION.read_text(), 60))["States"]
    return str(states["ReserveStock"]["Parameters"]["MessageBody"]["proof.$"])
