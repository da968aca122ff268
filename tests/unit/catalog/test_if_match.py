"""If-Match on catalog writes: one strong ETag of ASCII digits names a version; a tag that
cannot be one is a 412, a header that is not one tag a 400; never a 500."""

from __future__ import annotations

import pytest

from catalog.entrypoints.api.routes import version_in_if_match
from servicekit.errors import Problem


def _status(value: str) -> int:
    with pytest.raises(Problem) as refused:
        version_in_if_match(value)
    return refused.value.status


@pytest.mark.parametrize(
    ("value", "version"),
    [(None, None), ("*", None), (" * ", None), ('"3"', 3), (' "12" ', 12), ('"007"', 7)],
)
def test_a_version_or_any(value: str | None, version: int | None) -> None:
    assert version_in_if_match(value) == version


@pytest.mark.parametrize(
    "value",
    [
        '"²"',  # str.isdigit() says yes, int() refuses it: it was a 500 (byte 0xB2)
        '"\xc2\xb2"',  # the same, sent as UTF-8 and read as Latin-1
        '"٣"',  # Arabic-Indic three: int() reads it as 3
        '"\xd9\xa3"',  # the same, sent as UTF-8
        '"\uff13"',  # fullwidth three
        'W/"3"',  # weak: If-Match compares strongly, a weak tag matches nothing
        'W/"abc"',
        '"abc"',
        '""',
        '"-1"',
        '"3.0"',
    ],
)
def test_a_tag_that_is_no_version_of_ours_is_a_412(value: str) -> None:
    assert _status(value) == 412


@pytest.mark.parametrize(
    "value",
    ["", " ", "3", "²", "W/3", '"3', '3"', '"3", "4"', '"3" "4"', 'w/"3"', '"a"b"', "**"],
)
def test_a_header_that_is_not_one_tag_is_a_400(value: str) -> None:
    assert _status(value) == 400
