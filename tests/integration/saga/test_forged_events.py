"""Step outcomes that no step's service published change nothing an order is, and its timeline
only up to its limit.

In AWS an event queue admits only the topics subscribed to it, but the shop does not count on
that: whoever can write to `ordering-events` can make up how any step of any order ended.
Ordering writes such an event into the order's timeline and nowhere else, each message once,
and an order's timeline takes at most `TIMELINE_LIMIT` entries. So a flood of forged outcomes
for a confirmed, captured order, sent straight to the real worker's queue, leaves its status,
payment and stock as they were, fills its timeline to the limit and no further, and leaves no
message behind.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ordering.domain.model import TIMELINE_LIMIT
from servicekit.messaging.envelope import Envelope
from shopctl.aws import client
from tests.integration.events import queue_depth
from tests.integration.saga.shop import Shop
from tests.support.services import RunningWorker
from tests.support.waiting import eventually

QUEUE = "ordering-events"

# Outcomes no saga of a confirmed, captured order would report, as their services name them.
FORGED = [
    ("inventory.StockReservationRefused", {"reason": "OutOfStock"}),
    ("payment.PaymentDeclined", {}),
    ("payment.PaymentRefunded", {}),
    ("inventory.StockReleased", {}),
]


@pytest.fixture(autouse=True)
def _workers(saga_workers: None) -> None:
    """Every saga step has its worker."""


def _send(bodies: list[str]) -> None:
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body)
    eventually(lambda: queue_depth(QUEUE) == 0, what="the forged outcomes to be handled")


def _forged(order_id: str, n: int, at: datetime | None = None) -> str:
    message_type, data = FORGED[n % len(FORGED)]
    forged = Envelope(
        type=message_type,
        version=1,
        source=message_type.partition(".")[0],
        occurred_at=at or datetime.now(UTC),
        data={"order_id": order_id, **data},
    )
    return forged.model_dump_json()


def test_forged_step_outcomes_fill_a_timeline_to_its_limit_and_change_nothing_else(
    shop: Shop, ordering_worker: RunningWorker
) -> None:
    me = shop.customer()
    settled = shop.settled(me)
    order_id = settled.id

    # One forgery delivered twice is one entry: a moment of its own tells it on the timeline.
    twice_at = datetime.now(UTC) - timedelta(seconds=7)
    twice = _forged(order_id, 0, at=twice_at)
    _send([twice, twice])
    room = TIMELINE_LIMIT - len(settled.timeline) - 1
    flood = room + 9
    _send([_forged(order_id, n) for n in range(flood)])

    after = shop.finished(me, order_id)
    timeline = after.pop("timeline")
    assert after == {k: v for k, v in settled.order.items() if k != "timeline"}
    assert shop.payment(me, order_id) == settled.payment
    assert shop.stock(settled.sku) == settled.stock
    assert len(timeline) == TIMELINE_LIMIT
    shown = [(entry["step"], entry["detail"]) for entry in timeline]
    assert all(shown.count(entry) >= settled.timeline.count(entry) for entry in settled.timeline)
    assert [datetime.fromisoformat(e["at"]) for e in timeline].count(twice_at) == 1
    dropped = [
        line
        for line in ordering_worker.log_lines()
        if line.get("message") == "timeline_entry_dropped" and line.get("order_id") == order_id
    ]
    assert len(dropped) == flood - room
