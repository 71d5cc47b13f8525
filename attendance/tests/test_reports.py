"""Reports carry the numbers (issue 14 item 7): the added columns in CSV and XLSX, read back cell by cell, the
at-risk report, one student's report, and their constant query counts.

The course below, cutoff 75 %, planned classes counted from 2026-03-04 (2 still to come):

    roll  2026-03-02 09:00  2026-03-02 14:00  2026-03-03   attended/held/excused  percentage      needed
    1     Present           Late              Excused      2 / 3 / 1              2/2 = 100 %     (2+2) at the end: 75 % of 4 = 3, so 1
    2     Absent            Absent            Present      1 / 3 / 0              1/3 = 33.33 %   75 % of 5 = 3.75 -> 4, 3 more > 2: cannot reach
    3     Present           Present           Present      3 / 3 / 0              3/3 = 100 %     75 % of 5 -> 4, so 1
    4     (not yet enrolled)                  Absent       0 / 1 / 0              0/1 = 0 %       75 % of 3 = 2.25 -> 3 > 2: cannot reach

At risk (cannot reach, or needing more than half of the 2 remaining, i.e. 2): rolls 2 and 4. Defaulters: 2 and 4.
"""

import csv
import datetime
import io

import openpyxl
import pytest

from attendance import selectors, services
from attendance.models import Course, CourseStudent, PlannedClass, Record, Session

D, T = datetime.date, datetime.time
SESSIONS = [(D(2026, 3, 2), T(9, 0)), (D(2026, 3, 2), T(14, 0)), (D(2026, 3, 3), T(9, 0))]
MARKS = {
    "1": ["present", "late", "absent"],  # the absence is corrected to Excused below, with a remark
    "2": ["absent", "absent", "present"],
    "3": ["present", "present", "present"],
    "4": [None, None, "absent"],
}
NAMES = {"1": "Shreya", "2": "Riya", "3": "Ranesha", "4": "Ritwik"}
HEADER = [
    "Sl. No.", "Roll Number", "Name", "2026-03-02 09:00", "2026-03-02 14:00", "2026-03-03",
    "Attended", "Held", "Excused", "Percentage", "Remaining", "Needed", "Late sessions", "Excused sessions",
]
CSV_ROWS = [
    ["1", "1", "Shreya", "Present", "Present", "Absent", "2", "3", "1", "100.00", "2", "1", "2026-03-02 14:00", "2026-03-03"],
    ["2", "2", "Riya", "Absent", "Absent", "Present", "1", "3", "0", "33.33", "2", "cannot reach", "", ""],
    ["3", "3", "Ranesha", "Present", "Present", "Present", "3", "3", "0", "100.00", "2", "1", "", ""],
    ["4", "4", "Ritwik", "", "", "Absent", "0", "1", "0", "0.00", "2", "cannot reach", "", ""],
]


def build(owner, *, course_id="CS402", extra_students=0, planned=True) -> Course:
    course = Course.objects.create(owner=owner, course_id=course_id, course_name="Algorithms", batch=2021)
    sessions = Session.objects.bulk_create(
        Session(course=course, date=date, start_time=start, source_format="teams", uploaded_by=owner) for date, start in SESSIONS
    )
    rolls = {**MARKS, **{f"x{n}": ["present", "absent", "late"] for n in range(extra_students)}}
    for roll, marks in rolls.items():
        student = CourseStudent.objects.create(course=course, roll=roll, name=NAMES.get(roll, f"Extra {roll}"))
        Record.objects.bulk_create(
            Record(session=session, student=student, status=mark, present=mark in ("present", "late"),
                   seconds_attended=3000 + 61 * index, first_join=T(9, index))
            for index, (session, mark) in enumerate(zip(sessions, marks)) if mark is not None
        )
    services.correct_attendance(course=course, roll="1", date=D(2026, 3, 3), status="Excused",
                                remark="Doctor's note", changed_by=owner)
    if planned:
        plan = [*SESSIONS, (D(2026, 3, 9), T(9, 0)), (D(2026, 3, 10), T(9, 0))]
        PlannedClass.objects.bulk_create(PlannedClass(course=course, date=day, start_time=start) for day, start in plan)
    return course


def download(api, **fields):
    return api.post("/download_attendance", {"down-course": "CS402-2021", "as_of": "2026-03-04", **fields}, format="multipart")


def read_csv(response):
    assert response.status_code == 200, response.json()
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def read_xlsx(response):
    assert response.status_code == 200, response.json()
    return openpyxl.load_workbook(io.BytesIO(response.content)).active


def trimmed(row) -> list:
    """A sheet row without the empty cells openpyxl pads it with to the sheet's width."""
    row = list(row)
    while row and row[-1] is None:
        row.pop()
    return row


def test_the_complete_csv_report_keeps_the_seeds_columns_then_adds_the_figures(api, owner):
    build(owner)
    response = download(api, report_type="1", report_format="0")
    assert response["Content-Disposition"] == "attachment; filename=CS402_2021_asOf_2026-03-03.csv"
    assert read_csv(response) == [HEADER, *CSV_ROWS]


def test_the_complete_xlsx_report_cell_by_cell(api, owner):
    build(owner)
    sheet = read_xlsx(download(api, report_type="1", report_format="1"))
    # The heading row and Sl. No., Roll Number, Name stay in view.
    assert sheet.freeze_panes == "D2"
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADER
    assert rows[1:] == [
        [1, "1", "Shreya", "Present", "Present", "Absent", 2, 3, 1, 100, 2, 1, "2026-03-02 14:00", "2026-03-03"],
        [2, "2", "Riya", "Absent", "Absent", "Present", 1, 3, 0, 33.33, 2, "cannot reach", None, None],
        [3, "3", "Ranesha", "Present", "Present", "Present", 3, 3, 0, 100, 2, 1, None, None],
        [4, "4", "Ritwik", None, None, "Absent", 0, 1, 0, 0, 2, "cannot reach", None, None],
    ]
    percentage = HEADER.index("Percentage") + 1
    for row in range(2, 6):
        # The number the CSV shows, formatted as a percentage; rolls and names are text cells.
        assert sheet.cell(row, percentage).number_format == '0.00"%"'
        assert sheet.cell(row, percentage).data_type == "n"
        assert sheet.cell(row, 2).data_type == "s"
    assert sheet.cell(2, percentage - 1).number_format == "General"  # only the percentage is formatted


def test_the_defaulter_and_at_risk_reports(api, owner):
    build(owner)
    defaulters = download(api, report_type="0", report_format="0")
    assert defaulters["Content-Disposition"] == 'attachment; filename="CS402_2021_asOf_2026-03-03(Defaulter).csv"'
    # Defaulters: 33.33 % and 0 %; renumbered. The note columns go with nobody listed having a note.
    assert read_csv(defaulters) == [HEADER[:-2], ["1", *CSV_ROWS[1][1:-2]], ["2", *CSV_ROWS[3][1:-2]]]
    at_risk = download(api, report_type="2", report_format="0")
    assert at_risk["Content-Disposition"] == 'attachment; filename="CS402_2021_asOf_2026-03-03(AtRisk).csv"'
    assert [row[1] for row in read_csv(at_risk)[1:]] == ["2", "4"]
    # Seen from 2026-03-10 only the class of that day remains: roll 1 (2 of 2 counted, 75 % of 3 = 2.25 ->
    # 3, so 1 of 1) and roll 3 (3 of 3 + 1: 75 % of 4 = 3, needs 0) -> roll 1 is at risk too.
    later = read_csv(download(api, report_type="2", report_format="0", as_of="2026-03-10"))
    assert [(row[1], row[HEADER.index("Remaining")], row[HEADER.index("Needed")]) for row in later[1:]] == [
        ("1", "1", "1"), ("2", "1", "cannot reach"), ("4", "1", "cannot reach")
    ]
    assert read_xlsx(download(api, report_type="at_risk", report_format="1")).freeze_panes == "D2"


def test_without_planned_classes_there_is_no_projection_and_no_at_risk_report(api, owner):
    course = build(owner, planned=False)
    rows = read_csv(download(api, report_type="1", report_format="0"))
    assert rows[0] == [*HEADER[:10], "Late sessions", "Excused sessions"]
    refused = download(api, report_type="2", report_format="0")
    assert refused.status_code == 400
    assert refused.json()["error"] == (
        "CS402-2021 has no planned classes, so nobody's remaining classes can be counted: plan them "
        f"(POST /api/courses/{course.pk}/planned_classes/ or .../planned_classes/generate/) first."
    )


def test_a_report_of_one_session_names_its_start_time_when_the_date_has_several(api, owner):
    build(owner)
    refused = download(api, report_type="1", report_format="0", date="2026-03-02")
    assert refused.status_code == 400
    assert refused.json()["error"] == "2026-03-02 has sessions at 09:00 and 14:00 in CS402-2021; send start_time (HH:MM) to say which."
    rows = read_csv(download(api, report_type="1", report_format="0", date="2026-03-02", start_time="14:00"))
    # One session column; the figures are still the student's whole standing.
    assert rows[0] == ["Sl. No.", "Roll Number", "Name", "2026-03-02 14:00", *HEADER[6:12], "Late sessions"]
    assert rows[1] == ["1", "1", "Shreya", "Present", *CSV_ROWS[0][6:12], "2026-03-02 14:00"]
    single = read_csv(download(api, report_type="1", report_format="0", date="2026-03-03"))
    assert single[0][3] == "2026-03-03" and len(single) == 5


def test_one_students_report(api, owner):
    build(owner)
    response = download(api, report_type="3", roll="1", report_format="0")
    assert response["Content-Disposition"] == "attachment; filename=CS402_2021_1_asOf_2026-03-03.csv"
    # 3000 s = 50 min, 3061 s = 51 min, 3122 s = 52 min (rounded down); first joins 09:00, 09:01, 09:02.
    assert read_csv(response) == [
        ["Roll Number", "1"],
        ["Name", "Shreya"],
        ["Attended", "2"], ["Held", "3"], ["Excused", "1"], ["Percentage", "100.00"], ["Remaining", "2"], ["Needed", "1"],
        [],
        ["Session", "Date", "Start Time", "Status", "Minutes", "First Join", "Flagged", "Still Connected", "Corrected", "Remark"],
        ["2026-03-02 09:00", "2026-03-02", "09:00", "Present", "50", "09:00:00", "", "", "", ""],
        ["2026-03-02 14:00", "2026-03-02", "14:00", "Late", "51", "09:01:00", "", "", "", ""],
        ["2026-03-03", "2026-03-03", "09:00", "Excused", "52", "09:02:00", "", "", "yes", "Doctor's note"],
    ]
    sheet = read_xlsx(download(api, report_type="3", roll="4", report_format="1"))
    rows = [trimmed(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[:8] == [["Roll Number", "4"], ["Name", "Ritwik"], ["Attended", 0], ["Held", 1], ["Excused", 0],
                        ["Percentage", 0], ["Remaining", 2], ["Needed", "cannot reach"]]
    assert rows[-1][:4] == ["2026-03-03", "2026-03-03", "09:00", "Absent"]  # only the session held while enrolled
    missing = download(api, report_type="3", report_format="0")
    assert missing.status_code == 400 and "roll" in missing.json()["error"]
    unknown = download(api, report_type="3", roll="99", report_format="0")
    assert unknown.status_code == 400 and unknown.json()["error"] == "Roll 99 is not enrolled in CS402-2021."


def test_one_students_attendance_as_json(api, owner):
    course = build(owner)
    response = api.get(f"/api/courses/{course.pk}/student/", {"roll": "2", "as_of": "2026-03-04"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert {key: body[key] for key in ("attended", "held", "excused", "percentage", "fraction", "remaining", "needed",
                                       "cannot_reach", "at_risk", "defaulter")} == {
        "attended": 1, "held": 3, "excused": 0, "percentage": "33.33", "fraction": "1/3", "remaining": 2,
        "needed": None, "cannot_reach": True, "at_risk": True, "defaulter": True,
    }
    assert [(s["session"], s["status"], s["minutes"]) for s in body["sessions"]] == [
        ("2026-03-02 09:00", "Absent", 50), ("2026-03-02 14:00", "Absent", 51), ("2026-03-03", "Present", 52)
    ]
    assert api.get(f"/api/courses/{course.pk}/student/", {"roll": "99"}).status_code == 400


@pytest.mark.parametrize("report_type", ["5", "x"])  # "4" is the Moodle file (test_moodle_export)
def test_an_unknown_report_type_is_a_400(api, owner, report_type):
    build(owner)
    response = download(api, report_type=report_type, report_format="0")
    assert response.status_code == 400 and "report_type must be" in response.json()["error"]


# --- query counts: constant in the number of students ----------------------------------------------------------


@pytest.mark.parametrize("extra", [0, 60])
def test_reports_cost_the_same_queries_for_any_number_of_students(owner, extra, django_assert_max_num_queries):
    course = build(owner, extra_students=extra)
    # Sessions, students, records, the plan's planned classes and recorded sessions by date.
    for kind in (selectors.COMPLETE, selectors.DEFAULTERS, selectors.AT_RISK):
        with django_assert_max_num_queries(5):
            report = selectors.attendance_report(course=course, kind=kind, as_of=D(2026, 3, 4))
    assert len(selectors.attendance_report(course=course).rows) == 4 + extra
    # One more to find the session of a one-session report.
    with django_assert_max_num_queries(6):
        report = selectors.attendance_report(course=course, date=D(2026, 3, 2), start_time=T(9, 0), as_of=D(2026, 3, 4))
    assert len(report.sessions) == 1
    # The student, sessions, their records, the corrections' remarks, and the plan's two.
    with django_assert_max_num_queries(6):
        selectors.student_attendance(course=course, roll="1", as_of=D(2026, 3, 4)).table()


@pytest.mark.parametrize("extra", [0, 60])
def test_course_objects_and_summaries_cost_the_same_for_any_number_of_students(owner, extra, django_assert_max_num_queries):
    build(owner, extra_students=extra)
    with django_assert_max_num_queries(4):
        [course_object] = selectors.courses_as_objects(owner=owner)
    assert course_object["dates"] == ["2026-03-02 09:00", "2026-03-02 14:00", "2026-03-03"]
    assert course_object["students"]["1"] == {"2026-03-02 09:00": True, "2026-03-02 14:00": True, "2026-03-03": False}
    assert course_object["statuses"]["1"] == {"2026-03-02 14:00": "Late", "2026-03-03": "Excused"}
    with django_assert_max_num_queries(2):
        [summary] = selectors.course_summaries(owner=owner)
    # Rolls 1-4: 6 Present/Late marks of 10 recorded, 1 Excused: 6/9 = 66.7 %; defaulters 2 and 4.
    if not extra:
        assert (summary.present, summary.recorded, summary.excused, summary.average, summary.defaulters) == (6, 10, 1, 66.7, 2)
