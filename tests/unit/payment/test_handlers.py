"""Payment's saga steps against an in-memory table and the simulated provider."""

import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest

from payment.contracts import events
from payment.domain import commands
from payment.domain.errors import (
    PaymentClosedError,
    PaymentDeclinedError,
    PaymentNotAuthorizedError,
    ProviderNoAnswerError,
    ProviderUnavailableError,
)
from payment.domain.model import AuthorizationDecision, Payment, PaymentStatus
from payment.service_layer import handlers
from tests.unit.payment.fakes import CountingProvider, FakePayments


@pytest.fixture
def payments() -> FakePayments:
    return FakePayments()


@pytest.fixture
def provider() -> CountingProvider:
    return CountingProvider()


def _authorize(
    order_id: uuid.UUID, token: str | None = "tok_visa", amount: str = "49.90"
) -> commands.AuthorizePayment:
    return commands.AuthorizePayment(order_id, "alice", Decimal(amount), "EUR", token)


async def _authorized(payments: FakePayments, provider: CountingProvider) -> uuid.UUID:
    order_id = uuid.uuid4()
    await handlers.authorize_payment(_authorize(order_id), payments, provider)
    return order_id


def _types(payments: FakePayments) -> list[str]:
    return [event.TYPE for event in payments.published]


async def test_an_ordinary_card_is_authorized(
    payments: FakePayments, provider: CountingProvider
) -> None:
    order_id = uuid.uuid4()
    result = await handlers.authorize_payment(_authorize(order_id), payments, provider)
    assert (result.outcome, result.changed) == ("AUTHORIZED", True)
    payment = payments.rows[order_id]
    assert (payment.status, payment.amount, payment.currency) == (
        PaymentStatus.AUTHORIZED,
        Decimal("49.90"),
        "EUR",
    )
    assert payment.provider_reference
    assert payment.authorized_at is not None
    assert _types(payments) == ["payment.PaymentAuthorized"]
    # One read finds both an earlier payment and the order's closing: neither is there.
    assert payments.reads == ["find"]
    assert payments.published[0].model_dump(mode="json") == {
        "order_id": str(order_id),
        "user_id": "alice",
        "amount": "49.90",
        "currency": "EUR",
    }


async def test_the_declining_card_is_declined_and_stays_declined(
    payments: FakePayments, provider: CountingProvider
) -> None:
    order_id = uuid.uuid4()
    for _ in range(2):
        with pytest.raises(PaymentDeclinedError, match="CARD_DECLINED"):
            await handlers.authorize_payment(
                _authorize(order_id, "tok_decline"), payments, provider
            )
    assert payments.rows[order_id].status is PaymentStatus.DECLINED
    assert payments.rows[order_id].provider_reference is None
    assert provider.calls == ["authorize"]  # the redelivery found the decision stored
    assert _types(payments) == ["payment.PaymentDeclined"]
    assert payments.published[0].model_dump(mode="json")["reason"] == "CARD_DECLINED"


@pytest.mark.parametrize(
    ("amount", "declined"), [("10000.00", False), ("10000.01", True), ("250000", True)]
)
async def test_amounts_above_the_limit_are_declined(
    payments: FakePayments, provider: CountingProvider, amount: str, declined: bool
) -> None:
    order_id = uuid.uuid4()
    if declined:
        with pytest.raises(PaymentDeclinedError, match="AMOUNT_OVER_LIMIT"):
            await handlers.authorize_payment(
                _authorize(order_id, amount=amount), payments, provider
            )
    else:
        await handlers.authorize_payment(_authorize(order_id, amount=amount), payments, provider)
    assert (payments.rows[order_id].status is PaymentStatus.DECLINED) == declined


async def test_no_payment_method_is_a_decline(
    payments: FakePayments, provider: CountingProvider
) -> None:
    with pytest.raises(PaymentDeclinedError, match="NO_PAYMENT_METHOD"):
        await handlers.authorize_payment(_authorize(uuid.uuid4(), None), payments, provider)


async def test_the_flaky_card_fails_once_per_order_then_succeeds(
    payments: FakePayments, provider: CountingProvider
) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    for order_id in (first, second):
        with pytest.raises(ProviderUnavailableError):
            await handlers.authorize_payment(_authorize(order_id, "tok_flaky"), payments, provider)
        assert order_id not in payments.rows
        result = await handlers.authorize_payment(
            _authorize(order_id, "tok_flaky"), payments, provider
        )
        assert result.outcome == "AUTHORIZED"
    assert _types(payments) == ["payment.PaymentAuthorized"] * 2


async def test_the_silent_card_gets_no_answer_and_stores_nothing(
    payments: FakePayments, provider: CountingProvider
) -> None:
    order_id = uuid.uuid4()
    with pytest.raises(ProviderNoAnswerError):
        await handlers.authorize_payment(_authorize(order_id, "tok_timeout"), payments, provider)
    assert payments.rows == {}
    assert payments.published == []


async def test_a_redelivered_authorization_answers_the_same_and_holds_once(
    payments: FakePayments, provider: CountingProvider
) -> None:
    order_id = uuid.uuid4()
    first = await handlers.authorize_payment(_authorize(order_id), payments, provider)
    again = await handlers.authorize_payment(_authorize(order_id), payments, provider)
    assert (first.outcome, again.outcome) == ("AUTHORIZED", "AUTHORIZED")
    assert (first.changed, again.changed) == (True, False)
    assert provider.calls == ["authorize"]
    assert len(payments.published) == 1
    assert payments.reads == ["find", "find"]


async def test_a_duplicate_that_stores_first_wins_and_both_answer_alike(
    payments: FakePayments, provider: CountingProvider
) -> None:
    order_id = uuid.uuid4()
    winner = Payment.decided(
        commands.AuthorizePayment(order_id, "alice", Decimal("49.90"), "EUR", "tok_visa"),
        AuthorizationDecision(approved=True, reference="sim_winner"),
    )
    payments.before_commit = lambda: payments.rows.__setitem__(order_id, winner)
    result = await handlers.authorize_payment(_authorize(order_id), payments, provider)
    assert (result.outcome, result.changed) == ("AUTHORIZED", False)
    assert payments.rows[order_id] is winner
    assert not any(call.startswith("void") for call in provider.calls)


async def test_a_hold_granted_while_the_order_was_being_closed_is_given_back(
    payments: FakePayments, provider: CountingProvider
) -> None:
    order_id = uuid.uuid4()
    payments.before_commit = lambda: payments.closed.add(order_id)
    with pytest.raises(PaymentClosedError):
        await handlers.authorize_payment(_authorize(order_id), payments, provider)
    assert order_id not in payments.rows
    assert provider.calls[0] == "authorize"
    assert provider.calls[1].startswith("void sim_")


async def test_capture_takes_the_authorized_amount_exactly_once(
    payments: FakePayments, provider: CountingProvider
) -> None:
    order_id = await _authorized(payments, provider)
    first = await handlers.capture_payment(commands.CapturePayment(order_id), payments, provider)
    again = await handlers.capture_payment(commands.CapturePayment(order_id), payments, provider)
    assert (first.outcome, first.changed, again.outcome, again.changed) == (
        "CAPTURED",
        True,
        "CAPTURED",
        False,
    )
    assert payments.rows[order_id].status is PaymentStatus.CAPTURED
    assert provider.calls.count("capture") == 1
    assert _types(payments) == ["payment.PaymentAuthorized", "payment.PaymentCaptured"]
    assert payments.reads == ["find", "get", "get"]  # one read a step


async def test_capture_needs_a_standing_authorization(
    payments: FakePayments, provider: CountingProvider
) -> None:
    with pytest.raises(PaymentNotAuthorizedError):
        await handlers.capture_payment(commands.CapturePayment(uuid.uuid4()), payments, provider)
    declined = uuid.uuid4()
    with pytest.raises(PaymentDeclinedError):
        await handlers.authorize_payment(_authorize(declined, "tok_decline"), payments, provider)
    with pytest.raises(PaymentNotAuthorizedError):
        await handlers.capture_payment(commands.CapturePayment(declined), payments, provider)
    voided = await _authorized(payments, provider)
    await handlers.void_payment(commands.VoidPayment(voided), payments, provider)
    with pytest.raises(PaymentNotAuthorizedError):
        await handlers.capture_payment(commands.CapturePayment(voided), payments, provider)
    assert "capture" not in provider.calls


async def test_a_capture_that_loses_to_a_void_does_not_capture(
    payments: FakePayments, provider: CountingProvider
) -> None:
    order_id = await _authorized(payments, provider)

    def void_first() -> None:
        payments.rows[order_id] = payments.rows[order_id].release()

    payments.before_commit = void_first
    with pytest.raises(PaymentNotAuthorizedError):
        await handlers.capture_payment(commands.CapturePayment(order_id), payments, provider)
    assert payments.rows[order_id].status is PaymentStatus.VOIDED
    assert "payment.PaymentCaptured" not in _types(payments)


async def test_void_releases_an_authorization_once(
    payments: FakePayments, provider: CountingProvider
) -> None:
    order_id = await _authorized(payments, provider)
    first = await handlers.void_payment(commands.VoidPayment(order_id), payments, provider)
    again = await handlers.void_payment(commands.VoidPayment(order_id), payments, provider)
    assert (first.outcome, again.outcome, first.changed, again.changed) == (
        "VOIDED",
        "VOIDED",
        True,
        False,
    )
    assert sum(call.startswith("void") for call in provider.calls) == 1
    assert _types(payments) == ["payment.PaymentAuthorized", "payment.PaymentVoided"]


async def test_refund_returns_a_capture_once(
    payments: FakePayments, provider: CountingProvider
) -> None:
    order_id = await _authorized(payments, provider)
    await handlers.capture_payment(commands.CapturePayment(order_id), payments, provider)
    first = await handlers.refund_payment(commands.RefundPayment(order_id), payments, provider)
    again = await handlers.refund_payment(commands.RefundPayment(order_id), payments, provider)
    assert (first.outcome, again.outcome) == ("REFUNDED", "REFUNDED")
    assert provider.calls.count("refund") == 1
    assert _types(payments)[-1] == "payment.PaymentRefunded"
    assert len(payments.published) == 3
    # A capture redelivered after the refund answers as it did, and takes nothing again.
    late = await handlers.capture_payment(commands.CapturePayment(order_id), payments, provider)
    assert (late.outcome, late.changed) == ("CAPTURED", False)
    assert payments.rows[order_id].status is PaymentStatus.REFUNDED
    assert provider.calls.count("capture") == 1


async def test_a_refund_before_any_capture_voids_the_hold(
    payments: FakePayments, provider: CountingProvider
) -> None:
    order_id = await _authorized(payments, provider)
    result = await handlers.refund_payment(commands.RefundPayment(order_id), payments, provider)
    assert result.outcome == "VOIDED"
    assert payments.rows[order_id].status is PaymentStatus.VOIDED
    assert _types(payments)[-1] == "payment.PaymentVoided"


async def test_a_void_after_a_capture_refunds_it(
    payments: FakePayments, provider: CountingProvider
) -> None:
    order_id = await _authorized(payments, provider)
    await handlers.capture_payment(commands.CapturePayment(order_id), payments, provider)
    result = await handlers.void_payment(commands.VoidPayment(order_id), payments, provider)
    assert result.outcome == "REFUNDED"
    assert payments.rows[order_id].status is PaymentStatus.REFUNDED
    assert provider.calls.count("refund") == 1


@pytest.mark.parametrize("compensate", [handlers.void_payment, handlers.refund_payment])
async def test_compensating_an_order_without_money_does_nothing(
    payments: FakePayments,
    provider: CountingProvider,
    compensate: Callable[..., object],
) -> None:
    declined = uuid.uuid4()
    with pytest.raises(PaymentDeclinedError):
        await handlers.authorize_payment(_authorize(declined, "tok_decline"), payments, provider)
    never = uuid.uuid4()
    for order_id in (declined, never, never):
        command = commands.VoidPayment(order_id)
        result = await compensate(command, payments, provider)  # type: ignore[misc]
        assert isinstance(result, handlers.StepResult)
        assert (result.outcome, result.changed) == ("NOTHING_HELD", False)
    assert _types(payments) == ["payment.PaymentDeclined"]
    assert provider.calls == ["authorize"]
    assert never not in payments.rows


async def test_an_authorization_after_the_order_was_compensated_is_refused(
    payments: FakePayments, provider: CountingProvider
) -> None:
    order_id = uuid.uuid4()
    await handlers.void_payment(commands.VoidPayment(order_id), payments, provider)
    payments.reads.clear()
    with pytest.raises(PaymentClosedError):
        await handlers.authorize_payment(_authorize(order_id), payments, provider)
    # Refused on the one read, before the provider holds anything.
    assert provider.calls == []
    assert payments.reads == ["find"]
    assert order_id not in payments.rows
    assert payments.published == []


async def test_a_void_racing_an_authorization_releases_it(
    payments: FakePayments, provider: CountingProvider
) -> None:
    order_id = uuid.uuid4()
    late = Payment.decided(
        commands.AuthorizePayment(order_id, "alice", Decimal("5.00"), "EUR", "tok_visa"),
        AuthorizationDecision(approved=True, reference="sim_late"),
    )
    payments.before_commit = lambda: payments.rows.__setitem__(order_id, late)
    result = await handlers.void_payment(commands.VoidPayment(order_id), payments, provider)
    assert result.outcome == "VOIDED"
    assert payments.rows[order_id].status is PaymentStatus.VOIDED
    assert provider.calls == ["void sim_late"]


async def test_only_the_owner_or_an_admin_sees_a_payment(
    payments: FakePayments, provider: CountingProvider
) -> None:
    order_id = await _authorized(payments, provider)

    async def seen_by(viewer: str, is_admin: bool = False) -> bool:
        found = await handlers.get_payment(order_id, payments, viewer=viewer, is_admin=is_admin)
        return found is not None

    assert await seen_by("alice")
    assert await seen_by("root", is_admin=True)
    assert not await seen_by("bob")
    assert await handlers.get_payment(uuid.uuid4(), payments, viewer="alice", is_admin=True) is None


def test_every_published_event_carries_money_as_two_decimal_places() -> None:
    payment = Payment.decided(
        commands.AuthorizePayment(uuid.uuid4(), "alice", Decimal("7.5"), "EUR", "tok_visa"),
        AuthorizationDecision(approved=False, decline_reason="CARD_DECLINED"),
    )
    for event_type in events.PUBLISHED:
        assert issubclass(event_type, events.PaymentEvent)
        data = event_type.of(payment).model_dump(mode="json")
        assert data["amount"] == "7.50"
        assert ("reason" in data) == (event_type is events.PaymentDeclined)
