"""Ordering's repository on the real PostgreSQL: a timeline entry is written only beside a
stored order, in one statement; a step outcome only while the timeline has room, however
many are written at once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from ordering.adapters.orm import order_timeline
from ordering.adapters.repository import SqlOrderRepository
from ordering.domain.errors import TimelineFullError
from ordering.domain.model import Order, OrderLine, TimelineEntry
from ordering.settings import OrderingSettings
from servicekit.db import create_engine

pytestmark = pytest.mark.integration


@pytest.fixture
async def engine(ordering_env: dict[str, str]) -> AsyncIterator[AsyncEngine]:
    settings = OrderingSettings.model_validate({k.lower(): v for k, v in ordering_env.items()})
    engine = create_engine(settings, "ordering")
    yield engine
    await engine.dispose()


async def _entries(engine: AsyncEngine, order_id: uuid.UUID) -> int:
    async with engine.connect() as connection:
        counted = await connection.execute(
            select(func.count()).where(order_timeline.c.order_id == order_id)
        )
        return int(counted.scalar_one())


async def test_a_timeline_entry_is_written_only_beside_a_stored_order(
    engine: AsyncEngine,
) -> None:
    at = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    entry = TimelineEntry("ReserveStock", at, "reserved")
    line = OrderLine(uuid.uuid4(), "MUG-001", "Mug", 1, Decimal("12.50"))
    order = Order(id=uuid.uuid4(), user_id="alice", lines=(line,), currency="EUR")
    unknown = uuid.uuid4()
    async with engine.begin() as connection:
        orders = SqlOrderRepository(connection)
        assert await orders.add(order)
        assert await orders.record(order.id, entry)
        assert not await orders.record(unknown, entry)
    assert await _entries(engine, order.id) == 1
    assert await _entries(engine, unknown) == 0
    async with engine.connect() as connection:
        stored = await connection.execute(
            select(order_timeline.c.step, order_timeline.c.detail, order_timeline.c.at).where(
                order_timeline.c.order_id == order.id
            )
        )
        assert stored.one() == ("ReserveStock", "reserved", at)


async def test_a_full_timeline_takes_no_more_step_outcomes_even_written_at_once(
    engine: AsyncEngine,
) -> None:
    line = OrderLine(uuid.uuid4(), "MUG-001", "Mug", 1, Decimal("12.50"))
    order = Order(id=uuid.uuid4(), user_id="alice", lines=(line,), currency="EUR")
    at = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    async with engine.begin() as connection:
        assert await SqlOrderRepository(connection).add(order)

    async def write(n: int) -> bool:
        async with engine.begin() as connection:
            entry = TimelineEntry("ReserveStock", at, f"failed: Forged{n}")
            try:
                return await SqlOrderRepository(connection).record(order.id, entry, limit=5)
            except TimelineFullError:
                return False

    written = await asyncio.gather(*(write(n) for n in range(12)))
    assert written.count(True) == 5
    assert await _entries(engine, order.id) == 5
    async with engine.begin() as connection:
        orders = SqlOrderRepository(connection)
        with pytest.raises(TimelineFullError):
            await orders.record(order.id, TimelineEntry("ReserveStock", at), limit=5)
        # Without a limit (the order's own entries), it is still written.
        assert await orders.record(order.id, TimelineEntry("CANCELLED", at, "TIMEOUT"))
        assert not await orders.record(uuid.uuid4(), TimelineEntry("ReserveStock", at), limit=5)
    assert await _entries(engine, order.id) == 6
