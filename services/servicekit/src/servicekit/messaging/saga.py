"""Saga steps: commands sent by the state machine with a task token, answered with
`SendTaskSuccess` or `SendTaskFailure`.

A step command names its step (`command`), carries the token to answer with (`task_token`),
and beside them the step's payload, which each service reads through its own model. A worker
does its step in one local transaction, idempotently, and only then answers. If it dies in
between, SQS redelivers the command: the step finds its own earlier result and answers again.

Before anything changes, a worker makes sure the command comes from the shop's own execution
for that saga and that step (`SagaKey`): the execution is started with a secret derived from
the shop's key and the saga's id, and the state machine hashes that secret with the step's name
and the task's token into the command's `proof`. A token alone proves nothing (anyone who can
start a state machine holds one); a proof for one token is worth nothing with another. A
command without its proof is dropped unanswered.

A genuine command may still come again after its task ended: SQS delivers at least once, and
whoever reads a queue can send again what they read. Nothing asks Step Functions whether the
task still waits (that would cost a request a step); each step is idempotent instead, and
each compensation leaves its service refusing the step it undoes (a late `ReserveStock` after
its `ReleaseStock` holds nothing, a late `AuthorizePayment` after its `VoidPayment` authorizes
nothing, a late `ConfirmOrder` or `CapturePayment` finds the order cancelled or the payment
released), so a late command changes nothing. Its answer, to a token nobody waits on, is
dropped.

What a failure is called is declared once per service, like `map_errors` for HTTP: a table
from exception type to the error name the state machine's Retry and Catch choose by.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

import structlog
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from servicekit.logging import correlation_id_var
from servicekit.messaging.consumer import PoisonMessageError, ReceivedMessage
from servicekit.telemetry import consuming, measures

if TYPE_CHECKING:
    from types_aiobotocore_stepfunctions import SFNClient

log = structlog.get_logger(__name__)

# The state machine retries steps that fail with this error name, with backoff.
TRANSIENT = "Transient"
# What Step Functions answers for a token it did not issue or no longer waits on.
_NOT_WAITING = frozenset({"InvalidToken", "TaskDoesNotExist", "TaskTimedOut"})

P = TypeVar("P", bound=BaseModel)
# What a step answers the state machine with (its task's output).
StepOutput = Mapping[str, Any] | None
Failures = Mapping[type[Exception], str]
# A step's queue handler: the message, and its body as the router parsed it.
StepHandler = Callable[[ReceivedMessage, Mapping[str, Any]], Awaitable[None]]


# Shorter keys are refused at start-up: the key is all that stands between a queue and a step.
MIN_KEY_LENGTH = 32


class SagaKey:
    """The shop's key for its saga executions: what an execution is started with, and whether a
    step command was sent by that execution's state for that step.

    An execution's secret is HMAC-SHA256(key, saga id), hex; the state machine computes each
    command's proof itself, as `States.Hash(States.Format('{}:{}:{}', $$.State.Name,
    $$.Task.Token, $.secret), 'SHA-256')` (see `infra/statemachine/`), since an intrinsic
    can hash but holds no key. The secret lives only in the execution's input; a proof binds it
    to one task token, so reading a command yields nothing usable with any other token.
    """

    def __init__(self, key: SecretStr) -> None:
        value = key.get_secret_value()
        if len(value) < MIN_KEY_LENGTH:
            raise ValueError(
                f"SAGA_KEY must be set to at least {MIN_KEY_LENGTH} characters: step commands "
                "cannot be told from forgeries without it"
            )
        self._key = value.encode()

    def secret(self, saga_id: str) -> str:
        """The secret an execution for `saga_id` is started with."""
        return hmac.new(self._key, saga_id.encode(), hashlib.sha256).hexdigest()

    def proof(self, saga_id: str, step: str, task_token: str) -> str:
        """What the state machine puts in `step`'s command for the task `task_token`."""
        text = f"{step}:{task_token}:{self.secret(saga_id)}"
        return hashlib.sha256(text.encode()).hexdigest()

    def proves(self, saga_id: str, step: str, task_token: str, proof: str) -> bool:
        """Whether `proof` is the one the shop's execution for `saga_id` would send."""
        expected = self.proof(saga_id, step, task_token)
        return hmac.compare_digest(expected.encode(), proof.lower().encode())


class StepCommand(BaseModel):
    """What every step command carries besides its payload."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    command: str
    task_token: str = Field(min_length=1)
    # The state machine's proof that its execution for this saga sent this step (`SagaKey`).
    proof: str = Field(default="", max_length=64)
    # The trace of the execution's start, which the state machine copies into every command.
    traceparent: str | None = None


class StepFailedError(Exception):
    """The step cannot succeed; the state machine compensates, choosing by `error`."""

    def __init__(self, error: str, cause: str) -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


@dataclass(frozen=True, slots=True)
class _Step(Generic[P]):
    payload: type[P]
    run: Callable[[P], Awaitable[StepOutput]]

    async def __call__(self, document: Mapping[str, Any]) -> StepOutput:
        try:
            payload = self.payload.model_validate(document)
        except ValidationError as exc:
            raise PoisonMessageError(f"not a {self.payload.__name__} command: {exc}") from exc
        return await self.run(payload)


class SagaSteps:
    """The steps one service runs, and the error name of each failure it can report.

    `failures` maps an exception type to the error name the state machine sees; an exception
    not in it is not an answer (the command is retried, then dead-lettered). `correlate_by`
    names the payload field that identifies one run of the saga in logs and onward messages.
    """

    def __init__(
        self, sfn: SFNClient, failures: Failures, *, correlate_by: str, key: SagaKey
    ) -> None:
        self._sfn = sfn
        self._key = key
        self._failures = failures
        self._correlate_by = correlate_by
        self._steps: dict[str, _Step[Any]] = {}

    def step(self, name: str, payload: type[P], run: Callable[[P], Awaitable[StepOutput]]) -> Self:
        """Run `run(payload)` for commands called `name`."""
        self._steps[name] = _Step(payload, run)
        return self

    def handlers(self) -> dict[str, StepHandler]:
        """A queue handler per step, by the command name it answers."""
        return {name: self._handler(step) for name, step in self._steps.items()}

    def _handler(self, step: _Step[Any]) -> StepHandler:
        async def handle(message: ReceivedMessage, document: Mapping[str, Any]) -> None:
            try:
                command = StepCommand.model_validate(document)
            except ValidationError as exc:
                raise PoisonMessageError(f"not a saga step command: {exc}") from exc
            saga_id = str(document.get(self._correlate_by, ""))
            token = correlation_id_var.set(saga_id or None)
            try:
                with (
                    structlog.contextvars.bound_contextvars(
                        **{self._correlate_by: saga_id, "step": command.command}
                    ),
                    consuming(
                        command.command,
                        message.traceparent or command.traceparent,
                        {f"shop.{self._correlate_by}": saga_id},
                    ),
                ):
                    await self._run(step, command, saga_id, document)
            finally:
                correlation_id_var.reset(token)

        return handle

    async def _run(
        self, step: _Step[Any], command: StepCommand, saga_id: str, document: Mapping[str, Any]
    ) -> None:
        started, outcome = time.monotonic(), "error"
        try:
            outcome = await self._answered(step, command, saga_id, document)
        finally:
            measures().saga_step.record(
                time.monotonic() - started, {"step": command.command, "outcome": outcome}
            )

    async def _answered(
        self, step: _Step[Any], command: StepCommand, saga_id: str, document: Mapping[str, Any]
    ) -> str:
        """Run the step and answer the state machine; how it ended."""
        if not self._key.proves(saga_id, command.command, command.task_token, command.proof):
            log.warning("saga_command_refused", reason="proof")
            return "refused"
        try:
            output = await step(document)
        except Exception as exc:
            failure = _named(exc, self._failures)
            if failure is None:
                raise
            log.info("saga_step_failed", error=failure.error, cause=failure.cause)
            await _answer(
                self._sfn.send_task_failure(
                    taskToken=command.task_token,
                    error=failure.error,
                    cause=failure.cause[:32768],
                )
            )
            return "failed"
        log.info("saga_step_done")
        await _answer(
            self._sfn.send_task_success(
                taskToken=command.task_token,
                output=json.dumps(dict(output or {}), default=str),
            )
        )
        return "succeeded"


def _named(exc: Exception, failures: Failures) -> StepFailedError | None:
    if isinstance(exc, StepFailedError):
        return exc
    error = failures.get(type(exc))
    return None if error is None else StepFailedError(error, str(exc))


async def _answer(call: Awaitable[object]) -> None:
    try:
        await call
    except ClientError as exc:
        # The task timed out (or was answered) while the step ran: the state machine has moved
        # on, and the step's effect is recorded either way.
        if exc.response["Error"]["Code"] in _NOT_WAITING:
            log.info("saga_answer_ignored", reason=exc.response["Error"]["Code"])
            return
        raise
