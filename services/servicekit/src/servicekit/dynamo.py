"""The unit of work DynamoDB services share: one `TransactWriteItems` call gathering the
state writes a change makes, the outbox item of each message it publishes, and the inbox item
of each message it handles; all stored, or none. Given a `DirectPublisher`, it sends the
messages as soon as they are stored, and the outbox relay sends only what that missed."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Protocol

from botocore.exceptions import ClientError

from servicekit.messaging.dynamo_outbox import DirectPublisher, envelope_put
from servicekit.messaging.envelope import Envelope, Message

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_dynamodb.type_defs import TransactWriteItemTypeDef

# How long a handled message's id is remembered: far longer than SQS keeps redelivering it.
INBOX_TTL_SECONDS = 14 * 86400


class Transaction(Protocol):
    """What a service layer sees of a DynamoDB unit of work; services add their
    repositories."""

    def publish(self, message: Message) -> None:
        """Publish `message` if, and only if, this unit of work commits."""
        ...

    def claim(self, message_id: object, scope: str) -> None:
        """Record the message as handled for `scope`; the commit fails if it already was."""
        ...

    async def commit(self) -> bool:
        """Store what was gathered, all or nothing; False if a condition failed."""
        ...


class DynamoUnitOfWork:
    """Writes gathered by repositories, `publish()` and `claim()`, stored by `commit()`.

    Reads go straight to the table; subclasses attach their repositories in `__init__`.
    With `direct`, what `publish()` gathered is sent right after the commit.
    """

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        *,
        source: str,
        direct: DirectPublisher | None = None,
    ) -> None:
        self.client = client
        self.table = table
        self._source = source
        self._direct = direct
        self._writes: list[TransactWriteItemTypeDef] = []
        self._outbox: list[TransactWriteItemTypeDef] = []

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

    def claim(self, message_id: object, scope: str) -> None:
        """Record the message as handled for `scope` (its handler, or the item it changes);
        the commit fails if it already was."""
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
        """Store everything gathered in one transaction; False, storing nothing, if a
        condition failed. The unit of work is empty afterwards, ready for another try. Once
        stored, its messages are sent at once if it has a `DirectPublisher`."""
        writes, self._writes = self._writes, []
        outbox, self._outbox = self._outbox, []
        if not writes:
            return True
        try:
            await self.client.transact_write_items(TransactItems=writes)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "TransactionCanceledException":
                return False
            raise
        if self._direct is not None and outbox:
            await self._direct.send([dict(put["Put"]["Item"]) for put in outbox])
        return True


class DynamoRepository:
    """A repository on a unit of work's table: it reads the table directly and adds its
    writes to the unit of work's transaction (`self._uow.write`)."""

    def __init__(self, uow: DynamoUnitOfWork) -> None:
        self._uow = uow
        self._client = uow.client
        self._table = uow.table
