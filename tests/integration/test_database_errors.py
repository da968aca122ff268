"""A value PostgreSQL refuses (an encoding it cannot store, a number out of range) is a 422
problem, and the pooled connection it arrived on serves the next request as usual."""

import json
from collections.abc import AsyncIterator
from decimal import Decimal

import asyncpg
import httpx
import pytest
from fastapi import FastAPI, Request
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from servicekit.db import create_engine, create_statement_pool
from servicekit.errors import PROBLEM_JSON, install_problem_handlers
from servicekit.settings import PostgresSettings
from tests.support.postgres import Database


def _app(engine: AsyncEngine, reads: asyncpg.Pool) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    # Deliberately unchecked parameters, so that the database is what refuses them.
    @app.post("/engine")
    async def through_the_engine(request: Request) -> dict[str, str]:
        body = await request.json()
        name, amount = body["name"], body.get("amount", "1")
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    text("SELECT upper(:name) AS name, CAST(:amount AS numeric(12, 2)) AS amount"),
                    {"name": name, "amount": Decimal(amount)},
                )
            ).one()
        return {"name": row.name, "amount": str(row.amount)}

    @app.post("/reads")
    async def through_the_read_pool(request: Request) -> dict[str, str]:
        name = (await request.json())["name"]
        return {"name": await reads.fetchval("SELECT upper($1::text)", name)}

    return app


@pytest.fixture
async def client(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    # One connection in each pool: the next request is bound to reuse the one that failed.
    settings = PostgresSettings(
        service_name="data-errors",
        db_schema="public",
        db_host=database.host,
        db_port=database.port,
        db_user=database.user,
        db_password=SecretStr(database.password),
        db_name=database.name,
        db_pool_size=1,
        db_max_overflow=0,
    )
    engine = create_engine(settings, "public")
    reads = await create_statement_pool(settings, "public")
    transport = httpx.ASGITransport(_app(engine, reads), raise_app_exceptions=True)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http
    finally:
        await reads.close()
        await engine.dispose()


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/engine", {"name": "a\x00b"}),
        ("/engine", {"name": "a", "amount": "1E+20"}),
        ("/engine", {"name": "a", "amount": "1E+300000"}),
        ("/engine", {"name": "\ud800"}),
        ("/reads", {"name": "a\x00b"}),
        ("/reads", {"name": "\ud800"}),
    ],
)
async def test_a_refused_value_is_a_422_and_the_connection_serves_the_next_request(
    client: httpx.AsyncClient, path: str, body: dict[str, str]
) -> None:
    for _ in range(2):
        # json.dumps escapes a lone surrogate; the server's JSON parser gives it back.
        refused = await client.post(path, content=json.dumps(body))
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == PROBLEM_JSON
        assert refused.json()["type"] == "/problems/invalid-value"
        served = await client.post(path, json={"name": "mug"})
        assert served.status_code == 200, served.text
        assert served.json()["name"] == "MUG"
