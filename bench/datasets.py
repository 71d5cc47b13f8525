"""Deterministic files for the benchmarks: the same seed gives the same bytes on every run.

Pure functions (no Django): each returns the bytes a user would upload.
"""

from __future__ import annotations

import csv
import datetime
import io
import random
import zipfile
from xml.sax.saxutils import escape

import openpyxl

FIRST_NAMES = [
    "Asha", "Ben", "Chen", "Dana", "Emeka", "Fatima", "George", "Hana", "Ivan", "Jia", "Kofi", "Lena", "Mateo",
    "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sami", "Tara", "Uma", "Viktor", "Wen", "Xavier", "Yuki", "Zara",
]
LAST_NAMES = [
    "Ahmed", "Brown", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Huang", "Ivanova", "Jones", "Kim", "Lopez",
    "Müller", "Nguyen", "Okafor", "Patel", "Quispe", "Rossi", "Smith", "Tanaka", "Usman", "Vargas", "Wang", "Young",
]


def _csv(header: list[str], rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def person(rng: random.Random, prefix: str, number: int) -> dict:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    username = f"{prefix}{number:06d}"
    return {
        "username": username,
        "first_name": first,
        "last_name": last,
        "email": f"{username}@example.edu",
        "student_id": f"{prefix.upper()}{number:08d}",
    }


USERS_HEADER = ["username", "email", "role", "first_name", "last_name", "nickname", "student_id"]


def users_csv(count: int, *, seed: int = 1) -> bytes:
    """Doubtfire's users CSV: mostly Students, one in fifty a Tutor."""
    rng = random.Random(seed)
    people = []
    for number in range(count):
        p = person(rng, "u", number)
        p["role"] = "Tutor" if number % 50 == 0 else "Student"
        people.append(p)
    return users_csv_of(people)


def users_csv_of(people: list[dict]) -> bytes:
    """The users CSV of `people`: `person()` dicts with a "role" each."""
    return _csv(
        USERS_HEADER,
        ([p["username"], p["email"], p["role"], p["first_name"], p["last_name"], p["first_name"], p["student_id"]] for p in people),
    )


def enrolment_csv(unit_code: str, count: int, *, streams: dict[str, list[str]], prefix: str, seed: int = 2) -> bytes:
    """A students CSV for a unit with tutorial streams: one tutorial column per stream abbreviation.

    `streams` maps a stream abbreviation to its tutorial abbreviations; students are spread evenly.
    """
    rng = random.Random(seed)
    people = []
    for number in range(count):
        p = person(rng, prefix, number)
        p["tutorials"] = [tutorials[number % len(tutorials)] for tutorials in streams.values()]
        people.append(p)
    return students_csv_of(unit_code, people, list(streams))


def students_csv_of(unit_code: str, people: list[dict], streams: list[str]) -> bytes:
    """The students CSV of `people` for a unit: `person()` dicts with "tutorials", one per stream of `streams`."""
    header = ["unit_code", "username", "student_id", "first_name", "last_name", "preferred_name", "email", *streams]
    return _csv(
        header,
        (
            [unit_code, p["username"], p["student_id"], p["first_name"], p["last_name"], p["first_name"], p["email"], *p["tutorials"]]
            for p in people
        ),
    )


TASK_DEFINITION_HEADER = [
    "name", "abbreviation", "description", "weighting", "target_grade", "restrict_status_updates",
    "max_quality_pts", "is_graded", "plagiarism_warn_pct", "plagiarism_checks", "group_set",
    "upload_requirements", "start_week", "start_day", "target_week", "target_day", "due_week", "due_day",
    "tutorial_stream",
]
_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri"]


def task_definitions_csv(count: int, *, seed: int = 3) -> bytes:
    """A tasks CSV as Doubtfire exports it (JSON columns, weeks and day names), for a unit without streams."""
    rng = random.Random(seed)
    rows = []
    for number in range(count):
        start_week = 1 + number % 12
        rows.append(
            [
                f"Task {number + 1:03d}: {rng.choice(['Loops', 'Recursion', 'Testing', 'Design', 'Report'])}",
                f"T{number + 1:03d}",
                "Complete the exercises and upload your code with a short reflection.",
                rng.randint(0, 10),
                number % 4,
                "false",
                rng.choice([0, 5]),
                "true" if number % 3 == 0 else "false",
                50,
                "[]",
                "",
                '[{"key":"file0","name":"Code","type":"code"}]',
                start_week,
                rng.choice(_DAYS),
                start_week + 1,
                rng.choice(_DAYS),
                start_week + 2,
                rng.choice(_DAYS),
                "",
            ]
        )
    return _csv(TASK_DEFINITION_HEADER, rows)


def roster(count: int, *, seed: int = 4) -> list[tuple[str, str]]:
    """(roll, name) pairs with unique names, as a teacher's class list."""
    rng = random.Random(seed)
    return [(f"21CS{number:04d}", f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {number:04d}") for number in range(count)]


def roster_csv(students: list[tuple[str, str]]) -> bytes:
    return _csv(["Name", "Roll Number"], [[name, roll] for roll, name in students])


def _teams_time(moment: datetime.datetime) -> str:
    # Teams' own rendering: day-first date without zero padding, 12-hour clock.
    hour = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    return f"{moment.day}/{moment.month}/{moment.year}, {hour}:{moment:%M:%S} {half}"


def teams_legacy_log(names: list[str], events: int, *, date: datetime.date, seed: int = 5) -> bytes:
    """The legacy Teams attendance list as Teams downloads it: UTF-16 with BOM, tab-separated.

    `events` join/leave rows spread evenly over `names` (an even number each): every participant joins and
    leaves several times within a two-hour class, and the rows are in time order as Teams writes them.
    """
    rng = random.Random(seed)
    per_person = max(2, (events // len(names)) // 2 * 2)
    start = datetime.datetime.combine(date, datetime.time(9, 0))
    rows = []
    for name in names:
        moments = sorted(rng.sample(range(0, 2 * 3600), per_person))
        for position, second in enumerate(moments):
            action = "Left" if position % 2 else ("Joined before" if position == 0 and second < 60 else "Joined")
            rows.append((second, name, action))
    rows.sort(key=lambda row: row[0])
    lines = ["Full Name\tUser Action\tTimestamp"]
    lines += [f"{name}\t{action}\t{_teams_time(start + datetime.timedelta(seconds=second))}" for second, name, action in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-16")


def xlsx_with_long_cells(rows: list[list[object]]) -> bytes:
    """An XLSX workbook of `rows` whose text cells may be longer than Excel's 32,767 characters.

    openpyxl cuts text to that limit when it writes; a file made by hand (as an attacker would) has no
    limit, so each long cell is written as a placeholder and put back into the worksheet's XML afterwards.
    """
    long_cells: dict[str, str] = {}
    placed = []
    for row in rows:
        placed.append([])
        for value in row:
            if isinstance(value, str) and len(value) > 1000:
                key = f"LONGCELL{len(long_cells)}"
                long_cells[key] = value
                value = key
            placed[-1].append(value)
    workbook = openpyxl.Workbook()
    for row in placed:
        workbook.active.append(row)
    written = io.BytesIO()
    workbook.save(written)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(written.getvalue())) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                text = content.decode("utf-8")
                for key, value in long_cells.items():
                    text = text.replace(f"<t>{key}</t>", f'<t xml:space="preserve">{escape(value)}</t>')
                content = text.encode("utf-8")
            target.writestr(item, content)
    return out.getvalue()
