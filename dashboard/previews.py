"""What an attendance upload would record, computed without keeping anything.

The preview runs the very service that Confirm runs (`attendance.services.record_attendance`) inside a
transaction that is always rolled back, and reads the records it made before the rollback. So the
preview cannot disagree with what Confirm writes, and no second copy of the attendance rules exists.
"""

from dataclasses import dataclass, field

from django.db import transaction

from attendance import services as attendance_services
from attendance.models import Course, Record, SourceFormat
from attendance.selectors import natural_roll_key


@dataclass
class PreviewLine:
    roll: str
    name: str
    seconds: int | None
    present: bool
    flagged: bool
    still_connected: bool = False
    status: str = ""  # attendance.models.Status: Present or Late when present, Excused (a correction kept) or Absent
    corrected: bool = False  # a staff correction the upload keeps (the preview lists the report's other mark)
    # How the report's participant was matched to this student: one of attendance.matching.RULES ("email",
    # "roll", "roll in name", "name"); blank when nobody in the report matched them.
    matched_by: str = ""


@dataclass
class PreviewDate:
    date: object
    source_format: str
    lines: list[PreviewLine] = field(default_factory=list)
    counted_to: object = None  # the file's last event, when someone still connected is counted to it
    heading: str = ""  # the date, or the date and start time when the date has several sessions
    start_time: object = None  # the session's start: what lateness is measured from
    replaced: bool = False  # the upload replaces a session already recorded

    @property
    def still_connected(self) -> int:
        return sum(1 for line in self.lines if line.still_connected)

    @property
    def present(self) -> int:
        return sum(1 for line in self.lines if line.present)

    @property
    def absent(self) -> int:
        return sum(1 for line in self.lines if not line.present)


@dataclass
class Preview:
    dates: list[PreviewDate]
    replaced: list
    # Manual corrections the reports disagree with: kept, or replaced (overwrite_corrections); see UploadResult.
    corrections_kept: list = field(default_factory=list)
    corrections_overwritten: list = field(default_factory=list)


class _RollBack(Exception):
    """Raised on purpose to undo the dry run; carries what was read before the undo."""

    def __init__(self, preview: Preview):
        super().__init__("rolled back")
        self.preview = preview


def preview_attendance(*, course: Course, uploaded_by, files, options, progress=None) -> Preview:
    """Run `record_attendance` and undo it. Raises AttendanceError exactly as the real upload would.

    `progress` is passed on to record_attendance.
    Queries: those of record_attendance, plus one to read the records; nothing is left in the database.
    """
    try:
        with transaction.atomic():
            result = attendance_services.record_attendance(
                course=course, uploaded_by=uploaded_by, files=files, options=options, progress=progress
            )
            by_session = {}
            for rows in (
                Record.objects.filter(session__in=[session.pk for session in result.sessions])
                .values_list(
                    "session_id",
                    "session__date",
                    "session__source_format",
                    "student__roll",
                    "student__name",
                    "present",
                    "seconds_attended",
                    "flagged",
                    "still_connected",
                    "status",
                    "corrected",
                )
            ):
                (session_id, date, source_format, roll, name, present, seconds, flagged, still_connected, status,
                 corrected) = rows
                entry = by_session.setdefault(session_id, PreviewDate(date, SourceFormat(source_format).label))
                entry.lines.append(PreviewLine(roll, name, seconds, present, flagged, still_connected, status, corrected))
            for session in result.sessions:
                if session.pk in by_session:
                    entry = by_session[session.pk]
                    entry.heading = session.heading
                    entry.start_time = session.start_time
                    entry.replaced = session.replaced
                    if session.still_connected:
                        entry.counted_to = session.still_connected.counted_to
                    rules = {found["roll"]: found["matched_by"] for found in session.matched if found["roll"] is not None}
                    for line in entry.lines:
                        line.matched_by = rules.get(line.roll, "")
            for entry in by_session.values():
                entry.lines.sort(key=lambda line: natural_roll_key(line.roll))
            # result.sessions is in date and start-time order.
            dates = [by_session[session.pk] for session in result.sessions if session.pk in by_session]
            raise _RollBack(
                Preview(dates, list(result.replaced), result.corrections_kept, result.corrections_overwritten)
            )
    except _RollBack as undone:
        return undone.preview


@dataclass
class UnknownPerson:
    key: str  # how the report names them (what matching compared with the roster)
    other_names: list[str]  # the report's other names for them (display name, email's local part), no repeats
    first_row: int


def unknown_people(error: attendance_services.UnknownParticipants) -> list[UnknownPerson]:
    """The participants of `error` as lines of a table, in the order of the file. No queries."""
    people = []
    for participant in sorted(error.participants, key=lambda p: p.first_row):
        others = dict.fromkeys(name for name in participant.names if name and name != participant.key)
        people.append(UnknownPerson(participant.key, list(others), participant.first_row))
    return people
