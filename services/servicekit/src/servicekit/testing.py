"""Fakes and message builders shared by the services' unit tests."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Self

from botocore.exceptions import ClientError
from fastapi import FastAPI
from pydantic import SecretStr

from servicekit.messaging.consumer import ReceivedMessage
from servicekit.messaging.envelope import Envelope, Message
from servicekit.messaging.saga import SagaKey


@asynccontextmanager
async def no_resources(app: FastAPI) -> AsyncIterator[None]:
    """A lifespan that opens nothing, for an app under test that holds no state."""
    yield


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
    """Records what a saga step answered the state machine. Every token is one the state
    machine waits on, unless `issued` names the only ones it does: an answer with another is
    refused as Step Functions refuses it."""

    def __init__(self, issued: set[str] | None = None) -> None:
        self.answers: list[dict[str, Any]] = []
        self._issued = issued

    def _check(self, token: str, operation: str) -> None:
        if self._issued is not None and token not in self._issued:
            raise ClientError(
                {"Error": {"Code": "TaskDoesNotExist", "Message": "Task token not found"}},
                operation,
            )

    async def send_task_success(self, *, taskToken: str, output: str) -> None:  # noqa: N803
        self._check(taskToken, "SendTaskSuccess")
        self.answers.append({"token": taskToken, "output": json.loads(output)})

    async def send_task_failure(self, *, taskToken: str, error: str, cause: str) -> None:  # noqa: N803
        self._check(taskToken, "SendTaskFailure")
        self.answers.append({"token": taskToken, "error": error, "cause": cause})


class InMemoryUnitOfWork:
    """A unit of work in memory, to the kit's contract: what it stages, publishes and claims
    counts only once committed, and `commit()` keeps all of it, or nothing (False) when a
    claimed message was handled before or a staged write's condition no longer holds.

    A subclass whose repositories change its tables as a SQL transaction would says how a
    transaction starts (`begin`), is kept (`keep`) and is undone (`roll_back`): work on
    copies made in `begin` and kept in `keep`, or on the tables themselves, saved in `begin`
    and put back in `roll_back`. One whose repositories gather writes, as a DynamoDB
    transaction does, stages each with its condition (`stage`). A test races a write with
    `before_commit`, run once before the next commit, or lets the next `losing` commits lose
    as if another write had come first.
    """

    def __init__(self) -> None:
        self.published: list[Message] = []
        self.handled: set[tuple[str, str]] = set()
        self.commits = 0
        self.before_commit: Callable[[], None] | None = None
        self.losing = 0
        self._staged: list[tuple[Callable[[], bool], Callable[[], object]]] = []
        self._publishing: list[Message] = []
        self._claiming: list[tuple[str, str]] = []

    def begin(self) -> None:
        """Start a transaction on the committed state."""

    def keep(self) -> None:
        """Make what the transaction changed the committed state."""

    def roll_back(self) -> None:
        """Undo what the transaction changed."""

    async def __aenter__(self) -> Self:
        self._forget()
        self.begin()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._forget()
        self.roll_back()

    def stage(self, apply: Callable[[], object], check: Callable[[], bool] = lambda: True) -> None:
        """Apply `apply` at commit, provided `check` still holds then."""
        self._staged.append((check, apply))

    def publish(self, message: Message) -> None:
        self._publishing.append(message)

    def claim(self, message_id: str, scope: str) -> None:
        self._claiming.append((message_id, scope))

    def _discard(self) -> None:
        """Forget what was not committed and start again, as a failed commit does."""
        self._forget()
        self.roll_back()
        self.begin()

    async def commit(self) -> bool:
        if self.before_commit is not None:
            race, self.before_commit = self.before_commit, None
            race()
        claims = set(self._claiming)
        handled_before = len(claims) < len(self._claiming) or self.handled & claims
        if self.losing or handled_before or not all(check() for check, _ in self._staged):
            self.losing = max(0, self.losing - 1)
            self._discard()
            return False
        for _, apply in self._staged:
            apply()
        self.keep()
        self.published += self._publishing
        self.handled |= claims
        self.commits += 1
        self._forget()
        self.begin()
        return True

    def _forget(self) -> None:
        self._staged, self._publishing, self._claiming = [], [], []


# The saga key unit tests run their steps with.
SAGA_KEY = SagaKey(SecretStr("unit-test-saga-key-0123456789abcdef"))


def proven(command: dict[str, Any], saga_id: str = "order_id") -> dict[str, Any]:
    """A step command with the proof the shop's execution for it would carry."""
    proof = SAGA_KEY.proof(str(command[saga_id]), command["command"], command["task_token"])
    return command | {"proof": proof}
