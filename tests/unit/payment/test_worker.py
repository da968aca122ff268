"""How payment's worker answers the state machine for each outcome of a step."""

import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

from payment.adapters.provider import SimulatedProvider
from payment.domain.errors import AuthorizationMismatchError
from payment.entrypoints.worker import step_handler
from servicekit.messaging.consumer import Handler, PoisonMessageError, ReceivedMessage
from servicekit.testing import SAGA_KEY, FakeStepFunctions, proven
from tests.unit.payment.fakes import LIMIT, FakeAttempts, FakePayments


@pytest.fixture
def sfn() -> FakeStepFunctions:
    return FakeStepFunctions()


@pytest.fixture
def payments() -> FakePayments:
    return FakePayments()


@pytest.fixture
def handle(sfn: FakeStepFunctions, payments: FakePayments) -> Handler:
    provider = SimulatedProvider(FakeAttempts(), LIMIT)
    return step_handler(sfn, SAGA_KEY, lambda: payments, provider)  # type: ignore[arg-type]


_tokens: Iterator[int] = iter(range(1_000_000))


def _message(
    command: str, order_id: str, token: str | None = "tok_visa", **overrides: Any
) -> ReceivedMessage:
    body = {
        "command": command,
        "task_token": f"token-{next(_tokens)}",
        "order_id": order_id,
        "user_id": "alice",
        "lines": [{"product_id": "p", "sku": "MUG-1", "quantity": 2, "unit_price": "10.00"}],
        "total": "20.00",
        "currency": "EUR",
        "payment_token": token,
        **overrides,
    }
    return ReceivedMessage(
        message_id=uuid.uuid4().hex, body=json.dumps(proven(body)), receive_count=1
    )


async def test_an_authorization_answers_success(handle: Handler, sfn: FakeStepFunctions) -> None:
    order_id = str(uuid.uuid4())
    await handle(_message("AuthorizePayment", order_id))
    assert sfn.answers[0]["output"] == {"order_id": order_id, "payment_status": "AUTHORIZED"}


async def test_a_decline_answers_payment_declined_every_time(
    handle: Handler, sfn: FakeStepFunctions
) -> None:
    order_id = str(uuid.uuid4())
    for _ in range(2):
        await handle(_message("AuthorizePayment", order_id, "tok_decline"))
    assert [a["error"] for a in sfn.answers] == ["PaymentDeclined", "PaymentDeclined"]


async def test_a_flaky_provider_answers_transient_then_success(
    handle: Handler, sfn: FakeStepFunctions
) -> None:
    order_id = str(uuid.uuid4())
    await handle(_message("AuthorizePayment", order_id, "tok_flaky"))
    await handle(_message("AuthorizePayment", order_id, "tok_flaky"))
    assert sfn.answers[0]["error"] == "Transient"
    assert sfn.answers[1]["output"]["payment_status"] == "AUTHORIZED"


async def test_a_silent_provider_gets_no_answer_and_the_message_is_acknowledged(
    handle: Handler, sfn: FakeStepFunctions, payments: FakePayments
) -> None:
    # Returning normally is what makes the consumer delete the message.
    await handle(_message("AuthorizePayment", str(uuid.uuid4()), "tok_timeout"))
    assert sfn.answers == []
    assert payments.rows == {}


async def test_the_whole_happy_path_and_its_redelivery(
    handle: Handler, sfn: FakeStepFunctions, payments: FakePayments
) -> None:
    order_id = str(uuid.uuid4())
    for command in ("AuthorizePayment", "CapturePayment", "CapturePayment"):
        await handle(_message(command, order_id))
    assert [a["output"]["payment_status"] for a in sfn.answers] == [
        "AUTHORIZED",
        "CAPTURED",
        "CAPTURED",
    ]
    assert [e.TYPE for e in payments.published] == [
        "payment.PaymentAuthorized",
        "payment.PaymentCaptured",
    ]


@pytest.mark.parametrize("command", ["VoidPayment", "RefundPayment"])
async def test_compensations_without_money_succeed(
    handle: Handler, sfn: FakeStepFunctions, command: str
) -> None:
    await handle(_message(command, str(uuid.uuid4()), None))
    assert sfn.answers[0]["output"]["payment_status"] == "NOTHING_HELD"


async def test_capturing_nothing_fails_with_a_named_error(
    handle: Handler, sfn: FakeStepFunctions
) -> None:
    await handle(_message("CapturePayment", str(uuid.uuid4()), None))
    assert sfn.answers[0]["error"] == "PaymentNotAuthorized"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("order_id", "not-a-uuid"),
        ("currency", "euro"),
        ("total", "0"),
        ("total", "1e40"),
        ("total", "19.99"),  # not what its lines cost (2 x 10.00)
    ],
)
async def test_a_malformed_command_fails_its_task_rather_than_retrying(
    handle: Handler, sfn: FakeStepFunctions, field: str, value: str
) -> None:
    overrides = {"order_id": str(uuid.uuid4()), field: value}
    order_id = overrides.pop("order_id")
    await handle(_message("AuthorizePayment", order_id, **overrides))
    assert sfn.answers[0]["error"] == "InvalidCommand"


async def test_a_command_for_another_service_is_poison(handle: Handler) -> None:
    with pytest.raises(PoisonMessageError):
        await handle(_message("ReserveStock", str(uuid.uuid4())))


async def test_an_authorization_stored_for_another_amount_is_not_this_order_s(
    handle: Handler, sfn: FakeStepFunctions, payments: FakePayments
) -> None:
    order_id = str(uuid.uuid4())
    await handle(_message("AuthorizePayment", order_id))  # 2 x 10.00
    cheaper = [{"product_id": "p", "sku": "MUG-1", "quantity": 1, "unit_price": "0.01"}]
    with pytest.raises(AuthorizationMismatchError):  # left unanswered: its task times out
        await handle(_message("AuthorizePayment", order_id, lines=cheaper, total="0.01"))
    assert len(sfn.answers) == 1
    [payment] = payments.rows.values()
    assert payment.amount == Decimal("20.00")
