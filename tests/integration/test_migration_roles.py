"""Migrations give each service's own role its schema and nothing else, one runner at a time."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import uuid
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor

import asyncpg
import pytest

from tests.support.postgres import Database, fresh_database
from tests.support.services import migrate

pytestmark = pytest.mark.integration

# Everything a password could hold that quoting must survive.
PASSWORD = "it's a 'local' one: %s $1 \\ ;--"


@pytest.fixture(scope="module")
def roles() -> dict[str, str]:
    # Roles belong to the whole server, not the test database: unique names, dropped after.
    suffix = uuid.uuid4().hex[:8]
    return {"catalog": f"catalog_{suffix}", "ordering": f"ordering_{suffix}"}


@pytest.fixture(scope="module")
def migrated(roles: dict[str, str]) -> Iterator[Database]:
    with fresh_database() as db:
        try:
            # Tasks of one service start together: their migrations take turns.
            with ThreadPoolExecutor(max_workers=3) as pool:
                runs = [
                    pool.submit(migrate, schema, db.env() | {"DB_GRANT_TO": roles[schema]} | extra)
                    for schema, extra in (
                        ("catalog", {}),
                        ("catalog", {}),
                        ("ordering", {"DB_GRANT_PASSWORD": PASSWORD}),
                    )
                ]
                for run in runs:
                    run.result()
            yield db
        finally:
            asyncio.run(_drop_roles(db, roles.values()))


async def _drop_roles(db: Database, names: Iterable[str]) -> None:
    connection = await asyncpg.connect(db.dsn())
    try:
        for name in names:
            await connection.execute(f'DROP OWNED BY "{name}"')
            await connection.execute(f'DROP ROLE IF EXISTS "{name}"')
    finally:
        await connection.close()


async def _as(db: Database, role: str, statement: str) -> None:
    connection = await asyncpg.connect(
        host=db.host, port=db.port, user=role, database=db.name, password=db.password or None
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def test_a_service_role_reads_and_writes_its_own_schema(
    migrated: Database, roles: dict[str, str]
) -> None:
    asyncio.run(_as(migrated, roles["catalog"], "SELECT count(*) FROM catalog.products"))
    asyncio.run(_as(migrated, roles["catalog"], "DELETE FROM catalog.outbox WHERE false"))


def test_a_service_role_cannot_reach_another_schema(
    migrated: Database, roles: dict[str, str]
) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        asyncio.run(_as(migrated, roles["catalog"], "SELECT count(*) FROM ordering.orders"))


def test_a_service_role_cannot_change_its_schema(migrated: Database, roles: dict[str, str]) -> None:
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        asyncio.run(_as(migrated, roles["catalog"], "CREATE TABLE catalog.intruder (id int)"))


async def _stored_password(db: Database, role: str) -> str | None:
    connection = await asyncpg.connect(db.dsn())
    try:
        stored: str | None = await connection.fetchval(
            "SELECT rolpassword FROM pg_authid WHERE rolname = $1", role
        )
        return stored
    finally:
        await connection.close()


def _scram_matches(stored: str, password: str) -> bool:
    """Whether a SCRAM-SHA-256 verifier (RFC 5802, as PostgreSQL stores it) is `password`'s."""
    method, _, rest = stored.partition("$")
    iterations_salt, _, keys = rest.partition("$")
    iterations, _, salt = iterations_salt.partition(":")
    stored_key, _, server_key = keys.partition(":")
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(salt), int(iterations)
    )
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    return (
        method == "SCRAM-SHA-256"
        and base64.b64decode(stored_key) == hashlib.sha256(client_key).digest()
        and base64.b64decode(server_key) == hmac.digest(salted, b"Server Key", "sha256")
    )


def test_outside_aws_a_service_role_signs_in_with_the_password_it_was_given(
    migrated: Database, roles: dict[str, str]
) -> None:
    stored = asyncio.run(_stored_password(migrated, roles["ordering"]))
    assert stored is not None
    assert _scram_matches(stored, PASSWORD)
    assert not _scram_matches(stored, "another")
    # No password given, none set: such a role signs in some other way (IAM in AWS).
    assert asyncio.run(_stored_password(migrated, roles["catalog"])) is None
