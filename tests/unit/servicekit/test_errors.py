from typing import Annotated

import asyncpg
import httpx
import pytest
from fastapi import FastAPI, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DBAPIError

from servicekit.cursors import decode_cursor, encode_cursor
from servicekit.dynamo import TransactionFailedError
from servicekit.errors import MAX_LISTED_ERRORS, PROBLEM_JSON, Problem, install_problem_handlers
from servicekit.logging import RequestContextMiddleware


class _ArgumentError(asyncpg.InterfaceError, ValueError):
    """What asyncpg raises for an argument it cannot encode (its DataError is private)."""


class Line(BaseModel):
    quantity: Annotated[int, Field(ge=1)]


class Order(BaseModel):
    lines: list[Line]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware)

    @app.post("/orders")
    async def create(order: Order, page: Annotated[int, Query(ge=1)] = 1) -> dict[str, int]:
        return {"lines": len(order.lines)}

    @app.post("/strict")
    async def strict(body: Strict) -> str:
        return body.name

    @app.get("/conflict")
    async def conflict() -> None:
        raise Problem(409, "Already there.", slug="duplicate")

    @app.get("/listing")
    async def listing(cursor: str) -> dict[str, str]:
        return decode_cursor(cursor)

    @app.get("/busy")
    async def busy() -> None:
        raise TransactionFailedError(["None", "TransactionConflict"])

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals")

    @app.get("/database/{kind}")
    async def database(kind: str) -> None:
        if kind == "encoding":  # as the read pool raises it
            raise asyncpg.CharacterNotInRepertoireError("invalid byte sequence: 0x00")
        if kind == "range":  # as SQLAlchemy wraps it
            raise DBAPIError("SELECT", None, asyncpg.NumericValueOutOfRangeError("overflow"))
        if kind == "argument":  # asyncpg's own check of an argument, wrapped
            error = DBAPIError("SELECT", None, RuntimeError("adapted"))
            error.orig.__cause__ = _ArgumentError("invalid input for query argument $1")  # type: ignore[union-attr]
            raise error
        if kind == "full":  # at its connection limit, as the read pool raises it
            raise asyncpg.TooManyConnectionsError("remaining connection slots are reserved")
        if kind == "starting":  # as SQLAlchemy wraps it
            raise DBAPIError("SELECT", None, asyncpg.CannotConnectNowError("starting up"))
        if kind == "refused":  # nothing listens: the driver's own error
            raise ConnectionRefusedError(111, "Connect call failed")
        raise DBAPIError("SELECT", None, asyncpg.UndefinedTableError("no such table"))

    return app


@pytest.fixture
async def client() -> httpx.AsyncClient:
    transport = httpx.ASGITransport(_app(), raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_validation_errors_name_the_field(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/orders?page=0", json={"lines": [{"quantity": 1}, {"quantity": 0}]}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["type"] == "/problems/validation-error"
    assert {(e["field"], e["in"]) for e in body["errors"]} == {
        ("lines[1].quantity", "body"),
        ("page", "query"),
    }


async def test_a_validation_error_lists_so_many_fields_and_counts_the_rest(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/orders", json={"lines": [{"quantity": 0}] * 500})
    assert response.status_code == 422
    body = response.json()
    assert len(body["errors"]) == MAX_LISTED_ERRORS
    assert body["more_errors"] == 500 - MAX_LISTED_ERRORS
    assert body["errors"][0]["field"] == "lines[0].quantity"
    assert body["detail"].endswith(f", and {500 - MAX_LISTED_ERRORS} more")
    few = (await client.post("/orders", json={"lines": [{"quantity": 0}]})).json()
    assert "more_errors" not in few


async def test_unknown_fields_are_named_never_echoed(client: httpx.AsyncClient) -> None:
    secret = "4111111111111111-" + "v" * 5000
    long_key = "k" * 5000
    response = await client.post(
        "/strict", json={"name": "x", "card": secret, long_key: secret, "nested": {"a": secret}}
    )
    assert response.status_code == 422
    assert "4111111111111111" not in response.text
    assert len(response.text) < 2000
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields[0] == "card"
    assert "nested" in fields
    assert any(f.startswith("kkkk") and f.endswith("\u2026") and len(f) <= 64 for f in fields)
    assert all(set(e) == {"field", "in", "message", "code"} for e in response.json()["errors"])


async def test_a_body_that_is_not_json_is_a_415(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/orders", content=b"lines=1", headers={"content-type": "text/plain"}
    )
    assert response.status_code == 415
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_raised_problems_keep_their_status_and_type(client: httpx.AsyncClient) -> None:
    response = await client.get("/conflict")
    assert response.status_code == 409
    assert response.json() == {
        "type": "/problems/duplicate",
        "title": "Conflict",
        "status": 409,
        "detail": "Already there.",
        "instance": "/conflict",
    }


async def test_unexpected_errors_are_500_problems_without_internals(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_JSON
    assert "secret" not in response.text


async def test_a_store_that_decided_nothing_is_a_503_to_try_again(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/busy")
    assert (response.status_code, response.headers["retry-after"]) == (503, "1")
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["type"].endswith("/busy")
    assert "TransactionConflict" not in response.text


async def test_unknown_routes_are_404_problems(client: httpx.AsyncClient) -> None:
    response = await client.get("/nowhere")
    assert (response.status_code, response.json()["type"]) == (404, "/problems/not-found")


async def test_request_ids_are_kept_or_made_and_echoed(client: httpx.AsyncClient) -> None:
    given = await client.get("/conflict", headers={"x-request-id": "req-123"})
    assert given.headers["x-request-id"] == "req-123"
    assert given.headers["x-correlation-id"] == "req-123"
    made = await client.get("/conflict", headers={"x-request-id": 'bad"id'})
    assert made.headers["x-request-id"] not in ('bad"id', "")


async def test_a_cursor_no_listing_issued_is_a_422_naming_it(client: httpx.AsyncClient) -> None:
    good = await client.get("/listing", params={"cursor": encode_cursor({"after": "x"})})
    assert good.json() == {"after": "x"}
    for garbage in ("not-a-cursor", "W10", ""):
        response = await client.get("/listing", params={"cursor": garbage})
        assert response.status_code == 422, garbage
        assert response.headers["content-type"] == PROBLEM_JSON
        assert [e["field"] for e in response.json()["errors"]] == ["cursor"]


@pytest.mark.parametrize("kind", ["encoding", "range", "argument"])
async def test_a_value_the_database_refuses_is_a_422_problem(
    client: httpx.AsyncClient, kind: str
) -> None:
    response = await client.get(f"/database/{kind}")
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["type"] == "/problems/invalid-value"
    assert "0x00" not in response.text


@pytest.mark.parametrize("kind", ["full", "starting", "refused"])
async def test_a_database_that_cannot_take_the_request_now_is_a_503_to_try_again(
    client: httpx.AsyncClient, kind: str
) -> None:
    response = await client.get(f"/database/{kind}")
    assert (response.status_code, response.headers["retry-after"]) == (503, "1")
    assert response.headers["content-type"] == PROBLEM_JSON
    assert "slots" not in response.text


async def test_other_database_errors_stay_500_problems(client: httpx.AsyncClient) -> None:
    response = await client.get("/database/schema")
    assert response.status_code == 500
    assert response.headers["content-type"] == PROBLEM_JSON
    assert "table" not in response.text


async def test_an_unexpected_error_is_answered_without_reaching_the_server() -> None:
    # A server that sees the error closes the connection the answer went out on; a gateway
    # keeping that connection alive would fail the next request sent on it.
    transport = httpx.ASGITransport(_app(), raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as strict:
        response = await strict.get("/boom")
        assert response.status_code == 500
        assert response.headers["content-type"] == PROBLEM_JSON
        assert (await strict.get("/database/range")).status_code == 422
