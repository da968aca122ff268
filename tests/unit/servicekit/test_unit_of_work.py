"""The kit's unit of work: the SQL one refuses what would lose a message, even under
`python -O`; `retrying` makes a change again while its commit loses, and no more."""

from typing import Any, ClassVar, cast

import pytest

from servicekit.messaging.envelope import Event
from servicekit.testing import InMemoryUnitOfWork
from servicekit.unit_of_work import SqlUnitOfWork, retrying


class Happened(Event):
    TYPE: ClassVar[str] = "test.Happened"


async def test_publishing_without_an_outbox_is_refused_not_dropped() -> None:
    uow = SqlUnitOfWork(cast(Any, None), source="test")
    with pytest.raises(RuntimeError, match="outbox"):
        uow.publish(Happened())


async def test_claiming_without_an_inbox_is_refused_not_dropped() -> None:
    uow = SqlUnitOfWork(cast(Any, None), source="test")
    with pytest.raises(RuntimeError, match="inbox"):
        uow.claim("m-1", "handler")


async def test_a_unit_of_work_not_entered_cannot_commit() -> None:
    uow = SqlUnitOfWork(cast(Any, None), source="test", inbox=cast(Any, object()))
    uow.claim("m-1", "handler")
    with pytest.raises(RuntimeError, match="not entered"):
        await uow.commit()


class Counter(InMemoryUnitOfWork):
    """A stored number."""

    def __init__(self, losing: int = 0) -> None:
        super().__init__()
        self.value = 0
        self.losing = losing


async def _increment(uow: Counter) -> int:
    seen = uow.value
    uow.stage(lambda: setattr(uow, "value", seen + 1), lambda: uow.value == seen)
    uow.publish(Happened())
    return seen + 1


async def test_a_change_whose_commit_loses_is_made_again_on_what_is_stored() -> None:
    uow = Counter(losing=2)
    assert await retrying(uow, _increment, attempts=3, conflict=LookupError()) == 1
    assert (uow.value, uow.commits, len(uow.published)) == (1, 1, 1)


async def test_a_change_that_keeps_losing_raises_the_conflict_and_stores_nothing() -> None:
    uow = Counter(losing=3)
    with pytest.raises(LookupError):
        await retrying(uow, _increment, attempts=3, conflict=LookupError())
    assert (uow.value, uow.commits, uow.published) == (0, 0, [])


async def test_a_change_that_fails_is_not_made_again() -> None:
    uow, attempts = Counter(), list[int]()

    async def refuse(uow: Counter) -> int:
        attempts.append(1)
        uow.publish(Happened())
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        await retrying(uow, refuse, attempts=3, conflict=LookupError())
    assert (len(attempts), uow.commits, uow.published) == (1, 0, [])
