"""Ordering's repository on the real PostgreSQL: a timeline entry is written and counted only
beside a stored order, in one statement; a step outcome, claimed with it in one statement, only
once per message and while the timeline has room, however many are written at once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from ordering.adapters.orm import inbox, order_timeline, orders
from ordering.adapters.repository import PgTimelines, Recorded, SqlOrderRepository
from ordering.domain.model import Order, OrderLine, TimelineEntry
from ordering.settings import OrderingSettings
from servicekit.db import create_engine, create_statement_pool

pytestmark = pytest.mark.integration

AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
async def engine(ordering_env: dict[str, str]) -> AsyncIterator[AsyncEngine]:
    settings = OrderingSettings.model_validate({k.lower(): v for k, v in ordering_env.items()})
    engine = create_engine(settings, "ordering")
    yield engine
    await engine.dispose()


@pytest.fixture
async def timelines(ordering_env: dict[str, str]) -> AsyncIterator[PgTimelines]:
    settings = OrderingSettings.model_validate({k.lower(): v for k, v in ordering_env.items()})
    pool = await create_statement_pool(settings, "ordering")
    yield PgTimelines(pool)
    await pool.close()


async def _entries(engine: AsyncEngine, order_id: uuid.UUID) -> int:
    async with engine.connect() as connection:
        counted = await connection.execute(
            select(func.count()).where(order_timeline.c.order_id == order_id)
        )
        return int(counted.scalar_one())


async def _timeline_entries(engine: AsyncEngine, order_id: uuid.UUID) -> int:
    """The order's own count of its timeline's entries."""
    async with engine.connect() as connection:
        counted = await connection.execute(
            select(orders.c.timeline_entries).where(orders.c.id == order_id)
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
        repository = SqlOrderRepository(connection)
        assert await repository.add(order)
        assert await repository.record(order.id, entry)
        assert not await repository.record(unknown, entry)
    assert await _entries(engine, order.id) == 1
    assert await _timeline_entries(engine, order.id) == 1
    assert await _entries(engine, unknown) == 0
    async with engine.connect() as connection:
        stored = await connection.execute(
            select(order_timeline.c.step, order_timeline.c.detail, order_timeline.c.at).where(
                order_timeline.c.order_id == order.id
            )
        )
        assert stored.one() == ("ReserveStock", "reserved", at)


async def _stored_order(engine: AsyncEngine) -> Order:
    line = OrderLine(uuid.uuid4(), "MUG-001", "Mug", 1, Decimal("12.50"))
    order = Order(id=uuid.uuid4(), user_id="alice", lines=(line,), currency="EUR")
    async with engine.begin() as connection:
        assert await SqlOrderRepository(connection).add(order)
    return order


async def _handled(engine: AsyncEngine, message_ids: list[str]) -> int:
    async with engine.connect() as connection:
        counted = await connection.execute(
            select(func.count()).where(
                inbox.c.message_id.in_(message_ids), inbox.c.handler == "record_step"
            )
        )
        return int(counted.scalar_one())


async def test_a_full_timeline_takes_no_more_step_outcomes_even_written_at_once(
    engine: AsyncEngine, timelines: PgTimelines
) -> None:
    order = await _stored_order(engine)
    messages = [str(uuid.uuid4()) for _ in range(12)]

    async def write(n: int) -> Recorded:
        entry = TimelineEntry("ReserveStock", AT, f"failed: Forged{n}")
        return await timelines.record_once(messages[n], order.id, entry, limit=5)

    recorded = await asyncio.gather(*(write(n) for n in range(12)))
    assert sorted(r.value for r in recorded) == ["added"] * 5 + ["full"] * 7
    assert await _entries(engine, order.id) == 5
    assert await _handled(engine, messages) == 12  # each dropped at once when delivered again
    assert await write(0) is Recorded.SEEN
    # The order's own entries are written whatever the limit, and counted.
    async with engine.begin() as connection:
        assert await SqlOrderRepository(connection).record(order.id, TimelineEntry("X", AT))
    assert await _entries(engine, order.id) == 6
    assert await _timeline_entries(engine, order.id) == 6


async def test_the_order_s_own_entries_count_towards_the_limit(
    engine: AsyncEngine, timelines: PgTimelines
) -> None:
    order = await _stored_order(engine)
    async with engine.begin() as connection:
        repository = SqlOrderRepository(connection)
        for step in ("PLACED", "CANCEL_REQUESTED"):
            assert await repository.record(order.id, TimelineEntry(step, AT))
    entry, first, second = TimelineEntry("ReserveStock", AT), str(uuid.uuid4()), str(uuid.uuid4())
    assert await timelines.record_once(first, order.id, entry, limit=3) is Recorded.ADDED
    assert await timelines.record_once(second, order.id, entry, limit=3) is Recorded.FULL
    assert await _entries(engine, order.id) == 3


async def test_one_message_delivered_twice_at_once_is_recorded_once(
    engine: AsyncEngine, timelines: PgTimelines
) -> None:
    order = await _stored_order(engine)
    message, entry = str(uuid.uuid4()), TimelineEntry("CapturePayment", AT, "succeeded")
    recorded = await asyncio.gather(
        *(timelines.record_once(message, order.id, entry, limit=32) for _ in range(2))
    )
    assert sorted(r.value for r in recorded) == ["added", "seen"]
    assert await _entries(engine, order.id) == 1


async def test_an_outcome_for_no_stored_order_is_handled_and_writes_nothing(
    engine: AsyncEngine, timelines: PgTimelines
) -> None:
    unknown, message = uuid.uuid4(), str(uuid.uuid4())
    entry = TimelineEntry("ReserveStock", AT, "succeeded")
    assert await timelines.record_once(message, unknown, entry, limit=32) is Recorded.NO_ORDER
    assert await _entries(engine, unknown) == 0
    assert await _handled(engine, [message]) == 1
    assert await timelines.record_once(message, unknown, entry, limit=32) is Recorded.SEEN
