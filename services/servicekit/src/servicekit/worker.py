"""Running a worker process: its composition root, its parts in one task group, a stop
signal on SIGTERM/SIGINT, and a clean drain."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Generic, TypeVar

import structlog

from servicekit.aws import AwsClients, report_requests_on_signal
from servicekit.db import create_engine, create_statement_pool
from servicekit.logging import configure_logging
from servicekit.messaging.consumer import ConsumerSettings, Handler, QueueConsumer
from servicekit.messaging.inbox import InboxPurge
from servicekit.messaging.outbox import OutboxRelay
from servicekit.messaging.publisher import SnsPublisher
from servicekit.runtime import settle_after_start
from servicekit.settings import PostgresSettings, PublisherSettings, ServiceSettings
from servicekit.telemetry import configure_telemetry

if TYPE_CHECKING:
    import asyncpg
    from sqlalchemy import Table
    from sqlalchemy.ext.asyncio import AsyncEngine

S = TypeVar("S", bound=ServiceSettings)
P = TypeVar("P", bound=PostgresSettings)
E = TypeVar("E", bound=PublisherSettings)
# One thing a worker does until `stop` is set: consume a queue, relay an outbox, sweep.
Part = Callable[[asyncio.Event], Coroutine[object, object, None]]


class Worker(Generic[S]):
    """What a worker process is built from: its settings, its AWS clients, its database
    engine and statement pool if it has them, and the parts it runs. Everything opened here
    is closed on exit."""

    def __init__(self, settings: S) -> None:
        self.settings = settings
        self.aws = AwsClients(settings.aws_region, f"{settings.service_name}-worker")
        self._engine: AsyncEngine | None = None
        self._statements: asyncpg.Pool | None = None
        self._parts: list[Part] = []
        self._finishers: list[Callable[[], Awaitable[None]]] = []

    def engine(self: Worker[P]) -> AsyncEngine:
        """The engine on the service's schema, created on first use (a worker whose settings
        name no database has none: the type checker refuses the call)."""
        if self._engine is None:
            self._engine = create_engine(self.settings, self.settings.db_schema)
        return self._engine

    async def statements(self: Worker[P]) -> asyncpg.Pool:
        """A pool for writes that are whole in one statement, on the service's schema
        (`db.create_statement_pool`), created on first use."""
        if self._statements is None:
            self._statements = await create_statement_pool(self.settings, self.settings.db_schema)
        return self._statements

    async def events_publisher(self: Worker[E]) -> SnsPublisher:
        """A publisher to the service's events topic (for a service that has one)."""
        topic = self.settings.events_topic
        arn = await self.aws.topic_arn(topic, self.settings.events_topic_arn)
        return SnsPublisher(await self.aws.sns(), arn)

    def run(self, part: Part) -> None:
        """Run `part` beside the others until the worker stops."""
        self._parts.append(part)

    async def consume(
        self, queue_url: str, handler: Handler, settings: ConsumerSettings | None = None
    ) -> None:
        """Feed the queue's messages to `handler` until the worker stops."""
        self.run(QueueConsumer(await self.aws.sqs(), queue_url, handler, settings).run)

    async def relay_outbox(
        self: Worker[E], engine: AsyncEngine, outbox: Table, *, inbox: Table | None = None
    ) -> None:
        """Relay a PostgreSQL service's outbox to its events topic and, given its inbox, purge
        the inbox of message ids past their retention, until the worker stops."""
        self.run(OutboxRelay(engine, outbox, await self.events_publisher()).run)
        if inbox is not None:
            self.run(InboxPurge(engine, inbox).run)

    def before_close(self, finish: Callable[[], Awaitable[None]]) -> None:
        """Await `finish` once the parts have stopped, before the clients close (what a part's
        handlers left to send)."""
        self._finishers.append(finish)

    async def serve(self, stop: asyncio.Event) -> None:
        """Run every part; one failing for good stops the others, and the process exits to
        be restarted."""
        async with asyncio.TaskGroup() as group:
            for part in self._parts:
                group.create_task(part(stop))

    async def close(self) -> None:
        """Finish, then close the clients and the database's pools."""
        try:
            for finish in self._finishers:
                await finish()
        finally:
            await self.aws.close()
            if self._statements is not None:
                await self._statements.close()
            if self._engine is not None:
                await self._engine.dispose()


def run_worker(settings: S, compose: Callable[[Worker[S]], Awaitable[None]]) -> None:
    """Compose the worker with `compose`, then run its parts until SIGTERM sets the stop
    signal and they have finished what they hold."""
    configure_logging(settings.service_name, settings.log_level)
    configure_telemetry(settings, "worker")
    settle_after_start()
    log = structlog.get_logger("worker")

    async def supervise() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        report_requests_on_signal()
        worker = Worker(settings)
        try:
            await compose(worker)
            log.info("worker_started")
            await worker.serve(stop)
        finally:
            await worker.close()
        log.info("worker_stopped")

    asyncio.run(supervise())
