"""A PostgreSQL database for a test session.

A fresh database on the server named by `DB_HOST`/`DB_PORT`/`DB_USER`/`DB_PASSWORD`, else on
the local server, else on a throwaway server started here from the PostgreSQL binaries.
"""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy import MetaData, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tests.support.ports import free_port


@dataclass(frozen=True)
class Database:
    host: str
    port: int
    user: str
    password: str
    name: str

    def env(self) -> dict[str, str]:
        """The settings a service reads to reach this database."""
        return {
            "DB_HOST": self.host,
            "DB_PORT": str(self.port),
            "DB_USER": self.user,
            "DB_PASSWORD": self.password,
            "DB_NAME": self.name,
        }

    def dsn(self) -> str:
        auth = f"{self.user}:{self.password}" if self.password else self.user
        return f"postgresql://{auth}@{self.host}:{self.port}/{self.name}"


async def _admin(server: Database, statement: str) -> None:
    connection = await asyncpg.connect(
        host=server.host,
        port=server.port,
        user=server.user,
        password=server.password or None,
        database="postgres",
        timeout=5,
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _reachable(server: Database) -> bool:
    try:
        asyncio.run(_admin(server, "SELECT 1"))
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    return True


def _binaries() -> Path | None:
    if found := shutil.which("initdb"):
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(candidates[-1]).parent if candidates else None


@contextmanager
def _throwaway_server() -> Iterator[Database]:
    bindir = _binaries()
    if bindir is None:
        raise RuntimeError(
            "No PostgreSQL to test against: set DB_HOST (and DB_PORT, DB_USER, DB_PASSWORD), "
            "run one on 127.0.0.1:5432, or install the PostgreSQL server binaries."
        )
    with tempfile.TemporaryDirectory(prefix="shop-pg-") as data:
        run_as: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            shutil.chown(data, "postgres")
            run_as = ["runuser", "-u", "postgres", "--"]
        subprocess.run(
            [*run_as, str(bindir / "initdb"), "-D", data, "-U", "postgres", "-A", "trust"],
            check=True,
            capture_output=True,
        )
        port = free_port()
        options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", data, "-o", options, "-w", "start"],
            check=True,
            capture_output=True,
        )
        try:
            yield Database("127.0.0.1", port, "postgres", "", "postgres")
        finally:
            subprocess.run(
                [*run_as, str(bindir / "pg_ctl"), "-D", data, "-m", "immediate", "stop"],
                check=False,
                capture_output=True,
            )


@contextmanager
def _server() -> Iterator[Database]:
    configured = Database(
        host=os.environ.get("DB_HOST", "127.0.0.1"),
        port=int(os.environ.get("DB_PORT", "5432")),
        user=os.environ.get("DB_USER", "postgres"),
        password=os.environ.get("DB_PASSWORD", ""),
        name="postgres",
    )
    if _reachable(configured):
        yield configured
    elif "DB_HOST" in os.environ:
        raise RuntimeError(f"PostgreSQL at {configured.host}:{configured.port} does not answer")
    else:
        with _throwaway_server() as server:
            yield server


@contextmanager
def fresh_database() -> Iterator[Database]:
    """A new, empty database, dropped afterwards."""
    with _server() as server:
        name = f"shop_test_{uuid.uuid4().hex[:12]}"
        asyncio.run(_admin(server, f'CREATE DATABASE "{name}"'))
        try:
            yield Database(server.host, server.port, server.user, server.password, name)
        finally:
            for _ in range(3):
                try:
                    asyncio.run(_admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    break
                except asyncpg.PostgresError:
                    time.sleep(0.5)


@asynccontextmanager
async def scratch_schema(database: Database, metadata: MetaData) -> AsyncIterator[AsyncEngine]:
    """An engine on `database`, with `metadata`'s tables made in its schema for a test and
    dropped with the schema after it."""
    schema = str(metadata.schema)
    engine = create_async_engine(database.dsn().replace("postgresql://", "postgresql+asyncpg://"))
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f"CREATE SCHEMA {schema}"))
            await connection.run_sync(metadata.create_all)
        yield engine
    finally:
        async with engine.begin() as connection:
            await connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        await engine.dispose()
