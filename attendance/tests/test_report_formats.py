"""Every layout of issue 15, in every encoding its exporter or Excel writes, read to the seconds worked out by hand.

The fixtures come from attendance/tests/report_layouts.py (each names the public source of its layout). Seconds
are what an upload counts: a participant's stated duration plus the union of their connected time. Each format
adds its layouts to LAYOUTS and its refused rows to BAD_ROWS in its own part of this file; the tests at the end
run every layout through reading and detection.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pytest

from attendance.formats import (
    FORMAT_NAMES,
    GOOGLE_MEET,
    MONTH_FIRST,
    TEAMS,
    TEAMS_2021,
    TEAMS_LIVE,
    WEBEX,
    ZOOM,
    ZOOM_WEBINAR,
    ReportError,
    detect_format,
    parse_report,
)
from attendance.formats.detection import FORMATS, formats_of
from attendance.formats.sections import SectionedText
from attendance.presence import connected_seconds, last_event
from attendance.tests import report_layouts as layouts
from attendance.tests import reports
from spreadsheets import XLSX_KIND, decode_text, detect_kind, xlsx_text

ENCODERS: dict[str, Callable[[list], bytes]] = {
    "utf16-tab": reports.utf16_tab,  # Teams' and Webex's own download
    "comma-csv": reports.comma_csv,  # Zoom's, Meet's and a Teams live event's download
    "excel-csv-utf8": reports.excel_csv_utf8,  # Excel: CSV UTF-8 (Comma delimited)
    "excel-csv-cp1252": reports.excel_csv_cp1252,  # Excel: CSV (Comma delimited)
    "excel-csv-semicolon": lambda rows: reports.excel_csv_cp1252(rows, delimiter=";"),  # a German Excel's CSV
    "xlsx": reports.xlsx,  # Excel: Workbook, timestamps kept as text
}


@dataclass(frozen=True)
class Layout:
    format: str
    rows: Callable[[], list[list[str]]]
    encodings: tuple[str, ...]
    date: datetime.date
    seconds: dict[str, int]  # by participant key, worked out by hand where the layout is listed
    hosts: tuple[str, ...] = ()
    options: dict = field(default_factory=dict)  # parse_report's keyword arguments, as an upload sends them
    excel_dates: tuple[str, ...] = ()  # strptime patterns: Excel turns such texts into date cells on opening

    def encoded(self, encoding: str) -> bytes:
        if encoding == "xlsx-date-cells":
            return reports.xlsx(reports.excel_dates_as(self.rows(), *self.excel_dates))
        return ENCODERS[encoding](self.rows())


LAYOUTS: dict[str, Layout] = {}
BAD_ROWS: list = []  # pytest.param(rows, parse_report options, message, id=...)


def seconds_of(report) -> dict[str, int]:
    """Each participant's seconds as an upload counts them: a stated duration plus the union of connections."""
    file_end = last_event(report.participants.values())
    return {
        key: (participant.reported_seconds or 0)
        + connected_seconds(participant.connections, end_time=None, file_end=file_end, who=key)
        for key, participant in report.participants.items()
    }


# --- Teams: the current report in its variants ---------------------------------------------------------------

TEAMS_ENCODINGS = ("utf16-tab", "excel-csv-utf8", "excel-csv-cp1252", "excel-csv-semicolon", "xlsx", "xlsx-date-cells")
LAYOUTS.update({
    # Goliath 09:30:17–09:41:46 = 11 min 29 s = 689. Asha 09:31:18–09:41:46 = 10 min 28 s = 628.
    # Ben 09:32:00–09:35:00 and 09:34:00–09:36:30 overlap: 09:32:00–09:36:30 = 270, + 09:38–09:40 = 120 → 390.
    "teams-en-gb": Layout(
        TEAMS, layouts.teams_2022_en_gb, TEAMS_ENCODINGS, datetime.date(2022, 11, 15),
        {"Goliath, David": 689, "Rao, Asha": 628, "Ng, Ben": 390}, hosts=("Goliath, David",),
        excel_dates=("%d/%m/%y, %H:%M:%S",),
    ),
    # No activities: the In-meeting durations, 11m 29s = 689, 10m 28s = 628, 6m 30s = 390.
    "teams-en-gb-participants-only": Layout(
        TEAMS, lambda: layouts.teams_2022_en_gb(activities=False), TEAMS_ENCODINGS, datetime.date(2022, 11, 15),
        {"Goliath, David": 689, "Rao, Asha": 628, "Ng, Ben": 390}, hosts=("Goliath, David",),
        excel_dates=("%d/%m/%y, %H:%M:%S",),
    ),
    # Month first. Tessa 3:58:02–5:00:10 PM = 1 h 2 min 8 s = 3728. Asha 4:16:54–4:30:00 = 13 min 6 s = 786,
    # + 4:31:00–4:59:54 = 28 min 54 s = 1734 → 2520. Chen 4:01–4:56 = 55 min = 3300. Section 4 is not read.
    "teams-en-us": Layout(
        TEAMS, layouts.teams_2025_en_us, TEAMS_ENCODINGS, datetime.date(2025, 11, 26),
        {"Tessa Teacher": 3728, "Asha Rao": 2520, "Chen Li (External)": 3300}, hosts=("Tessa Teacher",),
        options={"date_order": MONTH_FIRST}, excel_dates=("%m/%d/%y, %I:%M:%S %p",),
    ),
    # Dotted dates, day first. Müller 09:30:17–10:30:00 = 59 min 43 s = 3583. Asha 09:31:18–10:10:00 = 38 min 42 s
    # = 2322, + 10:15–10:29 = 840 → 3162. Ben 09:45–10:00 = 900.
    "teams-german": Layout(
        TEAMS, layouts.teams_german, TEAMS_ENCODINGS, datetime.date(2022, 11, 15),
        {"Müller, Jürgen": 3583, "Rao, Asha": 3162, "Ng, Ben": 900}, hosts=("Müller, Jürgen",),
        excel_dates=("%d.%m.%Y, %H:%M:%S",),
    ),
    # Read by position: durations 59 Min. 43 Sek. = 3583, 52 Min. 42 Sek. = 3162, 15 Min. = 900.
    "teams-unknown-language": Layout(
        TEAMS, layouts.teams_unknown_language, TEAMS_ENCODINGS, datetime.date(2022, 11, 15),
        {"Müller, Jürgen": 3583, "Rao, Asha": 3162, "Ng, Ben": 900}, hosts=("Müller, Jürgen",),
        excel_dates=("%d.%m.%Y, %H:%M:%S",),
    ),
})  # fmt: skip
BAD_ROWS += [
    pytest.param(
        layouts.teams_2025_en_us(), {},
        r"the Join Time '11/26/25, 3:58:02 PM' is not a valid date read day first; if the report writes the month "
        r"first, send date_order=month-first",
        id="teams-us-read-day-first",
    ),
]  # fmt: skip


def test_teams_reports_emails_roles_and_the_upn():
    report = parse_report(reports.utf16_tab(layouts.teams_2022_en_gb()))
    ben = report.participants["Ng, Ben"]
    assert (ben.email, ben.role, ben.is_host) == ("Ben.Ng@uni.edu", "Attendee", False)  # Email, not the UPN
    assert report.participants["Goliath, David"].role == "Organizer"
    durations_only = parse_report(reports.utf16_tab(layouts.teams_2022_en_gb(activities=False)))
    assert "bng7" in durations_only.participants["Ng, Ben"].names  # the UPN's local part may match a roll


def test_teams_overlapping_devices_count_once():
    # Ben 09:32:00–09:35:00 and 09:34:00–09:36:30, then 09:38–09:40: 270 + 120 = 390, not 180 + 150 + 120 = 450.
    assert seconds_of(parse_report(reports.utf16_tab(layouts.teams_2022_en_gb())))["Ng, Ben"] == 390


# --- Zoom: classic, new reports UI, unique users -----------------------------------------------------------------

LAYOUTS.update({
    # Month first. Tessa 9:54:15–11:00:00 = 65 min 45 s = 3945 (the block's User Email: host). Asha 10:00–10:30 =
    # 1800 + 10:35–10:55 = 1200 → 3000. Ben 10:40:00–10:45:30 = 330.
    "zoom-classic-us": Layout(
        ZOOM, layouts.zoom_classic_us, ("comma-csv", "excel-csv-utf8", "xlsx"), datetime.date(2021, 11, 19),
        {"Tessa Teacher": 3945, "015_Asha (Asha Rao)": 3000, "Ben Ng": 330}, hosts=("Tessa Teacher",),
        options={"date_order": MONTH_FIRST},
    ),
    "zoom-classic-24h": Layout(
        ZOOM, layouts.zoom_classic_24h, ("comma-csv", "excel-csv-cp1252", "xlsx"), datetime.date(2021, 11, 19),
        {"Tessa Teacher": 3945, "015_Asha (Asha Rao)": 3000, "Ben Ng": 330}, hosts=("Tessa Teacher",),
    ),
    # Tessa 8:55:02–10:01:00 = 65 min 58 s = 3958 (the block's Host). Asha waits 8:58:00–9:01:30 (not counted),
    # then 9:01:30–9:40:00 = 38 min 30 s = 2310, + 9:45–10:00 = 900 → 3210. Ben's iPhone 9:10–9:50 = 2400 and his
    # laptop 9:30–9:55 = 1500 (two names: merged per roll, or per key with match_by=email). Chen only waited: 0.
    "zoom-new-ui": Layout(
        ZOOM, layouts.zoom_new_ui, ("comma-csv", "excel-csv-utf8", "excel-csv-cp1252", "xlsx"), datetime.date(2025, 3, 22),
        {"Tessa Teacher": 3958, "Asha Rao": 3210, "iPhone (Ben Ng)": 2400, "Ben Ng": 1500, "Chen Li": 0},
        hosts=("Tessa Teacher",),
    ),
    # Totals: 54 min = 3240, 45 min = 2700; the date from the file name.
    "zoom-unique-users": Layout(
        ZOOM, layouts.zoom_unique_users, ("comma-csv", "excel-csv-utf8", "xlsx"), datetime.date(2025, 3, 22),
        {"Asha Rao": 3240, "iPhone (Ben Ng)": 2700}, options={"file_name": layouts.ZOOM_UNIQUE_FILE_NAME},
    ),
})  # fmt: skip
BAD_ROWS += [
    pytest.param(
        [*layouts.zoom_new_ui()[:5], ["Asha Rao", "a@uni.edu", "Mar 22, 2025 09:00", "Mar 23, 2025 09:10", "10", "No", "", "No"]],
        {}, r"Row 6 is dated 2025-03-23 but earlier rows are dated 2025-03-22", id="zoom-two-dates",
    ),
]  # fmt: skip


def test_zoom_reports_emails_original_names_and_the_host():
    report = parse_report(reports.comma_csv(layouts.zoom_new_ui()))
    assert report.participants["iPhone (Ben Ng)"].names[:3] == ["iPhone (Ben Ng)", "iPhone", "Ben Ng"]
    assert (report.participants["Tessa Teacher"].role, report.participants["Asha Rao"].email) == ("Host", "asha.rao@uni.edu")


def test_zoom_rejoins_are_summed_and_two_devices_count_once():
    # By email, Ben's iPhone 9:10–9:50 and laptop 9:30–9:55 are one person: 9:10–9:55 = 45 min = 2700, not
    # 2400 + 1500 = 3900. Asha's two visits, 38 min 30 s + 15 min = 3210, are summed.
    by_email = parse_report(reports.comma_csv(layouts.zoom_new_ui()), identity="email")
    assert seconds_of(by_email) == {"t.teacher": 3958, "asha.rao": 3210, "ben.ng": 2700, "chen.li": 0}


def test_zoom_waiting_room_time_is_not_attended():
    report = parse_report(reports.comma_csv(layouts.zoom_new_ui()))
    asha, chen = report.participants["Asha Rao"], report.participants["Chen Li"]
    # Asha's waiting row 8:58:00–9:01:30 gives no connection: her first join is 9:01:30.
    assert min(event.at for event in asha.connections) == datetime.datetime(2025, 3, 22, 9, 1, 30)
    assert chen.connections == [] and chen.first_row == 11  # listed (so matched and recorded absent), never connected


def test_a_zoom_unique_users_export_without_a_date_anywhere_is_refused():
    with pytest.raises(ReportError, match="Zoom unique-users report gives times without a date"):
        parse_report(reports.comma_csv(layouts.zoom_unique_users()), file_name="participants.csv")


# --- Teams: the 2021 layout and live events ----------------------------------------------------------------------

LAYOUTS.update({
    # 12/10/2021 day first = 12 October. Neeti 7:37:51–8:07:14 PM = 29 min 23 s = 1763. Asha 7:40–7:50 = 600,
    # + 7:52:30–8:07:14 = 14 min 44 s = 884 → 1484. Ben 7:45–8:00 = 900.
    "teams-2021": Layout(
        TEAMS_2021, layouts.teams_2021, ("utf16-tab", "excel-csv-utf8", "xlsx", "xlsx-date-cells"),
        datetime.date(2021, 10, 12), {"Neeti Sharma": 1763, "Asha Rao": 1484, "Ben Ng": 900}, hosts=("Neeti Sharma",),
        excel_dates=("%d/%m/%Y, %I:%M:%S %p",),
    ),
    # UTC, month first. Asha: session 1 from its first Joined 4:48:08 (the repeat at 4:48:30 is not a new join) to
    # 5:25:54, session 3 5:00:00–5:30:00 → 4:48:08–5:30:00 = 41 min 52 s = 2512. Ben 4:51:13–5:56:49 = 1 h 5 min
    # 36 s = 3936 (renefb's README: 65.6 min). Tessa, Producer, 4:40–6:00 = 4800. The anonymous viewer is left out.
    "teams-live": Layout(
        TEAMS_LIVE, layouts.teams_live_event, ("comma-csv", "excel-csv-cp1252", "xlsx"), datetime.date(2022, 1, 25),
        {"Asha Rao": 2512, "Ben Ng": 3936, "Tessa Teacher": 4800}, hosts=("Tessa Teacher",),
        options={"date_order": MONTH_FIRST},
    ),
    "teams-live-run-together": Layout(
        TEAMS_LIVE, lambda: layouts.teams_live_event(run_together=True), ("comma-csv",), datetime.date(2022, 1, 25),
        {"Asha Rao": 2512, "Ben Ng": 3936, "Tessa Teacher": 4800}, hosts=("Tessa Teacher",),
        options={"date_order": MONTH_FIRST},
    ),
})  # fmt: skip
BAD_ROWS += [
    pytest.param(
        [*layouts.teams_live_event()[:2], ["s9", "b@uni.edu", "Ben", "x", "1/25/2022 4:49:00 PM", "Waved", "Attendee"]],
        {"date_order": MONTH_FIRST}, r"Row 3 has the Action 'Waved'; expected Joined or Left", id="live-action",
    ),
    pytest.param(
        [*layouts.teams_2021()[:7], ["Asha Rao", "12/10/2021, 7:50:00 PM", "12/10/2021, 7:40:00 PM", "", "", "", ""]],
        {}, r"Row 8: Asha Rao leaves at 19:40:00, before joining at 19:50:00", id="teams-2021-leaves-first",
    ),
]  # fmt: skip


def test_a_live_event_is_shown_in_the_products_time_zone():
    # 4:48:08 PM UTC on 25 January is 3:48:08 AM on the 26th in Melbourne (UTC+11 in summer); durations unchanged.
    data = reports.comma_csv(layouts.teams_live_event())
    report = parse_report(data, date_order=MONTH_FIRST, time_zone=ZoneInfo("Australia/Melbourne"))
    assert report.date == datetime.date(2022, 1, 26)
    assert min(report.participants["Asha Rao"].connections).at == datetime.datetime(2022, 1, 26, 3, 48, 8)
    assert seconds_of(report) == LAYOUTS["teams-live"].seconds


def test_a_live_event_session_without_its_leave_stays_open():
    rows = [row for row in layouts.teams_live_event() if not (row[0] == "39f73ed2-0002" and row[5] == "Left")]
    report = parse_report(reports.comma_csv(rows), date_order=MONTH_FIRST)
    # Ben joins at 4:51:13 PM and never leaves: open, counted by the upload to end_time or the file's last event.
    assert [event.change for event in report.participants["Ben Ng"].connections] == [1]


def test_a_live_event_keys_by_sign_in_address():
    report = parse_report(reports.comma_csv(layouts.teams_live_event()), date_order=MONTH_FIRST)
    assert report.participants["Ben Ng"].email == "ben.ng@uni.edu"
    # Asha's two sessions overlap: 4:48:08–5:30:00 = 2512, not 2266 + 1800 = 4066.
    assert seconds_of(report)["Asha Rao"] == 2512


# --- Zoom webinars -------------------------------------------------------------------------------------------------

LAYOUTS.update({
    # Month first. Tessa (Host) 9:55–11:00 = 3900. Pat (Panelist) 10:00–10:30 = 1800. Asha 10:02–10:30 and
    # 10:25–10:58 overlap: 10:02–10:58 = 56 min = 3360. Ben 10:10–10:40 = 1800. Chen did not attend: 0.
    "zoom-webinar": Layout(
        ZOOM_WEBINAR, layouts.zoom_webinar, ("comma-csv", "excel-csv-utf8", "xlsx"), datetime.date(2026, 4, 26),
        {"Tessa Teacher": 3900, "Pat Panel": 1800, "Asha Rao": 3360, "iPhone (Ben Ng)": 1800, "Chen Li": 0},
        hosts=("Tessa Teacher", "Pat Panel"), options={"date_order": MONTH_FIRST},
    ),
})  # fmt: skip
BAD_ROWS += [
    pytest.param(
        [row if row[:1] != ["No"] else ["Yes", *row[1:]] for row in layouts.zoom_webinar()],
        {"date_order": MONTH_FIRST}, r"Row 16: Chen Li attended but has no Join Time", id="webinar-attended-untimed",
    ),
]  # fmt: skip


def test_a_webinar_counts_overlapping_visits_once():
    # Asha 10:02–10:30 and 10:25–10:58: 10:02–10:58 = 3360, not 1680 + 1980 = 3660.
    webinar = parse_report(reports.comma_csv(layouts.zoom_webinar()), date_order=MONTH_FIRST)
    assert seconds_of(webinar)["Asha Rao"] == 3360
    assert [(p.key, p.role) for p in webinar.hosts] == [("Tessa Teacher", "Host"), ("Pat Panel", "Panelist")]


# --- Google Meet -----------------------------------------------------------------------------------------------------

LAYOUTS.update({
    # Stated durations: 1 hr 2 min = 3720, 45 min = 2700, 30 sec = 30, 1 hr = 3600; the date from the file name.
    "meet-2021": Layout(
        GOOGLE_MEET, layouts.google_meet_2021, ("comma-csv", "excel-csv-cp1252", "xlsx"), datetime.date(2021, 10, 12),
        {"Tessa Teacher": 3720, "Asha Rao": 2700, "Ben Ng": 30, "Chen Li": 3600},
        options={"file_name": layouts.MEET_FILE_NAME},
    ),
    # 42m = 2520, 1:00:00 = 3600, 95 min = 5700; the full timestamps date it.
    "meet-name-column": Layout(
        GOOGLE_MEET, layouts.google_meet_name_column, ("comma-csv", "excel-csv-utf8", "xlsx"), datetime.date(2026, 5, 25),
        {"Asha Rao": 2520, "Ben Ng": 3600, "Dana Evans": 5700},
    ),
})  # fmt: skip
BAD_ROWS += [
    pytest.param(
        [*layouts.google_meet_2021()[:2], ["Asha", "Rao", "a@uni.edu", "a while", "2:01:02 PM", "2:59:00 PM"]],
        {"file_name": layouts.MEET_FILE_NAME}, r"Row 3: the Duration 'a while' is not a duration", id="meet-duration",
    ),
    pytest.param(
        [*layouts.google_meet_2021()[:2], ["Asha", "Rao", "a@uni.edu", "45 min", "after lunch", "2:59:00 PM"]],
        {"file_name": layouts.MEET_FILE_NAME}, r"Row 3: the Time joined 'after lunch' is not a date and time",
        id="meet-time",
    ),
]  # fmt: skip


def test_a_meet_report_is_dated_by_its_file_name_else_the_date_field_else_refused():
    data = reports.comma_csv(layouts.google_meet_2021())
    assert parse_report(data, file_name=layouts.MEET_FILE_NAME).date == datetime.date(2021, 10, 12)
    assert parse_report(data, file_name="2020-10-12 14-00 Algorithms.csv").date == datetime.date(2020, 10, 12)
    assert parse_report(data, file_name="report.csv", date=datetime.date(2026, 3, 2)).date == datetime.date(2026, 3, 2)
    with pytest.raises(ReportError, match=r"without a date and its file name \('report.csv'\) does not start or end"):
        parse_report(data, file_name="report.csv")
    with pytest.raises(ReportError, match="send the meeting's date as the date field"):
        parse_report(data)


def test_a_meet_participant_is_named_and_addressed():
    report = parse_report(reports.comma_csv(layouts.google_meet_2021()), file_name=layouts.MEET_FILE_NAME)
    asha = report.participants["Asha Rao"]
    assert (asha.email, asha.reported_seconds, asha.connections, report.hosts) == ("asha.rao@uni.edu", 2700, [], [])


# --- Webex (built from the documented fields: no real export was found) ------------------------------------------

LAYOUTS.update({
    # Tessa (host) 10:00–11:00 = 3600. Asha 10:26:30–10:46:30 and 10:40–10:55 overlap: 10:26:30–10:55 = 28 min
    # 30 s = 1710. Ben 10:05–10:35 = 1800. The +08:00 offset is dropped: times as written.
    "webex": Layout(
        WEBEX, layouts.webex_attendees, ("utf16-tab", "excel-csv-utf8", "xlsx"), datetime.date(2023, 1, 18),
        {"Tessa Teacher": 3600, "Asha Rao": 1710, "Ben Ng": 1800}, hosts=("Tessa Teacher",),
    ),
})  # fmt: skip
BAD_ROWS += [
    pytest.param(
        [*layouts.webex_attendees()[:2], ["A", "Asha", "a@uni.edu", "2023-01-18T11:00:00", "2023-01-18T10:00:00", "0", "attendee"]],
        {}, r"Row 3: Asha leaves at 10:00:00, before joining at 11:00:00", id="webex-leaves-first",
    ),
]  # fmt: skip


def test_webex_reports_email_and_participant_type():
    report = parse_report(reports.utf16_tab(layouts.webex_attendees()))
    assert [(p.key, p.email, p.role) for p in report.participants.values()][:2] == [
        ("Tessa Teacher", "t.teacher@uni.edu", "host"),
        ("Asha Rao", "asha.rao@uni.edu", "attendee"),
    ]
    # Asha's joins 10:26:30–10:46:30 and 10:40–10:55 overlap: 1710, not 1200 + 900 = 2100.
    assert seconds_of(report)["Asha Rao"] == 1710


def test_a_one_table_report_under_a_preamble_is_read_from_its_heading_row():
    rows = [["Attendance exported for Algorithms"], [], *layouts.webex_attendees()]
    report = parse_report(reports.comma_csv(rows))
    assert report.format == WEBEX and seconds_of(report) == LAYOUTS["webex"].seconds
    assert report.participants["Asha Rao"].first_row == 5  # rows as the teacher sees them in Excel


# --- Every layout above, through reading and detection -----------------------------------------------------------


def cases():
    return [
        pytest.param(name, encoding, id=f"{name}-{encoding}")
        for name, layout in LAYOUTS.items()
        for encoding in layout.encodings
    ]


@pytest.mark.parametrize(("name", "encoding"), cases())
def test_each_layout_in_each_encoding_gives_the_seconds_worked_out_by_hand(name, encoding):
    layout = LAYOUTS[name]
    report = parse_report(layout.encoded(encoding), **layout.options)
    assert report.format == layout.format
    assert report.date == layout.date
    assert seconds_of(report) == layout.seconds
    assert tuple(participant.key for participant in report.hosts) == layout.hosts


@pytest.mark.parametrize(("name", "encoding"), cases())
def test_every_fixture_is_detected_as_its_own_format_and_no_row_fits_two(name, encoding):
    data = LAYOUTS[name].encoded(encoding)
    assert detect_format(data) == LAYOUTS[name].format
    workbook = detect_kind(data) == XLSX_KIND
    text = SectionedText(xlsx_text(data), delimiter="\t") if workbook else SectionedText(decode_text(data))
    for headers in text.headers:
        assert len(formats_of(set(headers))) <= 1, headers


@pytest.mark.parametrize(("rows", "options", "message"), BAD_ROWS)
def test_bad_rows_are_named(rows, options, message):
    with pytest.raises(ReportError, match=message):
        parse_report(reports.comma_csv(rows), **options)


def test_an_unknown_file_is_refused_naming_every_format_tried_and_why():
    data = reports.comma_csv([["Student", "Arrived", "Left"], ["Asha", "9:00", "10:00"]])
    with pytest.raises(ReportError) as refused:
        parse_report(data)
    message = str(refused.value)
    assert message.startswith("The headings (Student, Arrived, Left) are not those of any attendance report")
    for name, _ in FORMATS:
        assert f"{FORMAT_NAMES[name]} needs a heading row with" in message
    assert "Teams attendance list needs a heading row with Full Name, User Action and Timestamp: no row has any" in message
    assert "and no numbered sections (1., 2.) as Teams writes them in any language" in message
    # A near miss says what the closest row lacks.
    near = reports.comma_csv([["Name (Original Name)", "Join Time", "Duration"], ["Asha", "2:00 PM", "45"]])
    with pytest.raises(ReportError, match=r"Zoom participants report needs a heading row with \(Join Time, Leave Time and "
                       r"Duration \(Minutes\)\) or \(Name \(Original Name\) and Total Duration \(Minutes\)\): the closest, "
                       r"row 1, has no Leave Time or Duration \(Minutes\)"):  # fmt: skip
        parse_report(near)
