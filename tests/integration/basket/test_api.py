import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.ports import free_port
from tests.support.services import running_service

PROBLEM = "application/problem+json"


@pytest.fixture
def product(catalog: httpx.Client, admin: dict[str, str]) -> dict[str, Any]:
    return _new_product(catalog, admin, "12.50")


def _new_product(catalog: httpx.Client, admin: dict[str, str], price: str) -> dict[str, Any]:
    body = {
        "sku": f"B-{uuid.uuid4().hex[:10].upper()}",
        "name": "Basket test product",
        "category": "basket-tests",
        "price": price,
        "currency": "EUR",
    }
    response = catalog.post("/catalog/products", json=body, headers=admin)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture(autouse=True)
def empty_baskets(basket: httpx.Client, alice: dict[str, str], bob: dict[str, str]) -> None:
    for user in (alice, bob):
        assert basket.delete("/basket", headers=user).status_code == 204


def _put(
    basket: httpx.Client, user: dict[str, str], product_id: str, quantity: Any
) -> httpx.Response:
    return basket.put(f"/basket/items/{product_id}", json={"quantity": quantity}, headers=user)


def test_a_basket_totals_lines_at_catalog_prices(
    basket: httpx.Client, catalog: httpx.Client, admin: dict[str, str], alice: dict[str, str]
) -> None:
    mug, book = _new_product(catalog, admin, "12.50"), _new_product(catalog, admin, "39.99")
    assert _put(basket, alice, mug["id"], 3).status_code == 200
    response = _put(basket, alice, book["id"], 1)
    assert response.status_code == 200, response.text
    body = response.json()
    lines = {line["product_id"]: line for line in body["lines"]}
    assert lines[mug["id"]]["line_total"] == "37.50"
    assert lines[book["id"]]["unit_price"] == "39.99"
    assert (body["total"], body["item_count"], body["currency"]) == ("77.49", 4, "EUR")
    assert basket.get("/basket", headers=alice).json() == body


def test_each_customer_sees_and_changes_only_their_own_basket(
    basket: httpx.Client, product: dict[str, Any], alice: dict[str, str], bob: dict[str, str]
) -> None:
    assert _put(basket, alice, product["id"], 2).status_code == 200
    assert basket.get("/basket", headers=bob).json()["lines"] == []
    # Whatever bob does, he does to his own basket.
    assert basket.delete(f"/basket/items/{product['id']}", headers=bob).status_code == 200
    assert basket.delete("/basket", headers=bob).status_code == 204
    assert _put(basket, bob, product["id"], 5).json()["item_count"] == 5
    assert basket.get("/basket", headers=alice).json()["item_count"] == 2


def test_removing_and_clearing(
    basket: httpx.Client, product: dict[str, Any], alice: dict[str, str]
) -> None:
    _put(basket, alice, product["id"], 2)
    removed = basket.delete(f"/basket/items/{product['id']}", headers=alice)
    assert (removed.status_code, removed.json()["lines"]) == (200, [])
    _put(basket, alice, product["id"], 2)
    assert basket.delete("/basket", headers=alice).status_code == 204
    assert basket.get("/basket", headers=alice).json()["item_count"] == 0


def test_unknown_and_withdrawn_products_are_422(
    basket: httpx.Client,
    catalog: httpx.Client,
    admin: dict[str, str],
    product: dict[str, Any],
    alice: dict[str, str],
) -> None:
    unknown = _put(basket, alice, str(uuid.uuid4()), 1)
    assert (unknown.status_code, unknown.json()["type"]) == (422, "/problems/product-unavailable")
    catalog.delete(f"/catalog/products/{product['id']}", headers=admin)
    withdrawn = _put(basket, alice, product["id"], 1)
    assert withdrawn.status_code == 422
    assert withdrawn.headers["content-type"] == PROBLEM


@pytest.mark.parametrize("quantity", [0, -1, 100, 10**30, "3", 2.5, None, [1]])
def test_bad_quantities_are_422_naming_the_field(
    basket: httpx.Client, product: dict[str, Any], alice: dict[str, str], quantity: Any
) -> None:
    response = _put(basket, alice, product["id"], quantity)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == ["quantity"]
    assert basket.get("/basket", headers=alice).json()["lines"] == []


@pytest.mark.parametrize("product_id", ["1", "robert'); drop table", "a" * 500])
def test_malformed_product_ids_are_422(
    basket: httpx.Client, alice: dict[str, str], product_id: str
) -> None:
    response = _put(basket, alice, product_id, 1)
    assert response.status_code == 422
    assert "product_id" in {e["field"] for e in response.json()["errors"]}


def test_a_body_that_is_not_json_is_refused(
    basket: httpx.Client, product: dict[str, Any], alice: dict[str, str]
) -> None:
    response = basket.put(f"/basket/items/{product['id']}", content=b"quantity=1", headers=alice)
    assert response.status_code in (415, 422)
    assert response.headers["content-type"] == PROBLEM


def test_without_a_token_there_is_no_basket(basket: httpx.Client) -> None:
    for response in (basket.get("/basket"), basket.delete("/basket")):
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM


def test_an_unreachable_catalog_is_a_503(
    service_env: dict[str, str], alice: dict[str, str], product: dict[str, Any], logs: Path
) -> None:
    env = service_env | {"CATALOG_URL": f"http://127.0.0.1:{free_port()}"}
    with running_service("basket.entrypoints.api", env, logs / "basket-no-catalog.log") as lonely:
        response = httpx.put(
            f"{lonely.url}/basket/items/{product['id']}", json={"quantity": 1}, headers=alice
        )
        assert response.status_code == 503, response.text
        assert response.json()["type"] == "/problems/catalog-unavailable"
        assert response.headers["retry-after"] == "1"
        assert httpx.get(f"{lonely.url}/basket", headers=alice).json()["lines"] == []
