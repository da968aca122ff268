"""The kit's worker composition: parts run together, stop together, fail together."""

import asyncio

import pytest

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
