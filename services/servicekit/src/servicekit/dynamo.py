"""The unit of work DynamoDB services share, to the kit's one contract
(`servicekit.unit_of_work.UnitOfWork`): one `TransactWriteItems` call gathering the state
writes a change makes, the outbox item of each message it publishes, and the inbox item of
each message it handles; all stored, or none. Given a `DirectPublisher`, it sends the
messages as soon as they are stored, and the outbox relay sends only what that missed.
Given `TableWrites`, a change that is a single put without a condition goes in a
`BatchWriteItem` call shared with the units of work committing at the same time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Self

from botocore.exceptions import ClientError

from servicekit.errors import BusyError
from servicekit.messaging.batching import UNPROCESSED_DELAYS, TableWrites
from servicekit.messaging.dynamo_outbox import DirectPublisher, envelope_put
from servicekit.messaging.envelope import Envelope, Message

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_dynamodb.type_defs import PutTypeDef, TransactWriteItemTypeDef

# How long a handled message's id is remembered: as long as the PostgreSQL inboxes keep theirs
# (`messaging.inbox.INBOX_RETENTION`), past the last redelivery a message can have: four days
# in its queue, up to fourteen in its dead-letter queue, four more after a redrive.
INBOX_TTL_SECONDS = 21 * 86400

# The one reason a cancelled transaction means "a condition does not hold": the message was
# handled before (its inbox item exists), or a state write's condition failed (another write
# won, the item is not what the change expects). Every other reason means nothing was decided.
CONDITION_FAILED = "ConditionalCheckFailed"
# Reasons that pass on their own: the same writes are tried again at once, a few times.
_PASSING = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})
# What a single write's refusal is called when it decided nothing.
_BUSY = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "ThrottlingException",
        "TransactionConflictException",
    }
)


Item = dict[str, Any]


class TransactionFailedError(BusyError):
    """DynamoDB cancelled the transaction for a reason other than a failed condition (a
    conflict with another transaction, throttling, an invalid write): nothing was stored and
    nothing was decided, so the work must be tried again, never taken as done."""

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__(f"transaction cancelled: {', '.join(reasons) or 'no reason given'}")
        self.reasons = tuple(reasons)


def cancellation_reasons(response: Any) -> tuple[str, ...]:
    """The code of each item's reason in a `TransactionCanceledException` response, in the
    order of the request's items (`None` for an item that was not the cause)."""
    return tuple(str(r.get("Code", "None")) for r in response.get("CancellationReasons") or ())


def condition_failed(reasons: Sequence[str]) -> bool:
    """Whether a transaction was cancelled only because conditions did not hold."""
    causes = {code for code in reasons if code != "None"}
    return causes == {CONDITION_FAILED}


class DynamoUnitOfWork:
    """Writes gathered by repositories, `publish()` and `claim()`, stored by `commit()`.

    Reads go straight to the table, so entering opens nothing; leaving forgets what was not
    committed. Subclasses attach their repositories in `__init__`. With `direct`, what
    `publish()` gathered is sent right after the commit. With `shared`, a commit of one put
    without a condition, on the table `shared` writes to, goes in a call shared with other
    commits.
    """

    # Pauses before trying a transaction again that a conflict or throttling cancelled.
    retry_delays: tuple[float, ...] = (0.05, 0.2)

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        *,
        source: str,
        direct: DirectPublisher | None = None,
        shared: TableWrites | None = None,
    ) -> None:
        self.client = client
        self.table = table
        self._source = source
        self._direct = direct
        self._shared = shared
        self._writes: list[TransactWriteItemTypeDef] = []
        self._outbox: list[TransactWriteItemTypeDef] = []

    async def __aenter__(self) -> Self:
        self._discard()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._discard()

    def _discard(self) -> None:
        self._writes, self._outbox = [], []

    def write(self, item: TransactWriteItemTypeDef) -> None:
        """Add a state write (a Put, Update, Delete or ConditionCheck) to the transaction."""
        self._writes.append(item)

    def publish(self, message: Message) -> None:
        """Publish `message` if, and only if, this unit of work commits."""
        envelope = Envelope.wrap(message, self._source)
        if self._direct is None:
            put = envelope_put(self.table, envelope)
        else:
            put = envelope_put(
                self.table,
                envelope,
                held_by=self._direct.owner,
                hold_seconds=self._direct.hold_seconds,
            )
        self._writes.append(put)
        self._outbox.append(put)

    def claim(self, message_id: str, scope: str) -> None:
        """Record the message as handled for `scope` (its handler, or the item it changes)
        when this unit of work commits; the commit fails if it was handled before."""
        self._writes.append(
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {
                        "pk": {"S": f"INBOX#{message_id}"},
                        "sk": {"S": scope},
                        "expires_at": {"N": str(int(time.time()) + INBOX_TTL_SECONDS)},
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        )

    async def commit(self) -> bool:
        """Store everything gathered in one transaction (a single put, in one conditional
        write); False, storing nothing, if a condition failed (a claimed message handled
        before, a state write whose condition no longer holds). Any other cancellation raises
        `TransactionFailedError`, after trying again a few times if it was a conflict or
        throttling. The unit of work is empty afterwards, ready for another try. Once stored,
        its messages are sent at once if it has a `DirectPublisher`."""
        writes, self._writes = self._writes, []
        outbox, self._outbox = self._outbox, []
        if not writes:
            return True
        if not await self._transact(writes):
            return False
        if self._direct is not None and outbox:
            await self._direct.send([dict(put["Put"]["Item"]) for put in outbox])
        return True

    async def _transact(self, writes: list[TransactWriteItemTypeDef]) -> bool:
        if len(writes) == 1 and "Put" in writes[0]:
            return await self._put(writes[0]["Put"])
        pauses = list(self.retry_delays)
        while True:
            try:
                await self.client.transact_write_items(TransactItems=writes)
                return True
            except ClientError as exc:
                if exc.response["Error"]["Code"] != "TransactionCanceledException":
                    raise
                reasons = cancellation_reasons(exc.response)
                if condition_failed(reasons):
                    return False
                # A conflict or throttling decided nothing: taken as "already done", the
                # message would be acknowledged and its effect lost.
                if not pauses or not _PASSING & set(reasons):
                    raise TransactionFailedError(reasons) from exc
            await asyncio.sleep(pauses.pop(0))

    async def _put(self, put: PutTypeDef) -> bool:
        # One item needs no transaction: a conditional PutItem decides the same, at half the
        # write capacity and with less work on both sides. The SDK retries throttling itself;
        # what it gives up on decided nothing, as a cancelled transaction did not. A put with
        # no condition decides nothing at all, so it can share a batch call with others.
        shared = self._shared
        if (
            shared is not None
            and shared.table == put["TableName"]
            and "ConditionExpression" not in put
        ):
            await shared.write([{"PutRequest": {"Item": put["Item"]}}])
            return True
        try:
            await self.client.put_item(**put)
        except ClientError as exc:
            code = exc.response["Error"]["Code"]
            if code == "ConditionalCheckFailedException":
                return False
            if code in _BUSY:
                raise TransactionFailedError([code]) from exc
            raise
        return True


class DynamoRepository:
    """A repository on a unit of work's table: it reads the table directly and adds its
    writes to the unit of work's transaction (`self._uow.write`)."""

    # Pauses before asking again for keys a `BatchGetItem` left unprocessed (throttling).
    unprocessed_delays = UNPROCESSED_DELAYS

    def __init__(self, uow: DynamoUnitOfWork) -> None:
        self._uow = uow
        self._client = uow.client
        self._table = uow.table

    async def _get_items(self, keys: Sequence[Item]) -> list[Item]:
        """The items at `keys` (at most 100) that exist, in any order, read strongly
        consistent in one `BatchGetItem` call rather than one `GetItem` each. Keys DynamoDB
        leaves unprocessed (throttling) are asked for again after a pause, a few times; then
        `BusyError`, since an item left unread is not an item that is absent."""
        found: list[Item] = []
        pauses = list(self.unprocessed_delays)
        request: Any = {self._table: {"Keys": list(keys), "ConsistentRead": True}}
        while True:
            response = await self._client.batch_get_item(RequestItems=request)
            found += [dict(item) for item in response.get("Responses", {}).get(self._table, [])]
            request = response.get("UnprocessedKeys") or {}
            if not request.get(self._table, {}).get("Keys"):
                return found
            if not pauses:
                raise BusyError("DynamoDB left keys unread: throttled")
            await asyncio.sleep(pauses.pop(0))
