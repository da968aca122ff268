"""Every operation of every service, through the gateway, with generated requests (valid and
not), as a customer and as an admin: no server error, and every response as the service's own
OpenAPI document describes it (status, content type, body)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import check_out
from tests.support.tools import uv_tool

Headers = Callable[[str], dict[str, str]]

SCHEMATHESIS = "schemathesis==4.32.5"
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    ]
)
# Each service's prefix at the gateway.
SERVICES = ["catalog", "basket", "orders", "inventory", "payments", "notifications"]


@pytest.fixture(scope="module")
def known(shop: httpx.Client, headers_for: Headers) -> dict[str, str]:
    """Identifiers that exist, so that a share of the generated requests reach past a 404:
    a product in stock, and an order of the customer's."""
    admin, customer = headers_for("admin"), f"e2e-api-{uuid.uuid4().hex[:8]}"
    sku = f"API-{uuid.uuid4().hex[:10].upper()}"
    product = shop.post(
        "/catalog/products",
        json={
            "sku": sku,
            "name": "Conformance",
            "category": "e2e",
            "price": "3.00",
            "currency": "EUR",
        },
        headers=admin,
    )
    assert product.status_code == 201, product.text
    stocked = shop.put(f"/inventory/stock/{sku}", json={"on_hand": 1000}, headers=admin)
    assert stocked.status_code in (200, 201), stocked.text
    me = headers_for(customer)
    product_id = product.json()["id"]
    shop.put(f"/basket/items/{product_id}", json={"quantity": 1}, headers=me).raise_for_status()
    order_id = check_out(shop, me, f"{customer}-conformance")
    return {"customer": customer, "product_id": product_id, "sku": sku, "order_id": order_id}


def _config(path: Path, authorization: str, known: dict[str, str]) -> Path:
    """A configuration that sends the bearer token and, on most tries, a real identifier."""
    ids = ("product_id", "sku", "order_id")
    lines = [
        f"headers = {{ Authorization = {json.dumps(authorization)} }}",
        "generation.max-examples = 25",
        "[parameters]",
        *(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.7 }}' for name in ids),
    ]
    for name in ids:
        lines += [f"[dictionaries.{name}]", f"values = [{json.dumps(known[name])}]"]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("role", ["customer", "admin"])
@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_answers_as_documented(
    base_url: str,
    token_for: Callable[[str], str],
    known: dict[str, str],
    service: str,
    role: str,
    tmp_path: Path,
) -> None:
    user = known["customer"] if role == "customer" else "admin"
    config = _config(tmp_path / "schemathesis.toml", f"Bearer {token_for(user)}", known)
    result = uv_tool(
        SCHEMATHESIS,
        "st",
        "--config-file",
        str(config),
        "run",
        f"{base_url}/{service}/openapi.json",
        "--url",
        f"{base_url}/{service}",
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing",
        # One at a time: a schema shared by threads trips the generator on this Python.
        "--workers",
        "1",
        "--no-color",
    )
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert "generated" in result.stdout, result.stdout[-2000:]
