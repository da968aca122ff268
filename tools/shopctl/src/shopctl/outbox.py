"""Parked outbox messages, of a DynamoDB table or a PostgreSQL schema: listing them, and
sending them again.

A DynamoDB relay parks an item the broker refused too many times under `OUTBOX#PARKED`, with
its last error, its attempt count and its home partition (`home_pk`). Retrying moves it back
there, in one transaction, with its count reset: the relay then sends it as any other.

A PostgreSQL relay parks a row where it is, setting its `parked_at` beside its `attempts` and
`last_error`. Retrying clears them and notifies the schema's relay, which sends it at once.
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg

PARKED_PK = "OUTBOX#PARKED"
_PARKING = ("home_pk", "attempts", "last_error", "parked_at")


@dataclass(frozen=True, slots=True)
class ParkedItem:
    message_id: str
    message_type: str
    attempts: int
    last_error: str
    parked_at: str


def _parked(dynamodb: Any, table: str) -> Iterator[dict[str, Any]]:
    query: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": PARKED_PK}},
    }
    while True:
        page = dynamodb.query(**query)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def list_parked(dynamodb: Any, table: str) -> list[ParkedItem]:
    """The parked items of `table`, oldest message first."""
    return [
        ParkedItem(
            message_id=item["message_id"]["S"],
            message_type=item["type"]["S"],
            attempts=int(item["attempts"]["N"]),
            last_error=item.get("last_error", {"S": ""})["S"],
            parked_at=item.get("parked_at", {"S": ""})["S"],
        )
        for item in _parked(dynamodb, table)
    ]


def retry_parked(dynamodb: Any, table: str, message_id: str | None = None) -> int:
    """Move parked items (all, or the one with `message_id`) back to the outbox; return how
    many moved. Each moves in its own transaction, so none is lost or doubled."""
    moved = 0
    for item in _parked(dynamodb, table):
        if message_id is not None and item["message_id"]["S"] != message_id:
            continue
        home = {k: v for k, v in item.items() if k not in _PARKING} | {"pk": item["home_pk"]}
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Delete": {
                        "TableName": table,
                        "Key": {"pk": item["pk"], "sk": item["sk"]},
                        "ConditionExpression": "attribute_exists(pk)",
                    }
                },
                {
                    "Put": {
                        "TableName": table,
                        "Item": home,
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
        moved += 1
    if message_id is not None and not moved:
        raise LookupError(f"no parked item with message id {message_id!r} in {table!r}")
    return moved


_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def database_from_environment() -> dict[str, Any]:
    """How to reach the database the services' schemas live in (`asyncpg.connect`'s
    arguments), by the variables the services and migrations read (`DB_HOST`, `DB_PORT`,
    `DB_NAME`, `DB_USER`, `DB_PASSWORD`); by default the one compose publishes here."""
    # compose's own local-only default, unless a password (even none) is given
    password = os.environ.get("DB_PASSWORD", os.environ.get("POSTGRES_PASSWORD", "shop-local-only"))
    return {
        "host": os.environ.get("DB_HOST", "127.0.0.1"),
        "port": int(os.environ.get("DB_PORT") or os.environ.get("POSTGRES_PORT") or "55432"),
        "database": os.environ.get("DB_NAME", "shop"),
        "user": os.environ.get("DB_USER", "shop"),
        "password": password or None,
    }


def _outbox(schema: str) -> str:
    if not _SCHEMA.match(schema):
        raise ValueError(f"not a schema name: {schema!r}")
    return f'"{schema}".outbox'


def list_parked_rows(database: dict[str, Any], schema: str) -> list[ParkedItem]:
    """The parked rows of `schema`'s outbox, oldest message first."""

    async def read() -> list[ParkedItem]:
        connection = await asyncpg.connect(**database)
        try:
            rows = await connection.fetch(
                f"SELECT id, type, attempts, last_error, parked_at FROM {_outbox(schema)} "  # noqa: S608 - a checked schema name
                "WHERE parked_at IS NOT NULL ORDER BY created_at"
            )
        finally:
            await connection.close()
        return [
            ParkedItem(
                message_id=str(row["id"]),
                message_type=row["type"],
                attempts=row["attempts"],
                last_error=row["last_error"] or "",
                parked_at=row["parked_at"].isoformat(),
            )
            for row in rows
        ]

    return asyncio.run(read())


def retry_parked_rows(database: dict[str, Any], schema: str, message_id: str | None = None) -> int:
    """Make `schema`'s parked rows (all, or the one with `message_id`) due again, with their
    count reset, and wake the schema's relay; return how many."""
    try:
        wanted = uuid.UUID(message_id) if message_id is not None else None
    except ValueError:
        raise LookupError(f"no parked row with message id {message_id!r} in {schema!r}") from None

    async def retry() -> int:
        connection = await asyncpg.connect(**database)
        try:
            async with connection.transaction():
                moved: int = await connection.fetchval(
                    f"WITH retried AS (UPDATE {_outbox(schema)} "  # noqa: S608 - a checked schema name
                    "SET parked_at = NULL, attempts = 0, last_error = NULL, "
                    "next_attempt_at = now() "
                    "WHERE parked_at IS NOT NULL AND ($1::uuid IS NULL OR id = $1::uuid) "
                    "RETURNING id) SELECT count(*) FROM retried",
                    wanted,
                )
                if moved:
                    # The relay listens on `<schema>_outbox`; delivered on commit.
                    await connection.execute("SELECT pg_notify($1, '')", f"{schema}_outbox")
        finally:
            await connection.close()
        return moved

    moved = asyncio.run(retry())
    if message_id is not None and not moved:
        raise LookupError(f"no parked row with message id {message_id!r} in {schema!r}")
    return moved
