"""Fakes and message builders shared by the services' unit tests."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from botocore.exceptions import ClientError
from pydantic import SecretStr

from servicekit.messaging.consumer import ReceivedMessage
from servicekit.messaging.envelope import Envelope, Message
from servicekit.messaging.saga import SagaKey


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
    machine waits on, unless `issued` names the only ones it does."""

    def __init__(self, issued: set[str] | None = None) -> None:
        self.answers: list[dict[str, Any]] = []
        self.heartbeats: list[str] = []
        self._issued = issued

    async def send_task_heartbeat(self, *, taskToken: str) -> None:  # noqa: N803
        if self._issued is not None and taskToken not in self._issued:
            raise ClientError(
                {"Error": {"Code": "TaskDoesNotExist", "Message": "Task token not found"}},
                "SendTaskHeartbeat",
            )
        self.heartbeats.append(taskToken)

    async def send_task_success(self, *, taskToken: str, output: str) -> None:  # noqa: N803
        self.answers.append({"token": taskToken, "output": json.loads(output)})

    async def send_task_failure(self, *, taskToken: str, error: str, cause: str) -> None:  # noqa: N803
        self.answers.append({"token": taskToken, "error": error, "cause": cause})


class FakeDynamoUnitOfWork:
    """A DynamoDB unit of work in memory: each staged write comes with its condition, and
    `commit()` applies all of them, or none if any condition or claim fails.

    `before_commit` runs once before the next commit: a test's way to race a write.
    """

    def __init__(self) -> None:
        self.published: list[Message] = []
        self.claimed: set[tuple[str, str]] = set()
        self.commits = 0
        self.before_commit: Callable[[], None] | None = None
        self._staged: list[tuple[Callable[[], bool], Callable[[], object]]] = []
        self._publishing: list[Message] = []
        self._claiming: list[tuple[str, str]] = []

    def stage(self, apply: Callable[[], object], check: Callable[[], bool] = lambda: True) -> None:
        """Apply `apply` at commit, provided `check` still holds then."""
        self._staged.append((check, apply))

    def publish(self, message: Message) -> None:
        self._publishing.append(message)

    def claim(self, message_id: object, scope: str) -> None:
        self._claiming.append((str(message_id), scope))

    def discard(self) -> None:
        """Forget what was gathered, as a failed transaction does."""
        self._staged, self._publishing, self._claiming = [], [], []

    async def commit(self) -> bool:
        if self.before_commit is not None:
            race, self.before_commit = self.before_commit, None
            race()
        staged, self._staged = self._staged, []
        publishing, self._publishing = self._publishing, []
        claiming, self._claiming = self._claiming, []
        if len(set(claiming)) < len(claiming) or self.claimed & set(claiming):
            return False
        if not all(check() for check, _ in staged):
            return False
        for _, apply in staged:
            apply()
        self.published += publishing
        self.claimed |= set(claiming)
        self.commits += 1
        return True


class FakeSqlUnitOfWork:
    """A SQL unit of work in memory: what is published and claimed counts only once
    committed. Subclasses copy their tables in `begin` and keep the copies in `keep`."""

    def __init__(self) -> None:
        self.published: list[Message] = []
        self.handled: set[tuple[str, str]] = set()
        self.commits = 0
        self._pending: list[Message] = []
        self._claimed: set[tuple[str, str]] = set()

    def begin(self) -> None:
        """Start a transaction on copies of the committed state."""

    def keep(self) -> None:
        """Make the transaction's copies the committed state."""

    async def __aenter__(self) -> Self:
        self._pending, self._claimed = [], set()
        self.begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._pending, self._claimed = [], set()

    def publish(self, message: Message) -> None:
        self._pending.append(message)

    async def claim(self, message_id: str, handler: str) -> bool:
        key = (message_id, handler)
        if key in self.handled or key in self._claimed:
            return False
        self._claimed.add(key)
        return True

    async def commit(self) -> None:
        self.keep()
        self.published += self._pending
        self.handled |= self._claimed
        self._pending, self._claimed = [], set()
        self.commits += 1


# The saga key unit tests run their steps with.
SAGA_KEY = SagaKey(SecretStr("unit-test-saga-key-0123456789abcdef"))


def proven(command: dict[str, Any], saga_id: str = "order_id") -> dict[str, Any]:
    """A step command with the proof the shop's execution for it would carry."""
    proof = SAGA_KEY.proof(str(command[saga_id]), command["command"], command["task_token"])
    return command | {"proof": proof}
