"""Fixture reports in every layout teachers are handed in 2026, written by this generator (issue 15).

Each layout is a function returning the rows of one small meeting, with a comment naming the public source of
its layout (../shared/reference/attendance-formats-2026.md, which cites them). The rows are encoded by the
encoders of attendance.tests.reports the way each exporter, or Excel re-saving the file, writes them:
UTF-16 LE tab (Teams, Webex), comma CSV (Zoom, Meet, Teams live events), Excel "CSV UTF-8" and "CSV (Comma
delimited)" in Windows-1252 (comma, or semicolon as a German Excel writes it), and XLSX written by openpyxl
(with the timestamps as text, or as the real date cells Excel makes of them).

The same people attend throughout, so one roster serves the end-to-end tests (ROSTER); the expected seconds of
each layout are worked out by hand in attendance/tests/test_report_formats.py.
"""

from __future__ import annotations

from attendance.tests import reports

# Rolls and names as a teacher's roster has them; display names in the reports match these names.
ROSTER = [
    ("21CS001", "Asha Rao"),
    ("21CS002", "Ben Ng"),
    ("21CS003", "Chen Li"),
    ("21CS004", "Dana Evans"),
]


def roster_csv() -> bytes:
    return reports.comma_csv([["Roll Number", "Name"], *[[roll, name] for roll, name in ROSTER]])


# --- Microsoft Teams -------------------------------------------------------------------------------------------


def teams_2022_en_gb(*, activities: bool = True) -> list[list[str]]:
    """Current Teams report, 2022 build, organiser in en-GB. Layout of dvaneynde/teams-attendance
    `data/utf8/IDL-15-11-22.csv` (a real file; reference §3a): lower-case `First join`, `3. In-Meeting
    activities`, `15/11/22, 09:31:18` dates, names with commas, an Email that differs from the UPN."""
    rows = [
        ["1. Summary"],
        ["Meeting title", "Scrum Meeting"],
        ["Attended participants", "3"],
        ["Start time", "15/11/22, 09:30:17"],
        ["End time", "15/11/22, 09:41:47"],
        ["Meeting duration", "11m 31s"],
        ["Average attendance time", "9m 45s"],
        [],
        ["2. Participants"],
        ["Name", "First join", "Last leave", "In-meeting duration", "Email", "Participant ID (UPN)", "Role"],
        ["Goliath, David", "15/11/22, 09:30:17", "15/11/22, 09:41:46", "11m 29s", "dgoliath@testament.es", "dgoliath@testament.es", "Organizer"],
        ["Rao, Asha", "15/11/22, 09:31:18", "15/11/22, 09:41:46", "10m 28s", "asha.rao@uni.edu", "asha.rao@uni.edu", "Attendee"],
        ["Ng, Ben", "15/11/22, 09:32:00", "15/11/22, 09:40:00", "6m 30s", "Ben.Ng@uni.edu", "bng7@uni.edu", "Attendee"],
    ]  # fmt: skip
    if activities:
        rows += [
            [],
            ["3. In-Meeting activities"],
            ["Name", "Join time", "Leave time", "Duration", "Email", "Role"],
            ["Goliath, David", "15/11/22, 09:30:17", "15/11/22, 09:41:46", "11m 29s", "dgoliath@testament.es", "Organizer"],
            ["Rao, Asha", "15/11/22, 09:31:18", "15/11/22, 09:41:46", "10m 28s", "asha.rao@uni.edu", "Attendee"],
            ["Ng, Ben", "15/11/22, 09:32:00", "15/11/22, 09:35:00", "3m 0s", "Ben.Ng@uni.edu", "Attendee"],
            ["Ng, Ben", "15/11/22, 09:34:00", "15/11/22, 09:36:30", "2m 30s", "Ben.Ng@uni.edu", "Attendee"],
            ["Ng, Ben", "15/11/22, 09:38:00", "15/11/22, 09:40:00", "2m 0s", "Ben.Ng@uni.edu", "Attendee"],
        ]  # fmt: skip
    return rows


def teams_2025_en_us() -> list[list[str]]:
    """Current Teams report, later builds, organiser in en-US (reference §3a: `First Join/Last Leave/In-Meeting
    Duration`, `3. In-Meeting Activities`, `Join Time/Leave Time`, `11/26/25, 4:16:54 PM`). The `4. Meeting
    Engagement` section after the activities is corroborating only (one 2026 fixture; reference §3a)."""
    return [
        ["1. Summary"],
        ["Meeting title", "Algorithms lecture"],
        ["Attended participants", "3"],
        ["Start time", "11/26/25, 3:58:02 PM"],
        ["End time", "11/26/25, 5:00:10 PM"],
        ["Meeting duration", "1h 2m 8s"],
        [],
        ["2. Participants"],
        ["Name", "First Join", "Last Leave", "In-Meeting Duration", "Email", "Participant ID (UPN)", "Role"],
        ["Tessa Teacher", "11/26/25, 3:58:02 PM", "11/26/25, 5:00:10 PM", "1h 2m 8s", "t.teacher@uni.edu", "t.teacher@uni.edu", "Organizer"],
        ["Asha Rao", "11/26/25, 4:16:54 PM", "11/26/25, 4:59:54 PM", "42m", "asha.rao@uni.edu", "asha.rao@uni.edu", "Attendee"],
        ["Chen Li (External)", "11/26/25, 4:01:00 PM", "11/26/25, 4:56:00 PM", "55m", "", "", "Attendee"],
        [],
        ["3. In-Meeting Activities"],
        ["Name", "Join Time", "Leave Time", "Duration", "Email", "Role"],
        ["Tessa Teacher", "11/26/25, 3:58:02 PM", "11/26/25, 5:00:10 PM", "1h 2m 8s", "t.teacher@uni.edu", "Organizer"],
        ["Asha Rao", "11/26/25, 4:16:54 PM", "11/26/25, 4:30:00 PM", "13m 6s", "asha.rao@uni.edu", "Attendee"],
        ["Asha Rao", "11/26/25, 4:31:00 PM", "11/26/25, 4:59:54 PM", "28m 54s", "asha.rao@uni.edu", "Attendee"],
        ["Chen Li (External)", "11/26/25, 4:01:00 PM", "11/26/25, 4:56:00 PM", "55m", "", "Attendee"],
        [],
        ["4. Meeting Engagement"],
        ["Name", "Reactions", "Raised hands", "Camera on"],
        ["Asha Rao", "2", "1", "11/26/25, 4:20:00 PM"],
    ]  # fmt: skip


def teams_german() -> list[list[str]]:
    """Current Teams report, organiser in German. Section titles and headings as in the reference §3a
    (`1. Zusammenfassung`, `Besprechungstitel`, `2. Teilnehmer`, `Erster Beitritt`, ..., `Teilnehmer-ID (UPN)`,
    `3. Aktivitäten in der Besprechung`; corroborating only: a 2026 fixture). The other summary keys and the
    roles (Organisator, Teilnehmer) are our guesses: the reader keys on section numbers, positions and meaning."""
    return [
        ["1. Zusammenfassung"],
        ["Besprechungstitel", "Algorithmen"],
        ["Anwesende Teilnehmer", "3"],
        ["Startzeit", "15.11.2022, 09:30:17"],
        ["Endzeit", "15.11.2022, 10:30:00"],
        ["Besprechungsdauer", "59 Min. 43 Sek."],
        [],
        ["2. Teilnehmer"],
        ["Name", "Erster Beitritt", "Letztes Verlassen", "Dauer der Besprechung", "E-Mail", "Teilnehmer-ID (UPN)", "Rolle"],
        ["Müller, Jürgen", "15.11.2022, 09:30:17", "15.11.2022, 10:30:00", "59 Min. 43 Sek.", "j.mueller@uni.de", "j.mueller@uni.de", "Organisator"],
        ["Rao, Asha", "15.11.2022, 09:31:18", "15.11.2022, 10:29:00", "52 Min. 42 Sek.", "asha.rao@uni.edu", "asha.rao@uni.edu", "Teilnehmer"],
        ["Ng, Ben", "15.11.2022, 09:45:00", "15.11.2022, 10:00:00", "15 Min.", "ben.ng@uni.edu", "ben.ng@uni.edu", "Teilnehmer"],
        [],
        ["3. Aktivitäten in der Besprechung"],
        ["Name", "Beitreten", "Verlassen", "Dauer", "E-Mail", "Rolle"],
        ["Müller, Jürgen", "15.11.2022, 09:30:17", "15.11.2022, 10:30:00", "59 Min. 43 Sek.", "j.mueller@uni.de", "Organisator"],
        ["Rao, Asha", "15.11.2022, 09:31:18", "15.11.2022, 10:10:00", "38 Min. 42 Sek.", "asha.rao@uni.edu", "Teilnehmer"],
        ["Rao, Asha", "15.11.2022, 10:15:00", "15.11.2022, 10:29:00", "14 Min.", "asha.rao@uni.edu", "Teilnehmer"],
        ["Ng, Ben", "15.11.2022, 09:45:00", "15.11.2022, 10:00:00", "15 Min.", "ben.ng@uni.edu", "Teilnehmer"],
    ]  # fmt: skip


def teams_unknown_language() -> list[list[str]]:
    """Not a real file: the German report with headings in words no reader knows (made up), to show that
    sections are found by number and columns by position. Participants only, so durations are used."""
    rows = teams_german()[:12]
    rows[0], rows[7] = ["1. Xyzzy"], ["2. Plugh"]
    rows[8] = ["Nimi", "Liitytty", "Poistunut", "Kesto", "Posti", "Tunnus (UPN)", "Rooli"]
    return rows


def teams_2021() -> list[list[str]]:
    """The interim 2021 Teams report: `Meeting Summary` block, then `Full Name, Join Time, Leave Time, Duration,
    Email, Role, Participant ID (UPN)` (reference §3b: public parser code, repository name not resolvable).
    One row per connection; a day-first Irish tenant (student.ncirl.ie)."""
    return [
        ["Meeting Summary"],
        ["Total Number of Participants", "3"],
        ["Meeting Title", "Devops project"],
        ["Meeting Start Time", "12/10/2021, 7:37:51 PM"],
        ["Meeting End Time", "12/10/2021, 8:07:14 PM"],
        ["Meeting Id", "453adbad-3672-4bde-92d0-6be3049eb379"],
        ["Full Name", "Join Time", "Leave Time", "Duration", "Email", "Role", "Participant ID (UPN)"],
        ["Neeti Sharma", "12/10/2021, 7:37:51 PM", "12/10/2021, 8:07:14 PM", "29m 23s", "n.sharma@student.ncirl.ie", "Organiser", "n.sharma@student.ncirl.ie"],
        ["Asha Rao", "12/10/2021, 7:40:00 PM", "12/10/2021, 7:50:00 PM", "10m", "asha.rao@uni.edu", "Attendee", "asha.rao@uni.edu"],
        ["Ben Ng", "12/10/2021, 7:45:00 PM", "12/10/2021, 8:00:00 PM", "15m", "ben.ng@uni.edu", "Attendee", "ben.ng@uni.edu"],
        ["Asha Rao", "12/10/2021, 7:52:30 PM", "12/10/2021, 8:07:14 PM", "14m 44s", "asha.rao@uni.edu", "Attendee", "asha.rao@uni.edu"],
    ]  # fmt: skip


def teams_live_event(*, run_together: bool = False) -> list[list[str]]:
    """A Teams live event's `AttendeeReport.csv` (reference §3d, verified: renefb/teams-report-converter README
    and report_handler.py, oniongarlic/teams-attendance-report). UTC timestamps, month first. The README also
    shows the headings run together (`SessionId,ParticipantId,...`): ``run_together``."""
    heading = ["Session Id", "Participant Id", "Full Name", "UserAgent", "UTC Event Timestamp", "Action", "Role"]
    if run_together:
        heading = [cell.replace(" ", "") for cell in heading]
    agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)"
    return [
        heading,
        ["518ca2fd-0001", "asha.rao@uni.edu", "Asha Rao", agent, "1/25/2022 4:48:08 PM", "Joined", "Attendee"],
        ["39f73ed2-0002", "ben.ng@uni.edu", "Ben Ng", "SignalR", "1/25/2022 4:51:13 PM", "Joined", "Attendee"],
        ["518ca2fd-0001", "asha.rao@uni.edu", "Asha Rao", agent, "1/25/2022 4:48:30 PM", "Joined", "Attendee"],
        ["77aa0000-0004", "t.teacher@uni.edu", "Tessa Teacher", agent, "1/25/2022 4:40:00 PM", "Joined", "Producer"],
        ["c0ffee00-0005", "", "", agent, "1/25/2022 5:00:00 PM", "Joined", "Attendee"],
        ["a5a5a5a5-0003", "asha.rao@uni.edu", "Asha Rao", "iPhone", "1/25/2022 5:00:00 PM", "Joined", "Attendee"],
        ["518ca2fd-0001", "asha.rao@uni.edu", "Asha Rao", agent, "1/25/2022 5:25:54 PM", "Left", "Attendee"],
        ["a5a5a5a5-0003", "asha.rao@uni.edu", "Asha Rao", "iPhone", "1/25/2022 5:30:00 PM", "Left", "Attendee"],
        ["39f73ed2-0002", "ben.ng@uni.edu", "Ben Ng", "SignalR", "1/25/2022 5:56:49 PM", "Left", "Attendee"],
        ["77aa0000-0004", "t.teacher@uni.edu", "Tessa Teacher", agent, "1/25/2022 6:00:00 PM", "Left", "Producer"],
    ]  # fmt: skip


# --- Zoom --------------------------------------------------------------------------------------------------------


def zoom_classic_us() -> list[list[str]]:
    """Zoom's classic participants report with its meeting block, a US account (Lightbridge-KS/zoomclass
    `inst/extdata/participants_heroes_full.csv`, reference §4): `11/19/2021 9:54:15 AM`, month first."""
    return [
        ["Meeting ID", "Topic", "Start Time", "End Time", "User Email", "Duration (Minutes)", "Participants"],
        ["812 3456 7890", "Algorithms", "11/19/2021 9:54:15 AM", "11/19/2021 11:00:00 AM", "t.teacher@uni.edu", "66", "3"],
        [],
        ["Name (Original Name)", "User Email", "Join Time", "Leave Time", "Duration (Minutes)", "Guest", "Recording Consent"],
        ["Tessa Teacher", "t.teacher@uni.edu", "11/19/2021 9:54:15 AM", "11/19/2021 11:00:00 AM", "66", "No", "Y"],
        ["015_Asha (Asha Rao)", "asha.rao@uni.edu", "11/19/2021 10:00:00 AM", "11/19/2021 10:30:00 AM", "30", "No", "Y"],
        ["015_Asha (Asha Rao)", "asha.rao@uni.edu", "11/19/2021 10:35:00 AM", "11/19/2021 10:55:00 AM", "20", "No", "Y"],
        ["Ben Ng", "", "11/19/2021 10:40:00 AM", "11/19/2021 10:45:30 AM", "6", "Yes", ""],
    ]  # fmt: skip


def zoom_classic_24h() -> list[list[str]]:
    """The same report from a non-US account: `dd/mm/yyyy HH:MM:SS`, no AM/PM (reference §4, zoomclass notes)."""
    swapped = {
        "11/19/2021 9:54:15 AM": "19/11/2021 09:54:15", "11/19/2021 11:00:00 AM": "19/11/2021 11:00:00",
        "11/19/2021 10:00:00 AM": "19/11/2021 10:00:00", "11/19/2021 10:30:00 AM": "19/11/2021 10:30:00",
        "11/19/2021 10:35:00 AM": "19/11/2021 10:35:00", "11/19/2021 10:55:00 AM": "19/11/2021 10:55:00",
        "11/19/2021 10:40:00 AM": "19/11/2021 10:40:00", "11/19/2021 10:45:30 AM": "19/11/2021 10:45:30",
    }  # fmt: skip
    return [[swapped.get(cell, cell) for cell in row] for row in zoom_classic_us()]


def zoom_new_ui() -> list[list[str]]:
    """Zoom's reports UI of 2023 on (reference §4: "many parsers, incl. several streamlit apps"): lower-case
    headings, block `Topic,ID,Host,...` with Host = `Name (email)`, `In waiting room`, `Mar 22, 2025 19:13:27`.
    Asha waits 3 min 30 s before she is admitted; Chen waits and is never admitted; Ben has two devices."""
    return [
        ["Topic", "ID", "Host", "Duration (minutes)", "Start time", "End time", "Participants"],
        ["Algorithms", "812 3456 7890", "Tessa Teacher (t.teacher@uni.edu)", "66", "Mar 22, 2025 08:55:02", "Mar 22, 2025 10:01:00", "5"],
        [],
        ["Name (original name)", "Email", "Join time", "Leave time", "Duration (minutes)", "Guest", "Recording disclaimer response", "In waiting room"],
        ["Tessa Teacher", "t.teacher@uni.edu", "Mar 22, 2025 08:55:02", "Mar 22, 2025 10:01:00", "66", "No", "OK", "No"],
        ["Asha Rao", "asha.rao@uni.edu", "Mar 22, 2025 08:58:00", "Mar 22, 2025 09:01:30", "4", "No", "", "Yes"],
        ["Asha Rao", "asha.rao@uni.edu", "Mar 22, 2025 09:01:30", "Mar 22, 2025 09:40:00", "39", "No", "OK", "No"],
        ["Asha Rao", "asha.rao@uni.edu", "Mar 22, 2025 09:45:00", "Mar 22, 2025 10:00:00", "15", "No", "OK", "No"],
        ["iPhone (Ben Ng)", "ben.ng@uni.edu", "Mar 22, 2025 09:10:00", "Mar 22, 2025 09:50:00", "40", "No", "OK", "No"],
        ["Ben Ng", "ben.ng@uni.edu", "Mar 22, 2025 09:30:00", "Mar 22, 2025 09:55:00", "25", "No", "OK", "No"],
        ["Chen Li", "chen.li@uni.edu", "Mar 22, 2025 09:00:00", "Mar 22, 2025 09:20:00", "20", "No", "", "Yes"],
    ]  # fmt: skip


ZOOM_UNIQUE_FILE_NAME = "participants_81234567890_2025_03_22.csv"  # the export's name (reference §4, corroborating)


def zoom_unique_users() -> list[list[str]]:
    """The reports UI's "Show unique users" export: `Name (original name),Email,Total duration (minutes),Guest`,
    no times (reference §4; the classic variant's real sample is ComputerScienceHouse/conditional #314)."""
    return [
        ["Name (original name)", "Email", "Total duration (minutes)", "Guest"],
        ["Asha Rao", "asha.rao@uni.edu", "54", "No"],
        ["iPhone (Ben Ng)", "ben.ng@uni.edu", "45", "No"],
    ]


def zoom_webinar() -> list[list[str]]:
    """A Zoom webinar Attendee Report (reference §4: the code-corpus fixture of a 2025 masterclass export, and the
    parsers quoted there): webinar block, then Host, Panelist and Attendee sections; a no-show with `--` times."""
    common = ["Attended", "User Name (Original Name)", "Email", "Join Time", "Leave Time", "Time in Session (minutes)", "Is Guest", "Country/Region Name"]
    attendee = [
        "Attended", "User Name (Original Name)", "First Name", "Last Name", "Email", "Registration Time", "Approval Status",
        "Join Time", "Leave Time", "Time in Session (minutes)", "Is Guest", "Country/Region Name",
    ]
    return [
        ["Attendee Report"],
        ["Report Generated:", "04/27/2026 10:00:00 AM"],
        ["Topic", "Webinar ID", "Actual Start Time", "Actual Duration (minutes)", "# Registrants", "Unique Viewers", "Total Users", "Max Concurrent Views"],
        ["Masterclass", "812 3456 7890", "04/26/2026 10:00:00 AM", "60", "3", "2", "3", "2"],
        ["Host Details"],
        common,
        ["Yes", "Tessa Teacher", "t.teacher@uni.edu", "04/26/2026 09:55:00 AM", "04/26/2026 11:00:00 AM", "65", "No", "Australia"],
        ["Panelist Details"],
        common,
        ["Yes", "Pat Panel", "pat.panel@uni.edu", "04/26/2026 10:00:00 AM", "04/26/2026 10:30:00 AM", "30", "No", "Australia"],
        ["Attendee Details"],
        attendee,
        ["Yes", "Asha Rao", "Asha", "Rao", "asha.rao@uni.edu", "04/20/2026 08:00:00 AM", "approved", "04/26/2026 10:02:00 AM", "04/26/2026 10:30:00 AM", "28", "No", "India"],
        ["Yes", "Asha Rao", "Asha", "Rao", "asha.rao@uni.edu", "04/20/2026 08:00:00 AM", "approved", "04/26/2026 10:25:00 AM", "04/26/2026 10:58:00 AM", "33", "No", "India"],
        ["Yes", "iPhone (Ben Ng)", "Ben", "Ng", "ben.ng@uni.edu", "04/21/2026 09:00:00 AM", "approved", "04/26/2026 10:10:00 AM", "04/26/2026 10:40:00 AM", "30", "No", "Australia"],
        ["No", "Chen Li", "Chen", "Li", "chen.li@uni.edu", "04/22/2026 07:00:00 PM", "approved", "--", "--", "--", "--", "--"],
    ]  # fmt: skip


# --- Google Meet -------------------------------------------------------------------------------------------------

MEET_FILE_NAME = "2021-10-12 14:00 Algorithms - Attendance Report.csv"  # as Meet names it (reference §1a)


def google_meet_2021() -> list[list[str]]:
    """Google Meet's Workspace attendance report (reference §1a, verified: usaussie/unccause2021-apps-script-samples
    `meet_attendance.gs`): first/last name, text durations, times without a date (the date is in the file name)."""
    return [
        ["First name", "Last name", "Email", "Duration", "Time joined", "Time exited"],
        ["Tessa", "Teacher", "t.teacher@uni.edu", "1 hr 2 min", "1:58:10 PM", "3:00:40 PM"],
        ["Asha", "Rao", "asha.rao@uni.edu", "45 min", "2:01:02 PM", "2:59:00 PM"],
        ["Ben", "Ng", "ben.ng@uni.edu", "30 sec", "2:10:00 PM", "2:10:30 PM"],
        ["Chen", "Li", "chen.li@uni.edu", "1 hr", "2:00:00 PM", "3:00:00 PM"],
    ]


def google_meet_name_column() -> list[list[str]]:
    """The newer Meet layout with one `Name` column (reference §1b, corroborating only): durations `42m`,
    `1:00:00`, `95 min`, and full timestamps, which date the report themselves."""
    return [
        ["Name", "Email", "Duration", "Time joined", "Time exited"],
        ["Asha Rao", "asha.rao@uni.edu", "42m", "2026-05-25 11:01:14", "2026-05-25 11:45:00"],
        ["Ben Ng", "ben.ng@uni.edu", "1:00:00", "2026-05-25 11:00:00", "2026-05-25 12:00:00"],
        ["Dana Evans", "dana.evans@uni.edu", "95 min", "2026-05-25 10:30:00", "2026-05-25 12:05:00"],
    ]


# --- Webex -------------------------------------------------------------------------------------------------------


def webex_attendees() -> list[list[str]]:
    """Webex meeting attendees, BUILT FROM DOCUMENTATION: no real export was found (reference §2). Fields and the
    sample times are those of the Meeting Attendee Report API (api-evangelist/webex
    `webex-meetingattendeereportobject-schema.json`); Webex exports are UTF-16 LE tab-separated (help.webex.com
    nh17y2u). One row per join."""
    return [
        ["meetingTitle", "displayName", "email", "joinedTime", "leftTime", "duration", "participantType"],
        ["Algorithms", "Tessa Teacher", "t.teacher@uni.edu", "2023-01-18T10:00:00+08:00", "2023-01-18T11:00:00+08:00", "60", "host"],
        ["Algorithms", "Asha Rao", "asha.rao@uni.edu", "2023-01-18T10:26:30+08:00", "2023-01-18T10:46:30+08:00", "20", "attendee"],
        ["Algorithms", "Asha Rao", "asha.rao@uni.edu", "2023-01-18T10:40:00+08:00", "2023-01-18T10:55:00+08:00", "15", "attendee"],
        ["Algorithms", "Ben Ng", "ben.ng@uni.edu", "2023-01-18T10:05:00+08:00", "2023-01-18T10:35:00+08:00", "30", "attendee"],
    ]  # fmt: skip
