"""In-memory stand-ins for payment's table and provider."""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from payment.adapters.provider import SimulatedProvider
from payment.domain.model import AuthorizationDecision, AuthorizationRequest, Payment, PaymentStatus
from servicekit.messaging.envelope import Event

LIMIT = Decimal("10000.00")


class FakeAttempts:
    def __init__(self) -> None:
        self.seen: set[tuple[uuid.UUID, str]] = set()

    async def first(self, order_id: uuid.UUID, what: str) -> bool:
        if (order_id, what) in self.seen:
            return False
        self.seen.add((order_id, what))
        return True


class FakePayments:
    """The table's conditional writes, in memory; `before_write` lets a test race a write."""

    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Payment] = {}
        self.closed: set[uuid.UUID] = set()
        self.outbox: list[Event] = []
        self.before_write: Callable[[], None] | None = None

    def _race(self) -> None:
        if self.before_write is not None:
            race, self.before_write = self.before_write, None
            race()

    async def get(self, order_id: uuid.UUID) -> Payment | None:
        return self.rows.get(order_id)

    async def is_closed(self, order_id: uuid.UUID) -> bool:
        return order_id in self.closed

    async def add(self, payment: Payment, event: Event) -> bool:
        self._race()
        if payment.order_id in self.rows or payment.order_id in self.closed:
            return False
        self.rows[payment.order_id] = payment
        self.outbox.append(event)
        return True

    async def save(self, payment: Payment, expected: PaymentStatus, event: Event) -> bool:
        self._race()
        stored = self.rows.get(payment.order_id)
        if stored is None or stored.status is not expected:
            return False
        self.rows[payment.order_id] = payment
        self.outbox.append(event)
        return True

    async def close(self, order_id: uuid.UUID) -> bool:
        self._race()
        if order_id in self.rows:
            return False
        self.closed.add(order_id)
        return True


@dataclass
class CountingProvider:
    """The simulated provider, with a record of what it was asked."""

    inner: SimulatedProvider = field(
        default_factory=lambda: SimulatedProvider(FakeAttempts(), LIMIT)
    )
    calls: list[str] = field(default_factory=list)

    async def authorize(self, request: AuthorizationRequest) -> AuthorizationDecision:
        self.calls.append("authorize")
        return await self.inner.authorize(request)

    async def capture(self, payment: Payment, idempotency_key: str) -> None:
        self.calls.append("capture")

    async def void(self, reference: str, idempotency_key: str) -> None:
        self.calls.append(f"void {reference}")

    async def refund(self, payment: Payment, idempotency_key: str) -> None:
        self.calls.append("refund")
