"""The kit's worker composition: parts run together, stop together, fail together; what
they left is finished before the clients close."""

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


async def test_close_finishes_first_and_closes_the_clients_even_when_finishing_fails(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    worker, events = _worker(), list[str]()

    async def closed() -> None:
        events.append("clients closed")

    async def flush() -> None:
        events.append("flushed")

    async def broken() -> None:
        events.append("broken")
        raise RuntimeError("table gone")

    monkeypatch.setattr(worker.aws, "close", closed)
    worker.before_close(flush)
    await worker.close()
    assert events == ["flushed", "clients closed"]

    events.clear()
    worker.before_close(broken)
    with pytest.raises(RuntimeError):
        await worker.close()
    assert events == ["flushed", "broken", "clients closed"]
