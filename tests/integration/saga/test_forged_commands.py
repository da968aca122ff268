"""Step commands that the state machine did not send change nothing.

Whoever can write to a command queue can make up a command for any step of any order. Each
worker checks the command's task token with Step Functions before its step changes anything;
a confirmed, captured order stays exactly as it was when every compensation is forged for it.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from shopctl.aws import client
from tests.integration.events import queue_depth, user_id
from tests.integration.saga.shop import Shop
from tests.support.waiting import eventually

FORGEABLE = {
    "inventory-commands": ["ReserveStock", "ReleaseStock"],
    "payment-commands": ["AuthorizePayment", "CapturePayment", "VoidPayment", "RefundPayment"],
    "ordering-commands": ["ConfirmOrder", "CancelOrder"],
}


@pytest.fixture(autouse=True)
def _workers(saga_workers: None) -> None:
    """Every saga step has its worker."""


def _forge(queue: str, command: str, order: dict[str, Any], customer: str) -> None:
    body = {
        "command": command,
        # Shaped like a real token, issued by nobody.
        "task_token": uuid.uuid4().hex * 4,
        "order_id": order["id"],
        "user_id": customer,
        "lines": [
            {k: line[k] for k in ("product_id", "sku", "quantity", "unit_price")}
            for line in order["lines"]
        ],
        "total": order["total"],
        "currency": order["currency"],
        "payment_token": "tok_visa",
        "reason": "CANCELLED_BY_CUSTOMER",
        "traceparent": None,
    }
    sqs = client("sqs")
    url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))


def test_forged_commands_for_every_step_change_nothing(shop: Shop) -> None:
    me = shop.customer()
    product_id, sku = shop.product(on_hand=5)
    order_id = shop.check_out(me, product_id, 2)
    assert shop.finished(me, order_id)["status"] == "CONFIRMED"
    payment = shop.captured(me, order_id)
    stock = eventually(
        lambda: s if (s := shop.stock(sku))["on_hand"] == 3 else None,
        what="the stock to be committed",
    )
    # Every step's outcome is on the timeline before the forgeries arrive.
    shop.timeline(
        me,
        order_id,
        ("ReserveStock", "succeeded"),
        ("AuthorizePayment", "succeeded"),
        ("CapturePayment", "succeeded"),
    )
    order = shop.finished(me, order_id)

    for queue, commands in FORGEABLE.items():
        for command in commands:
            _forge(queue, command, order, user_id(me))
    # Each forged command is taken off its queue once its worker has refused it.
    eventually(
        lambda: all(queue_depth(queue) == 0 for queue in FORGEABLE),
        what="the forged commands to be refused",
    )

    assert shop.finished(me, order_id) == order
    assert shop.payment(me, order_id) == payment
    assert shop.stock(sku) == stock
