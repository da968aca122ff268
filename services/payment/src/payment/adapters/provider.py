"""The payment provider, behind a Protocol, and the simulated one the shop runs against.

The simulator behaves on cue, by card token: `tok_decline` is declined, `tok_flaky` fails
once per order and then succeeds, `tok_timeout` never answers, and an amount above the
configured limit is declined. Any other token is authorized. What it must remember between
attempts (the flaky card's first failure) it keeps in the payments table, so that the
memory survives a worker restart and is shared by every worker.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import ClientError

from payment.domain.commands import AuthorizePayment
from payment.domain.errors import ProviderNoAnswerError, ProviderUnavailableError
from payment.domain.model import AuthorizationDecision, Payment

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

DECLINING_CARD = "tok_decline"
FLAKY_CARD = "tok_flaky"
SILENT_CARD = "tok_timeout"

# Derives the simulator's references from idempotency keys: the same key, the same reference.
_REFERENCES = uuid.UUID("6f1f2a57-0c55-4d0e-9a3c-3b1f4f7e2a10")


class PaymentProvider(Protocol):
    """Holds, takes and gives back money. Every call carries an idempotency key, so that a
    call repeated after a crash does its work once."""

    async def authorize(
        self, request: AuthorizePayment, idempotency_key: str
    ) -> AuthorizationDecision:
        """Hold `request.amount`, or say why not. Raises `ProviderUnavailableError` when it
        may work if tried again, `ProviderNoAnswerError` when no answer came."""
        ...

    async def capture(self, payment: Payment, idempotency_key: str) -> None:
        """Take the held amount."""
        ...

    async def void(self, reference: str, idempotency_key: str) -> None:
        """Release a hold."""
        ...

    async def refund(self, payment: Payment, idempotency_key: str) -> None:
        """Give back a captured amount."""
        ...


class AttemptLog(Protocol):
    async def first(self, order_id: uuid.UUID, what: str) -> bool:
        """Record `what` for the order; True only the first time."""
        ...


class SimulatedProvider:
    """A provider that declines and fails on cue; see the module's docstring."""

    def __init__(self, attempts: AttemptLog, limit: Decimal) -> None:
        self._attempts = attempts
        self._limit = limit

    async def authorize(
        self, request: AuthorizePayment, idempotency_key: str
    ) -> AuthorizationDecision:
        token = request.payment_token
        if token == SILENT_CARD:
            raise ProviderNoAnswerError(request.order_id)
        if token == FLAKY_CARD and await self._attempts.first(request.order_id, "flaky"):
            raise ProviderUnavailableError(f"the provider failed for order {request.order_id}")
        if not token:
            return AuthorizationDecision(approved=False, decline_reason="NO_PAYMENT_METHOD")
        if token == DECLINING_CARD:
            return AuthorizationDecision(approved=False, decline_reason="CARD_DECLINED")
        if request.amount > self._limit:
            return AuthorizationDecision(approved=False, decline_reason="AMOUNT_OVER_LIMIT")
        reference = uuid.uuid5(_REFERENCES, idempotency_key)
        return AuthorizationDecision(approved=True, reference=f"sim_{reference.hex}")

    async def capture(self, payment: Payment, idempotency_key: str) -> None:
        return None  # the simulator's holds are always there to be taken

    async def void(self, reference: str, idempotency_key: str) -> None:
        return None

    async def refund(self, payment: Payment, idempotency_key: str) -> None:
        return None


class DynamoAttemptLog:
    """The simulator's memory: one item per order and cue, written once."""

    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self._table = table

    async def first(self, order_id: uuid.UUID, what: str) -> bool:
        try:
            await self._client.put_item(
                TableName=self._table,
                Item={"pk": {"S": f"ORDER#{order_id}"}, "sk": {"S": f"PROVIDER#{what}"}},
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True
