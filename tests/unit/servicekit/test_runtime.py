"""The collector's settings for a serving process: start-up's objects frozen, the young
generation collected less often."""

import gc
from collections.abc import Iterator

import pytest

from servicekit.runtime import YOUNG_GENERATION_THRESHOLD, settle_after_start


@pytest.fixture
def collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("collector")
def test_start_ups_objects_are_frozen_and_young_ones_collected_less_often() -> None:
    built_at_start = {"settings": ["a", "b"]}
    _, middle, old = gc.get_threshold()
    settle_after_start()
    built_later = {"request": ["c"]}
    collected = gc.get_objects()  # what collections walk: frozen objects are not among them
    assert not any(o is built_at_start for o in collected)
    assert any(o is built_later for o in collected)
    assert gc.get_threshold() == (YOUNG_GENERATION_THRESHOLD, middle, old)
