"""The presence maths: union of connected time. Every expected number is worked out by hand in a comment."""

import datetime

import pytest

from attendance.formats import JOIN, LEAVE, Connection
from attendance.formats.report import Participant
from attendance.presence import Presence, PresenceError, connected_seconds, last_event, measure_presence


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


def test_open_connection_with_neither_end_time_nor_file_end_is_an_error_naming_the_row():
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


# --- Without end_time: counted to the file's last event (SPEC §3) ---------------------------------------


def test_open_connection_without_end_time_runs_to_the_files_last_event_and_says_so():
    # 9:00:00–9:00:30 = 30 s, then joins 9:50:00 and never leaves; the file's last event is 10:12:00 (someone
    # else's): 9:50:00 → 10:12:00 = 22 min = 1320 s. Total 1350 s, still connected.
    connections = events(("9:00:00", JOIN), ("9:00:30", LEAVE), ("9:50:00", JOIN))
    assert measure_presence(connections, end_time=None, file_end=at("10:12:00")) == Presence(1350, still_connected=True)


def test_two_devices_one_left_open_count_from_the_first_join():
    # Joins 9:00 and 9:30, one leave 9:45: one device stays open, so 9:00 → file end 10:00 = 3600 s.
    connections = events(("9:00:00", JOIN), ("9:30:00", JOIN), ("9:45:00", LEAVE))
    assert measure_presence(connections, end_time=None, file_end=at("10:00:00")) == Presence(3600, True)


def test_joining_at_the_files_last_event_is_zero_long_but_still_connected():
    # 9:00–9:10 = 600 s; the rejoin at 10:00:00 is the file's last event, so it adds 0 s.
    connections = events(("9:00:00", JOIN), ("9:10:00", LEAVE), ("10:00:00", JOIN))
    assert measure_presence(connections, end_time=None, file_end=at("10:00:00")) == Presence(600, True)


def test_everyone_closed_is_not_marked_whatever_the_file_end():
    # 9:00–9:20 = 1200 s; the file going on to 11:00 changes nothing.
    connections = events(("9:00:00", JOIN), ("9:20:00", LEAVE))
    assert measure_presence(connections, end_time=None, file_end=at("11:00:00")) == Presence(1200, False)


def test_end_time_wins_over_the_file_end_and_nothing_is_marked():
    # With an end time the old rule holds: 9:50:00 → 10:30:00 = 2400 s, not to the file end, not marked.
    connections = events(("9:50:00", JOIN),)
    assert measure_presence(connections, end_time=at("10:30:00"), file_end=at("10:00:00")) == Presence(2400, False)


def test_last_event_is_anyones_latest_join_or_leave():
    early = Participant(key="a", first_row=2, connections=events(("9:00:00", JOIN), ("9:59:00", LEAVE)))
    late = Participant(key="b", first_row=3, connections=events(("10:01:00", JOIN)))
    assert last_event([early, late]) == at("10:01:00")
    assert last_event([Participant(key="c", first_row=4, reported_seconds=60)]) is None
