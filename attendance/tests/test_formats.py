"""Every report format, read from bytes the way each exporter writes them, and detection by content."""

import datetime

import pytest

from attendance.formats import (
    GOOGLE_FORM,
    MONTH_FIRST,
    TEAMS,
    TEAMS_LEGACY,
    ZOOM,
    ReportError,
    detect_format,
    parse_report,
    parse_roster,
)
from attendance.formats.timestamps import (
    TimestampError,
    date_in_file_name,
    parse_duration,
    parse_time_of_day,
    parse_timestamp,
)
from attendance.presence import connected_seconds
from attendance.tests import reports
from spreadsheets import FileFormatError

END = datetime.datetime(2021, 2, 13, 11, 0, 0)
# Test2.csv by hand, meeting closed at 11:00:00:
#   1: 9:35:35–9:35:39 (4 s) + 10:42:03–11:00:00 (17 min 57 s = 1077 s) = 1081
#   2: joins 9:38:57 and 9:39:28, leaves 9:49:09 and 10:13:15 → union 9:38:57–10:13:15 = 34 min 18 s = 2058
#   3: joins 9:40:30 and 10:03:52, one leave 10:41:53 → still open at 11:00 → 9:40:30–11:00:00 = 4770
#   4: leave 9:39:06 with no join before it (ignored), join 9:44:46 → 11:00:00 = 75 min 14 s = 4514
FIXTURE_SECONDS = {"1": 1081, "2": 2058, "3": 4770, "4": 4514}


def seconds_by_participant(report, end=END):
    return {key: connected_seconds(p.connections, end_time=end) for key, p in report.participants.items()}


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda rows: reports.TEAMS_LOG.read_bytes(), id="comma-csv-fixture"),
        pytest.param(reports.utf16_tab, id="utf16-tab"),
        pytest.param(reports.xlsx, id="xlsx-text-cells"),
        pytest.param(lambda rows: reports.xlsx(reports.with_datetime_cells(rows)), id="xlsx-datetime-cells"),
        pytest.param(lambda rows: reports.comma_csv(rows, bom=True), id="utf8-bom"),
    ],
)
def test_legacy_teams_log_in_every_encoding(build):
    data = build(reports.fixture_rows())
    assert detect_format(data) == TEAMS_LEGACY
    report = parse_report(data)
    assert report.format == TEAMS_LEGACY
    assert report.date == datetime.date(2021, 2, 13)  # 13/2/2021 read day first
    assert seconds_by_participant(report) == FIXTURE_SECONDS


def test_blank_lines_in_a_log_are_skipped():
    rows = reports.fixture_rows()
    data = reports.comma_csv([rows[0], [], *rows[1:6], [], [], *rows[6:]])
    assert seconds_by_participant(parse_report(data)) == FIXTURE_SECONDS


# A sectioned report as downloaded, and re-saved from Excel as XLSX (timestamps left as text, or turned
# into real date cells as Excel does when it recognises them).
SECTIONED_ENCODINGS = [
    pytest.param(None, id="as-downloaded"),
    pytest.param(reports.xlsx, id="xlsx-text-cells"),
    pytest.param(lambda rows: reports.xlsx(reports.excel_dates(rows)), id="xlsx-datetime-cells"),
]


@pytest.mark.parametrize("encode", SECTIONED_ENCODINGS)
def test_current_teams_report_uses_activities_and_marks_the_organiser_a_host(encode):
    data = reports.teams_report(
        encode=encode,
        participants=[
            ["Teacher", "13/2/2026, 9:00:00 AM", "13/2/2026, 10:00:00 AM", "1h 0m 0s", "t@uni.edu", "t@uni.edu", "Organizer"],
            ["Asha Rao", "13/2/2026, 9:01:00 AM", "13/2/2026, 9:58:00 AM", "52m 0s", "21cs001@uni.edu", "21cs001@uni.edu", "Attendee"],
            ["Ben Ng (External)", "13/2/2026, 9:10:00 AM", "13/2/2026, 9:20:00 AM", "10m 0s", "", "", "Attendee"],
        ],
        activities=[
            ["Teacher", "13/2/2026, 9:00:00 AM", "13/2/2026, 10:00:00 AM", "1h 0m 0s", "t@uni.edu", "Organizer"],
            ["Asha Rao", "13/2/2026, 9:01:00 AM", "13/2/2026, 9:30:00 AM", "29m 0s", "21cs001@uni.edu", "Attendee"],
            ["Asha Rao", "13/2/2026, 9:35:00 AM", "13/2/2026, 9:58:00 AM", "23m 0s", "21cs001@uni.edu", "Attendee"],
            ["Ben Ng (External)", "13/2/2026, 9:10:00 AM", "13/2/2026, 9:20:00 AM", "10m 0s", "", "Attendee"],
        ],
    )
    assert detect_format(data) == TEAMS
    report = parse_report(data)
    assert report.date == datetime.date(2026, 2, 13)
    # The organiser is reported, marked a host: counted only if they are on the roster (services).
    assert [(p.key, p.role) for p in report.hosts] == [("Teacher", "Organizer")]
    # Teacher: 9:00–10:00 = 3600 s. Asha: 9:01–9:30 (29 min) + 9:35–9:58 (23 min) = 52 min = 3120 s. Ben: 600 s.
    assert seconds_by_participant(report, end=None) == {"Teacher": 3600, "Asha Rao": 3120, "Ben Ng (External)": 600}
    assert "Ben Ng" in report.participants["Ben Ng (External)"].names
    assert report.participants["Asha Rao"].email == "21cs001@uni.edu"
    by_email = parse_report(data, identity="email")
    assert set(by_email.participants) == {"t", "21cs001", "Ben Ng (External)"}


@pytest.mark.parametrize("encode", SECTIONED_ENCODINGS)
def test_current_teams_report_without_activities_uses_in_meeting_duration(encode):
    data = reports.teams_report(
        encode=encode,
        participants=[["Asha Rao", "13/2/2026, 9:01:00 AM", "13/2/2026, 10:28:51 AM", "1h 27m 51s", "a@uni.edu", "a@uni.edu", "Attendee"]],
        end="13/2/2026, 10:30:00 AM",
    )
    report = parse_report(data)
    assert report.participants["Asha Rao"].reported_seconds == 3600 + 27 * 60 + 51
    assert report.participants["Asha Rao"].connections == []


@pytest.mark.parametrize("encode", SECTIONED_ENCODINGS)
def test_zoom_report_with_summary_block_merges_reconnections(encode):
    data = reports.zoom_report(
        encode=encode,
        rows=[
            ["Asha Rao", "asha@uni.edu", "13/02/2026 09:01:00 AM", "13/02/2026 09:30:00 AM", "29", "No"],
            ["Asha Rao", "asha@uni.edu", "13/02/2026 09:20:00 AM", "13/02/2026 09:50:00 AM", "30", "No"],
            ["Ben (Ben Ng)", "", "13/02/2026 09:00:00 AM", "13/02/2026 09:05:30 AM", "6", "Yes"],
        ]
    )
    assert detect_format(data) == ZOOM
    report = parse_report(data)
    assert report.date == datetime.date(2026, 2, 13)
    assert report.meeting_end == datetime.datetime(2026, 2, 13, 10, 0, 0)
    # Asha: 9:01–9:30 and 9:20–9:50 overlap → 9:01–9:50 = 49 min = 2940 s. Ben: 5 min 30 s = 330 s.
    assert seconds_by_participant(report, end=None) == {"Asha Rao": 2940, "Ben (Ben Ng)": 330}
    assert {"Ben", "Ben Ng"} <= set(report.participants["Ben (Ben Ng)"].names)


def test_zoom_report_without_summary_and_month_first_override():
    data = reports.zoom_report(
        [["Asha Rao", "asha@uni.edu", "02/13/2026 09:01:00 AM", "02/13/2026 09:30:00 AM", "29", "No"]], summary=False
    )
    with pytest.raises(ReportError, match="date_order=month-first"):
        parse_report(data)
    report = parse_report(data, date_order=MONTH_FIRST)
    assert report.format == ZOOM and report.date == datetime.date(2026, 2, 13)


def test_google_form_as_exported_by_forms_and_by_sheets():
    forms = reports.comma_csv(
        [
            ["Timestamp", "Username", "Your Name", "Your Roll Number"],
            ["2021/02/11 12:46:13 PM GMT+5:30", "a@example.com", "Asha", "1"],
            ["2021/02/11 12:47:00 PM GMT+5:30", "a@example.com", "Asha", "1"],
            ["2021/02/11 12:48:00 PM GMT+5:30", "b@example.com", "Ben", "04"],
        ]
    )
    assert detect_format(forms) == GOOGLE_FORM
    report = parse_report(forms)
    assert report.date == datetime.date(2021, 2, 11)
    assert set(report.participants) == {"1", "04"}
    sheets = reports.comma_csv([["Your Roll Number", "Timestamp"], ["1", "2/11/2021 12:46:13"]])
    assert parse_report(sheets).date == datetime.date(2021, 2, 11)  # month first, as Sheets exports


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"\xef\xbb\xbf\r\n\r\n", "The file is empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "is a PDF"),
        (b"Roll,Present\n1,yes\n", r"headings \(Roll, Present\) are not those of"),
        (b"Full Name,User Action,Timestamp\n", "no rows with attendance"),
        (
            b'Full Name,User Action,Timestamp\n1,Joined,"13/2/2021, 9:00:00 AM"\n1,Left,"14/2/2021, 9:00:00 AM"\n',
            r"Row 3 is dated 2021-02-14 but earlier rows are dated 2021-02-13",
        ),
        (b'Full Name,User Action,Timestamp\n1,Waved,"13/2/2021, 9:00:00 AM"\n', "Row 2 has the User Action 'Waved'"),
        (b"Full Name,User Action,Timestamp\n1,Joined,yesterday\n", "Row 2: the Timestamp 'yesterday' is not a date"),
    ],
)
def test_bad_reports_name_the_problem(data, message):
    with pytest.raises(FileFormatError, match=message):
        parse_report(data)


def test_roster_headings_in_any_case_and_order_with_leading_zeros():
    entries = parse_roster(b"\xef\xbb\xbfname , ROLL_NUMBER,Email\nAsha,007,a@x\n\nBen,10,\n")
    assert [(e.roll, e.name) for e in entries] == [("007", "Asha"), ("10", "Ben")]


def test_roster_with_repeated_rolls_names_them():
    with pytest.raises(FileFormatError, match=r"more than once: 1 \(rows 2 and 4\)"):
        parse_roster(b"Roll Number,Name\n1,A\n2,B\n1,C\n")


def test_roster_with_wrong_headings():
    with pytest.raises(FileFormatError, match="Missing headings: roll_number"):
        parse_roster(b"Student,Name\n1,A\n")


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("13/2/2021, 9:35:35 AM", "day-first", datetime.datetime(2021, 2, 13, 9, 35, 35)),
        ("11/2/2021, 12:05:00 PM", "day-first", datetime.datetime(2021, 2, 11, 12, 5)),
        ("11/2/2021, 12:05:00 AM", "day-first", datetime.datetime(2021, 2, 11, 0, 5)),
        ("2/11/2021 12:46:13", "month-first", datetime.datetime(2021, 2, 11, 12, 46, 13)),
        ("7/22/26, 7:02:11 PM", "month-first", datetime.datetime(2026, 7, 22, 19, 2, 11)),
        ("2021-02-13 09:35:35", "month-first", datetime.datetime(2021, 2, 13, 9, 35, 35)),
        ("2021-02-13T09:35:35Z", "day-first", datetime.datetime(2021, 2, 13, 9, 35, 35)),
        # Issue 15's date policy: the date order applies to slash dates with the year last, nothing else.
        ("15/11/22, 09:31:18", "day-first", datetime.datetime(2022, 11, 15, 9, 31, 18)),  # Teams en-GB
        ("11/26/25, 4:16:54 PM", "month-first", datetime.datetime(2025, 11, 26, 16, 16, 54)),  # Teams en-US
        ("15.11.2022, 09:31:18", "day-first", datetime.datetime(2022, 11, 15, 9, 31, 18)),  # Teams de/pl
        ("05.11.2022, 09:31:18", "month-first", datetime.datetime(2022, 11, 5, 9, 31, 18)),  # dots: day first always
        ("Mar 22, 2025 19:13:27", "day-first", datetime.datetime(2025, 3, 22, 19, 13, 27)),  # Zoom reports UI
        ("Mar 2, 2025 07:13:27 PM", "month-first", datetime.datetime(2025, 3, 2, 19, 13, 27)),
        ("2 March 2025 7:13 PM", "month-first", datetime.datetime(2025, 3, 2, 19, 13)),
        ("2023-01-18T10:26:30+08:00", "month-first", datetime.datetime(2023, 1, 18, 10, 26, 30)),  # Webex API
    ],
)
def test_timestamps(text, order, expected):
    assert parse_timestamp(text, order=order) == expected


@pytest.mark.parametrize("text", ["Mar 32, 2025 10:00", "Smarch 2, 2025 10:00", "Mar 2 25 10:00", "Mar, 2025"])
def test_month_names_that_are_not_dates_are_refused(text):
    with pytest.raises(TimestampError):
        parse_timestamp(text)


def test_times_of_day_and_dates_in_file_names():
    assert parse_time_of_day("10:00:12 AM") == datetime.time(10, 0, 12)
    assert parse_time_of_day(" 2:05 pm ") == datetime.time(14, 5)
    with pytest.raises(TimestampError):
        parse_time_of_day("13/2/2021 10:00")
    # Google Meet (2021 and 2020 names), Zoom's participants export, paths from a browser; nothing else.
    assert date_in_file_name("2021-10-12 14:00 Algorithms - Attendance Report.csv") == datetime.date(2021, 10, 12)
    assert date_in_file_name("2020-10-12 14-00 Algorithms.csv") == datetime.date(2020, 10, 12)
    assert date_in_file_name("participants_81234567890_2025_03_22.csv") == datetime.date(2025, 3, 22)
    assert date_in_file_name("C:\\Users\\t\\2021-10-12 Lab.xlsx") == datetime.date(2021, 10, 12)
    assert date_in_file_name("Attendance Report.csv") is None
    assert date_in_file_name("Class of 2021-10-12 notes (copy).csv") is None  # not at either end
    assert date_in_file_name("2021-02-30 x.csv") is None


def test_timestamp_errors():
    with pytest.raises(TimestampError):
        parse_timestamp("13/2/2021", order="day-first")  # no time
    with pytest.raises(TimestampError, match="month-first"):
        parse_timestamp("2/13/2021 9:00", order="day-first")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1h 27m 51s", 5271), ("45s", 45), ("27m", 1620), ("1:02:03", 3723),
        # Teams: 1h 2m 3s = 3600 + 120 + 3; 55m = 3300; 10m 28s = 628; German 10 Min. 5 Sek. = 605.
        ("1h 2m 3s", 3723), ("55m", 3300), ("10m 28s", 628), ("10 Min. 5 Sek.", 605), ("1 Std. 2 Min.", 3720),
        # Google Meet: 1 hr 2 min = 3720; 45 min = 2700; 30 sec = 30; the newer 42m, 1:00:00, 95 min.
        ("1 hr 2 min", 3720), ("45 min", 2700), ("30 sec", 30), ("42m", 2520), ("1:00:00", 3600), ("95 min", 5700),
        ("2 hrs 1 min 5 secs", 7265), ("2 godz. 3 min 4 sek.", 7384),
    ],
)  # fmt: skip
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["1 hr 2 hr", "min 5", "5 lightyears", "1.5 hr", "1 hr 2", "1" * 12 + " min", ""])
def test_durations_that_are_not_durations_are_refused(text):
    with pytest.raises(TimestampError):
        parse_duration(text)


@pytest.mark.parametrize(
    "bad_row, message",
    [
        (["", "Joined", "13/2/2021, 9:35:35 AM"], "Row 3 has no Full Name."),
        (["", "Wandered off", "13/2/2021, 9:35:35 AM"], "Row 3 has no Full Name."),
        (["Asha", "Wandered off", "13/2/2021, 9:35:35 AM"], "Row 3 has the User Action 'Wandered off'"),
        (["Asha", "Joined", "half past nine"], "Row 3: the Timestamp 'half past nine'"),
    ],
)
def test_a_bad_legacy_log_row_is_named(bad_row, message):
    rows = reports.fixture_rows()
    data = reports.comma_csv([rows[0], rows[1], bad_row, *rows[2:]])
    with pytest.raises(ReportError) as refused:
        parse_report(data)
    assert message in str(refused.value) and refused.value.row == 3


def test_legacy_actions_are_read_whatever_their_case_and_spacing():
    rows = reports.fixture_rows()
    shouted = [rows[0]] + [[name, f"  {action.upper()}  ", stamp] for name, action, stamp in rows[1:]]
    shouted = [[name, action.replace("JOINED BEFORE", "JOINED   BEFORE"), stamp] for name, action, stamp in shouted]
    assert seconds_by_participant(parse_report(reports.comma_csv(shouted))) == FIXTURE_SECONDS


@pytest.mark.parametrize("minutes", ["nan", "inf", "-1e400", "-5", "ten"])
def test_zoom_total_duration_must_be_minutes(minutes):
    rows = [["Name (Original Name)", "User Email", "Join Time", "Leave Time", "Total Duration (Minutes)"]]
    rows.append(["Asha", "a@uni.edu", "13/02/2026 09:01:00 AM", "13/02/2026 09:58:00 AM", minutes])
    with pytest.raises(ReportError, match=f"Row 2: the duration '{minutes}' is not a number of minutes"):
        parse_report(reports.comma_csv(rows))
