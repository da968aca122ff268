"""Keyset pagination cursors: an opaque token holding the position after a page's last item.

A listing decides what its position is made of and checks it when it comes back; a cursor it
cannot read is an `InvalidCursorError`, which every service answers with a 422 problem naming
the `cursor` parameter.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import Annotated, Any, NoReturn

from fastapi import Query

from servicekit.text import check_decoded

# What `encode_cursor` makes: URL-safe base64 without padding.
CURSOR_PATTERN = r"^[A-Za-z0-9_-]{1,512}$"

Cursor = Annotated[
    str | None,
    Query(
        max_length=512,
        pattern=CURSOR_PATTERN,
        description="The `next_cursor` of the previous page; omit for the first page",
    ),
]

# How many items a listing's page may hold.
PageSize = Annotated[int, Query(ge=1, le=100)]


class InvalidCursorError(ValueError):
    """The cursor was not issued by this listing."""

    def __init__(self, detail: str = "The cursor is not valid.") -> None:
        super().__init__(detail)


def encode_cursor(position: Mapping[str, str]) -> str:
    """An opaque token for `position`."""
    raw = json.dumps(dict(position))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _no_constants(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a number a cursor holds")


def decode_cursor(cursor: str) -> dict[str, Any]:
    """The position a token holds; its fields are for the listing to check. A forged token
    with anything no listing issues (`NaN`, `Infinity`, a number too large for a float,
    control characters) is refused here, before a value can reach a database."""
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii") + b"=" * (-len(cursor) % 4))
        position = json.loads(raw, parse_constant=_no_constants)
        check_decoded(position, where="cursor")
    except (binascii.Error, ValueError, UnicodeError, RecursionError) as exc:
        raise InvalidCursorError from exc
    if not isinstance(position, dict):
        raise InvalidCursorError
    return position
