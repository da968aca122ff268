"""Hostile text, forged cursors and reused idempotency keys: 4xx problems naming what is wrong,
never a 500, and nothing left half-done."""

import base64
import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

PROBLEM = "application/problem+json"
HOSTILE = ["\x00", "\x1b[2J", "\ud800", "\ufffe", "\U0010ffff", "\x85"]


def _cursor(position: object) -> str:
    raw = json.dumps(position, allow_nan=True).encode("utf-8", "surrogatepass")
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _json(body: object) -> bytes:
    # json.dumps escapes a lone surrogate as \ud800, as a hostile client would send it.
    return json.dumps(body).encode()


def _assert_problem(response: httpx.Response, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    if field is not None:
        assert field in {e["field"] for e in response.json()["errors"]}, response.json()


def _product(catalog: httpx.Client, admin: dict[str, str], **overrides: Any) -> dict[str, Any]:
    body = {
        "sku": f"H-{uuid.uuid4().hex[:10].upper()}",
        "name": "Hostile mug",
        "description": "Line one\n\tLine two",
        "category": "hostile",
        "price": "12.50",
        "currency": "EUR",
    } | overrides
    response = catalog.post("/catalog/products", json=body, headers=admin)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def test_a_nul_in_the_search_is_a_422_and_the_next_requests_are_served(
    catalog: httpx.Client,
) -> None:
    for _ in range(3):
        _assert_problem(catalog.get("/catalog/products", params={"q": "\x00"}), 422, "q")
        _assert_problem(catalog.get("/catalog/products", params={"limit": 0}), 422, "limit")
        assert catalog.get("/catalog/products", params={"q": "mug"}).status_code == 200


@pytest.mark.parametrize("text", HOSTILE, ids=lambda c: f"U+{ord(c[0]):04X}")
def test_hostile_text_in_a_product_is_a_422_naming_the_field(
    catalog: httpx.Client, admin: dict[str, str], text: str
) -> None:
    for field in ("name", "description"):
        body = {
            "sku": f"H-{uuid.uuid4().hex[:10].upper()}",
            "name": "Mug",
            "category": "hostile",
            "price": "1.00",
            "currency": "EUR",
        } | {field: f"a{text}b"}
        response = catalog.post(
            "/catalog/products",
            content=_json(body),
            headers=admin | {"content-type": "application/json"},
        )
        _assert_problem(response, 422, field)


def test_a_description_keeps_its_lines(catalog: httpx.Client, admin: dict[str, str]) -> None:
    assert _product(catalog, admin)["description"] == "Line one\n\tLine two"


@pytest.mark.parametrize("value", ["Infinity", "-Infinity", "NaN", "sNaN", "1E+300000", "1E+10"])
def test_forged_price_cursors_are_422(catalog: httpx.Client, value: str) -> None:
    cursor = _cursor({"s": "price", "v": value, "id": str(uuid.uuid4())})
    response = catalog.get("/catalog/products", params={"sort": "price", "cursor": cursor})
    _assert_problem(response, 422, "cursor")


@pytest.mark.parametrize(
    "position",
    [
        {"s": "name", "v": "Mug\x00", "id": "00000000-0000-0000-0000-000000000001"},
        {"s": "name", "v": float("inf"), "id": "00000000-0000-0000-0000-000000000001"},
        {"s": "name", "v": float("nan"), "id": "00000000-0000-0000-0000-000000000001"},
    ],
)
def test_forged_cursors_carrying_bad_values_are_422(
    catalog: httpx.Client, position: dict[str, Any]
) -> None:
    response = catalog.get("/catalog/products", params={"cursor": _cursor(position)})
    _assert_problem(response, 422, "cursor")
    assert catalog.get("/catalog/products").status_code == 200


def test_a_forged_order_cursor_is_422(orders: httpx.Client, alice: dict[str, str]) -> None:
    cursor = _cursor({"at": "2026-01-01T00:00:00\x00", "id": str(uuid.uuid4())})
    _assert_problem(orders.get("/orders", params={"cursor": cursor}, headers=alice), 422, "cursor")
    _assert_problem(orders.get("/orders", params={"cursor": "a b"}, headers=alice), 422, "cursor")


def test_patch_changes_the_price_under_the_if_match_rules(
    catalog: httpx.Client, admin: dict[str, str]
) -> None:
    location = f"/catalog/products/{_product(catalog, admin)['id']}"
    price = {"price": "9.99", "currency": "EUR"}
    _assert_problem(catalog.patch(location, json=price, headers=admin), 428)
    _assert_problem(catalog.patch(location, json=price, headers=admin | {"If-Match": "*"}), 428)
    alone = catalog.patch(location, json={"price": "9.99"}, headers=admin | {"If-Match": '"1"'})
    _assert_problem(alone, 422)
    changed = catalog.patch(
        location, json=price | {"name": "Cheaper mug"}, headers=admin | {"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["price"], body["name"], body["version"]) == ("9.99", "Cheaper mug", 2)
    assert changed.headers["etag"] == '"2"'
    stale = catalog.patch(
        location, json={"price": "1.00", "currency": "EUR"}, headers=admin | {"If-Match": '"1"'}
    )
    _assert_problem(stale, 412)
    assert catalog.get(location).json()["price"] == "9.99"


@pytest.fixture
def customer(token_for: Callable[[str], str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(f'hostile-{uuid.uuid4().hex[:8]}')}"}


@pytest.fixture
def filled(
    basket: httpx.Client, catalog: httpx.Client, admin: dict[str, str], customer: dict[str, str]
) -> dict[str, str]:
    product = _product(catalog, admin)
    put = basket.put(f"/basket/items/{product['id']}", json={"quantity": 1}, headers=customer)
    assert put.status_code == 200, put.text
    return product


def _checkout(
    basket: httpx.Client, user: dict[str, str], key: str, body: dict[str, Any]
) -> httpx.Response:
    return basket.post(
        "/basket/checkout",
        content=_json(body),
        headers=user | {"Idempotency-Key": key, "content-type": "application/json"},
    )


ADDRESS = {
    "name": "Ann",
    "line1": "1 Main St",
    "city": "Utrecht",
    "postal_code": "3511",
    "country": "NL",
}


@pytest.mark.parametrize("text", HOSTILE, ids=lambda c: f"U+{ord(c[0]):04X}")
def test_a_hostile_address_is_refused_and_the_basket_stays_open(
    basket: httpx.Client, customer: dict[str, str], filled: dict[str, str], text: str
) -> None:
    for field in ADDRESS:
        address = ADDRESS | {field: f"{ADDRESS[field][:1]}{text}{ADDRESS[field][1:]}"}
        body = {"payment_token": "tok_visa", "shipping_address": address}
        _assert_problem(_checkout(basket, customer, "k1", body), 422, f"shipping_address.{field}")
    assert basket.get("/basket", headers=customer).json()["order_id"] is None
    again = basket.put(f"/basket/items/{filled['id']}", json={"quantity": 2}, headers=customer)
    assert again.status_code == 200, again.text


def test_a_hostile_idempotency_key_is_refused(
    basket: httpx.Client, customer: dict[str, str], filled: dict[str, str]
) -> None:
    response = basket.post(
        "/basket/checkout",
        json={"payment_token": "tok_visa"},
        headers=customer | {"Idempotency-Key": "k\x01"},
    )
    assert response.status_code in (400, 422), response.text


def test_an_idempotency_key_reused_with_another_body_is_a_422(
    basket: httpx.Client, customer: dict[str, str], filled: dict[str, str]
) -> None:
    body = {"payment_token": "tok_visa", "shipping_address": ADDRESS}
    first = _checkout(basket, customer, "reuse-1", body)
    assert first.status_code == 202, first.text
    # The same body, however it is spelled: the same order.
    respelled = {"shipping_address": dict(reversed(ADDRESS.items())), "payment_token": "tok_visa"}
    again = _checkout(basket, customer, "reuse-1", respelled)
    assert again.status_code == 202, again.text
    assert again.json()["order_id"] == first.json()["order_id"]
    other = _checkout(basket, customer, "reuse-1", body | {"payment_token": "tok_other"})
    _assert_problem(other, 422)
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    moved = _checkout(
        basket, customer, "reuse-1", body | {"shipping_address": ADDRESS | {"city": "Delft"}}
    )
    _assert_problem(moved, 422)
