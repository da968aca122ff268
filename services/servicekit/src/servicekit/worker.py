"""Running a worker process: logging, a stop signal on SIGTERM/SIGINT, a clean drain."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable

import structlog

from servicekit.logging import configure_logging
from servicekit.settings import ServiceSettings
from servicekit.telemetry import configure_telemetry

Main = Callable[[asyncio.Event], Awaitable[None]]


def run_worker(settings: ServiceSettings, main: Main) -> None:
    """Run `main(stop)` until it returns; SIGTERM sets `stop` so it can finish what it holds."""
    configure_logging(settings.service_name, settings.log_level)
    configure_telemetry(settings, "worker")
    log = structlog.get_logger("worker")

    async def supervise() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        log.info("worker_started")
        await main(stop)
        log.info("worker_stopped")

    asyncio.run(supervise())
