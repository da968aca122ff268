"""The transactional outbox for DynamoDB services: the item, the publish-at-once path, and
the relay that sweeps what that missed.

A service puts an outbox item in the same `TransactWriteItems` call as its state change
(`outbox_put`). Items spread over `PARTITIONS` partition keys (`OUTBOX#0` ..), chosen from the
message id, so no single key is a hot partition.

Two paths send an item, and leases keep them apart:

- **At once** (`DirectPublisher`): the process that committed sends its messages right after
  the commit and deletes their items. The items were written held in that process's name for
  `hold_seconds` (`lease_until`), so no relay touches them meanwhile. Units of work that
  commit at once share their publish and delete calls (`batching.SharedBatches`,
  `batching.TableWrites`), so a burst costs a call per ten messages and per 25 deletes, not
  a call of each per commit.
- **The sweep** (`DynamoOutboxRelay`): sends what the committing process did not (a crash
  between commit and send, a broker outage). A relay leases whole partitions, not items: one
  conditional write takes or renews a partition's lease (`OUTBOX#LEASES`), and only the
  lease's holder sweeps that partition, so two relays never send one item and several relays
  share the partitions between them. Leasing item by item cost a conditional write per
  message (two in a transaction), more than the publish itself. The holder reads each of its
  partitions at once, publishes what is due in batches, and deletes what went out in
  batches; it stops sweeping a partition well before its lease could run out mid-batch.

What becomes of each item the relay sends is decided by the relay core both outboxes share
(`relay.RelayCore`): an item the broker refuses is retried with exponential backoff
(`lease_until` is its next try); after the relay's `retry.max_attempts` refusals it is
parked: moved, in one transaction, to `OUTBOX#PARKED` with its last error and attempt count,
logged as `outbox_item_parked` with a running count, and listed by `shopctl outbox parked`. It
no longer holds up anything behind it.

Why not DynamoDB Streams (a stream on the table, read by a Lambda or an EventBridge Pipe)?
A stream would send without polling, but it puts the publishing in another runtime (a Lambda
to deploy and watch, or a Pipe, whose targets include SNS but whose per-record failures land
in a dead-letter target, not back in the service's own table and logs); a shard's records go
in order, so one record the broker refuses holds up its shard until it is retried out or
expires after 24 hours; and the emulator's streams would be one more behaviour to pin down.
The publish-at-once path gives the latency a stream would, an idle sweep costs a query a
partition every ten seconds, and parking keeps one bad item from holding up the rest, all in
code that runs the same in a container, on a laptop and in unit tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
import zlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import structlog
from botocore.exceptions import ClientError

from servicekit.messaging.batching import TableWrites
from servicekit.messaging.envelope import Envelope
from servicekit.messaging.publisher import SharedPublisher
from servicekit.messaging.relay import Outgoing, Park, Publisher, RelayCore, Retry, RetryPolicy

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_dynamodb.type_defs import TransactWriteItemTypeDef
    from types_aiobotocore_dynamodb.type_defs import WriteRequestTypeDef as WriteRequest

log = structlog.get_logger(__name__)

PARTITIONS = 8
PARKED_PK = "OUTBOX#PARKED"
# Where the relays' partition leases live, one item per partition.
LEASES_PK = "OUTBOX#LEASES"
Item = dict[str, Any]


def outbox_partition(message_id: str, partitions: int = PARTITIONS) -> str:
    """The partition key of a message's outbox item: spread evenly, stable for an id."""
    return f"OUTBOX#{zlib.crc32(message_id.encode()) % partitions}"


def outbox_put(
    table: str,
    message_id: str,
    message_type: str,
    body: str,
    *,
    held_by: str | None = None,
    hold_seconds: float = 0,
) -> TransactWriteItemTypeDef:
    """The transaction item that records a message to send; with `held_by`, leased to that
    owner for `hold_seconds`, so that no relay sends it while its committer does."""
    created = datetime.now(UTC).isoformat()
    item: Item = {
        "pk": {"S": outbox_partition(message_id)},
        "sk": {"S": f"{created}#{message_id}"},
        "message_id": {"S": message_id},
        "type": {"S": message_type},
        "body": {"S": body},
    }
    if held_by is not None:
        item["lease_owner"] = {"S": held_by}
        item["lease_until"] = {"N": f"{time.time() + hold_seconds:.3f}"}
    return {
        "Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}
    }


def envelope_put(
    table: str, envelope: Envelope, *, held_by: str | None = None, hold_seconds: float = 0
) -> TransactWriteItemTypeDef:
    """The transaction item that records an event to publish."""
    return outbox_put(
        table,
        str(envelope.id),
        envelope.type,
        envelope.model_dump_json(),
        held_by=held_by,
        hold_seconds=hold_seconds,
    )


def _message(item: Item) -> tuple[str, str, str]:
    return item["message_id"]["S"], item["type"]["S"], item["body"]["S"]


def _key(item: Item) -> Item:
    return {"pk": item["pk"], "sk": item["sk"]}


class _Deletes(TableWrites):
    """Deletes a table's outbox items once sent, in shared `BatchWriteItem` calls of up to 25
    keys (`TableWrites`). What fails is logged and left for its lease to expire (sent again,
    absorbed). With `linger`, a call waits that long for company."""

    async def delete(self, items: Sequence[Item]) -> None:
        """Delete `items`; back once the calls their keys went in are."""
        await self.write([{"DeleteRequest": {"Key": _key(item)}} for item in items])

    def delete_soon(self, items: Sequence[Item]) -> None:
        """Delete `items` in a call to come; nobody waits for it."""
        for item in items:
            self.add({"DeleteRequest": {"Key": _key(item)}})

    async def _call(self, requests: list[WriteRequest]) -> None:
        try:
            await super()._call(requests)
        except Exception as exc:  # see the class's docstring
            log.warning("outbox_delete_failed", count=len(requests), error=repr(exc))


class DirectPublisher:
    """Sends a unit of work's messages right after it commits, and deletes their outbox items.

    Units of work committing at once share its calls (`SharedPublisher`, `_Deletes`), and each
    still learns which of its own messages went out. Never raises, and gives up after
    `give_up_seconds` (a request is waiting on it): what it could not send stays in the outbox,
    held for `hold_seconds`, and the relay sends it then.

    Nobody waits for the deletes: they go `delete_linger_seconds` later, in calls shared with
    those of the commits meanwhile (a burst's items in one call per 25, not one per commit).
    The items stay held until then, so no relay sends them; a delete that is lost (the process
    is killed first) costs an item sent again once its hold expires, which consumers absorb.
    `flush` before the client closes.
    """

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        publisher: Publisher,
        *,
        hold_seconds: float = 10.0,
        give_up_seconds: float = 2.0,
        delete_linger_seconds: float = 0.5,
    ) -> None:
        self.client = client
        self.table = table
        self.hold_seconds = hold_seconds
        self.owner = f"direct-{uuid.uuid4().hex}"
        self._publisher = SharedPublisher(publisher)
        self._deletes = _Deletes(client, table, linger=delete_linger_seconds)
        self._give_up = give_up_seconds

    async def send(self, items: Sequence[Item]) -> int:
        """Publish the committed `items` and delete those sent, soon; return how many were
        sent."""
        if not items:
            return 0
        try:
            async with asyncio.timeout(self._give_up):
                result = await self._publisher.publish([_message(item) for item in items])
                sent = set(result.published)
                self._deletes.delete_soon([i for i in items if _id(i) in sent])
        except Exception as exc:  # the relay sends them once the hold expires
            log.warning("outbox_direct_publish_failed", error=repr(exc), count=len(items))
            return 0
        if result.failed:
            log.warning("outbox_direct_publish_refused", count=len(result.failed))
        return len(sent)

    async def flush(self) -> None:
        """Wait for the deletes of what was sent so far."""
        await self._deletes.flush()


def _id(item: Item) -> str:
    message_id: str = item["message_id"]["S"]
    return message_id


def _outgoing(item: Item) -> Outgoing:
    return Outgoing(*_message(item), attempts=int(item.get("attempts", {"N": "0"})["N"]))


@contextlib.contextmanager
def _gone_meanwhile() -> Iterator[None]:
    """Ignore a write refused because the item went meanwhile (retried by hand, or sent)."""
    try:
        yield
    except ClientError as exc:
        if exc.response["Error"]["Code"] not in {
            "ConditionalCheckFailedException",
            "TransactionCanceledException",
        }:
            raise


class DynamoOutboxRelay:
    """Sweeps a table's outbox: sends what the committing processes did not, until stopped."""

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        publisher: Publisher,
        *,
        partitions: int = PARTITIONS,
        batch_size: int = 100,
        poll_seconds: float = 1.0,
        idle_seconds: float = 10.0,
        lease_seconds: float = 30,
        retry: RetryPolicy = RetryPolicy(),
    ) -> None:
        self._client = client
        self._table = table
        # The partitions' sweeps run at once: their deletes share calls. Their publishes do
        # not (`SharedPublisher` says why).
        self._deletes = _Deletes(client, table)
        self._core = RelayCore(publisher, table, retry)
        self._partitions = [f"OUTBOX#{i}" for i in range(partitions)]
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        # Never so long that a held partition's lease runs out between two sweeps.
        self._idle_seconds = min(idle_seconds, lease_seconds / 3)
        self._lease_seconds = lease_seconds
        # The earliest time an item this relay saw waiting (held by its committer, or backing
        # off) becomes due, if it saw any.
        self._next_due: float | None = None
        self.owner = f"relay-{uuid.uuid4().hex}"
        self._held: dict[str, float] = {}  # partition -> until when this relay holds it
        self._next_try: dict[str, float] = {}  # partition -> when to try to take it again

    async def relay_once(self) -> int:
        """Send and delete one batch from every partition this relay holds, all at once;
        return how many items it took (sent, backed off or parked)."""
        now = time.time()
        self._next_due = None
        held = await asyncio.gather(*(self._hold(pk, now) for pk in self._partitions))
        mine = [pk for pk, ok in zip(self._partitions, held, strict=True) if ok]
        taken = sum(await asyncio.gather(*(self._sweep(pk, now) for pk in mine)))
        self._core.sweep_done(taken)
        return taken

    async def _hold(self, pk: str, now: float) -> bool:
        """True while this relay holds `pk`'s lease with time to spare; takes or renews it
        when due, with one conditional write."""
        until = self._held.get(pk, 0.0)
        if until - now > self._lease_seconds / 2:
            return True
        if now < self._next_try.get(pk, 0.0):
            return False  # another relay holds it; try again once its lease may be over
        try:
            await self._client.update_item(
                TableName=self._table,
                Key={"pk": {"S": LEASES_PK}, "sk": {"S": pk}},
                UpdateExpression="SET lease_until = :until, lease_owner = :owner",
                ConditionExpression="attribute_not_exists(pk) OR lease_until < :now "
                "OR lease_owner = :owner",
                ExpressionAttributeValues={
                    ":until": {"N": f"{now + self._lease_seconds:.3f}"},
                    ":owner": {"S": self.owner},
                    ":now": {"N": f"{now:.3f}"},
                },
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            self._held.pop(pk, None)
            self._next_try[pk] = now + self._lease_seconds / 2
            return False
        self._held[pk] = now + self._lease_seconds
        return True

    async def _sweep(self, pk: str, now: float) -> int:
        # Never start a sweep that could outlast the lease: margin for the slowest publish.
        if self._held.get(pk, 0.0) - now < self._lease_seconds / 3:
            return 0
        due = await self._due(pk, now)
        if due:
            await self._send(due)
        return len(due)

    async def _send(self, items: list[Item]) -> None:
        settlement = await self._core.settle([_outgoing(i) for i in items])
        by_id = {_id(i): i for i in items}
        await self._deletes.delete([by_id[m] for m in settlement.sent])
        await asyncio.gather(
            *(self._back_off(by_id[r.message_id], r) for r in settlement.retry),
            *(self._park(by_id[p.message_id], p) for p in settlement.park),
        )

    async def _due(self, pk: str, now: float) -> list[Item]:
        # Items held by their committer, or waiting out a backoff, carry `lease_until`: they
        # are read too, to learn when the first of them is due. A partition whose first
        # `batch_size` items all wait yields nothing until they are due.
        response = await self._client.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": pk}},
            Limit=self._batch_size,
            ConsistentRead=True,
        )
        due: list[Item] = []
        for item in response.get("Items", []):
            until = float(item["lease_until"]["N"]) if "lease_until" in item else 0.0
            if until < now:
                due.append(dict(item))
            elif self._next_due is None or until < self._next_due:
                self._next_due = until
        return due

    async def _back_off(self, item: Item, retry: Retry) -> None:
        """Leave `item` for its next try; its lease says when."""
        with _gone_meanwhile():
            await self._client.update_item(
                TableName=self._table,
                Key=_key(item),
                UpdateExpression="SET lease_until = :until, attempts = :attempts, "
                "last_error = :error",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={
                    ":until": {"N": f"{time.time() + retry.delay:.3f}"},
                    ":attempts": {"N": str(retry.attempts)},
                    ":error": {"S": retry.error},
                },
            )

    async def _park(self, item: Item, park: Park) -> None:
        """Move `item` to `OUTBOX#PARKED` with its count and last error, in one transaction."""
        parked = {k: v for k, v in item.items() if k not in {"lease_until", "lease_owner"}}
        parked |= {
            "pk": {"S": PARKED_PK},
            "home_pk": item["pk"],
            "attempts": {"N": str(park.attempts)},
            "last_error": {"S": park.error},
            "parked_at": {"S": datetime.now(UTC).isoformat()},
        }
        with _gone_meanwhile():
            await self._client.transact_write_items(
                TransactItems=[
                    {
                        "Delete": {
                            "TableName": self._table,
                            "Key": _key(item),
                            "ConditionExpression": "attribute_exists(pk)",
                        }
                    },
                    {"Put": {"TableName": self._table, "Item": parked}},
                ]
            )
            self._core.parked(park)

    async def release(self) -> None:
        """Give up the partitions this relay holds, so that another takes them at once."""
        held, self._held = self._held, {}

        async def give_up(pk: str) -> None:
            with contextlib.suppress(ClientError):  # it had passed to another already
                await self._client.update_item(
                    TableName=self._table,
                    Key={"pk": {"S": LEASES_PK}, "sk": {"S": pk}},
                    UpdateExpression="SET lease_until = :zero",
                    ConditionExpression="lease_owner = :owner",
                    ExpressionAttributeValues={":zero": {"N": "0"}, ":owner": {"S": self.owner}},
                )

        await asyncio.gather(*(give_up(pk) for pk in held))

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep until `stop` is set, then give up the partitions held.

        Again at once while there is work. Then every `poll_seconds`, twice as long after each
        sweep that found nothing, up to `idle_seconds`, and never later than the first item it
        saw waiting is due: an idle relay costs a query a partition every `idle_seconds`, not
        every second, and what a committer failed to send still goes out when its hold ends
        (items a relay has not seen yet, at most `idle_seconds` after)."""
        pause = self._poll_seconds
        while not stop.is_set():
            try:
                taken = await self.relay_once()
            except Exception as exc:  # the table is unreachable: try again shortly
                log.warning("outbox_relay_failed", error=repr(exc))
                taken, pause = 0, self._poll_seconds
            if taken:
                pause = self._poll_seconds
                continue
            wait = pause
            if self._next_due is not None:
                wait = min(wait, max(self._poll_seconds, self._next_due - time.time()))
            pause = min(pause * 2, self._idle_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
        with contextlib.suppress(Exception):
            await self.release()
