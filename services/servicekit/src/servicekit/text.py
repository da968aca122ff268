"""Text from outside: the characters every service refuses in a string, wherever it arrives.

PostgreSQL cannot store NUL; control characters forge log lines and break whatever renders
them; a lone surrogate cannot be encoded as UTF-8 at all; non-characters are reserved for a
program's internal use. A request carrying any of them is refused with a 422 that names the
field, before it reaches a handler, a message or a database.

Every string input is annotated with `OneLine` or `Multiline` (tab and line breaks allowed,
for a description), after its own length and pattern constraints, so that the OpenAPI shows
those constraints (a pattern of its own is narrower than the characters refused here):

    Name = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), OneLine]
    q: Annotated[str | None, Query(max_length=100), OneLine] = None

`Text` and `MultilineText` are the same without constraints of their own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

# C0 and C1 controls and DEL, surrogates, and the non-characters (U+FDD0..U+FDEF and the last
# two code points of every plane).
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
)
_REFUSED = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff" + _NONCHARACTERS
_REFUSED_ONE_LINE = re.compile(f"[\t\n\r{_REFUSED}]")
_REFUSED_MULTILINE = re.compile(f"[{_REFUSED}]")

# What the OpenAPI documents (JSON Schema patterns are ECMA-262: the basic plane only).
_DOCUMENTED = (
    r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
)
ONE_LINE_PATTERN = rf"^[^\t\n\r{_DOCUMENTED}]*$"
MULTILINE_PATTERN = rf"^[^{_DOCUMENTED}]*$"

ERROR_CODE = "text_characters"


def refused_character(value: str, *, multiline: bool = False) -> str | None:
    """The first character `value` may not carry, as `U+XXXX`; None when it is clean."""
    found = (_REFUSED_MULTILINE if multiline else _REFUSED_ONE_LINE).search(value)
    return None if found is None else f"U+{ord(found.group()):04X}"


def check_text(value: str, *, multiline: bool = False) -> str:
    """`value`, or a validation error saying which character it may not carry."""
    if (refused := refused_character(value, multiline=multiline)) is not None:
        raise PydanticCustomError(
            ERROR_CODE,
            "Text may not contain control characters, lone surrogates or non-characters "
            "(found {character})",
            {"character": refused},
        )
    return value


@dataclass(frozen=True, slots=True)
class CleanText:
    """Pydantic metadata: refuse what `check_text` refuses, and document it."""

    multiline: bool = False

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        multiline = self.multiline

        def check(value: Any) -> Any:
            # Also on an optional string, whose absence is None.
            return check_text(value, multiline=multiline) if isinstance(value, str) else value

        return core_schema.no_info_after_validator_function(check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        documented = handler(schema)
        pattern = MULTILINE_PATTERN if self.multiline else ONE_LINE_PATTERN
        # A field with its own, narrower pattern keeps it: that pattern refuses these too.
        for branch in [documented, *documented.get("anyOf", [])]:
            if branch.get("type") == "string" and "pattern" not in branch:
                branch["pattern"] = pattern
        return documented


OneLine = CleanText()
Multiline = CleanText(multiline=True)
Text = Annotated[str, OneLine]
MultilineText = Annotated[str, Multiline]


def check_decoded(value: Any, *, where: str = "value") -> None:
    """Raise `ValueError` unless every string in a decoded JSON value (keys included) is
    clean text and every number is finite."""
    if isinstance(value, str):
        if refused_character(value) is not None:
            raise ValueError(f"{where} carries a character that is not allowed")
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{where} is not a finite number")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            check_decoded(key, where=where)
            check_decoded(item, where=where)
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        for item in value:
            check_decoded(item, where=where)
