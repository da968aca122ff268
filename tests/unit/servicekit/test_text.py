import base64
import json
import re
from typing import Annotated, Any

import pytest
from pydantic import BaseModel, StringConstraints, ValidationError

from servicekit.cursors import InvalidCursorError, decode_cursor
from servicekit.text import (
    MULTILINE_PATTERN,
    ONE_LINE_PATTERN,
    Multiline,
    OneLine,
    Text,
    refused_character,
)


class Form(BaseModel):
    title: Annotated[str, StringConstraints(max_length=50), OneLine]
    body: Annotated[str, StringConstraints(max_length=500), Multiline] = ""
    code: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$"), OneLine] = "NL"
    note: Text | None = None


REFUSED = [
    "\x00",
    "\x07",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\x9f",
    "\ud800",
    "\udfff",
    "\ufdd0",
    "\ufffe",
    "\uffff",
    "\U0001fffe",
    "\U0010ffff",
]


@pytest.mark.parametrize("bad", REFUSED, ids=lambda c: f"U+{ord(c[0]):04X}")
@pytest.mark.parametrize("field", ["title", "body", "note"])
def test_control_characters_surrogates_and_noncharacters_are_refused_naming_the_field(
    bad: str, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        Form.model_validate({"title": "ok", field: f"a{bad}b"})
    [error] = caught.value.errors()
    assert error["loc"] == (field,)


def test_line_breaks_and_tabs_only_where_text_has_lines() -> None:
    form = Form(title="Mug", body="Line one\n\tLine two\r\n", note="Ünïcödé ✓ 😀 \u2028")
    assert form.body == "Line one\n\tLine two\r\n"
    for bad in ("a\nb", "a\tb", "a\rb"):
        with pytest.raises(ValidationError):
            Form(title=bad)


def test_the_schema_documents_what_is_refused_and_keeps_a_narrower_pattern() -> None:
    properties = Form.model_json_schema()["properties"]
    assert properties["title"]["pattern"] == ONE_LINE_PATTERN
    assert properties["title"]["maxLength"] == 50
    assert properties["body"]["pattern"] == MULTILINE_PATTERN
    assert properties["code"]["pattern"] == "^[A-Z]{2}$"
    assert any(b.get("pattern") == ONE_LINE_PATTERN for b in properties["note"]["anyOf"])
    # The documented pattern refuses what the validator refuses (in the basic plane).
    for bad in REFUSED:
        if ord(bad[0]) <= 0xFFFF:
            assert re.fullmatch(ONE_LINE_PATTERN.encode().decode("unicode_escape"), bad) is None
    assert re.fullmatch(MULTILINE_PATTERN.encode().decode("unicode_escape"), "a\nb\tc")


def test_refused_character_names_the_code_point() -> None:
    assert refused_character("ab\x00") == "U+0000"
    assert refused_character("a\nb", multiline=True) is None
    assert refused_character("plain") is None


def _token(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode("utf-8", "surrogatepass")).decode().rstrip("=")


@pytest.mark.parametrize(
    "raw",
    [
        '{"v": NaN}',
        '{"v": Infinity}',
        '{"v": -Infinity}',
        '{"v": 1E+300000}',
        '{"v": "\\u0000"}',
        '{"v": "\\ud800"}',
        '{"v\\u0000": 1}',
        '{"v": ["\\u001b"]}',
        "[" * 5000 + "]" * 5000,
    ],
)
def test_forged_cursors_are_refused_before_their_values_are_used(raw: str) -> None:
    with pytest.raises(InvalidCursorError):
        decode_cursor(_token(raw))


def test_an_issued_cursor_still_decodes() -> None:
    position: dict[str, Any] = {"s": "price", "v": "12.50", "id": "x", "n": 1.5}
    assert decode_cursor(_token(json.dumps(position))) == position
