"""`GET /payments/{order_id}`: the owner and administrators see a payment; nobody else learns
that it exists."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.integration.payment.sagas import Saga
from tests.support.services import RunningWorker

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def order_id(forward: Saga, payment_worker: RunningWorker, alice: dict[str, str]) -> str:
    """One of alice's orders, authorized and captured."""
    for _ in range(3):
        order_id = forward.start(alice)
        outcome = forward.outcome(order_id)
        if outcome["status"] == "SUCCEEDED":
            return order_id
        # This module's worker has just started: on a loaded machine it can miss the test
        # saga's short authorization deadline once, and is warm for the next order.
        assert outcome.get("error") == "States.Timeout", outcome
    raise AssertionError("no order got through authorization and capture")


def test_the_owner_sees_their_payment(
    payments: httpx.Client, alice: dict[str, str], order_id: str
) -> None:
    response = payments.get(f"/payments/{order_id}", headers=alice)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["order_id"], body["status"], body["amount"]) == (order_id, "CAPTURED", "49.90")
    assert body["authorized_at"] <= body["captured_at"]
    assert body["voided_at"] is None


def test_an_admin_sees_any_payment(
    payments: httpx.Client, admin: dict[str, str], alice: dict[str, str], order_id: str
) -> None:
    as_admin = payments.get(f"/payments/{order_id}", headers=admin)
    assert as_admin.status_code == 200
    assert as_admin.json() == payments.get(f"/payments/{order_id}", headers=alice).json()


def test_another_customer_cannot_tell_it_exists(
    payments: httpx.Client, bob: dict[str, str], order_id: str
) -> None:
    theirs = payments.get(f"/payments/{order_id}", headers=bob)
    nobodys = payments.get(f"/payments/{uuid.uuid4()}", headers=bob)
    assert theirs.status_code == nobodys.status_code == 404
    assert theirs.headers["content-type"] == PROBLEM
    assert theirs.json()["type"] == nobodys.json()["type"] == "/problems/not-found"


def test_a_malformed_order_id_is_named(payments: httpx.Client, alice: dict[str, str]) -> None:
    response = payments.get("/payments/not-an-id", headers=alice)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert [error["field"] for error in response.json()["errors"]] == ["order_id"]


def test_without_a_token_there_is_nothing_to_see(payments: httpx.Client, order_id: str) -> None:
    response = payments.get(f"/payments/{order_id}")
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM


def test_the_api_documents_itself_and_is_ready(payments: httpx.Client) -> None:
    assert payments.get("/payments/docs").status_code == 200
    assert "/payments/{order_id}" in payments.get("/payments/openapi.json").json()["paths"]
    ready = payments.get("/health/ready").json()
    assert ready == {"status": "ok", "checks": {"payments": "ok"}}
