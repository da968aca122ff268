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
from typing import Any


class InvalidCursorError(ValueError):
    """The cursor was not issued by this listing."""

    def __init__(self, detail: str = "The cursor is not valid.") -> None:
        super().__init__(detail)


def encode_cursor(position: Mapping[str, str]) -> str:
    """An opaque token for `position`."""
    raw = json.dumps(dict(position))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    """The position a token holds; its fields are for the listing to check."""
    try:
        position = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as exc:
        raise InvalidCursorError from exc
    if not isinstance(position, dict):
        raise InvalidCursorError
    return position
