"""Issue 15's reports end to end: /api_signup, /add_course with a roster, then /upload_attendance over HTTP.

Expected seconds are those worked out in test_report_formats.py; here they go through matching (several
participants of one student merged as a union), hosts, thresholds, the date rule and what is written.
"""

import io

import pytest
from rest_framework.test import APIClient

from attendance.models import Record, Session, SourceFormat
from attendance.tests import report_layouts as layouts
from attendance.tests import reports

PASSWORD = "a long enough passphrase 42"


def upload(name: str, data: bytes):
    file = io.BytesIO(data)
    file.name = name
    return file


@pytest.fixture
def teacher(db):
    """(client, token) of a teacher signed up through the API."""
    client = APIClient()
    response = client.post(
        "/api_signup", {"name": "Tessa Teacher", "email": "t.teacher@uni.edu", "password": PASSWORD, "api": "1"}
    )
    assert response.status_code == 200, response.json()
    return client, response.json()["token"]


def add_course(teacher, roster: bytes, course_id="ALG101"):
    client, token = teacher
    response = client.post(
        "/add_course",
        {"api": "1", "token": token, "course_id": course_id, "course_name": "Algorithms", "batch": "2026",
         "file": upload("students.csv", roster)},
        format="multipart",
    )  # fmt: skip
    assert response.status_code == 200, response.json()


def post_report(teacher, name: str, data: bytes, course_id="ALG101", **fields):
    client, token = teacher
    form = {"api": "1", "token": token, "course_id": course_id, "batch": "2026", **fields, "file": upload(name, data)}
    return client.post("/upload_attendance", form, format="multipart")


def recorded() -> dict[str, tuple[bool, int | None]]:
    """{roll: (present, seconds)} of every record written."""
    return {
        roll: (present, seconds)
        for roll, present, seconds in Record.objects.values_list("student__roll", "present", "seconds_attended")
    }


def test_google_meet_dated_by_its_file_name(teacher):
    add_course(teacher, layouts.roster_csv())
    data = reports.comma_csv(layouts.google_meet_2021())
    # Meet gives no roles: the teacher's own row is an unknown participant unless the upload says to ignore it.
    refused = post_report(teacher, layouts.MEET_FILE_NAME, data)
    assert refused.status_code == 400 and "'Tessa Teacher' (row 2)" in refused.json()["error"]
    response = post_report(teacher, layouts.MEET_FILE_NAME, data, unknown="ignore", threshold="2700")
    assert response.status_code == 200, response.json()
    assert response.json()["dates"] == ["2021-10-12"]
    # Stated durations: Asha 45 min = 2700 ≥ 2700, Ben 30 s, Chen 1 hr = 3600; Dana is not in the report.
    assert recorded() == {"21CS001": (True, 2700), "21CS002": (False, 30), "21CS003": (True, 3600), "21CS004": (False, 0)}
    assert Session.objects.get().source_format == SourceFormat.GOOGLE_MEET


def test_google_meet_without_a_date_in_its_name_needs_the_date_field(teacher):
    add_course(teacher, layouts.roster_csv())
    data = reports.comma_csv(layouts.google_meet_2021())
    refused = post_report(teacher, "Attendance Report.csv", data, unknown="ignore")
    assert refused.status_code == 400
    assert refused.json()["error"].startswith("Attendance Report.csv: The Google Meet attendance report gives times")
    assert "send the meeting's date as the date field (YYYY-MM-DD)" in refused.json()["error"]
    dated = post_report(teacher, "Attendance Report.csv", data, unknown="ignore", date="2026-03-02")
    assert dated.status_code == 200 and dated.json()["dates"] == ["2026-03-02"]
    # A date field that contradicts the file name's date is refused, as for any dated report.
    clash = post_report(teacher, layouts.MEET_FILE_NAME, data, unknown="ignore", date="2021-10-13")
    assert clash.status_code == 400 and "is dated 2021-10-12, not 2021-10-13" in clash.json()["error"]


@pytest.mark.parametrize("encode", [reports.comma_csv, reports.xlsx], ids=["as-downloaded", "xlsx"])
def test_zoom_new_ui_hosts_waiting_room_and_two_devices(teacher, encode):
    add_course(teacher, layouts.roster_csv())
    response = post_report(teacher, "participants_81234567890.csv", encode(layouts.zoom_new_ui()), threshold="600")
    # Tessa, the block's Host, is not on the roster: reported, not refused.
    assert response.status_code == 200, response.json()
    assert response.json()["dates"] == ["2025-03-22"]
    # Asha 2310 + 900 = 3210 (her 3 min 30 s in the waiting room left out). Ben's "iPhone (Ben Ng)" 9:10–9:50 and
    # "Ben Ng" 9:30–9:55 are both roll 21CS002: one union, 9:10–9:55 = 2700. Chen only waited: 0, absent.
    assert recorded() == {"21CS001": (True, 3210), "21CS002": (True, 2700), "21CS003": (False, 0), "21CS004": (False, 0)}


@pytest.mark.parametrize("encode", [reports.utf16_tab, reports.xlsx], ids=["as-downloaded", "xlsx"])
def test_teams_report_in_german(teacher, encode):
    roster = reports.comma_csv([["Roll Number", "Name"], ["21CS001", "Rao, Asha"], ["21CS002", "Ng, Ben"], ["21CS003", "Li, Chen"]])
    add_course(teacher, roster)
    response = post_report(teacher, "Teilnahmebericht.csv", encode(layouts.teams_german()), threshold="1800")
    # Müller, the Organisator, is not on the roster: a host, not refused.
    assert response.status_code == 200, response.json()
    assert response.json()["dates"] == ["2022-11-15"]
    # Asha 2322 + 840 = 3162 ≥ 1800; Ben 900 < 1800; Chen absent from the report.
    assert recorded() == {"21CS001": (True, 3162), "21CS002": (False, 900), "21CS003": (False, 0)}
    assert Session.objects.get().source_format == SourceFormat.TEAMS


def test_a_host_on_the_roster_is_counted(teacher):
    roster = reports.comma_csv([["Roll Number", "Name"], ["21CS001", "Rao, Asha"], ["STAFF1", "Müller, Jürgen"]])
    add_course(teacher, roster)
    response = post_report(teacher, "bericht.csv", reports.utf16_tab(layouts.teams_german()), unknown="ignore")
    assert response.status_code == 200, response.json()
    assert recorded() == {"21CS001": (True, 3162), "STAFF1": (True, 3583)}  # 09:30:17–10:30:00 = 3583


def test_webex_attendee_export(teacher):
    add_course(teacher, layouts.roster_csv())
    response = post_report(teacher, "attendees.csv", reports.utf16_tab(layouts.webex_attendees()), threshold="1740")
    assert response.status_code == 200, response.json()
    assert response.json()["dates"] == ["2023-01-18"]
    # Asha's two joins overlap: 10:26:30–10:55:00 = 1710 < 1740. Ben 10:05–10:35 = 1800 ≥ 1740. Tessa: host.
    assert recorded() == {"21CS001": (False, 1710), "21CS002": (True, 1800), "21CS003": (False, 0), "21CS004": (False, 0)}
    assert Session.objects.get().source_format == SourceFormat.WEBEX


def test_teams_live_event_falls_on_the_local_date(teacher, settings):
    settings.TIME_ZONE = "Australia/Melbourne"
    add_course(teacher, layouts.roster_csv())
    data = reports.comma_csv(layouts.teams_live_event())
    response = post_report(teacher, "AttendeeReport.csv", data, date_order="month-first", end_time="2022-01-26 05:00:00")
    assert response.status_code == 200, response.json()
    # 4:48 PM UTC on 25 January 2022 is 3:48 AM on the 26th in Melbourne; end_time is in local time too.
    assert response.json()["dates"] == ["2022-01-26"]
    assert recorded() == {"21CS001": (True, 2512), "21CS002": (True, 3936), "21CS003": (False, 0), "21CS004": (False, 0)}


@pytest.mark.parametrize(
    ("name", "build", "fields", "source_format"),
    [
        ("teams.csv", lambda: reports.utf16_tab(layouts.teams_2025_en_us()), {"date_order": "month-first"}, SourceFormat.TEAMS),
        ("teams2021.csv", lambda: reports.utf16_tab(layouts.teams_2021()), {}, SourceFormat.TEAMS_2021),
        ("webinar.csv", lambda: reports.comma_csv(layouts.zoom_webinar()), {"date_order": "month-first"}, SourceFormat.ZOOM_WEBINAR),
        (layouts.ZOOM_UNIQUE_FILE_NAME, lambda: reports.comma_csv(layouts.zoom_unique_users()), {}, SourceFormat.ZOOM),
        ("live.csv", lambda: reports.comma_csv(layouts.teams_live_event()), {"date_order": "month-first"}, SourceFormat.TEAMS_LIVE),
    ],
)  # fmt: skip
def test_every_format_is_recorded_with_its_source_format(teacher, name, build, fields, source_format):
    add_course(teacher, layouts.roster_csv())
    response = post_report(teacher, name, build(), unknown="ignore", **fields)
    assert response.status_code == 200, response.json()
    assert Session.objects.get().source_format == source_format
    assert recorded()["21CS001"][1] > 0  # Asha attended every one of them


def test_an_unknown_report_is_a_400_listing_every_format_tried(teacher):
    add_course(teacher, layouts.roster_csv())
    response = post_report(teacher, "notes.csv", b"Student,Arrived,Left\nAsha,9:00,10:00\n")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error.startswith("notes.csv: The headings (Student, Arrived, Left) are not those of any attendance report")
    for tried in ("Teams attendance list", "Google Meet attendance report", "Webex meeting attendee report",
                  "Zoom webinar attendee report", "Teams live event attendee report"):  # fmt: skip
        assert f"{tried} needs a heading row with" in error
    assert Session.objects.count() == 0
