"""The kit's worker composition: parts run together, stop together, fail together."""

import asyncio
from typing import Annotated

import httpx
import pytest
from fastapi import Depends, FastAPI

from servicekit.provisions import UnitsOfWork, fresh_unit_of_work, provide, provided
from servicekit.settings import ServiceSettings
from servicekit.worker import Part, Worker


def _worker() -> Worker[ServiceSettings]:
    return Worker(ServiceSettings(service_name="test"))


async def test_every_part_runs_until_stopped() -> None:
    worker, finished = _worker(), list[str]()

    def part(name: str) -> Part:
        async def run(stop: asyncio.Event) -> None:
            await stop.wait()
            finished.append(name)

        return run

    worker.run(part("a"))
    worker.run(part("b"))
    stop = asyncio.Event()
    serving = asyncio.create_task(worker.serve(stop))
    await asyncio.sleep(0.01)
    assert finished == []
    stop.set()
    await asyncio.wait_for(serving, 1)
    assert sorted(finished) == ["a", "b"]


async def test_one_part_failing_for_good_stops_the_others() -> None:
    worker, cancelled = _worker(), asyncio.Event()

    async def steady(stop: asyncio.Event) -> None:
        try:
            await stop.wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    async def broken(stop: asyncio.Event) -> None:
        raise RuntimeError("queue gone")

    worker.run(steady)
    worker.run(broken)
    with pytest.raises(ExceptionGroup):
        await asyncio.wait_for(worker.serve(asyncio.Event()), 1)
    assert cancelled.is_set()


def test_a_worker_without_a_database_has_no_engine() -> None:
    with pytest.raises(TypeError):
        _worker().engine()


class Clock:
    def __init__(self, now: int) -> None:
        self.now = now


ProvidedClock = Annotated[Clock, Depends(provided(Clock))]


async def test_routes_get_what_the_lifespan_provided_by_type() -> None:
    app = FastAPI()

    @app.get("/now")
    async def now(clock: ProvidedClock) -> dict[str, int]:
        return {"now": clock.now}

    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        with pytest.raises(LookupError):
            await client.get("/now")
        provide(app, Clock(1))
        provide(app, Clock(2))
        assert (await client.get("/now")).json() == {"now": 2}


class Counter:
    made = 0

    def __init__(self) -> None:
        Counter.made += 1
        self.number = Counter.made


async def test_each_request_gets_a_fresh_unit_of_work() -> None:
    app = FastAPI()

    @app.get("/number")
    async def number(
        counter: Annotated[Counter, Depends(fresh_unit_of_work)],
    ) -> dict[str, int]:
        return {"number": counter.number}

    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        with pytest.raises(LookupError):
            await client.get("/number")
        provide(app, UnitsOfWork(Counter))
        first, second = (await client.get("/number")).json(), (await client.get("/number")).json()
    assert second["number"] == first["number"] + 1


async def test_a_worker_whose_service_publishes_nothing_has_no_events_publisher() -> None:
    with pytest.raises(TypeError, match="names no events topic"):
        await _worker().events_publisher()
