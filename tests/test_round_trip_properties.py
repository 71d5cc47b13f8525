"""Property tests (hypothesis): export → import is an identity for users, enrolments and task definitions.

Each example stores generated records whose free text is hostile to CSV files and spreadsheets (accents,
CJK, emoji, commas, double quotes, line breaks, and leading `=`, `+`, `-`, `@`, `'`, tab or CR), downloads
them through the CSV route, deletes them, uploads the download unchanged through the same route, and
expects every record back field for field, and a second download equal to the first.

The downloads guard formula cells with a leading `'` (OWASP CSV injection); these tests are what proves
the imports take the guard off again, and only the guard: a name the teacher really typed as `'=x` comes
back as `'=x`.

Keys are generated unique (a drawn stem plus the record's index) and within the model's limits; the
hostile characters go in the free-text fields. Each example runs in a transaction that is rolled back, so
examples start from the same database (hence the function-scoped fixture health check is off).
"""

import contextlib
import csv
import datetime
import io
import os
import string

from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from csvapi.tests.uploads import named
from doubtfire.models import (
    Campus,
    GroupSet,
    Project,
    Role,
    TaskDefinition,
    Tutorial,
    TutorialEnrolment,
    TutorialStream,
    Unit,
    User,
)
from doubtfire.selectors import STUDENT_COLUMNS
from spreadsheets import normalise_header

# 60 examples per property keep the file near 25 s; ROUND_TRIP_EXAMPLES=1000 searches harder.
EXAMPLES = int(os.environ.get("ROUND_TRIP_EXAMPLES", "60"))
ROUND_TRIP = settings(
    max_examples=EXAMPLES,
    deadline=None,
    # The explain phase re-runs a failing example hundreds of times to annotate it; too slow here.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- generated text ---------------------------------------------------------------------------------

# Pieces that matter to CSV and spreadsheets, and scripts beyond Latin-1 (some are several characters).
AWKWARD = [",", '"', "'", ";", "\t", "\n", "\r", "\r\n", "=", "+", "-", "@", "é", "Ñ", "ß", "İ", "漢字", "한",
           "😀", "👩🏽‍🏫", "\u00a0", "\u2028", " "]
# How a cell may start: every character a spreadsheet runs as a formula, the guard's own apostrophe (alone,
# doubled, before a formula character), and plain numbers, which the downloads leave as they are.
LEADING = ["", "", "", "=", "+", "-", "@", "\t", "\r", "'", "''", "'=", "''-", "'\t", "'@", "-1", "+44 ", "007",
           '=HYPERLINK("http://evil.example","x")', "@SUM(", "=1+1", "-2+3"]
# Any character of any script except surrogates and control characters (the database and the
# reader's binary-file check refuse those; tab, CR and LF come from AWKWARD).
LETTERS = st.characters(exclude_categories=("Cs", "Cc"))


def free_text(max_size: int, *, blank: bool = True):
    """Text as a stored field holds it: any characters inside, no surrounding white space (the reader
    trims every cell, as SPEC asks), except a leading tab or CR, which the download guards and so keeps."""
    pieces = st.lists(LETTERS | st.sampled_from(AWKWARD), min_size=0 if blank else 1, max_size=min(max_size, 40))
    text = st.builds(
        lambda lead, rest: (lead + rest)[:max_size].rstrip(), st.sampled_from(LEADING), pieces.map("".join).map(str.strip)
    )
    return text if blank else text.filter(bool)


USERNAME_STEMS = st.from_regex(r"[a-z][a-z0-9._'éøß漢]{0,12}", fullmatch=True)
# The product's email rule allows anything but white space and `@` before the domain.
EMAIL_LOCALS = st.text(alphabet=string.ascii_letters + string.digits + ".'+=-_\",é漢", min_size=1, max_size=12)
DOMAINS = st.sampled_from(["example.edu", "uni.example.org", "x-y.example.com.au"])


def person(index: int, *, roles, names_required: bool):
    """One user's CSV fields. Username, email and student id end in the index, so they are unique."""
    return st.fixed_dictionaries(
        {
            "username": USERNAME_STEMS.map(lambda stem: f"{stem}-{index}"),
            "email": st.builds(lambda local, domain: f"{local}-{index}@{domain}", EMAIL_LOCALS, DOMAINS),
            "first_name": free_text(150, blank=not names_required),
            "last_name": free_text(150, blank=not names_required),
            "nickname": free_text(150),
            "role": st.sampled_from(roles),
            "student_id": st.none() | free_text(60).map(lambda text: f"{text}{index:02d}"),
        }
    )


@st.composite
def people(draw, *, roles=tuple(Role), names_required=True, max_size=6):
    count = draw(st.integers(1, max_size))
    return [draw(person(index, roles=roles, names_required=names_required)) for index in range(count)]


# --- helpers ----------------------------------------------------------------------------------------

USER_FIELDS = ["username", "email", "first_name", "last_name", "nickname", "role", "student_id"]


@contextlib.contextmanager
def rolled_back():
    """Undo everything an example wrote, so the next one starts from the same database."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def download(client, path, **params) -> bytes:
    response = client.get(path, params)
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def upload(client, path, data: bytes, **fields) -> dict:
    response = client.post(path, {"file": named(data, "round-trip.csv"), **fields}, format="multipart")
    assert response.status_code == 201, response.content
    return response.json()


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def stored_users(usernames) -> list[dict]:
    users = {user.username: user for user in User.objects.filter(username__in=usernames)}
    return [{name: getattr(users[username], name) for name in USER_FIELDS} if username in users else None
            for username in usernames]


# --- users: GET/POST /api/csv/users -----------------------------------------------------------------


@ROUND_TRIP
@given(generated=people())
def test_users_csv_export_then_import_is_an_identity(admin_account, token_client, generated):
    with rolled_back():
        admin = token_client(admin_account)
        created = [User.objects.create(**fields) for fields in generated]
        exported = download(admin, "/api/csv/users")
        User.objects.filter(pk__in=[user.pk for user in created]).delete()

        body = upload(admin, "/api/csv/users", exported)

        assert body["errors"] == []
        assert [entry["message"] for entry in body["success"]] == [
            f"Added user {fields['username']} as {Role(fields['role']).label}." for fields in generated
        ]
        assert [entry["message"] for entry in body["ignored"]] == [f"User {admin_account.username} already existed."]
        assert stored_users([fields["username"] for fields in generated]) == generated
        assert download(admin, "/api/csv/users") == exported


# --- enrolments: GET/POST /api/csv/units/{id} --------------------------------------------------------

# Unit codes are also file names in Content-Disposition, so no line breaks; they may still look like formulas.
UNIT_CODES = ["COS10001", "=SUM(A1)", "+SIT101", "-X1", "@U", "'=Q", "''+R", "SIT/COS 2"]
FIXED_HEADINGS = {normalise_header(name) for name in STUDENT_COLUMNS}


def stream_heading_is_usable(abbreviation: str) -> bool:
    # The students CSV names a stream's column by its abbreviation: two streams whose headings read the
    # same (`Prac 1`, `prac_1`), a heading with no letters, or one named like a fixed column (`Email`)
    # cannot be told apart in any file, so such units are outside what this file format can carry.
    heading = normalise_header(abbreviation)
    return bool(heading) and heading not in FIXED_HEADINGS


@st.composite
def enrolment_worlds(draw):
    """A unit with 0–2 streams, tutorials in each, 0–2 campuses and 1–5 enrolled students."""
    streams = draw(
        st.lists(free_text(20, blank=False).filter(stream_heading_is_usable), max_size=2, unique_by=normalise_header)
    )
    groups = len(streams) or 1  # a unit without streams has one `tutorial` column
    sizes = [draw(st.integers(1, 2)) for _ in range(groups)]
    # The import finds tutorials and campuses ignoring case, so they are distinct ignoring case.
    tutorial_names = draw(
        st.lists(free_text(30, blank=False), min_size=sum(sizes), max_size=sum(sizes), unique_by=str.lower)
    )
    tutorials, start = [], 0
    for size in sizes:
        tutorials.append(tutorial_names[start : start + size])
        start += size
    campuses = draw(st.lists(free_text(20, blank=False), max_size=2, unique_by=str.lower))
    students = draw(people(roles=[Role.STUDENT], names_required=False, max_size=5))
    for student in students:
        student["campus"] = draw(st.none() | st.sampled_from(campuses)) if campuses else None
        student["tutorials"] = [draw(st.none() | st.sampled_from(group)) for group in tutorials]
    return {
        "code": draw(st.sampled_from(UNIT_CODES)),
        "streams": streams,
        "tutorials": tutorials,
        "campuses": campuses,
        "students": students,
    }


def build_enrolments(world) -> tuple[Unit, list[User]]:
    unit = Unit.objects.create(
        code=world["code"], name="Round trip", start_date=datetime.date(2026, 3, 2), end_date=datetime.date(2026, 6, 26)
    )
    campuses = {
        abbreviation: Campus.objects.create(name=f"Campus {n}", abbreviation=abbreviation)
        for n, abbreviation in enumerate(world["campuses"])
    }
    streams = [
        TutorialStream.objects.create(unit=unit, name=f"Stream {n}", abbreviation=abbreviation)
        for n, abbreviation in enumerate(world["streams"])
    ] or [None]
    tutorials = {
        abbreviation: Tutorial.objects.create(unit=unit, abbreviation=abbreviation, stream=stream)
        for stream, group in zip(streams, world["tutorials"])
        for abbreviation in group
    }
    users = []
    for student in world["students"]:
        user = User.objects.create(**{name: student[name] for name in USER_FIELDS})
        project = Project.objects.create(user=user, unit=unit, campus=campuses.get(student["campus"]))
        for abbreviation in filter(None, student["tutorials"]):
            TutorialEnrolment.objects.create(project=project, tutorial=tutorials[abbreviation])
        users.append(user)
    return unit, users


def stored_enrolments(unit, usernames) -> list[dict]:
    projects = {
        project.user.username: project
        for project in Project.objects.filter(unit=unit, user__username__in=usernames).select_related("user", "campus")
    }
    found = []
    for username in usernames:
        project = projects[username]
        found.append(
            {
                **{name: getattr(project.user, name) for name in USER_FIELDS},
                "campus": project.campus.abbreviation if project.campus else None,
                "tutorials": set(project.tutorial_enrolments.values_list("tutorial__abbreviation", flat=True)),
                "enrolled": project.enrolled,
            }
        )
    return found


@ROUND_TRIP
@given(world=enrolment_worlds())
def test_students_csv_export_then_enrol_import_is_an_identity(admin_account, token_client, world):
    students = world["students"]
    with rolled_back():
        admin = token_client(admin_account)
        unit, users = build_enrolments(world)
        path = f"/api/csv/units/{unit.pk}"
        exported = download(admin, path)
        User.objects.filter(pk__in=[user.pk for user in users]).delete()  # and with them their enrolments

        body = upload(admin, path, exported)

        assert body["errors"] == [] and body["ignored"] == []
        # Columns, and so the messages, follow the streams in abbreviation order.
        stream_order = sorted(range(len(world["tutorials"])), key=lambda n: (world["streams"] or [""])[n])
        expected_messages = {
            student["username"]: "Enrolled student."
            + "".join(f" Enrolled in {student['tutorials'][n]}." for n in stream_order if student["tutorials"][n])
            for student in students
        }
        assert {entry["row"]["username"]: entry["message"] for entry in body["success"]} == expected_messages
        assert len(body["success"]) == len(students)
        # A new student without a preferred name is given their first name as one (upstream's rule).
        assert stored_enrolments(unit, [student["username"] for student in students]) == [
            {
                **student,
                "role": Role.STUDENT,
                "nickname": student["nickname"] or student["first_name"],
                "tutorials": set(filter(None, student["tutorials"])),
                "enrolled": True,
            }
            for student in students
        ]
        preferred, first = STUDENT_COLUMNS.index("preferred_name"), STUDENT_COLUMNS.index("first_name")
        expected_rows = [
            [*row[:preferred], row[preferred] or row[first], *row[preferred + 1 :]] if number else row
            for number, row in enumerate(csv_rows(exported))
        ]
        assert csv_rows(download(admin, path)) == expected_rows


# --- task definitions: GET/POST /api/csv/task_definitions ---------------------------------------------

JSON_TEXT = free_text(30)
UPLOAD_REQUIREMENTS = st.lists(
    st.fixed_dictionaries(
        {"key": JSON_TEXT, "name": JSON_TEXT, "type": st.sampled_from(["code", "document", "image"]) | JSON_TEXT},
        optional={"tii_check": st.booleans(), "tii_pct": st.integers(0, 100)},
    ),
    max_size=2,
)
PLAGIARISM_CHECKS = st.lists(
    st.fixed_dictionaries(
        {
            "key": JSON_TEXT,
            "type": JSON_TEXT.map(lambda text: f"moss {text}"),
            # The product refuses patterns that could leave the submission folder.
            "pattern": JSON_TEXT.filter(lambda text: "/" not in text and ".." not in text),
        }
    ),
    max_size=2,
)
UNIT_STARTS = [datetime.date(2026, 3, 2), datetime.date(2026, 7, 15)]  # a Monday and a Wednesday
DEFINITION_FIELDS = [
    "name", "abbreviation", "description", "weighting", "target_grade", "restrict_status_updates",
    "max_quality_pts", "is_graded", "plagiarism_warn_pct", "plagiarism_checks", "upload_requirements",
    "start_date", "target_date", "due_date",
]


@st.composite
def task_worlds(draw):
    """A unit (starting on a Monday or mid-week) with 0–2 streams, 0–2 group sets and 1–5 definitions."""
    start = draw(st.sampled_from(UNIT_STARTS))
    # Streams are found by abbreviation ignoring case; group sets by exact name first.
    streams = draw(st.lists(free_text(20, blank=False), max_size=2, unique_by=str.lower))
    group_sets = draw(st.lists(free_text(100, blank=False), max_size=2, unique=True))
    count = draw(st.integers(1, 5))
    names = draw(st.lists(free_text(200, blank=False), min_size=count, max_size=count, unique=True))
    abbreviations = draw(st.lists(free_text(30, blank=False), min_size=count, max_size=count, unique=True))
    definitions = []
    for name, abbreviation in zip(names, abbreviations):
        starts = start + datetime.timedelta(days=draw(st.integers(-14, 120)))
        target = starts + datetime.timedelta(days=draw(st.integers(0, 60)))
        definitions.append(
            {
                "name": name,
                "abbreviation": abbreviation,
                "description": draw(free_text(4095)),
                "weighting": draw(st.integers(-1000, 1000)),
                "target_grade": draw(st.integers(0, 3)),
                "restrict_status_updates": draw(st.booleans()),
                "max_quality_pts": draw(st.integers(0, 100)),
                "is_graded": draw(st.booleans()),
                "plagiarism_warn_pct": draw(st.integers(0, 100)),
                "plagiarism_checks": draw(PLAGIARISM_CHECKS),
                "upload_requirements": draw(UPLOAD_REQUIREMENTS),
                "start_date": starts,
                "target_date": target,
                "due_date": draw(st.none() | st.integers(0, 30).map(lambda days: target + datetime.timedelta(days=days))),
                # A unit with streams needs every definition in one of them.
                "tutorial_stream": draw(st.sampled_from(streams)) if streams else None,
                "group_set": draw(st.none() | st.sampled_from(group_sets)) if group_sets else None,
            }
        )
    return {"start": start, "streams": streams, "group_sets": group_sets, "definitions": definitions}


def stored_definitions(unit) -> dict[str, dict]:
    return {
        definition.abbreviation: {
            **{name: getattr(definition, name) for name in DEFINITION_FIELDS},
            "tutorial_stream": definition.tutorial_stream.abbreviation if definition.tutorial_stream else None,
            "group_set": definition.group_set.name if definition.group_set else None,
        }
        for definition in TaskDefinition.objects.filter(unit=unit).select_related("tutorial_stream", "group_set")
    }


@ROUND_TRIP
@given(world=task_worlds())
def test_task_definitions_csv_export_then_import_is_an_identity(admin_account, token_client, world):
    definitions = world["definitions"]
    with rolled_back():
        admin = token_client(admin_account)
        unit = Unit.objects.create(
            code="COS20007", name="Round trip", start_date=world["start"], end_date=world["start"] + datetime.timedelta(weeks=20)
        )
        streams = {
            abbreviation: TutorialStream.objects.create(unit=unit, name=f"Stream {n}", abbreviation=abbreviation)
            for n, abbreviation in enumerate(world["streams"])
        }
        group_sets = {name: GroupSet.objects.create(unit=unit, name=name) for name in world["group_sets"]}
        for fields in definitions:
            TaskDefinition.objects.create(
                unit=unit,
                **{name: fields[name] for name in DEFINITION_FIELDS},
                tutorial_stream=streams.get(fields["tutorial_stream"]),
                group_set=group_sets.get(fields["group_set"]),
            )
        path = "/api/csv/task_definitions"
        exported = download(admin, path, unit_id=unit.pk)
        TaskDefinition.objects.filter(unit=unit).delete()

        body = upload(admin, path, exported, unit_id=unit.pk)

        assert body["errors"] == [] and body["ignored"] == []
        assert sorted(entry["message"] for entry in body["success"]) == sorted(
            f"Added new task definition {fields['abbreviation']}." for fields in definitions
        )
        assert stored_definitions(unit) == {fields["abbreviation"]: fields for fields in definitions}
        assert download(admin, path, unit_id=unit.pk) == exported
