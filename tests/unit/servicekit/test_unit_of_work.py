"""The kit's SQL unit of work refuses what would lose a message, even under `python -O`."""

from typing import Any, ClassVar, cast

import pytest

from servicekit.messaging.envelope import Event
from servicekit.unit_of_work import SqlUnitOfWork


class Happened(Event):
    TYPE: ClassVar[str] = "test.Happened"


async def test_publishing_without_an_outbox_is_refused_not_dropped() -> None:
    uow = SqlUnitOfWork(cast(Any, None), source="test")
    with pytest.raises(RuntimeError, match="outbox"):
        uow.publish(Happened())


async def test_a_unit_of_work_not_entered_cannot_claim_or_commit() -> None:
    uow = SqlUnitOfWork(cast(Any, None), source="test", inbox=cast(Any, object()))
    with pytest.raises(RuntimeError, match="not entered"):
        await uow.claim("m-1", "handler")
    with pytest.raises(RuntimeError, match="not entered"):
        await uow.commit()
