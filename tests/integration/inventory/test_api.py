import uuid

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from inventory.service_layer import handlers
from inventory.service_layer.unit_of_work import SqlUnitOfWork
from tests.integration.inventory.support import new_sku, reserve
from tests.support.services import RunningService

PROBLEM = "application/problem+json"


def _assert_problem(response: httpx.Response, status: int, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    if field is not None:
        assert field in {e["field"] for e in response.json()["errors"]}, response.json()


def test_an_admin_sets_and_reads_stock(inventory: httpx.Client, admin: dict[str, str]) -> None:
    sku = new_sku()
    created = inventory.put(f"/inventory/stock/{sku}", json={"on_hand": 12}, headers=admin)
    assert created.status_code == 201, created.text
    assert created.headers["location"] == f"/inventory/stock/{sku}"
    body = created.json()
    assert {k: body[k] for k in ("sku", "on_hand", "reserved", "available", "version")} == {
        "sku": sku,
        "on_hand": 12,
        "reserved": 0,
        "available": 12,
        "version": 1,
    }
    read = inventory.get(f"/inventory/stock/{sku}", headers=admin)
    assert (read.status_code, read.json(), read.headers["etag"]) == (200, body, '"1"')

    updated = inventory.put(f"/inventory/stock/{sku}", json={"on_hand": 3}, headers=admin)
    assert updated.status_code == 200, updated.text
    assert (updated.json()["on_hand"], updated.json()["version"]) == (3, 2)
    assert updated.json()["updated_at"] >= body["updated_at"]


def test_an_unknown_sku_is_not_found(inventory: httpx.Client, admin: dict[str, str]) -> None:
    response = inventory.get(f"/inventory/stock/{new_sku()}", headers=admin)
    _assert_problem(response, 404)
    assert response.json()["type"] == "/problems/not-found"


async def test_on_hand_cannot_be_set_below_what_is_reserved(
    inventory_service: RunningService, admin: dict[str, str], engine: AsyncEngine
) -> None:
    sku = new_sku()
    url = f"/inventory/stock/{sku}"
    async with httpx.AsyncClient(base_url=inventory_service.url, headers=admin) as inventory:
        assert (await inventory.put(url, json={"on_hand": 5})).is_success
        await handlers.reserve_stock(reserve(str(uuid.uuid4()), **{sku: 4}), SqlUnitOfWork(engine))

        refused = await inventory.put(url, json={"on_hand": 3})
        _assert_problem(refused, 409)
        assert refused.json()["type"] == "/problems/below-reserved"
        assert "4 units" in refused.json()["detail"]
        after = (await inventory.get(url)).json()
        assert (after["on_hand"], after["reserved"], after["available"]) == (5, 4, 1)

        lowered = await inventory.put(url, json={"on_hand": 4})
        assert lowered.status_code == 200, lowered.text
        assert lowered.json()["available"] == 0


def test_stock_is_for_administrators_only(
    inventory: httpx.Client, admin: dict[str, str], alice: dict[str, str]
) -> None:
    sku = new_sku()
    assert inventory.put(f"/inventory/stock/{sku}", json={"on_hand": 1}, headers=admin).is_success
    for method, body in (("GET", None), ("PUT", {"on_hand": 9})):
        anonymous = inventory.request(method, f"/inventory/stock/{sku}", json=body)
        _assert_problem(anonymous, 401)
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
        _assert_problem(
            inventory.request(
                method, f"/inventory/stock/{sku}", json=body, headers={"Authorization": "Bearer x"}
            ),
            401,
        )
        _assert_problem(
            inventory.request(method, f"/inventory/stock/{sku}", json=body, headers=alice), 403
        )
    assert inventory.get(f"/inventory/stock/{sku}", headers=admin).json()["on_hand"] == 1


@pytest.mark.parametrize("sku", ["mug-001", "-MUG", "M", "MUG_001", "A" * 65, "MUG%00", "MUG%0A"])
def test_a_malformed_sku_is_named(inventory: httpx.Client, admin: dict[str, str], sku: str) -> None:
    _assert_problem(inventory.get(f"/inventory/stock/{sku}", headers=admin), 422, "sku")
    put = inventory.put(f"/inventory/stock/{sku}", json={"on_hand": 1}, headers=admin)
    _assert_problem(put, 422, "sku")


@pytest.mark.parametrize(
    "body",
    [
        {"on_hand": -1},
        {"on_hand": 1_000_001},
        {"on_hand": "5"},
        {"on_hand": 5.0},
        {"on_hand": True},
        {"on_hand": None},
        {},
        {"on_hand": 5, "reserved": 0},
    ],
)
def test_on_hand_must_be_a_whole_number_in_range(
    inventory: httpx.Client, admin: dict[str, str], body: dict[str, object]
) -> None:
    sku = new_sku()
    response = inventory.put(f"/inventory/stock/{sku}", json=body, headers=admin)
    _assert_problem(response, 422)
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields & {"on_hand", "reserved"}, fields
    assert inventory.get(f"/inventory/stock/{sku}", headers=admin).status_code == 404


def test_the_bounds_are_accepted(inventory: httpx.Client, admin: dict[str, str]) -> None:
    sku = new_sku()
    for on_hand in (0, 1_000_000):
        response = inventory.put(
            f"/inventory/stock/{sku}", json={"on_hand": on_hand}, headers=admin
        )
        assert response.is_success, response.text
        assert response.json()["on_hand"] == on_hand


def test_docs_and_health(inventory: httpx.Client) -> None:
    schema = inventory.get("/inventory/openapi.json")
    assert schema.status_code == 200
    assert set(schema.json()["paths"]["/inventory/stock/{sku}"]) == {"get", "put"}
    assert inventory.get("/inventory/docs").status_code == 200
    assert inventory.get("/health/live").json() == {"status": "ok"}
    ready = inventory.get("/health/ready")
    assert (ready.status_code, ready.json()["checks"]) == (200, {"database": "ok"})
