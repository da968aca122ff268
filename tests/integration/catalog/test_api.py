import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

PROBLEM = "application/problem+json"


def _product(**overrides: Any) -> dict[str, Any]:
    body = {
        "sku": f"T-{uuid.uuid4().hex[:10].upper()}",
        "name": "Test mug",
        "description": "For tests",
        "category": "kitchen",
        "price": "12.50",
        "currency": "EUR",
    }
    return body | overrides


def _create(catalog: httpx.Client, admin: dict[str, str], **overrides: Any) -> httpx.Response:
    response = catalog.post("/catalog/products", json=_product(**overrides), headers=admin)
    assert response.status_code == 201, response.text
    return response


def _assert_problem(response: httpx.Response, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    if field is not None:
        assert field in {e["field"] for e in response.json()["errors"]}, response.json()


def test_an_admin_creates_a_product_anyone_can_read(
    catalog: httpx.Client, admin: dict[str, str]
) -> None:
    created = _create(catalog, admin, price="12.5")
    body = created.json()
    assert created.headers["location"] == f"/catalog/products/{body['id']}"
    assert created.headers["etag"] == '"1"'
    assert (body["price"], body["currency"], body["active"]) == ("12.50", "EUR", True)
    read = catalog.get(created.headers["location"])
    assert read.status_code == 200
    assert read.json() == body
    assert read.headers["etag"] == '"1"'


def test_a_duplicate_sku_is_a_conflict(catalog: httpx.Client, admin: dict[str, str]) -> None:
    sku = _create(catalog, admin).json()["sku"]
    again = catalog.post("/catalog/products", json=_product(sku=sku), headers=admin)
    _assert_problem(again, 409)
    assert again.json()["type"] == "/problems/duplicate-sku"


def test_concurrent_creates_of_one_sku_make_one_product(
    catalog: httpx.Client, admin: dict[str, str]
) -> None:
    body = _product()

    def create(_: int) -> int:
        with httpx.Client(base_url=str(catalog.base_url)) as http:
            return http.post("/catalog/products", json=body, headers=admin).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = sorted(pool.map(create, range(8)))
    assert statuses == [201] + [409] * 7


def test_updates_need_the_current_etag(catalog: httpx.Client, admin: dict[str, str]) -> None:
    location = _create(catalog, admin).headers["location"]
    missing = catalog.patch(location, json={"name": "Renamed"}, headers=admin)
    _assert_problem(missing, 428)
    updated = catalog.patch(location, json={"name": "Renamed"}, headers=admin | {"If-Match": '"1"'})
    assert updated.status_code == 200, updated.text
    assert (updated.json()["name"], updated.headers["etag"]) == ("Renamed", '"2"')
    stale = catalog.patch(location, json={"name": "Lost"}, headers=admin | {"If-Match": '"1"'})
    _assert_problem(stale, 412)
    assert catalog.get(location).json()["name"] == "Renamed"


def test_price_changes_and_deactivation(catalog: httpx.Client, admin: dict[str, str]) -> None:
    product = _create(catalog, admin, category="pricing-test").json()
    location = f"/catalog/products/{product['id']}"
    repriced = catalog.put(
        f"{location}/price", json={"price": "9.99", "currency": "EUR"}, headers=admin
    )
    assert repriced.status_code == 200, repriced.text
    assert (repriced.json()["price"], repriced.json()["version"]) == ("9.99", 2)
    stale = catalog.put(
        f"{location}/price",
        json={"price": "8.00", "currency": "EUR"},
        headers=admin | {"If-Match": '"1"'},
    )
    _assert_problem(stale, 412)
    assert catalog.delete(location, headers=admin).status_code == 204
    assert catalog.delete(location, headers=admin).status_code == 204
    gone = catalog.get(location).json()
    assert (gone["active"], gone["price"]) == (False, "9.99")
    listed = catalog.get("/catalog/products", params={"category": "pricing-test"}).json()
    assert product["id"] not in {p["id"] for p in listed["items"]}
    _assert_problem(
        catalog.put(f"{location}/price", json={"price": "1.00", "currency": "EUR"}, headers=admin),
        409,
    )


def test_listing_filters_searches_sorts_and_pages_without_gaps(
    catalog: httpx.Client, admin: dict[str, str]
) -> None:
    category = f"c{uuid.uuid4().hex[:8]}"
    prices = ["5.00", "7.50", "7.50", "12.00", "30.00", "99.99", "1.25"]
    for index, price in enumerate(prices):
        _create(catalog, admin, category=category, price=price, name=f"Lamp {index}")
    _create(catalog, admin, category=category, name="Teapot 100% ceramic")

    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"category": category, "sort": "-price", "limit": 3}
        page = catalog.get(
            "/catalog/products", params=params | ({"cursor": cursor} if cursor else {})
        )
        assert page.status_code == 200, page.text
        seen += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 8
    assert len({p["id"] for p in seen}) == 8
    as_numbers = [float(p["price"]) for p in seen]
    assert as_numbers == sorted(as_numbers, reverse=True)

    found = catalog.get("/catalog/products", params={"category": category, "q": "100%"}).json()
    assert [p["name"] for p in found["items"]] == ["Teapot 100% ceramic"]
    lamps = catalog.get("/catalog/products", params={"category": category, "q": "lamp"}).json()
    assert len(lamps["items"]) == 7

    by_price: dict[str, str | int] = {"category": category, "sort": "-price", "limit": 1}
    cursor = catalog.get("/catalog/products", params=by_price).json()["next_cursor"]
    other_sort = catalog.get(
        "/catalog/products", params={"category": category, "sort": "name", "cursor": cursor}
    )
    _assert_problem(other_sort, 422, "cursor")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"price": "-1.00"}, "price"),
        ({"price": "0"}, "price"),
        ({"price": "1.001"}, "price"),
        ({"price": "1e9"}, "price"),
        ({"price": "NaN"}, "price"),
        ({"price": True}, "price"),
        ({"currency": "euro"}, "currency"),
        ({"name": "x" * 201}, "name"),
        ({"name": ""}, "name"),
        ({"name": 123}, "name"),
        ({"description": "x" * 2001}, "description"),
        ({"sku": "lower-case"}, "sku"),
        ({"sku": "A" * 65}, "sku"),
        ({"category": "Has Spaces"}, "category"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_bad_products_are_422_naming_the_field(
    catalog: httpx.Client, admin: dict[str, str], overrides: dict[str, Any], field: str
) -> None:
    response = catalog.post("/catalog/products", json=_product(**overrides), headers=admin)
    _assert_problem(response, 422, field)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"sort": "sku"}, "sort"),
        ({"q": "x" * 101}, "q"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"category": "UPPER"}, "category"),
    ],
)
def test_bad_listing_parameters_are_422(
    catalog: httpx.Client, params: dict[str, Any], field: str
) -> None:
    _assert_problem(catalog.get("/catalog/products", params=params), 422, field)


@pytest.mark.parametrize("product_id", ["42", "not-a-uuid", "x" * 300])
def test_malformed_ids_are_422(catalog: httpx.Client, product_id: str) -> None:
    _assert_problem(catalog.get(f"/catalog/products/{product_id}"), 422, "product_id")


def test_unknown_products_are_404(catalog: httpx.Client) -> None:
    _assert_problem(catalog.get(f"/catalog/products/{uuid.uuid4()}"), 404)


def test_an_empty_patch_is_422(catalog: httpx.Client, admin: dict[str, str]) -> None:
    location = _create(catalog, admin).headers["location"]
    response = catalog.patch(location, json={}, headers=admin | {"If-Match": '"1"'})
    _assert_problem(response, 422)
    response = catalog.patch(location, json={"name": None}, headers=admin | {"If-Match": '"1"'})
    _assert_problem(response, 422)


def test_customers_cannot_write_the_catalog(
    catalog: httpx.Client, admin: dict[str, str], alice: dict[str, str]
) -> None:
    location = _create(catalog, admin).headers["location"]
    _assert_problem(catalog.post("/catalog/products", json=_product(), headers=alice), 403)
    _assert_problem(
        catalog.patch(location, json={"name": "x"}, headers=alice | {"If-Match": '"1"'}), 403
    )
    _assert_problem(
        catalog.put(f"{location}/price", json={"price": "1.00", "currency": "EUR"}, headers=alice),
        403,
    )
    _assert_problem(catalog.delete(location, headers=alice), 403)
    assert catalog.get(location).json()["version"] == 1


def test_anonymous_writes_are_401(catalog: httpx.Client) -> None:
    response = catalog.post("/catalog/products", json=_product())
    _assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_docs_are_served_under_the_prefix(catalog: httpx.Client) -> None:
    spec = catalog.get("/catalog/openapi.json")
    assert spec.status_code == 200
    assert "/catalog/products/{product_id}" in spec.json()["paths"]
    assert catalog.get("/catalog/docs").status_code == 200
