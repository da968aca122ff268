"""Batch calls that concurrent callers share, with no waiting and nothing running when idle.

SNS's and SQS's batch calls take ten entries and DynamoDB's `BatchWriteItem` 25, but a caller
that sends only its own few entries pays a whole call for them: a burst of fifty commits, each
publishing its one event, costs fifty calls where five would do. `SharedBatches` lets such
callers share calls without making any of them wait for a batch to fill: the first entry goes
out at once, and those that arrive while calls are on their way go out together as soon as
those calls are back. A lone caller pays nothing for it (its entries go in the same calls they
would have gone in alone); under load, calls are as full as the load makes them. A task sends
while there is something to send and ends then, so an idle process polls nothing.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import orjson

from servicekit.errors import BusyError

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_dynamodb.type_defs import WriteRequestTypeDef as WriteRequest

T = TypeVar("T")
R = TypeVar("R")

# Pauses before asking DynamoDB again for what a batch call left unprocessed (throttling).
UNPROCESSED_DELAYS: tuple[float, ...] = (0.05, 0.1, 0.2, 0.4)


class SharedBatches(Generic[T, R]):
    """Sends entries through `call`, at most `size` to a call, in calls shared by whoever adds
    them.

    Each round takes everything waiting and sends it in as few calls as `size` allows, all at
    once; what arrives meanwhile goes in the next round. Each entry's outcome is its own
    call's: the result, or the exception it raised, which reaches the entries of that call and
    no other. A caller waits for the calls its entries went in, not for the rest of the round.
    """

    def __init__(
        self, call: Callable[[list[T]], Awaitable[R]], size: int, *, linger: float = 0.0
    ) -> None:
        self._call = call
        self._size = size
        # How long the first entry of a round waits for others before its calls go out (none
        # once a call's worth is waiting): for entries whose sending nobody waits on.
        self._linger = linger
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._sending: asyncio.Task[None] | None = None
        # The sending task runs in the context these batches were made in, not in that of
        # whichever caller happened to start it: what it logs belongs to no one caller.
        self._context = contextvars.copy_context()

    def add(self, entry: T) -> asyncio.Future[R]:
        """Send `entry`, soon; the future has the outcome of the call it goes in."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((entry, future))
        if self._sending is None or self._sending.done():
            self._sending = asyncio.create_task(self._send(), context=self._context.copy())
        return future

    async def send(self, entries: Sequence[T]) -> list[R]:
        """Send `entries` and wait for them: each one's call's result, in order; or the first
        exception any of their calls raised."""
        return await asyncio.gather(*(self.add(entry) for entry in entries))

    async def flush(self) -> None:
        """Wait until everything added so far has been sent."""
        while self._sending is not None and not self._sending.done():
            await self._sending

    async def _send(self) -> None:
        if self._linger and len(self._waiting) < self._size:
            await asyncio.sleep(self._linger)
        while self._waiting:
            waiting, self._waiting = self._waiting, []
            await asyncio.gather(
                *(
                    self._send_batch(waiting[i : i + self._size])
                    for i in range(0, len(waiting), self._size)
                )
            )

    async def _send_batch(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        # A future already done was given up by its caller (cancelled while it waited).
        try:
            outcome = await self._call([entry for entry, _ in batch])
        except Exception as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
        else:
            for _, future in batch:
                if not future.done():
                    future.set_result(outcome)


class TableWrites:
    """Puts and deletes on one DynamoDB table (a `PutRequest` or `DeleteRequest` each), in
    `BatchWriteItem` calls of up to 25 that concurrent callers share (`SharedBatches`).

    Requests DynamoDB leaves unprocessed (throttling) are sent again after a pause, a few
    times; then the call's callers get `BusyError`, since a write left undone is not done.
    A batch has no conditions: it suits writes whose repeating changes nothing. The same
    request added twice at once (one message delivered twice, both handled together) goes
    once: DynamoDB refuses a whole call that names one key twice."""

    BATCH = 25  # DynamoDB's limit for one `BatchWriteItem` call
    unprocessed_delays = UNPROCESSED_DELAYS

    def __init__(self, client: DynamoDBClient, table: str, *, linger: float = 0.0) -> None:
        self._client = client
        self.table = table
        self._batches: SharedBatches[WriteRequest, None] = SharedBatches(
            self._call, self.BATCH, linger=linger
        )

    def add(self, request: WriteRequest) -> asyncio.Future[None]:
        """Write `request`, soon; the future is done once its call is back."""
        return self._batches.add(request)

    async def write(self, requests: Sequence[WriteRequest]) -> None:
        """Write `requests` and wait until the calls they went in are back."""
        await self._batches.send(requests)

    async def flush(self) -> None:
        """Wait until every write added so far has been tried."""
        await self._batches.flush()

    async def _call(self, requests: list[WriteRequest]) -> None:
        distinct = {orjson.dumps(r, option=orjson.OPT_SORT_KEYS): r for r in requests}
        pending: Any = {self.table: list(distinct.values())}
        pauses = list(self.unprocessed_delays)
        while True:
            response = await self._client.batch_write_item(RequestItems=pending)
            pending = response.get("UnprocessedItems") or {}
            left = len(pending.get(self.table, ()))
            if not left:
                return
            if not pauses:
                raise BusyError(f"DynamoDB left {left} writes undone: throttled")
            await asyncio.sleep(pauses.pop(0))
