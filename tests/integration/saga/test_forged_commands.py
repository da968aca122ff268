"""Step commands that the shop's own execution for the order did not send change nothing.

Whoever can write to a command queue can make up a command for any step of any order, and
whoever can start a state machine holds task tokens that Step Functions waits on. So the
forgeries here carry real tokens, from an attacker's own state machine on the same emulator,
which sends the shop's command shape to the shop's queues: once without a proof, once with the
proof computed as the shop's state machine computes it but from a secret the attacker made up.
A confirmed, captured order stays exactly as it was when every step and compensation is forged
for it, and the attacker's executions are never answered.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from shopctl.aws import client
from tests.integration.events import queue_depth, user_id
from tests.integration.saga.shop import Shop
from tests.support.saga import proof_expression
from tests.support.waiting import eventually

FORGEABLE = {
    "inventory-commands": ["ReserveStock", "ReleaseStock"],
    "payment-commands": ["AuthorizePayment", "CapturePayment", "VoidPayment", "RefundPayment"],
    "ordering-commands": ["ConfirmOrder", "CancelOrder"],
}


@pytest.fixture(autouse=True)
def _workers(saga_workers: None) -> None:
    """Every saga step has its worker."""


def _attackers_machine(proof: str | None) -> str:
    """A state machine of the attacker's own: one task that sends the command its input names,
    to the queue its input names, with a genuine task token, and waits for an answer."""
    body: dict[str, Any] = {
        "command.$": "$.command",
        "task_token.$": "$$.Task.Token",
        "order_id.$": "$.order_id",
        "user_id.$": "$.user_id",
        "lines.$": "$.lines",
        "total.$": "$.total",
        "currency.$": "$.currency",
        "payment_token.$": "$.payment_token",
        # A reason the domain would accept for a confirmed order: only the proof stands between.
        "reason": "FAILED",
        "traceparent": None,
    }
    if proof is not None:
        body["proof.$"] = proof
    definition = {
        "StartAt": "Forge",
        "States": {
            "Forge": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl.$": "$.queue_url", "MessageBody": body},
                "TimeoutSeconds": 300,
                "End": True,
            }
        },
    }
    created = client("stepfunctions").create_state_machine(
        name=f"attacker-{uuid.uuid4().hex[:8]}",
        definition=json.dumps(definition),
        roleArn="arn:aws:iam::000000000000:role/attacker",
    )
    return str(created["stateMachineArn"])


def _forge(machine: str, queue: str, command: str, order: dict[str, Any], me: str) -> str:
    """Start the attacker's execution that sends `command` for `order`; its ARN."""
    url = client("sqs").get_queue_url(QueueName=queue)["QueueUrl"]
    attack = {
        "queue_url": url,
        "command": command,
        "order_id": order["id"],
        "user_id": me,
        "lines": [
            {k: line[k] for k in ("product_id", "sku", "quantity", "unit_price")}
            for line in order["lines"]
        ],
        "total": order["total"],
        "currency": order["currency"],
        "payment_token": "tok_visa",
        # The shop's secret for this order is in its execution's input, which the attacker
        # cannot read: this one is made up.
        "secret": uuid.uuid4().hex * 2,
    }
    started = client("stepfunctions").start_execution(
        stateMachineArn=machine, input=json.dumps(attack)
    )
    return str(started["executionArn"])


@pytest.mark.parametrize("proof", [None, proof_expression()], ids=["no-proof", "made-up-secret"])
def test_commands_with_real_tokens_from_another_state_machine_change_nothing(
    shop: Shop, proof: str | None
) -> None:
    me = shop.customer()
    # Every step's outcome is on the timeline before the forgeries arrive.
    settled = shop.settled(me)

    machine = _attackers_machine(proof)
    executions = [
        _forge(machine, queue, command, settled.order, user_id(me))
        for queue, commands in FORGEABLE.items()
        for command in commands
    ]
    # Each forged command is taken off its queue once its worker has refused it.
    eventually(
        lambda: all(queue_depth(queue) == 0 for queue in FORGEABLE),
        what="the forged commands to be refused",
    )

    assert shop.finished(me, settled.id) == settled.order
    assert shop.payment(me, settled.id) == settled.payment
    assert shop.stock(settled.sku) == settled.stock
    # Refused, not answered: the attacker's tokens were live all along, and still are.
    sfn = client("stepfunctions")
    statuses = {sfn.describe_execution(executionArn=arn)["status"] for arn in executions}
    assert statuses == {"RUNNING"}
    for arn in executions:
        sfn.stop_execution(executionArn=arn)
