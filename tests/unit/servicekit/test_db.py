"""How a service's connections sign in: a password locally, an IAM token per connection in AWS."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr

from servicekit.db import connection_credentials
from servicekit.settings import PostgresSettings


def test_locally_the_configured_password() -> None:
    settings = PostgresSettings(
        service_name="catalog", db_schema="catalog", db_password=SecretStr("s3cret")
    )
    assert connection_credentials(settings) == {"password": "s3cret"}


def test_in_aws_a_fresh_iam_token_for_each_connection_over_tls(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-secret")
    settings = PostgresSettings(
        service_name="catalog",
        db_schema="catalog",
        db_iam_auth=True,
        db_host="shop.cluster-x.eu-west-1.rds.amazonaws.com",
        db_port=5432,
        db_user="catalog",
        aws_region="eu-west-1",
        db_password=SecretStr("never-used"),
    )
    credentials = connection_credentials(settings)
    assert credentials["ssl"] == "require"
    password = credentials["password"]
    assert callable(password)
    token = password()
    parts = urlsplit(f"https://{token}")
    query = parse_qs(parts.query)
    assert parts.hostname == settings.db_host
    assert query["Action"] == ["connect"]
    assert query["DBUser"] == ["catalog"]
    assert "X-Amz-Signature" in query
    assert "never-used" not in token
