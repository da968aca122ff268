"""What an app's lifespan hands its routes: typed, found by type, in place of untyped
`app.state` attributes read through casts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, FastAPI, Request

T = TypeVar("T")
U = TypeVar("U")


class Provided:
    """The items an app's lifespan provided, each found again by its type."""

    def __init__(self) -> None:
        self._items: list[object] = []

    def add(self, item: object) -> None:
        self._items.append(item)

    def find(self, kind: type[T]) -> T | None:
        """The latest item of type `kind`; None before the lifespan provided one."""
        for item in reversed(self._items):
            if isinstance(item, kind):
                return item
        return None


def provisions(app: FastAPI) -> Provided:
    """The app's provisions: the one thing kept on `app.state`."""
    found = getattr(app.state, "provided", None)
    if not isinstance(found, Provided):
        found = Provided()
        app.state.provided = found
    return found


def provide(app: FastAPI, *items: object) -> None:
    """Hand `items` to the app's routes (see `provided`)."""
    for item in items:
        provisions(app).add(item)


def provided(kind: type[T]) -> Callable[[Request], Awaitable[T]]:
    """A route dependency on what the lifespan provided of type `kind`."""

    async def dependency(request: Request) -> T:
        item = provisions(request.app).find(kind)
        if item is None:
            raise LookupError(f"no {kind.__name__} was provided; has the app started?")
        return item

    return dependency


@dataclass(frozen=True, slots=True)
class UnitsOfWork(Generic[U]):
    """How an app's lifespan hands its routes a fresh unit of work for each request."""

    new: Callable[[], U]


async def fresh_unit_of_work(
    units: Annotated[UnitsOfWork[Any], Depends(provided(UnitsOfWork))],
) -> Any:
    """A route dependency: a new unit of work from the `UnitsOfWork` the lifespan provided
    (the route's `Annotated` alias names its type)."""
    return units.new()
