"""JSON logs that carry the request id and correlation id of whatever is being handled."""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

import orjson
import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit.telemetry import add_trace_ids

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def _add_ids(
    logger: object, method: str, event: structlog.types.EventDict
) -> structlog.types.EventDict:
    if (request_id := request_id_var.get()) is not None:
        event.setdefault("request_id", request_id)
    if (correlation_id := correlation_id_var.get()) is not None:
        event.setdefault("correlation_id", correlation_id)
    return event


# Fields whose values never reach a log line, whatever logs them.
SECRET_FIELDS = frozenset(
    {
        "authorization",
        "token",
        "access_token",
        "id_token",
        "refresh_token",
        "task_token",
        "payment_token",
        "password",
        "shipping_address",
        "address",
    }
)
REDACTED = "[redacted]"

# Libraries that write a line per call below WARNING: the AWS SDK several per request (and the
# relays and consumers call it all the time), SQLAlchemy one per statement. They log warnings
# and errors only, whatever LOG_LEVEL says: at DEBUG they would be most of what a process
# writes, and of what CloudWatch Logs bills.
QUIET_LIBRARIES = ("botocore", "aiobotocore", "boto3", "urllib3", "sqlalchemy")
# A JWT (a bearer token) anywhere in a message; the value a validation error quotes; a
# payment token or an address inside a rendered dict or exception message.
_JWT = re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*")
_INPUT_VALUE = re.compile(r"input_value=.*?(?=, input_type=)", re.DOTALL)
_SECRET_NAMES = "|".join(sorted(SECRET_FIELDS))
_QUOTED_SECRET = re.compile(
    rf"""(['"]?(?:{_SECRET_NAMES})['"]?\s*[:=]\s*)"""
    r"""(\{[^{}]*\}|'[^']*'|"[^"]*"|[^\s,;)}\]]+)""",
    re.IGNORECASE,
)


def _redact_text(text: str) -> str:
    text = _JWT.sub(REDACTED, text)
    text = _INPUT_VALUE.sub(f"input_value={REDACTED}", text)
    return _QUOTED_SECRET.sub(lambda m: m.group(1) + REDACTED, text)


def _redact(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        return _redact_text(value)
    if depth > 8:
        return value
    if isinstance(value, Mapping):
        return {
            key: REDACTED
            if isinstance(key, str) and key.lower() in SECRET_FIELDS
            else _redact(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact(item, depth + 1) for item in value]
    return value


def redact_secrets(
    logger: object, method: str, event: structlog.types.EventDict
) -> structlog.types.EventDict:
    """Take tokens, payment tokens and addresses out of a log line, by field name and by
    their look inside messages and rendered exceptions."""
    redacted: structlog.types.EventDict = _redact(event)
    return redacted


# Tracebacks as structured data, without each frame's local variables: those hold request
# bodies, headers and tokens.
_tracebacks = structlog.processors.ExceptionRenderer(
    structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
)


def configure_logging(service: str, level: str = "INFO") -> None:
    """Send structlog and the standard library's logs to stdout, one JSON object a line."""
    numeric = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        _add_ids,
        add_trace_ids,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[
            *shared,
            _tracebacks,
            redact_secrets,
            structlog.processors.EventRenamer("message"),
            structlog.processors.JSONRenderer(serializer=orjson.dumps),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.BytesLoggerFactory(sys.stdout.buffer),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)

    # Libraries log through the standard library; render those lines the same way.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                _tracebacks,
                redact_secrets,
                structlog.processors.EventRenamer("message"),
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(max(numeric, logging.WARNING))
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True


def _valid_id(value: str | None) -> str | None:
    # Ids arrive from clients; keep them short and printable so they cannot forge log lines.
    if value and len(value) <= 128 and value.isprintable() and '"' not in value:
        return value
    return None


class RequestContextMiddleware:
    """Bind a request id and a correlation id to each request and echo them back.

    A pure ASGI middleware: it sits on the hot path of every request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.log = structlog.get_logger("access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = correlation_id = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                request_id = _valid_id(value.decode("latin-1"))
            elif name == b"x-correlation-id":
                correlation_id = _valid_id(value.decode("latin-1"))
        request_id = request_id or uuid.uuid4().hex
        correlation_id = correlation_id or request_id
        request_token = request_id_var.set(request_id)
        correlation_token = correlation_id_var.set(correlation_id)
        status = 500

        async def send_with_ids(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                headers.append((b"x-request-id", request_id.encode()))
                headers.append((b"x-correlation-id", correlation_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_ids)
        finally:
            # The gateway writes the access log; a service adds what only it can see.
            if status >= 500:
                self.log.warning(
                    "request_failed", method=scope["method"], path=scope["path"], status=status
                )
            else:
                self.log.debug(
                    "request_handled", method=scope["method"], path=scope["path"], status=status
                )
            request_id_var.reset(request_token)
            correlation_id_var.reset(correlation_token)
