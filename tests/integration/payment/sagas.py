"""What payment's integration tests share: state machines that drive its steps, and a queue
that hears everything it publishes."""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from typing import Any

from shopctl.aws import client
from tests.integration.events import user_id
from tests.support.saga import proof_expression, secret
from tests.support.waiting import eventually


def _task(command: str, queue_url: str, timeout: int, then: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "command": command,
        "task_token.$": "$$.Task.Token",
        "proof.$": proof_expression(),
        "order_id.$": "$.order_id",
        "user_id.$": "$.user_id",
        "lines.$": "$.lines",
        "total.$": "$.total",
        "currency.$": "$.currency",
    }
    if command == "AuthorizePayment":
        body["payment_token.$"] = "$.payment_token"
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": queue_url, "MessageBody": body},
        "TimeoutSeconds": timeout,
        "ResultPath": None,
        "Retry": [
            {
                "ErrorEquals": ["Transient"],
                "IntervalSeconds": 1,
                "MaxAttempts": 3,
                "BackoffRate": 2.0,
            }
        ],
        **then,
    }


def forward_saga(queue_url: str) -> dict[str, Any]:
    """Authorize, then capture; any failure fails the execution with the step's error."""
    return {
        "StartAt": "AuthorizePayment",
        "States": {
            "AuthorizePayment": _task("AuthorizePayment", queue_url, 4, {"Next": "CapturePayment"}),
            "CapturePayment": _task("CapturePayment", queue_url, 20, {"End": True}),
        },
    }


def compensating_saga(queue_url: str) -> dict[str, Any]:
    """Authorize, then do what the input's `then` says; a failed or silent authorization is
    compensated with a void, as the order saga does."""
    return {
        "StartAt": "AuthorizePayment",
        "States": {
            "AuthorizePayment": _task(
                "AuthorizePayment",
                queue_url,
                4,
                {
                    "Catch": [
                        {
                            "ErrorEquals": ["States.ALL"],
                            "ResultPath": "$.error",
                            "Next": "VoidPayment",
                        }
                    ],
                    "Next": "Then",
                },
            ),
            "Then": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.then", "StringEquals": "void", "Next": "VoidPayment"},
                    {"Variable": "$.then", "StringEquals": "refund", "Next": "CapturePayment"},
                ],
                "Default": "RefundPayment",
            },
            "CapturePayment": _task("CapturePayment", queue_url, 20, {"Next": "RefundPayment"}),
            "VoidPayment": _task("VoidPayment", queue_url, 20, {"End": True}),
            "RefundPayment": _task("RefundPayment", queue_url, 20, {"End": True}),
        },
    }


class Saga:
    """A state machine in the emulator, and a way to run an order through it."""

    def __init__(self, arn: str) -> None:
        self.arn = arn
        self._sfn = client("stepfunctions")

    def start(self, headers: dict[str, str], **fields: Any) -> str:
        order_id = str(uuid.uuid4())
        order = {
            "order_id": order_id,
            "user_id": user_id(headers),
            "lines": [{"product_id": "p-1", "sku": "MUG-1", "quantity": 2, "unit_price": "24.95"}],
            "total": "49.90",
            "currency": "EUR",
            "payment_token": "tok_visa",
            "secret": secret(order_id),
            **fields,
        }
        self._sfn.start_execution(stateMachineArn=self.arn, name=order_id, input=json.dumps(order))
        return order_id

    def execution_arn(self, order_id: str) -> str:
        return self.arn.replace(":stateMachine:", ":execution:") + f":{order_id}"

    def outcome(self, order_id: str, timeout: float = 60) -> dict[str, Any]:
        """The finished execution's description."""

        def finished() -> dict[str, Any] | None:
            found: dict[str, Any] = self._sfn.describe_execution(
                executionArn=self.execution_arn(order_id)
            )
            return None if found["status"] == "RUNNING" else found

        return eventually(finished, timeout, f"the execution of {order_id}")

    def history(self, order_id: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = self._sfn.get_execution_history(
            executionArn=self.execution_arn(order_id), maxResults=1000
        )["events"]
        return events


class PublishedEvents:
    """Payment's events, heard on a queue subscribed to `payment-events` for the test."""

    def __init__(self, queue_url: str) -> None:
        self._sqs = client("sqs")
        self._url = queue_url
        self._by_order: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def _drain(self) -> None:
        while True:
            messages = self._sqs.receive_message(
                QueueUrl=self._url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not messages:
                return
            for message in messages:
                envelope = json.loads(message["Body"])
                self._by_order[envelope["data"]["order_id"]].append(envelope)
                self._sqs.delete_message(QueueUrl=self._url, ReceiptHandle=message["ReceiptHandle"])

    def of(self, order_id: str) -> list[dict[str, Any]]:
        self._drain()
        return list(self._by_order[order_id])

    def types(self, order_id: str, count: int, settle: float = 1.5) -> list[str]:
        """The types of the order's events once `count` have arrived, and nothing more came
        in `settle` seconds after."""
        eventually(lambda: len(self.of(order_id)) >= count, what=f"{count} events of {order_id}")
        time.sleep(settle)
        return [envelope["type"] for envelope in self.of(order_id)]
