"""Payment's saga steps driven by real Step Functions executions in the emulator: each
answer, each failure, each compensation, and the events they publish."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

import httpx
import pytest

from shopctl.aws import client
from tests.integration.events import queue_depth, user_id
from tests.integration.payment.sagas import PublishedEvents, Saga
from tests.support.saga import KEY
from tests.support.services import RunningWorker
from tests.support.waiting import eventually


@pytest.fixture(autouse=True)
def _worker(payment_worker: RunningWorker) -> None:
    """Every test here runs with the payment worker up."""


def _payment(payments: httpx.Client, headers: dict[str, str], order_id: str) -> dict[str, Any]:
    response = payments.get(f"/payments/{order_id}", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _failed_tasks(saga: Saga, order_id: str) -> list[str]:
    return [
        event["taskFailedEventDetails"]["error"]
        for event in saga.history(order_id)
        if event["type"] == "TaskFailed"
    ]


def test_an_order_is_authorized_then_captured_once(
    forward: Saga,
    published: PublishedEvents,
    payments: httpx.Client,
    alice: dict[str, str],
) -> None:
    order_id = forward.start(alice)
    assert forward.outcome(order_id)["status"] == "SUCCEEDED"
    payment = _payment(payments, alice, order_id)
    assert (payment["status"], payment["amount"], payment["currency"]) == (
        "CAPTURED",
        "49.90",
        "EUR",
    )
    assert payment["provider_reference"].startswith("sim_")
    assert published.types(order_id, 2) == ["payment.PaymentAuthorized", "payment.PaymentCaptured"]
    captured = published.of(order_id)[1]
    assert captured["source"] == "payment"
    assert captured["data"] == {
        "order_id": order_id,
        "user_id": payment["user_id"],
        "amount": "49.90",
        "currency": "EUR",
    }


def test_a_declined_card_fails_the_step_with_payment_declined(
    forward: Saga, published: PublishedEvents, payments: httpx.Client, alice: dict[str, str]
) -> None:
    order_id = forward.start(alice, payment_token="tok_decline")
    outcome = forward.outcome(order_id)
    assert (outcome["status"], outcome["error"]) == ("FAILED", "PaymentDeclined")
    assert _payment(payments, alice, order_id)["decline_reason"] == "CARD_DECLINED"
    assert published.types(order_id, 1) == ["payment.PaymentDeclined"]
    assert published.of(order_id)[0]["data"]["reason"] == "CARD_DECLINED"


def test_an_amount_over_the_limit_is_declined(
    forward: Saga, published: PublishedEvents, alice: dict[str, str]
) -> None:
    dear = [{"product_id": "p-1", "sku": "RING-1", "quantity": 1, "unit_price": "10000.01"}]
    order_id = forward.start(alice, lines=dear, total="10000.01")
    outcome = forward.outcome(order_id)
    assert (outcome["status"], outcome["error"]) == ("FAILED", "PaymentDeclined")
    assert published.types(order_id, 1) == ["payment.PaymentDeclined"]
    assert published.of(order_id)[0]["data"]["reason"] == "AMOUNT_OVER_LIMIT"


def test_a_flaky_provider_is_retried_by_the_state_machine_and_succeeds(
    forward: Saga, published: PublishedEvents, payments: httpx.Client, alice: dict[str, str]
) -> None:
    order_id = forward.start(alice, payment_token="tok_flaky")
    assert forward.outcome(order_id)["status"] == "SUCCEEDED"
    assert _failed_tasks(forward, order_id) == ["Transient"]
    assert _payment(payments, alice, order_id)["status"] == "CAPTURED"
    assert published.types(order_id, 2) == ["payment.PaymentAuthorized", "payment.PaymentCaptured"]


def test_a_silent_provider_leaves_the_task_to_time_out(
    forward: Saga, published: PublishedEvents, payments: httpx.Client, alice: dict[str, str]
) -> None:
    order_id = forward.start(alice, payment_token="tok_timeout")
    outcome = forward.outcome(order_id)
    assert (outcome["status"], outcome["error"]) == ("FAILED", "States.Timeout")
    assert payments.get(f"/payments/{order_id}", headers=alice).status_code == 404
    assert published.of(order_id) == []
    # The message was acknowledged, not left to go round to the dead-letter queue.
    assert queue_depth("payment-commands") == 0


def test_a_timed_out_authorization_is_compensated_and_closes_the_order(
    compensating: Saga,
    published: PublishedEvents,
    payments: httpx.Client,
    alice: dict[str, str],
    payment_worker: RunningWorker,
    payment_commands_url: str,
) -> None:
    order_id = compensating.start(alice, payment_token="tok_timeout")
    assert compensating.outcome(order_id)["status"] == "SUCCEEDED"
    assert _failed_tasks(compensating, order_id) == ["States.Timeout"]
    assert payments.get(f"/payments/{order_id}", headers=alice).status_code == 404
    # An authorization arriving after the void (a late redelivery) is refused: the void closed
    # the order, and the answer goes to a task that is over.
    _send_command(payment_commands_url, "AuthorizePayment", order_id, user_id(alice))
    eventually(
        lambda: _step_lines(payment_worker, order_id, "AuthorizePayment", "saga_answer_ignored"),
        what="the late authorization to be refused",
    )
    assert payments.get(f"/payments/{order_id}", headers=alice).status_code == 404
    assert published.of(order_id) == []


@pytest.mark.parametrize(
    ("then", "status", "events"),
    [
        ("void", "VOIDED", ["payment.PaymentAuthorized", "payment.PaymentVoided"]),
        (
            "refund",
            "REFUNDED",
            ["payment.PaymentAuthorized", "payment.PaymentCaptured", "payment.PaymentRefunded"],
        ),
        # A refund that finds nothing captured releases the hold instead.
        ("refund-uncaptured", "VOIDED", ["payment.PaymentAuthorized", "payment.PaymentVoided"]),
    ],
)
def test_compensations_leave_no_money_held(
    compensating: Saga,
    published: PublishedEvents,
    payments: httpx.Client,
    alice: dict[str, str],
    then: str,
    status: str,
    events: list[str],
) -> None:
    order_id = compensating.start(alice, then=then)
    assert compensating.outcome(order_id)["status"] == "SUCCEEDED"
    assert _payment(payments, alice, order_id)["status"] == status
    assert published.types(order_id, len(events)) == events


def test_a_declined_authorization_is_compensated_by_doing_nothing(
    compensating: Saga, published: PublishedEvents, payments: httpx.Client, alice: dict[str, str]
) -> None:
    order_id = compensating.start(alice, payment_token="tok_decline")
    assert compensating.outcome(order_id)["status"] == "SUCCEEDED"
    assert _failed_tasks(compensating, order_id) == ["PaymentDeclined"]
    assert _payment(payments, alice, order_id)["status"] == "DECLINED"
    assert published.types(order_id, 1) == ["payment.PaymentDeclined"]


@pytest.mark.parametrize(
    ("then", "sent", "events"),
    [
        (
            None,
            ["AuthorizePayment", "CapturePayment"],
            ["payment.PaymentAuthorized", "payment.PaymentCaptured"],
        ),
        (
            "void",
            ["AuthorizePayment", "VoidPayment"],
            ["payment.PaymentAuthorized", "payment.PaymentVoided"],
        ),
        (
            "refund",
            ["AuthorizePayment", "CapturePayment", "RefundPayment"],
            ["payment.PaymentAuthorized", "payment.PaymentCaptured", "payment.PaymentRefunded"],
        ),
    ],
    ids=["captured", "voided", "refunded"],
)
def test_replayed_commands_change_nothing(
    forward: Saga,
    compensating: Saga,
    published: PublishedEvents,
    payments: httpx.Client,
    alice: dict[str, str],
    payment_worker: RunningWorker,
    payment_commands_url: str,
    then: str | None,
    sent: list[str],
    events: list[str],
) -> None:
    """Every command the execution sent, sent again after it ended (as whoever reads the queue
    could): each step finds its own earlier result, or the compensation that undid it."""
    order_id = compensating.start(alice, then=then) if then else forward.start(alice)
    assert (compensating if then else forward).outcome(order_id)["status"] == "SUCCEEDED"
    before = _payment(payments, alice, order_id)
    assert published.types(order_id, len(events), settle=0) == events
    for command in sent:
        _send_command(payment_commands_url, command, order_id, before["user_id"])
        eventually(
            partial(_step_lines, payment_worker, order_id, command, "saga_answer_ignored"),
            what=f"the replayed {command}'s answer to be dropped",
        )
    assert _payment(payments, alice, order_id) == before
    assert published.types(order_id, len(events)) == events


def _send_command(queue_url: str, command: str, order_id: str, user: str) -> None:
    """A command as the state machine sent it, proof and all, replayed after its task ended:
    its token is one the state machine no longer waits on."""
    token = f"stale-{order_id}-{command}"
    body = {
        "command": command,
        "task_token": token,
        "proof": KEY.proof(order_id, command, token),
        "order_id": order_id,
        "user_id": user,
        "lines": [{"product_id": "p-1", "sku": "MUG-1", "quantity": 2, "unit_price": "24.95"}],
        "total": "49.90",
        "currency": "EUR",
        "payment_token": "tok_visa",
    }
    client("sqs").send_message(QueueUrl=queue_url, MessageBody=json.dumps(body))


def _step_lines(
    worker: RunningWorker, order_id: str, step: str, message: str
) -> list[dict[str, object]]:
    return [
        line
        for line in worker.log_lines()
        if line.get("message") == message
        and line.get("order_id") == order_id
        and line.get("step") == step
    ]
