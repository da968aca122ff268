import pytest

from inventory.domain.model import (
    Line,
    Reservation,
    ReservationStatus,
    StockMovement,
    merge_lines,
)


def test_lines_of_one_sku_are_added_up_and_sorted_for_locking() -> None:
    merged = merge_lines([Line("TEA-2", 1), Line("MUG-1", 2), Line("TEA-2", 3)])
    assert merged == (Line("MUG-1", 2), Line("TEA-2", 4))


def test_releasing_a_hold_gives_units_back_to_available() -> None:
    held = Reservation.hold("o-1", [Line("MUG-1", 2)])
    released, moves = held.release()
    assert released.status is ReservationStatus.RELEASED
    assert moves == [StockMovement("MUG-1", on_hand=0, reserved=-2)]


def test_releasing_a_committed_order_puts_units_back_on_hand() -> None:
    committed, _ = Reservation.hold("o-1", [Line("MUG-1", 2)]).commit()
    released, moves = committed.release()
    assert released.status is ReservationStatus.RELEASED
    assert moves == [StockMovement("MUG-1", on_hand=2, reserved=0)]


def test_committing_takes_held_units_off_the_count() -> None:
    committed, moves = Reservation.hold("o-1", [Line("MUG-1", 2)]).commit()
    assert committed.status is ReservationStatus.COMMITTED
    assert moves == [StockMovement("MUG-1", on_hand=-2, reserved=-2)]


def test_only_a_hold_can_be_committed_and_nothing_is_released_twice() -> None:
    released, _ = Reservation.hold("o-1", [Line("MUG-1", 2)]).release()
    rejected = Reservation.hold("o-2", [Line("MUG-1", 2)]).reject(["MUG-1"])
    for reservation in (released, rejected, Reservation.nothing_held("o-3")):
        assert reservation.commit() == (reservation, [])
        assert reservation.release() == (reservation, [])
    assert rejected.lines == ()
    assert rejected.short_skus == ("MUG-1",)


def test_an_expired_hold_gives_its_units_back_and_awaits_a_late_confirmation() -> None:
    expired, moves = Reservation.hold("o-1", [Line("MUG-1", 2)]).expire()
    assert expired.status is ReservationStatus.EXPIRED
    assert moves == [StockMovement("MUG-1", on_hand=0, reserved=-2)]
    assert expired.expire() == (expired, [])  # only a hold expires
    assert expired.commit() == (expired, [])  # nothing is held to commit
    released, moves = expired.release()  # the saga compensated after all: nothing to give
    assert (released.status, moves) == (ReservationStatus.RELEASED, [])
    assert released.commit_late({"MUG-1": 2}) == released  # a release is final


def test_a_late_confirmation_keeps_what_it_could_not_take_as_its_shortfall() -> None:
    expired, _ = Reservation.hold("o-1", [Line("MUG-1", 2), Line("TEA-2", 3)]).expire()
    whole = expired.commit_late({"MUG-1": 2, "TEA-2": 3})
    assert (whole.status, whole.shortfall) == (ReservationStatus.COMMITTED, ())
    short = expired.commit_late({"MUG-1": 2, "TEA-2": 1})
    assert (short.status, short.shortfall) == (ReservationStatus.COMMITTED, (Line("TEA-2", 2),))
    # Released, it puts back on hand what it took, not what it was short of.
    released, moves = short.release()
    assert released.status is ReservationStatus.RELEASED
    assert moves == [StockMovement("MUG-1", 2, 0), StockMovement("TEA-2", 1, 0)]
    assert short.commit_late({"MUG-1": 2, "TEA-2": 3}) == short  # committed once


def test_a_late_confirmation_cannot_take_more_than_its_lines() -> None:
    expired, _ = Reservation.hold("o-1", [Line("MUG-1", 2)]).expire()
    with pytest.raises(ValueError, match="MUG-1"):
        expired.commit_late({"MUG-1": 3})
