"""Fakes and message builders shared by the services' unit tests."""

from __future__ import annotations

import json
import uuid
from typing import Any

from servicekit.messaging.consumer import ReceivedMessage
from servicekit.messaging.envelope import Envelope


def received(body: Envelope | dict[str, Any] | str, receive_count: int = 1) -> ReceivedMessage:
    """A queue message carrying `body`: an envelope, a JSON object, or raw text."""
    if isinstance(body, Envelope):
        text = body.model_dump_json()
    elif isinstance(body, dict):
        text = json.dumps(body)
    else:
        text = body
    return ReceivedMessage(uuid.uuid4().hex, text, receive_count)


def envelope(message_type: str, data: dict[str, Any], version: int = 1, **fields: Any) -> Envelope:
    """An envelope of `message_type` carrying `data`, from a test."""
    return Envelope(type=message_type, version=version, source="test", data=data, **fields)


class FakeStepFunctions:
    """Records what a saga step answered the state machine."""

    def __init__(self) -> None:
        self.answers: list[dict[str, Any]] = []

    async def send_task_success(self, *, taskToken: str, output: str) -> None:  # noqa: N803
        self.answers.append({"token": taskToken, "output": json.loads(output)})

    async def send_task_failure(self, *, taskToken: str, error: str, cause: str) -> None:  # noqa: N803
        self.answers.append({"token": taskToken, "error": error, "cause": cause})
