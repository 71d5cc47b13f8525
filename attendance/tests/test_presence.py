"""The presence maths: union of connected time. Every expected number is worked out by hand in a comment."""

import datetime

import pytest

from attendance.formats import JOIN, LEAVE, Connection
from attendance.presence import PresenceError, connected_seconds


def at(clock: str) -> datetime.datetime:
    return datetime.datetime.strptime(f"2021-02-13 {clock}", "%Y-%m-%d %H:%M:%S")


def events(*pairs):
    return [Connection(at=at(clock), change=change, row=number) for number, (clock, change) in enumerate(pairs, start=2)]


def test_rows_out_of_order_are_sorted_by_time():
    # Leave listed before the join: 10:00:00 → 10:30:00 is 30 min = 1800 s.
    assert connected_seconds(events(("10:30:00", LEAVE), ("10:00:00", JOIN)), end_time=None) == 1800


def test_two_devices_at_once_count_once():
    # Phone 9:00–9:20, laptop 9:10–9:40: union 9:00–9:40 = 40 min = 2400 s (not 20 + 30 = 50 min).
    connections = events(("9:00:00", JOIN), ("9:10:00", JOIN), ("9:20:00", LEAVE), ("9:40:00", LEAVE))
    assert connected_seconds(connections, end_time=None) == 2400


def test_leave_without_join_closes_nothing():
    # The 9:05 leave has no join before it and is ignored; then 9:10–9:20 = 600 s.
    connections = events(("9:05:00", LEAVE), ("9:10:00", JOIN), ("9:20:00", LEAVE))
    assert connected_seconds(connections, end_time=None) == 600


def test_never_leaves_is_closed_at_end_time():
    # 9:50:00 → end 10:00:00 = 600 s; plus an earlier 9:00:00–9:00:30 = 30 s.
    connections = events(("9:00:00", JOIN), ("9:00:30", LEAVE), ("9:50:00", JOIN))
    assert connected_seconds(connections, end_time=at("10:00:00")) == 630


def test_open_connection_without_end_time_is_an_error_naming_the_row():
    with pytest.raises(PresenceError, match=r"Row 3: 'x' is still connected .*end_time"):
        connected_seconds(events(("9:00:00", JOIN), ("9:50:00", JOIN)), end_time=None, who="'x'")


def test_event_after_end_time_is_an_error():
    with pytest.raises(PresenceError, match=r"Row 3: .*leaves at 10:05:00, after the meeting end time"):
        connected_seconds(events(("9:00:00", JOIN), ("10:05:00", LEAVE)), end_time=at("10:00:00"))


def test_event_exactly_at_end_time_is_fine():
    assert connected_seconds(events(("9:00:00", JOIN), ("10:00:00", LEAVE)), end_time=at("10:00:00")) == 3600


def test_join_and_leave_at_the_same_moment_is_zero_long():
    assert connected_seconds(events(("9:00:00", LEAVE), ("9:00:00", JOIN)), end_time=at("10:00:00")) == 0


def test_reconnect_at_the_same_second_is_continuous():
    # 9:00–9:30 then 9:30–9:45 = 45 min = 2700 s.
    connections = events(("9:30:00", JOIN), ("9:00:00", JOIN), ("9:30:00", LEAVE), ("9:45:00", LEAVE))
    assert connected_seconds(connections, end_time=None) == 2700
