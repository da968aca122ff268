"""Routing a queue's messages to their handlers by the type each message names.

An event travels in an envelope and names its type there (`catalog.ProductCreated`, version
1); a saga step command names its step in `command` (`ReserveStock`). A router is told which
consumed message models and which step commands its queue serves, each with its handler; nothing
looks inside a message to guess what it is.

A message's body is parsed once, here, into the JSON object it is; the envelope and every
model a handler reads are validated from that object, never from the text again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Self, TypeVar

import structlog
from pydantic import ValidationError

from servicekit.messaging.consumer import (
    PoisonMessageError,
    ReceivedMessage,
    envelope_handler,
    parsed,
)
from servicekit.messaging.envelope import ConsumedMessage, Envelope
from servicekit.messaging.saga import SagaSteps, StepHandler

log = structlog.get_logger(__name__)

M = TypeVar("M", bound=ConsumedMessage)
# What a handler did, logged with `event_handled`.
Outcome = Mapping[str, Any] | None
MessageHandler = Callable[[M, Envelope], Awaitable[Outcome]]


class MessageRouter:
    """A queue handler that hands each message to the handler registered for its type.

    An event of a type (or version) nobody registered is logged and acknowledged: the
    subscription's filter policy lets only the routed types through, and a producer's newer
    version is not guessed at. An event that does not match its contract, a command no step
    here answers, and a body that is not a message are poison.
    """

    def __init__(self) -> None:
        self._events: dict[tuple[str, int], Callable[[Envelope], Awaitable[Outcome]]] = {}
        self._commands: dict[str, StepHandler] = {}
        self._on_envelope = envelope_handler(self._dispatch)

    def on(self, model: type[M], handle: MessageHandler[M]) -> Self:
        """Route envelopes of `model`'s types and version to `handle(message, envelope)`."""

        async def run(envelope: Envelope) -> Outcome:
            try:
                event = model.model_validate(envelope.data)
            except ValidationError as exc:
                # Which fields and why, never their values: a message may carry a payment
                # token or an address, and the refusal is logged.
                problems = "; ".join(
                    f"{'.'.join(map(str, error['loc']))}: {error['msg']}"
                    for error in exc.errors(include_url=False, include_input=False)
                )
                raise PoisonMessageError(
                    f"{envelope.type} does not match its contract: {problems}"
                ) from None
            return await handle(event, envelope)

        for message_type in model.types():
            self._events[(message_type, model.VERSION)] = run
        return self

    def step(self, name: str, handler: StepHandler) -> Self:
        """Route saga step commands called `name` to `handler`."""
        self._commands[name] = handler
        return self

    def saga(self, steps: SagaSteps) -> Self:
        """Route each of `steps` by the command name it answers."""
        for name, handler in steps.handlers().items():
            self.step(name, handler)
        return self

    @property
    def message_types(self) -> set[tuple[str, int]]:
        """The (type, version) of every enveloped message routed here."""
        return set(self._events)

    @property
    def steps(self) -> set[str]:
        """The name of every step command routed here."""
        return set(self._commands)

    async def __call__(self, message: ReceivedMessage) -> None:
        document = parsed(message)
        command = document.get("command")
        if command is None:
            try:
                envelope = Envelope.model_validate(document)
            except ValidationError as exc:
                raise PoisonMessageError(f"not an envelope: {exc}") from exc
            await self._on_envelope(message, envelope)
            return
        if not isinstance(command, str):
            raise PoisonMessageError("not a message: its command is not a name")
        handler = self._commands.get(command)
        if handler is None:
            raise PoisonMessageError(f"no step {command!r} here")
        await handler(message, document)

    async def _dispatch(self, envelope: Envelope) -> None:
        route = self._events.get((envelope.type, envelope.version))
        if route is None:
            log.warning("event_ignored", type=envelope.type, version=envelope.version)
            return
        outcome = await route(envelope)
        log.info("event_handled", **(outcome or {}))
