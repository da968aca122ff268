"""`shopctl outbox` finds the outbox it is named: a declared PostgreSQL schema or DynamoDB
table, and nothing else; a PostgreSQL one is reached by the variables the services read."""

from __future__ import annotations

import pytest

from shopctl import cli
from shopctl.outbox import database_from_environment, retry_parked_rows


def test_a_declared_schema_is_postgresql_and_a_declared_table_dynamodb() -> None:
    assert all(cli._is_schema(schema) for schema in ("catalog", "ordering", "inventory"))
    assert not any(cli._is_schema(table) for table in ("baskets", "payments"))


def test_an_undeclared_outbox_is_refused_naming_those_there_are() -> None:
    with pytest.raises(SystemExit, match="catalog"):
        cli._is_schema("catalog; DROP TABLE x")


def test_the_database_is_the_one_the_variables_name_else_composes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "POSTGRES_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("POSTGRES_PASSWORD", raising=False)
    assert database_from_environment() == {
        "host": "127.0.0.1",
        "port": 55432,
        "database": "shop",
        "user": "shop",
        "password": "shop-local-only",
    }
    monkeypatch.setenv("DB_HOST", "db.internal")
    monkeypatch.setenv("DB_PORT", "5432")
    monkeypatch.setenv("DB_PASSWORD", "")
    reach = database_from_environment()
    assert (reach["host"], reach["port"], reach["password"]) == ("db.internal", 5432, None)


def test_a_message_id_that_is_no_uuid_finds_nothing_and_reaches_no_database() -> None:
    with pytest.raises(LookupError, match="no parked row"):
        retry_parked_rows({"host": "unreachable.invalid"}, "catalog", "not-a-uuid")
