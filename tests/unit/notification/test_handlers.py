"""Notification's consumer and listing against an in-memory table."""

import uuid
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from notification.adapters.repository import NotificationPage, sort_key, to_item
from notification.contracts.consumed import CONSUMED, TOPICS
from notification.domain.commands import NotifyCustomer, Topic
from notification.domain.model import Notification, compose, order_reference
from notification.entrypoints.worker import router
from notification.service_layer import handlers
from servicekit.cursors import InvalidCursorError
from servicekit.messaging.consumer import PoisonMessageError
from servicekit.messaging.envelope import Envelope
from servicekit.testing import InMemoryUnitOfWork, received


class FakeNotifications(InMemoryUnitOfWork):
    """Notification's unit of work and table in memory."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[tuple[str, str], Notification] = {}

    @property
    def notifications(self) -> "FakeNotifications":
        return self

    def add(self, notification: Notification) -> None:
        key = (notification.user_id, sort_key(notification))
        self.stage(lambda: self.rows.__setitem__(key, notification))

    async def page(self, user_id: str, limit: int, after: str | None) -> NotificationPage:
        keys = sorted((sk for user, sk in self.rows if user == user_id), reverse=True)
        if after is not None:
            keys = [sk for sk in keys if sk < after]
        items = [self.rows[(user_id, sk)] for sk in keys[:limit]]
        return NotificationPage(items, keys[limit - 1] if len(keys) > limit else None)


ORDER_ID = uuid.UUID("3f2a9c1b-0000-4000-8000-000000000001")
REF = order_reference(ORDER_ID)


def _envelope(
    event_type: str,
    user_id: str = "alice",
    occurred_at: datetime | None = None,
    extra: dict[str, Any] | None = None,
) -> Envelope:
    money = {"total": "59.80"} if event_type.startswith("ordering.") else {"amount": "59.80"}
    return Envelope(
        type=event_type,
        version=1,
        source=event_type.split(".")[0],
        occurred_at=occurred_at or datetime.now(UTC),
        data={
            "order_id": str(ORDER_ID),
            "user_id": user_id,
            "currency": "EUR",
            **money,
            **(extra or {}),
        },
    )


EXPECTED = [
    ("ordering.OrderPlaced", {}, Topic.ORDER_PLACED, f"We have received your order {REF}"),
    ("ordering.OrderConfirmed", {}, Topic.ORDER_CONFIRMED, f"Your order {REF} is confirmed"),
    (
        "ordering.OrderCancelled",
        {"reason": "OUT_OF_STOCK"},
        Topic.ORDER_CANCELLED,
        f"Your order {REF} was cancelled",
    ),
    (
        "payment.PaymentAuthorized",
        {},
        Topic.PAYMENT_AUTHORIZED,
        f"Payment approved for order {REF}",
    ),
    (
        "payment.PaymentDeclined",
        {"reason": "CARD_DECLINED"},
        Topic.PAYMENT_DECLINED,
        f"Payment declined for order {REF}",
    ),
    ("payment.PaymentCaptured", {}, Topic.PAYMENT_CAPTURED, f"Payment received for order {REF}"),
    (
        "payment.PaymentVoided",
        {},
        Topic.PAYMENT_VOIDED,
        f"Payment hold released for order {REF}",
    ),
    ("payment.PaymentRefunded", {}, Topic.PAYMENT_REFUNDED, f"Refund for order {REF}"),
]


def test_every_consumed_event_is_routed() -> None:
    routed = {(t, m.VERSION) for m in CONSUMED for t in m.types()}
    assert {t for t, _ in routed} == set(TOPICS) == {row[0] for row in EXPECTED}
    assert router(FakeNotifications).message_types == routed


def _command(envelope: Envelope) -> NotifyCustomer:
    model = next(m for m in CONSUMED if envelope.type in m.types())
    return model.model_validate(envelope.data).to_command(envelope)


@pytest.mark.parametrize(("event_type", "extra", "topic", "subject"), EXPECTED)
async def test_each_event_becomes_one_message_for_its_customer(
    event_type: str, extra: dict[str, str], topic: Topic, subject: str
) -> None:
    notifications = FakeNotifications()
    envelope = _envelope(event_type, extra=extra)
    await router(lambda: notifications)(received(envelope))
    (stored,) = notifications.rows.values()
    assert (stored.user_id, stored.topic, stored.subject) == ("alice", topic, subject)
    assert (stored.event_id, stored.order_id) == (envelope.id, ORDER_ID)
    assert "59.80 EUR" in stored.body


@pytest.mark.parametrize(
    ("event_type", "reason", "phrase"),
    [
        ("ordering.OrderCancelled", "PAYMENT_DECLINED", "because the payment was declined"),
        ("ordering.OrderCancelled", "SOMETHING_NEW", "because it could not be completed"),
        ("payment.PaymentDeclined", "AMOUNT_OVER_LIMIT", "above the limit"),
    ],
)
def test_reasons_are_told_in_words(event_type: str, reason: str, phrase: str) -> None:
    command = _command(_envelope(event_type, extra={"reason": reason}))
    assert command.reason == reason
    assert phrase in compose(command).body


async def test_a_redelivered_event_changes_nothing() -> None:
    notifications = FakeNotifications()
    command = _command(_envelope("ordering.OrderConfirmed"))
    await handlers.notify_customer(command, notifications)
    stored = dict(notifications.rows)
    await handlers.notify_customer(command, notifications)
    assert notifications.rows == stored
    assert len(stored) == 1


def test_a_notification_is_made_from_its_event_alone() -> None:
    occurred = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    command = _command(_envelope("ordering.OrderConfirmed", occurred_at=occurred))
    ttl = 30 * 86400
    item = to_item(compose(command), ttl)
    assert item == to_item(compose(command), ttl)
    assert item["expires_at"] == {"N": str(int(occurred.timestamp()) + ttl)}


async def test_events_it_does_not_read_are_ignored_and_broken_ones_are_poison() -> None:
    notifications = FakeNotifications()
    handle = router(lambda: notifications)
    await handle(received(_envelope("ordering.OrderShipped")))
    broken = Envelope(type="ordering.OrderPlaced", version=1, source="x", data={"order_id": "1"})
    with pytest.raises(PoisonMessageError):
        await handle(received(broken))
    # A version it was not written for is not guessed at.
    later = _envelope("ordering.OrderPlaced").model_copy(update={"version": 2})
    await handle(received(later))
    assert notifications.rows == {}


def test_sort_keys_order_by_time_whatever_the_zone() -> None:
    def key(when: datetime) -> str:
        command = NotifyCustomer(
            uuid.uuid4(), when, Topic.ORDER_PLACED, "a", ORDER_ID, Decimal("1"), "EUR"
        )
        return sort_key(compose(command))

    utc = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    paris = utc.astimezone(timezone(timedelta(hours=1)))
    earlier = key(utc - timedelta(microseconds=1))
    assert key(paris)[:32] == key(utc)[:32]
    assert earlier < key(utc)
    assert len(earlier) == len(key(utc))


async def _seed(notifications: FakeNotifications, user: str, count: int) -> list[uuid.UUID]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids = []
    for minute in range(count):
        envelope = _envelope(
            "ordering.OrderPlaced", user_id=user, occurred_at=start + timedelta(minutes=minute)
        )
        await router(lambda: notifications)(received(envelope))
        ids.append(envelope.id)
    return ids


async def test_a_customer_pages_through_their_own_messages_newest_first() -> None:
    notifications = FakeNotifications()
    alice = await _seed(notifications, "alice", 5)
    await _seed(notifications, "bob", 3)
    seen: list[uuid.UUID] = []
    cursor = None
    for _ in range(3):
        page, cursor = await handlers.list_notifications(
            "alice", notifications, limit=2, cursor=cursor
        )
        seen += [item.event_id for item in page.items]
        if cursor is None:
            break
    assert seen == list(reversed(alice))
    assert cursor is None
    page, cursor = await handlers.list_notifications("carol", notifications, limit=2, cursor=None)
    assert (page.items, cursor) == ([], None)


async def test_a_full_last_page_has_no_cursor() -> None:
    notifications = FakeNotifications()
    await _seed(notifications, "alice", 2)
    page, cursor = await handlers.list_notifications("alice", notifications, limit=2, cursor=None)
    assert (len(page.items), cursor) == (2, None)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not base64!",
        "e30",
        handlers.encode_cursor("USER#bob"),
        "eyJhZnRlciI6IDF9",
        # A real sort key with a line break after it.
        handlers.encode_cursor("2026-01-01T00:00:00.000000+00:00#" + str(uuid.UUID(int=1)) + "\n"),
    ],
)
async def test_cursors_not_issued_by_the_listing_are_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursorError):
        await handlers.list_notifications("alice", FakeNotifications(), limit=2, cursor=cursor)
