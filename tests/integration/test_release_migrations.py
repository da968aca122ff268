"""Migrations are a release step, run before the release's services start, never by them.

In AWS each schema's migration task first makes the schema's roles as the master user (its owner
and the service's role), then runs the migrations as the owner. Release N's services must start on
a schema that release N+1 migrated (a rollback does just that), and release N's migration task,
run again, must leave that schema alone. These tests do both against a real database, with a
later revision added to a copy of the migrations: the shape of change a release may make
(expand: a column added and filled, a trigger keeping it filled for code that does not know it).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.support.postgres import Database, fresh_database
from tests.support.services import ROOT, running_service

pytestmark = pytest.mark.integration

NEXT_REVISION = '''"""Release N+1: products get a title, filled from the name; the name stays, so
release N keeps working on this schema (a trigger fills the title of the rows it writes).

Revision ID: 9001
Revises: {head}
"""

import sqlalchemy as sa
from alembic import op

revision = "9001"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("products", sa.Column("title", sa.String(200)), schema="catalog")
    op.execute("UPDATE catalog.products SET title = name")
    op.execute(
        """
        CREATE FUNCTION catalog.products_title_from_name() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' OR NEW.name IS DISTINCT FROM OLD.name THEN
                NEW.title := NEW.name;
            END IF;
            RETURN NEW;
        END $$
        """
    )
    op.execute(
        "CREATE TRIGGER products_title_from_name BEFORE INSERT OR UPDATE ON catalog.products"
        " FOR EACH ROW EXECUTE FUNCTION catalog.products_title_from_name()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER products_title_from_name ON catalog.products")
    op.execute("DROP FUNCTION catalog.products_title_from_name()")
    op.drop_column("products", "title", schema="catalog")
'''


def _run(*command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, *command],
        cwd=ROOT,
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"{command}: {result.stdout}\n{result.stderr}"
    return result


def _migrate(config: Path, schema: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`alembic upgrade head` for `schema`, with the migrations of the given alembic.ini."""
    return _run("-m", "alembic", "-c", str(config), "-n", schema, "upgrade", "head", env=env)


def _make_roles(db: Database, schema: str, owner: str, service: str) -> None:
    """The migration task's first step: the master user makes the schema's roles."""
    _run("-m", "migrations.roles", schema, "--owner", owner, "--service", service, env=db.env())


def _head(schema: str) -> str:
    """The newest revision of the repository's migrations for `schema`."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config(str(ROOT / "migrations" / "alembic.ini"), ini_section=schema)
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


@pytest.fixture
def next_release(tmp_path: Path) -> Path:
    """A copy of the migrations with release N+1's catalog revision added: its alembic.ini."""
    copy = tmp_path / "migrations"
    shutil.copytree(ROOT / "migrations", copy, ignore=shutil.ignore_patterns("__pycache__"))
    versions = copy / "catalog" / "versions"
    (versions / "9001_product_titles.py").write_text(NEXT_REVISION.format(head=_head("catalog")))
    return copy / "alembic.ini"


@pytest.fixture
def roles() -> dict[str, str]:
    # Roles belong to the whole server: unique names, dropped after.
    suffix = uuid.uuid4().hex[:8]
    return {"owner": f"catalog_owner_{suffix}", "service": f"catalog_{suffix}"}


@pytest.fixture
def database(roles: dict[str, str]) -> Iterator[Database]:
    with fresh_database() as db:
        try:
            yield db
        finally:
            asyncio.run(_drop_roles(db, roles.values()))


async def _drop_roles(db: Database, names: Iterable[str]) -> None:
    connection = await asyncpg.connect(db.dsn())
    try:
        for name in names:
            if await connection.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", name):
                await connection.execute(f'DROP OWNED BY "{name}"')
                await connection.execute(f'DROP ROLE "{name}"')
    finally:
        await connection.close()


async def _fetch(db: Database, query: str, *args: object, user: str | None = None) -> list[object]:
    connection = await asyncpg.connect(
        host=db.host,
        port=db.port,
        user=user or db.user,
        database=db.name,
        password=db.password or None,
    )
    try:
        return [tuple(row) for row in await connection.fetch(query, *args)]
    finally:
        await connection.close()


def _as_owner(db: Database, roles: dict[str, str]) -> dict[str, str]:
    """How the migrate step signs in: as the schema's owner (in AWS with an IAM token), and
    grants the service's role its tables."""
    return db.env() | {"DB_USER": roles["owner"], "DB_GRANT_TO": roles["service"]}


def test_the_owner_migrates_what_the_master_user_set_up(
    database: Database, roles: dict[str, str], next_release: Path
) -> None:
    # A schema migrated before it had an owner of its own (by the database's owner, as every
    # deployment before this release step did).
    _migrate(ROOT / "migrations" / "alembic.ini", "catalog", database.env())
    _make_roles(database, "catalog", roles["owner"], roles["service"])
    _make_roles(
        database, "catalog", roles["owner"], roles["service"]
    )  # a second run changes nothing

    owners = asyncio.run(
        _fetch(
            database,
            "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'catalog'"
            " UNION SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = 'catalog'",
        )
    )
    assert owners == [(roles["owner"],)]

    # The owner, no superuser, runs the next release's migrations and grants their tables.
    _migrate(next_release, "catalog", _as_owner(database, roles))
    assert asyncio.run(
        _fetch(database, "SELECT version_num FROM catalog.alembic_version", user=roles["service"])
    ) == [("9001",)]
    asyncio.run(_fetch(database, "SELECT title FROM catalog.products", user=roles["service"]))
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        asyncio.run(_fetch(database, "CREATE ROLE intruder", user=roles["owner"]))
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        asyncio.run(
            _fetch(database, "ALTER TABLE catalog.products ADD x int", user=roles["service"])
        )


def test_release_n_starts_on_the_schema_release_n_plus_1_migrated(
    database: Database,
    roles: dict[str, str],
    next_release: Path,
    service_env: dict[str, str],
    admin: dict[str, str],
    logs: Path,
) -> None:
    # Release N+1's migration task: the roles, then its migrations as the owner.
    _make_roles(database, "catalog", roles["owner"], roles["service"])
    _migrate(next_release, "catalog", _as_owner(database, roles))

    # Rolling back to release N runs N's migration task again: it finds the schema ahead of its
    # migrations and leaves it as it is.
    _make_roles(database, "catalog", roles["owner"], roles["service"])
    again = _migrate(ROOT / "migrations" / "alembic.ini", "catalog", _as_owner(database, roles))
    assert "9001, which these migrations do not have" in again.stderr
    version = "SELECT version_num FROM catalog.alembic_version"
    assert asyncio.run(_fetch(database, version)) == [("9001",)]

    # Release N's service starts on it, as its own role, and reads and writes.
    env = service_env | database.env() | {"DB_USER": roles["service"]}
    log = logs / f"catalog-release-n-{uuid.uuid4().hex[:8]}.log"
    with (
        running_service("catalog.entrypoints.api", env, log) as service,
        httpx.Client(base_url=service.url, timeout=10) as catalog,
    ):
        body = {
            "sku": f"REL-{uuid.uuid4().hex[:10].upper()}",
            "name": "Rollback mug",
            "description": "Written by release N",
            "category": "kitchen",
            "price": "9.50",
            "currency": "EUR",
        }
        created = catalog.post("/catalog/products", json=body, headers=admin)
        assert created.status_code == 201, created.text
        read = catalog.get(created.headers["location"])
        assert read.status_code == 200, read.text
        assert read.json()["name"] == "Rollback mug"
        listed = catalog.get("/catalog/products", params={"q": "Rollback"})
        assert listed.status_code == 200, listed.text
        assert [item["sku"] for item in listed.json()["items"]] == [body["sku"]]

    # What release N wrote is whole for release N+1 too.
    titles = asyncio.run(
        _fetch(database, "SELECT title FROM catalog.products WHERE sku = $1", body["sku"])
    )
    assert titles == [("Rollback mug",)]
