import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx

from tests.e2e.conftest import check_out

PROBLEM = "application/problem+json"
Headers = Callable[[str], dict[str, str]]


def _all_products(shop: httpx.Client) -> list[dict[str, Any]]:
    products: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 10}
        if cursor:
            params["cursor"] = cursor
        page = shop.get("/catalog/products", params=params)
        assert page.status_code == 200, page.text
        products += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return products


def _a_product(shop: httpx.Client, query: str = "mug") -> dict[str, Any]:
    items = shop.get("/catalog/products", params={"q": query, "limit": 1}).json()["items"]
    assert items, f"the demo data has no product matching {query!r}"
    product: dict[str, Any] = items[0]
    return product


def test_the_demo_catalog_is_browsable_page_by_page(shop: httpx.Client) -> None:
    products = _all_products(shop)
    assert len(products) >= 24
    assert len({p["id"] for p in products}) == len(products)
    categories = Counter(p["category"] for p in products)
    assert len(categories) >= 4
    books = shop.get("/catalog/products", params={"category": "books", "sort": "-price"}).json()
    prices = [float(p["price"]) for p in books["items"]]
    assert prices == sorted(prices, reverse=True)
    assert {p["category"] for p in books["items"]} == {"books"}


def test_a_product_is_served_with_its_etag(shop: httpx.Client) -> None:
    product = _a_product(shop)
    response = shop.get(f"/catalog/products/{product['id']}")
    assert response.status_code == 200
    assert response.json() == product
    assert response.headers["etag"] == f'"{product["version"]}"'


def test_a_customer_fills_a_basket(shop: httpx.Client, headers_for: Headers, customer: str) -> None:
    me = headers_for(customer)
    mug, book = _a_product(shop, "mug"), _a_product(shop, "refactoring")
    assert shop.get("/basket", headers=me).json()["lines"] == []
    shop.put(f"/basket/items/{mug['id']}", json={"quantity": 2}, headers=me).raise_for_status()
    response = shop.put(f"/basket/items/{book['id']}", json={"quantity": 1}, headers=me)
    assert response.status_code == 200, response.text
    basket = response.json()
    expected = 2 * float(mug["price"]) + float(book["price"])
    assert float(basket["total"]) == expected
    assert basket["item_count"] == 3
    assert shop.get("/basket", headers=me).json() == basket
    assert shop.delete("/basket", headers=me).status_code == 204


def test_customers_cannot_see_each_others_baskets(
    shop: httpx.Client, headers_for: Headers, customer: str
) -> None:
    mine, theirs = headers_for(customer), headers_for(f"{customer}-other")
    mug = _a_product(shop)
    shop.put(f"/basket/items/{mug['id']}", json={"quantity": 4}, headers=mine).raise_for_status()
    assert shop.get("/basket", headers=theirs).json()["lines"] == []
    assert shop.delete("/basket", headers=theirs).status_code == 204
    assert shop.get("/basket", headers=mine).json()["item_count"] == 4


def test_customers_cannot_write_the_catalog(shop: httpx.Client, headers_for: Headers) -> None:
    body = {"sku": "E2E-NOPE", "name": "x", "category": "x", "price": "1.00", "currency": "EUR"}
    response = shop.post("/catalog/products", json=body, headers=headers_for("alice"))
    assert (response.status_code, response.headers["content-type"]) == (403, PROBLEM)
    assert shop.post("/catalog/products", json=body).status_code == 401


def test_requests_without_a_valid_token_are_401(shop: httpx.Client) -> None:
    for headers in ({}, {"Authorization": "Bearer not.a.token"}, {"Authorization": "Basic eA=="}):
        response = shop.get("/basket", headers=headers)
        assert (response.status_code, response.headers["content-type"]) == (401, PROBLEM)


def test_bad_input_is_a_problem_naming_the_field(
    shop: httpx.Client, headers_for: Headers, customer: str
) -> None:
    me, mug = headers_for(customer), _a_product(shop)
    for quantity in (0, 100, -1, "two"):
        response = shop.put(f"/basket/items/{mug['id']}", json={"quantity": quantity}, headers=me)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "quantity"
    response = shop.get("/catalog/products/not-a-uuid")
    assert (response.status_code, response.json()["errors"][0]["field"]) == (422, "product_id")


def test_the_gateway_answers_unknown_routes_and_big_bodies_with_problems(
    shop: httpx.Client, headers_for: Headers
) -> None:
    unknown = shop.get("/nowhere")
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith(PROBLEM)
    assert unknown.json()["status"] == 404
    huge = shop.put(
        f"/basket/items/{_a_product(shop)['id']}",
        content=b'{"quantity": 1, "pad": "' + b"x" * 200_000 + b'"}',
        headers=headers_for("alice") | {"content-type": "application/json"},
    )
    assert huge.status_code == 413
    assert huge.headers["content-type"].startswith(PROBLEM)


def test_the_gateway_sets_and_keeps_request_ids(shop: httpx.Client) -> None:
    made = shop.get("/catalog/products", params={"limit": 1})
    assert made.headers.get("x-request-id")
    kept = shop.get("/catalog/products", params={"limit": 1}, headers={"x-request-id": "e2e-123"})
    assert kept.headers["x-request-id"] == "e2e-123"


def test_each_service_publishes_its_api_docs(shop: httpx.Client) -> None:
    for prefix, path in (
        ("catalog", "/catalog/products"),
        ("basket", "/basket"),
        ("orders", "/orders"),
        ("inventory", "/inventory/stock/{sku}"),
        ("payments", "/payments/{order_id}"),
        ("notifications", "/notifications"),
    ):
        spec = shop.get(f"/{prefix}/openapi.json")
        assert spec.status_code == 200, prefix
        assert path in spec.json()["paths"]
        assert shop.get(f"/{prefix}/docs").status_code == 200


def _timeline(
    shop: httpx.Client, me: dict[str, str], order_id: str, steps: set[str], timeout: float = 30
) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while True:
        timeline = shop.get(f"/orders/{order_id}", headers=me).json()["timeline"]
        shown = {step["step"]: step["detail"] for step in timeline}
        if steps <= shown.keys():
            return shown
        assert time.monotonic() < deadline, f"the timeline never showed {steps}: {timeline}"
        time.sleep(0.25)


def _finished(
    shop: httpx.Client, me: dict[str, str], order_id: str, timeout: float = 90
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = shop.get(f"/orders/{order_id}", headers=me)
        if response.status_code == 200 and response.json()["status"] in ("CONFIRMED", "CANCELLED"):
            order: dict[str, Any] = response.json()
            return order
        assert time.monotonic() < deadline, f"order {order_id} did not finish: {response.text}"
        time.sleep(0.25)


def test_a_checkout_becomes_a_confirmed_paid_order(
    shop: httpx.Client, headers_for: Headers, customer: str
) -> None:
    me, mug = headers_for(customer), _a_product(shop)
    shop.put(f"/basket/items/{mug['id']}", json={"quantity": 1}, headers=me).raise_for_status()
    order_id = check_out(shop, me, f"{customer}-1", "tok_visa")
    assert check_out(shop, me, f"{customer}-1", "tok_visa") == order_id

    order = _finished(shop, me, order_id)
    assert (order["status"], float(order["total"])) == ("CONFIRMED", float(mug["price"]))
    # The saga steps' outcomes arrive as events, and may follow the confirmation.
    steps = _timeline(shop, me, order_id, {"ReserveStock", "AuthorizePayment", "CapturePayment"})
    assert steps["ReserveStock"] == steps["AuthorizePayment"] == "succeeded"
    assert {"PLACED", "CONFIRMED"} <= steps.keys()
    deadline = time.monotonic() + 30
    while shop.get(f"/payments/{order_id}", headers=me).json().get("status") != "CAPTURED":
        assert time.monotonic() < deadline, "the payment was never captured"
        time.sleep(0.25)
    assert shop.get(f"/orders/{order_id}", headers=headers_for(f"{customer}-x")).status_code == 404
    assert (
        shop.get(f"/payments/{order_id}", headers=headers_for(f"{customer}-x")).status_code == 404
    )
    listed = shop.get("/orders", headers=me).json()["items"]
    assert [o["id"] for o in listed] == [order_id]


def test_a_declined_payment_cancels_the_order(
    shop: httpx.Client, headers_for: Headers, customer: str
) -> None:
    me, mug = headers_for(customer), _a_product(shop)
    shop.put(f"/basket/items/{mug['id']}", json={"quantity": 1}, headers=me).raise_for_status()
    order = _finished(shop, me, check_out(shop, me, f"{customer}-d", "tok_decline"))
    assert (order["status"], order["reason"]) == ("CANCELLED", "PAYMENT_DECLINED")
    deadline = time.monotonic() + 30
    while shop.get("/basket", headers=me).json()["order_id"] is not None:
        assert time.monotonic() < deadline, "the basket was never reopened"
        time.sleep(0.25)


def test_a_payment_that_never_answers_times_out_and_is_compensated(
    shop: httpx.Client, headers_for: Headers, customer: str
) -> None:
    """The slowest test here: it waits out the payment step's timeout (30 s locally)."""
    me, mug = headers_for(customer), _a_product(shop)
    shop.put(f"/basket/items/{mug['id']}", json={"quantity": 1}, headers=me).raise_for_status()
    order_id = check_out(shop, me, f"{customer}-t", "tok_timeout")
    order = _finished(shop, me, order_id, timeout=120)
    assert (order["status"], order["reason"]) == ("CANCELLED", "TIMEOUT")


def _stocked_product(shop: httpx.Client, admin: dict[str, str], on_hand: int) -> dict[str, Any]:
    body = {
        "sku": f"E2E-{uuid.uuid4().hex[:10].upper()}",
        "name": "End-to-end product",
        "category": "e2e",
        "price": "5.00",
        "currency": "EUR",
    }
    created = shop.post("/catalog/products", json=body, headers=admin)
    assert created.status_code == 201, created.text
    stocked = shop.put(f"/inventory/stock/{body['sku']}", json={"on_hand": on_hand}, headers=admin)
    assert stocked.status_code in (200, 201), stocked.text
    product: dict[str, Any] = created.json()
    return product


def test_too_little_stock_cancels_the_order(
    shop: httpx.Client, headers_for: Headers, customer: str
) -> None:
    me, product = headers_for(customer), _stocked_product(shop, headers_for("admin"), on_hand=1)
    shop.put(f"/basket/items/{product['id']}", json={"quantity": 2}, headers=me).raise_for_status()
    order = _finished(shop, me, check_out(shop, me, f"{customer}-s", "tok_visa"))
    assert (order["status"], order["reason"]) == ("CANCELLED", "OUT_OF_STOCK")
    assert shop.get(f"/payments/{order['id']}", headers=me).status_code == 404  # nothing held


def test_a_customer_cancels_a_pending_order(
    shop: httpx.Client, headers_for: Headers, customer: str
) -> None:
    me, product = headers_for(customer), _stocked_product(shop, headers_for("admin"), on_hand=3)
    shop.put(f"/basket/items/{product['id']}", json={"quantity": 1}, headers=me).raise_for_status()
    # The flaky token's retry holds the saga before confirmation long enough to cancel.
    order_id = check_out(shop, me, f"{customer}-c", "tok_flaky")
    deadline = time.monotonic() + 30
    while (cancel := shop.post(f"/orders/{order_id}/cancel", headers=me)).status_code == 404:
        assert time.monotonic() < deadline, "the order never arrived"
        time.sleep(0.1)
    assert cancel.status_code == 202, cancel.text
    order = _finished(shop, me, order_id)
    assert (order["status"], order["reason"]) == ("CANCELLED", "CANCELLED_BY_CUSTOMER")
    stock = shop.get(f"/inventory/stock/{product['sku']}", headers=headers_for("admin")).json()
    assert (stock["on_hand"], stock["reserved"]) == (3, 0)
