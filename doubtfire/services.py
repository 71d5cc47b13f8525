"""Every write of the units half of the product.

Services are keyword-only functions that run in a transaction and return values (never HTTP responses).
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db import transaction
from django.utils import timezone

from doubtfire.permissions import ASSESS_TASKS, UPLOAD_CSV, may_in_unit
from doubtfire.models import Assessment, AuthToken, Task, TaskStatus, User

# --- API tokens ------------------------------------------------------------------------------------


class TokenRejected(Exception):
    """A token that does not let anyone in; `message` is safe to show to the client."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


MISSING_CREDENTIALS = "No authentication details provided. Authentication is required to access this resource."
INVALID_CREDENTIALS = "Could not authenticate with token. Username or Token invalid."
EXPIRED_TOKEN = "Authentication token expired."


@dataclass(frozen=True)
class IssuedToken:
    """A token just made: its text (shown once, never stored) and when it stops working."""

    user: User
    raw: str
    expires_at: datetime


def new_auth_token(*, user: User, lifetime: timedelta | None = None) -> IssuedToken:
    """Create a token for `user`; only its digest is stored.

    Expired tokens of the same user are purged on the way. Two queries.
    """
    raw = secrets.token_urlsafe(30)  # 240 random bits
    now = timezone.now()
    expires_at = now + (lifetime or settings.AUTH_TOKEN_LIFETIME)
    with transaction.atomic():
        AuthToken.objects.filter(user=user, expires_at__lte=now).delete()
        AuthToken.objects.create(user=user, digest=AuthToken.digest_of(raw), created_at=now, expires_at=expires_at)
    return IssuedToken(user=user, raw=raw, expires_at=expires_at)


def issue_auth_token(*, user: User, lifetime: timedelta | None = None) -> str:
    """`new_auth_token`'s text, for callers that need nothing else. Two queries."""
    return new_auth_token(user=user, lifetime=lifetime).raw


def refresh_auth_token(*, user: User, raw: str) -> IssuedToken:
    """Trade a live token of `user` for a new one (Doubtfire's web client does this hourly); `raw` stops working.

    `TokenRejected` when `raw` is not, or no longer, a live token of `user`: revoked, expired, or refreshed a
    moment ago by another request (deleting it is the claim, so two refreshes of one token cannot both succeed).
    Three queries.
    """
    with transaction.atomic():
        deleted, _ = AuthToken.objects.filter(
            user=user, digest=AuthToken.digest_of(raw), expires_at__gt=timezone.now()
        ).delete()
        if not deleted:
            raise TokenRejected(INVALID_CREDENTIALS)
        return new_auth_token(user=user)


def revoke_auth_token(*, raw: str) -> bool:
    """Sign a token out. Returns whether it existed. One query."""
    deleted, _ = AuthToken.objects.filter(digest=AuthToken.digest_of(raw)).delete()
    return bool(deleted)


def revoke_all_auth_tokens(*, user: User) -> int:
    """Sign every device of `user` out (e.g. after a password change). One query."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted


def user_for_auth_token(*, raw: str | None, username: str | None = None) -> User:
    """The active user a token belongs to, or `TokenRejected` with the sentence to show.

    When `username` is given (Doubtfire's `Username` header) it must name the token's owner,
    compared case-insensitively. An expired token is deleted when it is seen. One or two queries.
    """
    if not raw:
        raise TokenRejected(MISSING_CREDENTIALS)
    token = AuthToken.objects.select_related("user").filter(digest=AuthToken.digest_of(raw)).first()
    if token is None or not token.user.is_active:
        raise TokenRejected(INVALID_CREDENTIALS)
    if username is not None and token.user.username.lower() != username.strip().lower():
        raise TokenRejected(INVALID_CREDENTIALS)
    if token.is_expired:
        token.delete()
        raise TokenRejected(EXPIRED_TOKEN)
    return token.user


# --- System roles ----------------------------------------------------------------------------------


def set_system_role(*, user: User, role: str) -> User:
    """Give `user` the system role `role` (Student, Tutor, Convenor or Admin); an operator's or Admin's act.

    Signing up never grants Convenor or Admin: this (also reached through the admin site and
    `PATCH /api/users/<id>/` by an Admin) is how they are given. An Admin may manage the admin site; someone
    moved off Admin no longer may, unless they are a superuser (who stays Admin). One query.
    """
    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}: use one of {', '.join(Role.values)}.")
    was_admin = user.role == Role.ADMIN
    user.role = role
    if was_admin and role != Role.ADMIN and not user.is_superuser:
        user.is_staff = False
    user.save()
    return user


# --- Tasks -----------------------------------------------------------------------------------------


class NotAllowed(Exception):
    """The actor may not make this change; `message` says why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def update_task(
    *,
    actor: User,
    task: Task,
    status: int | None = None,
    grade: int | None = None,
    quality_pts: int | None = None,
    contribution_pts: int | None = None,
) -> Task:
    """Apply changes to one task. A status change made by staff of the unit records an Assessment.

    Students may only move their own task between the statuses they are allowed to set (ids 1–4);
    grades and stars are for staff. Three to five queries.
    """
    unit = task.project.unit
    is_staff = may_in_unit(actor, ASSESS_TASKS, unit)
    is_owner = task.project.user_id == actor.pk
    if not is_staff:
        if not is_owner:
            raise NotAllowed("Only the student or the unit's staff may change this task.")
        if grade is not None or quality_pts is not None or contribution_pts is not None:
            raise NotAllowed("Only staff may set a task's grade, stars or contribution.")
        if status is not None and status > TaskStatus.WORKING_ON_IT:
            raise NotAllowed(f"Only staff may set the status '{TaskStatus(status).label}'.")
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task.pk)
        now = timezone.now()
        if status is not None and status != task.status:
            task.status = status
            if is_staff:
                task.times_assessed += 1
                task.assessment_date = now
                Assessment.objects.create(task=task, assessor=actor, status=status, assessed_at=now)
            if status == TaskStatus.COMPLETE:
                task.completion_date = now
        if grade is not None:
            task.grade = grade
        if quality_pts is not None:
            task.quality_pts = quality_pts
        if contribution_pts is not None:
            task.contribution_pts = contribution_pts
        task.save()
    return task


# --- CSV imports -----------------------------------------------------------------------------------
#
# Every import follows the same three steps so that a 20,000-row file costs a handful of queries:
#   1. check each row on its own (blank cells, emails, roles, duplicates inside the file);
#   2. load everything the rows refer to with one query per table (`__in` lookups);
#   3. write all good rows with bulk_create/bulk_update in one savepoint. If that savepoint fails
#      (a concurrent change broke a constraint), the rows are written again one savepoint each, so
#      the failing row is reported and no other row is lost: rows stay independent and atomic.

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import DatabaseError, IntegrityError
from django.db.models.functions import Lower

from attendance.services import sync_unit_rosters

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
)
from doubtfire.permissions import ROLES_A_CONVENOR_MAY_CREATE, may_change_unit_role_of, system_role
from doubtfire.selectors import STUDENT_COLUMNS, TASK_DEFINITION_COLUMNS, USER_COLUMNS, WEEKDAYS, date_of_week_day
from spreadsheets import FileFormatError, Row, Table, normalise_header, without_formula_guards

_DOMAIN_CHARACTERS = str.maketrans("", "", "-.0123456789abcdefghijklmnopqrstuvwxyz")


def is_upstream_email(text: str) -> bool:
    """Upstream Doubtfire's email rule (reference §2.2), kept so both systems accept the same files.

    One "@"; before it, anything but whitespace; after it, dot-separated labels of letters, digits and
    hyphens, the last one two or more letters (ASCII, any case). Upstream writes this as a pattern with
    a repeat inside a repeat, a shape issue 11 rules out on user text (it stayed linear only because a
    label cannot hold the dot that ends it, which the next edit could change); each check here is one pass.
    """
    local, _, domain = text.partition("@")
    # split() keeps a non-empty text with no whitespace in it whole, and nothing else.
    if not domain or local.split(None, 1) != [local] or not domain.isascii():
        return False
    labels, dot, top = domain.lower().rpartition(".")
    return (
        bool(dot)
        and len(top) >= 2
        and top.isalpha()
        and not labels.translate(_DOMAIN_CHARACTERS)  # nothing but letters, digits, hyphens and dots
        and "" not in labels.split(".")
    )


# SQLite accepts 32,766 parameters per statement; lookups are split below that.
_LOOKUP_CHUNK = 10_000


# What an upload's reply repeats back (SPEC §4b "Echo"): the cells of the columns the import knows, long cells
# cut, and no more entries than keep the reply within a small multiple of the upload. A file of 4,000 extra
# columns or 200,000 one-character rows must not turn into a reply a hundred times its size.
ECHO_CELL_CHARS = 200
ECHO_MESSAGE_CHARS = 500
ECHO_FACTOR = 8
ECHO_MIN_CHARS = 2**20


def echo_cut(text: str, limit: int = ECHO_CELL_CHARS) -> str:
    """``text`` as a reply repeats it: at most ``limit`` characters, the rest replaced by an ellipsis."""
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass
class ImportResult:
    """What happened to each row of an upload: Doubtfire's `{success, ignored, errors}`.

    Each entry is `{"row": {column: cell}, "row_number": n, "message": "..."}`; `row` holds only the
    cells of `columns` (all cells when None), each cut to ECHO_CELL_CHARS. Once the entries add up to
    `echo_limit` characters, further rows are not listed one by one: the category's last entry counts them
    (row_number = the first of them). `counts` gives the true number of rows in each category.
    """

    success: list[dict] = field(default_factory=list)
    ignored: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    columns: frozenset[str] | None = None
    echo_limit: int = ECHO_MIN_CHARS
    counts: dict[str, int] = field(default_factory=lambda: {"success": 0, "ignored": 0, "errors": 0})
    _echoed: int = 0
    _unlisted: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def for_table(cls, table: Table, columns) -> "ImportResult":
        """A result for an import of `table` that echoes `columns`, its reply bounded by the upload's size."""
        return cls(columns=frozenset(columns), echo_limit=max(ECHO_MIN_CHARS, ECHO_FACTOR * table.size))

    def add_success(self, row: Row, message: str) -> None:
        self._add("success", self.success, row, message)

    def add_ignored(self, row: Row, message: str) -> None:
        self._add("ignored", self.ignored, row, message)

    def add_error(self, row: Row, message: str) -> None:
        self._add("errors", self.errors, row, message)

    def _add(self, category: str, entries: list[dict], row: Row, message: str) -> None:
        self.counts[category] += 1
        if self._echoed <= self.echo_limit:
            entry = _entry(row, message, self.columns)
            self._echoed += len(entry["message"]) + sum(len(key) + len(value) + 6 for key, value in entry["row"].items()) + 40
            entries.append(entry)
            return
        summary = self._unlisted.get(category)
        if summary is None:
            summary = self._unlisted[category] = {"row": {}, "row_number": row.number, "message": "", "unlisted": 0}
            entries.append(summary)
        summary["unlisted"] += 1
        summary["message"] = (
            f"{summary['unlisted']:,} more rows from row {summary['row_number']:,} on are not listed one by one, "
            "to keep this reply small; fix the rows above and upload the file again to see them."
        )

    def as_dict(self) -> dict:
        return {"success": self.success, "ignored": self.ignored, "errors": self.errors}


def _entry(row: Row, message: str, columns: frozenset[str] | None = None) -> dict:
    if columns is None:
        echoed = {name: echo_cut(value) for name, value in row.values.items()}
    else:
        echoed = {name: echo_cut(value) for name, value in row.values.items() if name in columns}
    return {"row": echoed, "row_number": row.number, "message": echo_cut(message, ECHO_MESSAGE_CHARS)}


def _require_headings(table: Table, required) -> None:
    missing = [name for name in required if name not in table.headers]
    if missing:
        raise FileFormatError(f"Missing headings: {', '.join(missing)}. Found: {', '.join(table.headers) or 'none'}.")


def _lowered_values(queryset, field_name: str, values) -> dict:
    """{lower(value): object} for objects whose `field_name` matches one of `values` ignoring case.

    One query per 10,000 values (Lower() matches the functional unique indexes of the models).
    """
    wanted = sorted({value.lower() for value in values if value})
    found = {}
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        chunk = wanted[start : start + _LOOKUP_CHUNK]
        for obj in queryset.annotate(_lowered=Lower(field_name)).filter(_lowered__in=chunk):
            found[obj._lowered] = obj
    return found


def _exact_values(queryset, field_name: str, values) -> set:
    wanted = sorted({value for value in values if value})
    found = set()
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        chunk = wanted[start : start + _LOOKUP_CHUNK]
        found.update(queryset.filter(**{f"{field_name}__in": chunk}).values_list(field_name, flat=True))
    return found


# Rows written between two calls of an import's `progress` callback (the batch size of its bulk_create).
PROGRESS_BATCH = 1000


def _write_rows(plans: list, write, progress=None) -> tuple[list, list]:
    """Run `write(plans)` in one savepoint; if it fails, once per plan. Returns (written, [(plan, error)]).

    With `progress(stage, done, total)` (e.g. a page's progress bar) the plans are written in slices of
    PROGRESS_BATCH, still in one savepoint, and it hears ("writing", plans written, len(plans)) before each
    slice and at the end: about len(plans) / 1000 calls, never one per row. Without it nothing changes.
    """
    if not plans:
        return [], []
    step = PROGRESS_BATCH if progress is not None else len(plans)
    try:
        with transaction.atomic():
            for start in range(0, len(plans), step):
                if progress is not None:
                    progress("writing", start, len(plans))
                write(plans[start : start + step])
        if progress is not None:
            progress("writing", len(plans), len(plans))
        return plans, []
    except DatabaseError:
        pass
    written, failed = [], []
    for number, plan in enumerate(plans):
        if progress is not None and number % PROGRESS_BATCH == 0:
            progress("writing", number, len(plans))
        try:
            with transaction.atomic():
                write([plan])
            written.append(plan)
        except DatabaseError as error:
            failed.append((plan, error))
    return written, failed


def _write_failure_message(error: Exception) -> str:
    return f"The row could not be saved ({error.__class__.__name__}); nothing from it was written. Try it again."


def _new_user(**fields) -> User:
    user = User(**fields)
    # Imported people choose their own password through a reset; no shared default, no hashing here.
    # Same value as set_unusable_password() (prefix + 40 random characters), but one call into the
    # OS's random source instead of 40 secrets.choice() calls: a third of a 20,000-user import's CPU.
    user.password = UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)
    user.apply_field_rules()  # bulk_create skips save()
    return user


def _unit_code_matches(unit: Unit, value: str) -> bool:
    wanted = value.strip().lower()
    code = unit.code.lower()
    return bool(wanted) and (wanted == code or wanted in [part.strip() for part in code.split("/")])


def _cell_limits(model, fields: dict[str, str]) -> dict[str, int]:
    """{column: the model field's max_length} for the columns of a file that are stored in `fields`."""
    return {column: model._meta.get_field(name).max_length for column, name in fields.items()}


def _overlong(values: dict[str, str], limits: dict[str, int]) -> str | None:
    """The message for the first cell longer than its field allows, or None. SQLite does not enforce
    max_length, so an import checks it before anything is stored."""
    for column, limit in limits.items():
        value = values.get(column)
        if value and len(value) > limit:
            return f"The {column} has {len(value):,} characters; at most {limit:,} are allowed."
    return None


# --- Users CSV -------------------------------------------------------------------------------------

USER_REQUIRED_HEADINGS = ("username", "email", "role", "first_name", "last_name")
_USER_CELL_LIMITS = _cell_limits(
    User, {name: name for name in ("username", "email", "first_name", "last_name", "nickname", "student_id")}
)


def role_named(text: str) -> str | None:
    """Upstream's role matching: the first role whose name appears in the cell, ignoring case."""
    lowered = text.lower()
    for role in (Role.ADMIN, Role.CONVENOR, Role.TUTOR, Role.STUDENT):
        if role.value.lower() in lowered:
            return role
    return None


def _lock_unit(unit: Unit) -> None:
    """Serialise imports into one unit: two overlapping enrolment files uploaded at once would otherwise
    both decide to create the same students and one would fail. PostgreSQL takes a row lock held to the
    end of the transaction; SQLite's IMMEDIATE transactions already admit one writer at a time."""
    Unit.objects.select_for_update().filter(pk=unit.pk).values_list("pk", flat=True).first()


@dataclass
class _NewUserPlan:
    row: Row
    fields: dict


@transaction.atomic
def import_users_from_table(*, actor: User, table: Table, progress=None) -> ImportResult:
    """Create the users of a users CSV (`POST /api/csv/users`, admin button, `import_users`).

    Required headings: username, email, role, first_name, last_name; nickname and student_id are optional.
    New users → success `Added user <username> as <Role>.` (unusable password); existing users →
    ignored, unchanged. A Convenor may only create Students and Tutors. Raises FileFormatError for
    missing headings. Four queries plus one insert per 1,000 new users, whatever the row count.
    """
    table = without_formula_guards(table)
    _require_headings(table, USER_REQUIRED_HEADINGS)
    result = ImportResult.for_table(table, USER_COLUMNS)
    actor_is_admin = system_role(actor) == Role.ADMIN
    candidates: list[tuple[Row, dict]] = []
    first_row_of: dict[str, int] = {}
    for row in table.rows:
        values = row.values
        blank = next((name for name in ("username", "email", "role", "first_name", "last_name") if not values[name]), None)
        if blank:
            result.add_error(row, f"The {blank} cannot be blank or empty.")
            continue
        overlong = _overlong(values, _USER_CELL_LIMITS)
        if overlong:
            result.add_error(row, overlong)
            continue
        username = values["username"].lower()
        email = values["email"]
        if not is_upstream_email(email):
            result.add_error(row, f"Invalid email address ({email}).")
            continue
        role = role_named(values["role"])
        if role is None:
            result.add_error(row, f"Unable to find role {values['role']}: use Student, Tutor, Convenor or Admin.")
            continue
        if not actor_is_admin and role not in ROLES_A_CONVENOR_MAY_CREATE:
            result.add_error(
                row, f"A Convenor may only add Students and Tutors; ask an Admin to add {username} as {role.label}."
            )
            continue
        if username in first_row_of:
            result.add_ignored(row, f"User {username} is already listed on row {first_row_of[username]}.")
            continue
        first_row_of[username] = row.number
        candidates.append(
            (
                row,
                {
                    "username": username,
                    "email": email,
                    "role": role,
                    "first_name": values["first_name"],
                    "last_name": values["last_name"],
                    "nickname": values.get("nickname", ""),
                    "student_id": values.get("student_id") or None,
                },
            )
        )

    existing = _lowered_values(User.objects.only("id", "username"), "username", [f["username"] for _, f in candidates])
    fresh = [(row, fields) for row, fields in candidates if fields["username"] not in existing]
    emails_taken = set(_lowered_values(User.objects.only("id", "email"), "email", [f["email"] for _, f in fresh]))
    ids_taken = _exact_values(User.objects.all(), "student_id", [f["student_id"] for _, f in fresh])
    plans = []
    for row, fields in candidates:
        if fields["username"] in existing:
            result.add_ignored(row, f"User {fields['username']} already existed.")
        elif fields["email"].lower() in emails_taken:
            result.add_error(row, f"The email address {fields['email']} is already used by another user.")
        elif fields["student_id"] and fields["student_id"] in ids_taken:
            result.add_error(row, f"The student ID {fields['student_id']} is already used by another user.")
        else:
            emails_taken.add(fields["email"].lower())
            if fields["student_id"]:
                ids_taken.add(fields["student_id"])
            plans.append(_NewUserPlan(row, fields))

    def write(batch):
        User.objects.bulk_create([_new_user(**plan.fields) for plan in batch], batch_size=1000)

    written, failed = _write_rows(plans, write, progress)
    for plan in written:
        result.add_success(plan.row, f"Added user {plan.fields['username']} as {plan.fields['role'].label}.")
    for plan, error in failed:
        result.add_error(plan.row, _write_failure_message(error))
    return result


# --- Unit enrolment CSV ----------------------------------------------------------------------------


ENROLMENT_REQUIRED_HEADINGS = ("unit_code", "username", "email")  # and enrolment_tutorial_headings(unit)
_ENROLMENT_CELL_LIMITS = _cell_limits(
    User,
    {
        "username": "username",
        "email": "email",
        "first_name": "first_name",
        "last_name": "last_name",
        "preferred_name": "nickname",
        "student_id": "student_id",
    },
)
WITHDRAW_REQUIRED_HEADINGS = ("unit_code", "username")


def enrolment_tutorial_headings(unit: Unit, streams=None) -> list[str]:
    """`tutorial` for a unit without streams, else one heading per stream (its normalised abbreviation)."""
    streams = list(unit.tutorial_streams.all()) if streams is None else streams
    return [normalise_header(stream.abbreviation) for stream in streams] if streams else ["tutorial"]


@dataclass
class _EnrolPlan:
    row: Row
    username: str
    user: User | None = None
    new_user_fields: dict | None = None
    student_id: str | None = None  # set on an existing user
    project: Project | None = None
    create_project: bool = False
    project_changes: dict = field(default_factory=dict)
    campus_id: int | None = None
    remove_enrolment_ids: list = field(default_factory=list)
    add_tutorials: list = field(default_factory=list)
    messages: list = field(default_factory=list)
    failures: list = field(default_factory=list)


def _campus_lookup() -> tuple[dict, dict]:
    campuses = list(Campus.objects.all())
    by_text = {campus.name.lower(): campus for campus in campuses}
    by_text.update({campus.abbreviation.lower(): campus for campus in campuses})  # abbreviation wins
    return by_text, {campus.pk: campus for campus in campuses}


def _student_username(unit: Unit, row: Row, result: ImportResult) -> str | None:
    """The lower-case username of a students-file row, or None once the row is reported: a row for
    another unit is ignored (upstream's rule), a blank username is an error."""
    code = row.values["unit_code"]
    if not _unit_code_matches(unit, code):
        result.add_ignored(row, f"Invalid unit code. {code or '(blank)'} does not match {unit.code}.")
        return None
    username = row.values["username"].lower()
    if not username:
        result.add_error(row, "The username cannot be blank or empty.")
        return None
    return username


@transaction.atomic
def enrol_students_from_table(*, actor: User, unit: Unit, table: Table, progress=None) -> ImportResult:
    """Enrol, re-enrol, move campus and set tutorials from a students CSV (`POST /api/csv/units/<id>`).

    Required headings: unit_code, username, email, and `tutorial` (unit without streams) or one
    column per tutorial stream (named by its abbreviation, any case). Optional: student_id, first_name,
    last_name, preferred_name, campus (abbreviation or name). Missing students are created as Students
    with an unusable password; existing users' names and emails are left alone. The later of two rows
    for one username wins. Unchanged rows → ignored `No change.`. A tutorial that cannot be joined (unknown,
    on another campus) is a warning in the row's message (`Enrolled student. Unable to enrol in …`, or
    `No change. Unable to enrol in …` when nothing else changes), never the row's category, so an unchanged
    re-upload reports each row as a first upload would for the same outcome. About ten queries whatever the
    row count.
    """
    _lock_unit(unit)
    streams = list(unit.tutorial_streams.all())
    tutorial_headings = enrolment_tutorial_headings(unit, streams)
    table = without_formula_guards(table)
    _require_headings(table, (*ENROLMENT_REQUIRED_HEADINGS, *tutorial_headings))
    result = ImportResult.for_table(table, [*STUDENT_COLUMNS, *tutorial_headings])
    campus_by_text, campus_by_id = _campus_lookup()

    latest: dict[str, tuple[Row, Campus | None]] = {}
    for row in table.rows:
        values = row.values
        username = _student_username(unit, row, result)
        if username is None:
            continue
        overlong = _overlong(values, _ENROLMENT_CELL_LIMITS)
        if overlong:
            result.add_error(row, overlong)
            continue
        if not is_upstream_email(values["email"]):
            result.add_error(row, f"Invalid email address ({values['email']}).")
            continue
        campus = None
        if values.get("campus"):
            campus = campus_by_text.get(values["campus"].lower())
            if campus is None:
                result.add_error(row, f"Unable to find campus ({values['campus']}).")
                continue
        if username in latest:
            earlier = latest[username][0]
            result.add_ignored(earlier, f"Skipping duplicate row for {username}: row {row.number} is used instead.")
        latest[username] = (row, campus)

    usernames = list(latest)
    users = _lowered_values(User.objects.all(), "username", usernames)
    new_rows = [row for username, (row, _) in latest.items() if username not in users]
    emails_taken = set(_lowered_values(User.objects.only("id", "email"), "email", [r.values["email"] for r in new_rows]))
    student_ids = [row.values.get("student_id", "") for row, _ in latest.values()]
    id_owner = dict(
        User.objects.filter(student_id__in=[sid for sid in student_ids if sid]).values_list("student_id", "pk")
    )
    projects = {
        project.user_id: project
        for project in Project.objects.filter(unit=unit, user__in=[user.pk for user in users.values()])
    }
    tutorials = {tutorial.abbreviation.lower(): tutorial for tutorial in Tutorial.objects.filter(unit=unit)}
    current_enrolments: dict[int, list[TutorialEnrolment]] = defaultdict(list)
    for enrolment in TutorialEnrolment.objects.filter(project__in=[p.pk for p in projects.values()]).select_related(
        "tutorial"
    ):
        current_enrolments[enrolment.project_id].append(enrolment)

    plans: list[_EnrolPlan] = []
    for username, (row, campus) in latest.items():
        values = row.values
        plan = _EnrolPlan(row=row, username=username)
        student_id = values.get("student_id", "")
        user = users.get(username)
        if user is None:
            email = values["email"]
            if email.lower() in emails_taken:
                result.add_error(row, f"Student record is invalid. The email address {email} is already used by another user.")
                continue
            if student_id and student_id in id_owner:
                result.add_error(row, f"Student record is invalid. The student ID {student_id} is already used by another user.")
                continue
            first_name = values.get("first_name", "")
            plan.new_user_fields = {
                "username": username,
                "email": email,
                "role": Role.STUDENT,
                "first_name": first_name,
                "last_name": values.get("last_name", ""),
                "nickname": values.get("preferred_name") or first_name,
                "student_id": student_id or None,
            }
            emails_taken.add(email.lower())
            if student_id:
                id_owner[student_id] = None
        else:
            enrolment = projects.get(user.pk)
            if (enrolment is None or not enrolment.enrolled) and not may_change_unit_role_of(actor, user):
                # Enrolled, they would be a Student in the unit, which wins over their Admin role there.
                result.add_error(row, f"{user.username} is an Admin: only an Admin may enrol an Admin as a student.")
                continue
            plan.user = user
            if student_id and student_id != user.student_id:
                if student_id in id_owner and id_owner[student_id] != user.pk:
                    result.add_error(row, f"The student ID {student_id} is already used by another user.")
                    continue
                plan.student_id = student_id
                id_owner[student_id] = user.pk
                plan.messages.append("Student ID updated.")

        project = projects.get(user.pk) if user is not None else None
        enrolled_in: list = []
        if project is None:
            plan.create_project = True
            plan.campus_id = campus.pk if campus else None
            plan.messages.insert(0, "Enrolled student.")
            effective_campus_id = plan.campus_id
        else:
            plan.project = project
            if not project.enrolled:
                plan.project_changes["enrolled"] = True
                plan.messages.insert(0, "Re-enrolled student.")
            if campus is not None and project.campus_id != campus.pk:
                plan.project_changes["campus_id"] = campus.pk
                plan.messages.append("Campus updated.")
            effective_campus_id = plan.project_changes.get("campus_id", project.campus_id)
            enrolled_in = [(e.pk, e.tutorial) for e in current_enrolments.get(project.pk, [])]

        for heading in tutorial_headings:
            code = values.get(heading, "")
            if not code:
                continue
            tutorial = tutorials.get(code.lower())
            if tutorial is None:
                plan.failures.append(f"Unable to enrol in {code}: {unit.code} has no such tutorial.")
                continue
            if any(existing.pk == tutorial.pk for _, existing in enrolled_in):
                continue
            if tutorial.campus_id and effective_campus_id and tutorial.campus_id != effective_campus_id:
                plan.failures.append(
                    f"Unable to enrol in {tutorial.abbreviation}: it runs on campus "
                    f"{campus_by_id[tutorial.campus_id].abbreviation} but the student is on campus "
                    f"{campus_by_id[effective_campus_id].abbreviation}."
                )
                continue
            # One tutorial per stream; a tutorial without a stream excludes every other one.
            keep = []
            for enrolment_id, existing in enrolled_in:
                clashes = tutorial.stream_id is None or existing.stream_id is None or existing.stream_id == tutorial.stream_id
                if clashes:
                    if enrolment_id is not None:
                        plan.remove_enrolment_ids.append(enrolment_id)
                    else:
                        plan.add_tutorials.remove(existing)
                else:
                    keep.append((enrolment_id, existing))
            enrolled_in = keep + [(None, tutorial)]
            plan.add_tutorials.append(tutorial)
            plan.messages.append(f"Enrolled in {tutorial.abbreviation}.")

        if plan.messages:
            plans.append(plan)
        else:
            # Nothing to write. A tutorial that cannot be joined is a warning in the message, never the row's
            # category: the upload that enrolled the student reported it inside a success, so the same file
            # uploaded again must say `No change.` with the same warning, not turn the row into an error.
            result.add_ignored(row, " ".join(["No change.", *plan.failures]))

    def write(batch: list[_EnrolPlan]):
        new_users = {plan.username: _new_user(**plan.new_user_fields) for plan in batch if plan.new_user_fields}
        if new_users:
            # Two units' uploads may name the same new students at the same moment (two background jobs). The
            # insert then waits for the other upload and keeps its row (ON CONFLICT DO NOTHING), and this row
            # enrols the person it created: what a second, later upload would do. One more query per batch.
            User.objects.bulk_create(list(new_users.values()), batch_size=1000, ignore_conflicts=True)
            saved = _lowered_values(User.objects.all(), "username", list(new_users))
            lost = [username for username in new_users if username.lower() not in saved]
            if lost:  # their email or student ID went to someone else meanwhile: the row is refused, nothing kept
                raise IntegrityError(f"email address or student ID of {', '.join(lost[:5])} taken meanwhile")
            new_users = {username: saved[username.lower()] for username in new_users}
        changed_users = []
        for plan in batch:
            if plan.student_id is not None:
                plan.user.student_id = plan.student_id
                changed_users.append(plan.user)
        User.objects.bulk_update(changed_users, ["student_id"], batch_size=1000)
        new_projects = {}
        changed_projects = []
        for plan in batch:
            if plan.create_project:
                user = new_users.get(plan.username) or plan.user
                new_projects[plan.username] = Project(user=user, unit=unit, campus_id=plan.campus_id)
            elif plan.project_changes:
                for name, value in plan.project_changes.items():
                    setattr(plan.project, name, value)
                changed_projects.append(plan.project)
        Project.objects.bulk_create(list(new_projects.values()), batch_size=1000)
        Project.objects.bulk_update(changed_projects, ["enrolled", "campus"], batch_size=1000)
        removals = [pk for plan in batch for pk in plan.remove_enrolment_ids]
        for start in range(0, len(removals), _LOOKUP_CHUNK):
            TutorialEnrolment.objects.filter(pk__in=removals[start : start + _LOOKUP_CHUNK]).delete()
        TutorialEnrolment.objects.bulk_create(
            [
                # bulk_create skips save(), which copies the stream; copy it here.
                TutorialEnrolment(
                    project=new_projects.get(plan.username) or plan.project, tutorial=tutorial, stream_id=tutorial.stream_id
                )
                for plan in batch
                for tutorial in plan.add_tutorials
            ],
            batch_size=1000,
        )
        # In the batch's savepoint: a row that fails leaves the attendance rosters that follow the unit untouched.
        sync_unit_rosters(
            unit_ids=[unit.pk], user_ids=[user.pk for user in new_users.values()] + [plan.user.pk for plan in batch if plan.user]
        )

    written, failed = _write_rows(plans, write, progress)
    for plan in written:
        result.add_success(plan.row, " ".join(plan.messages + plan.failures))
    for plan, error in failed:
        result.add_error(plan.row, _write_failure_message(error))
    return result


# --- Withdraw CSV ----------------------------------------------------------------------------------


@transaction.atomic
def withdraw_students_from_table(*, actor: User, unit: Unit, table: Table, progress=None) -> ImportResult:
    """Withdraw the listed students (`POST /api/csv/units/<id>/withdraw`): the enrolment row and its
    tutorials stay, `enrolled` becomes false. Required headings: unit_code, username (any students
    export works). Four queries whatever the row count (one locks the unit).
    """
    _lock_unit(unit)
    table = without_formula_guards(table)
    _require_headings(table, WITHDRAW_REQUIRED_HEADINGS)
    result = ImportResult.for_table(table, STUDENT_COLUMNS)
    wanted: list[tuple[Row, str]] = []
    first_row_of: dict[str, int] = {}
    for row in table.rows:
        username = _student_username(unit, row, result)
        if username is None:
            continue
        if username in first_row_of:
            result.add_ignored(row, f"User {username} is already listed on row {first_row_of[username]}.")
            continue
        first_row_of[username] = row.number
        wanted.append((row, username))

    users = _lowered_values(User.objects.only("id", "username"), "username", [name for _, name in wanted])
    projects = {
        project.user_id: project
        for project in Project.objects.filter(unit=unit, user__in=[user.pk for user in users.values()]).only(
            "id", "user_id", "enrolled"
        )
    }
    plans = []
    for row, username in wanted:
        user = users.get(username)
        if user is None:
            result.add_error(row, f"User {username} not found.")
            continue
        project = projects.get(user.pk)
        if project is None or not project.enrolled:
            result.add_ignored(row, f"User {username} not enrolled in unit.")
            continue
        plans.append((row, username, project))

    def write(batch):
        ids = [project.pk for _, _, project in batch]
        for start in range(0, len(ids), _LOOKUP_CHUNK):
            Project.objects.filter(pk__in=ids[start : start + _LOOKUP_CHUNK]).update(enrolled=False)
        # Withdrawn on the attendance rosters that follow the unit, in the batch's savepoint.
        sync_unit_rosters(unit_ids=[unit.pk], user_ids=[project.user_id for _, _, project in batch])

    written, failed = _write_rows(plans, write, progress)
    for row, username, _ in written:
        result.add_success(row, f"User {username} withdrawn from unit.")
    for (row, _, _), error in failed:
        result.add_error(row, _write_failure_message(error))
    return result


@transaction.atomic
def reenrol_projects(*, actor: User, project_ids: list[int]) -> int:
    """Enrol again the withdrawn students of `project_ids` (Undo of a withdrawal), in units where `actor` may
    upload. Their work and tutorials were kept by the withdrawal. Returns how many were re-enrolled. Three
    queries per unit involved."""
    projects = Project.objects.filter(pk__in=project_ids, enrolled=False).select_related("unit")
    units = {project.unit for project in projects}
    for unit in units:
        if not may_in_unit(actor, UPLOAD_CSV, unit):
            raise NotAllowed(f"You may no longer enrol students in {unit.code}.")
        _lock_unit(unit)
    return Project.objects.filter(pk__in=[project.pk for project in projects]).update(enrolled=True)


# --- Task definitions CSV --------------------------------------------------------------------------

TASK_REQUIRED_HEADINGS = ("name", "abbreviation", "start_week", "start_day", "target_week", "target_day")
_TRUE_TEXTS = {"yes", "y", "true", "1"}
_INTEGER_COLUMNS = {
    # column: (lowest, highest, default for a blank cell)
    "weighting": (None, None, 0),
    "target_grade": (0, 3, 0),
    "max_quality_pts": (0, 100, 0),
    "plagiarism_warn_pct": (0, 100, 50),
}
_UPLOAD_REQUIREMENT_KEYS = {"key", "name", "type"}
_UPLOAD_REQUIREMENT_OPTIONAL = {"tii_check", "tii_pct"}
_PLAGIARISM_CHECK_KEYS = {"key", "type", "pattern"}


class _RowProblem(Exception):
    """One row cannot be imported; the message says why."""


def _json_list(column: str, text: str) -> list:
    if not text:
        return []
    try:
        value = json.loads(text)
    except ValueError:
        # Doubtfire 8.0 exported Ruby's inspect format ({"key"=>"file0"}); accept those files too.
        try:
            value = json.loads(re.sub(r'"\s*=>\s*', '": ', text).replace(": nil", ": null"))
        except ValueError:
            raise _RowProblem(f"{column} is not valid JSON: {text[:80]}") from None
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise _RowProblem(f"{column} must be a JSON list of objects, e.g. [] or [{{\"key\": ...}}].")
    return value


def _check_upload_requirements(value: list) -> None:
    for item in value:
        if not _UPLOAD_REQUIREMENT_KEYS <= item.keys() or item.keys() - _UPLOAD_REQUIREMENT_KEYS - _UPLOAD_REQUIREMENT_OPTIONAL:
            raise _RowProblem(
                "upload_requirements entries need exactly the keys key, name and type (tii_check and tii_pct are optional)."
            )


def _check_plagiarism_checks(value: list) -> None:
    for item in value:
        if item.keys() != _PLAGIARISM_CHECK_KEYS:
            raise _RowProblem("plagiarism_checks entries need exactly the keys key, type and pattern.")
        if not str(item["type"]).startswith("moss "):
            raise _RowProblem("plagiarism_checks types must start with 'moss '.")
        if "/" in str(item["pattern"]) or ".." in str(item["pattern"]):
            raise _RowProblem("plagiarism_checks patterns may not contain '/' or '..'.")


def _integer_cell(column: str, text: str) -> int:
    lowest, highest, default = _INTEGER_COLUMNS[column]
    if not text:
        return default
    try:
        number = float(text)
        if not number.is_integer():
            raise ValueError
        value = int(number)
    except (ValueError, OverflowError):
        raise _RowProblem(f"{column} must be a whole number, not '{text}'.") from None
    if (lowest is not None and value < lowest) or (highest is not None and value > highest):
        raise _RowProblem(f"{column} must be between {lowest} and {highest}, not {value}.")
    return value


def _week_day_date(unit: Unit, abbreviation: str, label: str, week_text: str, day_text: str, *, optional=False):
    if optional and not week_text and not day_text:
        return None
    day = day_text.strip()[:3].lower()
    try:
        week = int(float(week_text))
    except (ValueError, OverflowError):
        week = None
    if week is None or day not in WEEKDAYS:
        raise _RowProblem(
            f"Unable to determine {label} date for {abbreviation} -- need week number, and day short text eg. 'Wed'."
        )
    return date_of_week_day(unit.start_date, week, day)


@transaction.atomic
def import_task_definitions_from_table(*, actor: User, unit: Unit, table: Table, progress=None) -> ImportResult:
    """Create or update a unit's task definitions from a tasks CSV (`POST /api/csv/task_definitions`).

    Required headings: name, abbreviation, start_week, start_day, target_week, target_day; any other
    column of the export (see selectors.TASK_DEFINITION_COLUMNS) is optional, and a missing column leaves
    the field as it is. A definition is matched by abbreviation, else by name. Weeks count from the unit's
    start date (week 1 = its first seven days), as the export writes them. New → success `Added new task
    definition <abbr>.`; changed → success `Updated existing task definition <abbr>.`; identical → ignored
    `No change.`. In a unit with streams a new definition must name one; a blank cell leaves an existing
    definition's stream (perhaps none) as it is, so the export of any unit uploads unchanged as `No change.`.
    Five queries plus the writes, whatever the row count.
    """
    _lock_unit(unit)
    table = without_formula_guards(table)
    _require_headings(table, TASK_REQUIRED_HEADINGS)
    present = set(table.headers)
    result = ImportResult.for_table(table, TASK_DEFINITION_COLUMNS)
    # The comparison below reads each definition's stream and group set: joined here, not one query per row.
    existing = list(TaskDefinition.objects.filter(unit=unit).select_related("tutorial_stream", "group_set"))
    by_abbreviation = {definition.abbreviation: definition for definition in existing}
    by_name = {definition.name: definition for definition in existing}
    group_sets = list(GroupSet.objects.filter(unit=unit))
    streams = list(TutorialStream.objects.filter(unit=unit))
    stream_by_text = {stream.name.lower(): stream for stream in streams}
    stream_by_text.update({stream.abbreviation.lower(): stream for stream in streams})
    group_set_by_name = {group_set.name.lower(): group_set for group_set in group_sets}
    group_set_by_name.update({group_set.name: group_set for group_set in group_sets})
    seen_abbreviations: dict[str, int] = {}
    names_in_use = {definition.name: definition.pk for definition in existing}

    new_definitions: list[tuple[Row, TaskDefinition]] = []
    changed: list[tuple[Row, TaskDefinition, list[str]]] = []
    for row in table.rows:
        values = row.values
        name, abbreviation = values["name"], values["abbreviation"]
        if not name or not abbreviation:
            result.add_error(row, "Abbreviation and name cannot be empty.")
            continue
        if abbreviation in seen_abbreviations:
            result.add_error(row, f"Task {abbreviation} is already listed on row {seen_abbreviations[abbreviation]}.")
            continue
        definition = by_abbreviation.get(abbreviation) or by_name.get(name)
        try:
            fields = _task_definition_fields(unit, values, present, abbreviation, group_set_by_name, stream_by_text)
            # Upstream's rule "a streamed unit's task has a stream" is checked where the file decides the stream:
            # for a new definition. A blank cell leaves an existing definition's stream as it is, and a definition
            # may have none in a streamed unit (made before the first stream, in the admin, by the demo), so an
            # export of it must upload unchanged again.
            if definition is None and streams and "tutorial_stream" not in fields:
                raise _RowProblem(
                    f"Tutorial stream must be one of the tutorial streams in the unit "
                    f"({', '.join(s.abbreviation for s in streams)})."
                )
            owner = names_in_use.get(name)
            if owner is not None and (definition is None or owner != definition.pk):
                raise _RowProblem(f"Another task definition of {unit.code} already has the name '{name}'.")
        except _RowProblem as problem:
            result.add_error(row, str(problem))
            continue
        seen_abbreviations[abbreviation] = row.number
        fields.update(name=name, abbreviation=abbreviation)
        if definition is None:
            definition = TaskDefinition(unit=unit, **fields)
            names_in_use[name] = object()  # claimed by a definition that has no id yet
            new_definitions.append((row, definition))
            continue
        differences = [
            name for name, value in fields.items() if getattr(definition, name) != value
        ]
        if not differences:
            result.add_ignored(row, "No change.")
            continue
        del names_in_use[definition.name]
        names_in_use[name] = definition.pk
        for field_name in differences:
            setattr(definition, field_name, fields[field_name])
        changed.append((row, definition, differences))

    plans = [("new", row, definition, None) for row, definition in new_definitions] + [
        ("update", row, definition, differences) for row, definition, differences in changed
    ]

    def write(batch):
        TaskDefinition.objects.bulk_create([definition for kind, _, definition, _ in batch if kind == "new"])
        updates = [(definition, differences) for kind, _, definition, differences in batch if kind == "update"]
        if updates:
            names = sorted({name for _, differences in updates for name in differences})
            TaskDefinition.objects.bulk_update([definition for definition, _ in updates], names)

    written, failed = _write_rows(plans, write, progress)
    for kind, row, definition, _ in written:
        if kind == "new":
            result.add_success(row, f"Added new task definition {definition.abbreviation}.")
        else:
            result.add_success(row, f"Updated existing task definition {definition.abbreviation}.")
    for (kind, row, definition, _), error in failed:
        if kind == "new":
            definition.pk = None  # bulk_create may have set it before the savepoint rolled back
        result.add_error(row, _write_failure_message(error))
    return result


def _task_definition_fields(unit, values, present, abbreviation, group_set_by_name, stream_by_text) -> dict:
    """The model fields a row sets. Columns missing from the file are left out (field unchanged)."""
    fields: dict = {
        "start_date": _week_day_date(unit, abbreviation, "start", values["start_week"], values["start_day"]),
        "target_date": _week_day_date(unit, abbreviation, "target", values["target_week"], values["target_day"]),
    }
    if "due_week" in present or "due_day" in present:
        fields["due_date"] = _week_day_date(
            unit, abbreviation, "due", values.get("due_week", ""), values.get("due_day", ""), optional=True
        )
    if "description" in present:
        if len(values["description"]) > 4095:
            raise _RowProblem("description is longer than 4095 characters.")
        fields["description"] = values["description"]
    for column in _INTEGER_COLUMNS:
        if column in present:
            fields[column] = _integer_cell(column, values[column])
    for column in ("restrict_status_updates", "is_graded"):
        if column in present:
            fields[column] = values[column].strip().lower() in _TRUE_TEXTS
    if "upload_requirements" in present:
        fields["upload_requirements"] = _json_list("upload_requirements", values["upload_requirements"])
        _check_upload_requirements(fields["upload_requirements"])
    if "plagiarism_checks" in present:
        fields["plagiarism_checks"] = _json_list("plagiarism_checks", values["plagiarism_checks"])
        _check_plagiarism_checks(fields["plagiarism_checks"])
    # Blank group set / stream cells leave the definition's current one (as upstream).
    if values.get("group_set"):
        group_set = group_set_by_name.get(values["group_set"]) or group_set_by_name.get(values["group_set"].lower())
        if group_set is None:
            raise _RowProblem(f"Unable to find groupset with name {values['group_set']} in unit.")
        fields["group_set"] = group_set
    if values.get("tutorial_stream"):
        stream = stream_by_text.get(values["tutorial_stream"].lower())
        if stream is None:
            raise _RowProblem(f"Unable to find tutorial stream {values['tutorial_stream']} in unit.")
        fields["tutorial_stream"] = stream
    if len(values["name"]) > 200 or len(abbreviation) > 30:
        raise _RowProblem("name may have at most 200 characters and abbreviation at most 30.")
    return fields
