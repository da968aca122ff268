"""In-memory stand-ins for payment's table and provider."""

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from payment.adapters.provider import SimulatedProvider
from payment.adapters.repository import StoredOrder
from payment.domain.commands import AuthorizePayment
from payment.domain.model import AuthorizationDecision, Payment, PaymentStatus
from servicekit.testing import InMemoryUnitOfWork

LIMIT = Decimal("10000.00")


class FakeAttempts:
    def __init__(self) -> None:
        self.seen: set[tuple[uuid.UUID, str]] = set()

    async def first(self, order_id: uuid.UUID, what: str) -> bool:
        if (order_id, what) in self.seen:
            return False
        self.seen.add((order_id, what))
        return True


class FakePaymentTable:
    """The table's conditional writes, staged into the unit of work; `reads` names each read,
    as each is one request to the table."""

    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self.uow = uow
        self.rows: dict[uuid.UUID, Payment] = {}
        self.closed: set[uuid.UUID] = set()
        self.reads: list[str] = []

    async def get(self, order_id: uuid.UUID) -> Payment | None:
        self.reads.append("get")
        return self.rows.get(order_id)

    async def find(self, order_id: uuid.UUID) -> StoredOrder:
        self.reads.append("find")
        return StoredOrder(self.rows.get(order_id), order_id in self.closed)

    def add(self, payment: Payment) -> None:
        def new() -> bool:
            return payment.order_id not in self.rows and payment.order_id not in self.closed

        self.uow.stage(lambda: self.rows.__setitem__(payment.order_id, payment), new)

    def save(self, payment: Payment, expected: PaymentStatus) -> None:
        def unchanged() -> bool:
            stored = self.rows.get(payment.order_id)
            return stored is not None and stored.status is expected

        self.uow.stage(lambda: self.rows.__setitem__(payment.order_id, payment), unchanged)

    def close(self, order_id: uuid.UUID) -> None:
        self.uow.stage(lambda: self.closed.add(order_id), lambda: order_id not in self.rows)


class FakePayments(InMemoryUnitOfWork):
    """Payment's unit of work in memory; `before_commit` lets a test race a write."""

    def __init__(self) -> None:
        super().__init__()
        self.payments = FakePaymentTable(self)
        self.rows = self.payments.rows
        self.closed = self.payments.closed
        self.reads = self.payments.reads


@dataclass
class CountingProvider:
    """The simulated provider, with a record of what it was asked."""

    inner: SimulatedProvider = field(
        default_factory=lambda: SimulatedProvider(FakeAttempts(), LIMIT)
    )
    calls: list[str] = field(default_factory=list)

    async def authorize(
        self, request: AuthorizePayment, idempotency_key: str
    ) -> AuthorizationDecision:
        self.calls.append("authorize")
        return await self.inner.authorize(request, idempotency_key)

    async def capture(self, payment: Payment, idempotency_key: str) -> None:
        self.calls.append("capture")

    async def void(self, reference: str, idempotency_key: str) -> None:
        self.calls.append(f"void {reference}")

    async def refund(self, payment: Payment, idempotency_key: str) -> None:
        self.calls.append("refund")
