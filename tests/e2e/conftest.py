"""A running shop, reached only through its gateway, as a REST client reaches it."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e

SHOPCTL = Path(sys.executable).parent / "shopctl"


@pytest.fixture(scope="session")
def base_url() -> str:
    return os.environ["SHOP_BASE_URL"].rstrip("/")


@pytest.fixture(scope="session")
def shop(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=15) as http:
        response = http.get("/catalog/products", params={"limit": 1})
        assert response.status_code == 200, f"the shop at {base_url} is not serving: {response}"
        yield http


@pytest.fixture(scope="session")
def token_for() -> Callable[[str], str]:
    @cache
    def token(username: str) -> str:
        result = subprocess.run(
            [str(SHOPCTL), "token", username], capture_output=True, text=True, check=True
        )
        return result.stdout.strip()

    return token


@pytest.fixture(scope="session")
def headers_for(token_for: Callable[[str], str]) -> Callable[[str], dict[str, str]]:
    return lambda username: {"Authorization": f"Bearer {token_for(username)}"}


@pytest.fixture
def customer() -> str:
    """A customer nobody else in this run uses."""
    return f"e2e-{uuid.uuid4().hex[:10]}"


def check_out(shop: httpx.Client, me: dict[str, str], key: str, token: str = "tok_visa") -> str:
    """Check out `me`'s basket with Idempotency-Key `key`; the order's id, once accepted."""
    accepted = shop.post(
        "/basket/checkout", json={"payment_token": token}, headers=me | {"Idempotency-Key": key}
    )
    assert accepted.status_code == 202, accepted.text
    order_id = str(accepted.json()["order_id"])
    assert accepted.headers["location"] == f"/orders/{order_id}"
    return order_id
