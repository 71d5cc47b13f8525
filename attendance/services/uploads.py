"""Recording sessions from meeting reports: every file is checked before anything is written.

Which session a report is for (SPEC §4b: a session is a course, a date and a start time):

* its start time is the `start_time` the teacher sends (HH:MM), else the start the report states (Teams
  summary "Start time", Zoom meeting "Start Time"), else the report's first join, else 00:00 (a Google Form's
  responses have no class times). Seconds are dropped: sessions start on a minute. The teacher's word comes
  first because it is how they say which class a report belongs to (a meeting opened early, or restarted,
  still belongs to the 09:00 class) and because lateness is measured from it;
* with `start_time` sent, the report is for the session at that time: recorded already → 400 unless
  replace=1; otherwise a new session, even beside others on that date (this is how a second class is added);
* without it, a date with no session gets a new one at the report's start; a date with exactly one session
  means that session, as before start times existed (recorded already → 400 unless replace=1, which replaces
  it and gives it the report's start); a date with several sessions is a 400 naming their start times.

Replacing a session updates it and its records in place, so what belongs to a record beyond the report
(its history) is kept. A manual correction (attendance.services.corrections) survives: where the report
says otherwise, the corrected status stays and the reply lists it under corrections.kept (and its message
says so), unless the upload sends overwrite_corrections=1; then the report's mark replaces it and the reply
lists it under corrections.overwritten. Every status a re-upload changes is added to the record's history.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from attendance.formats import (
    DAY_FIRST,
    GOOGLE_FORM,
    ParsedReport,
    TimestampError,
    parse_end_time,
    parse_report,
)
from attendance.headings import session_heading, start_times_text
from attendance.matching import match_participants
from attendance.models import Course, CourseStudent, Record, RecordChange, Session, Status
from attendance.presence import PresenceError, last_event, measure_presence
from attendance.selectors import natural_roll_key
from attendance.errors import AttendanceError, UnknownParticipants
from attendance.services.reading import reader_limits
from spreadsheets import FileFormatError


@dataclass(frozen=True)
class UploadOptions:
    end_time: str | None = None  # as sent: a full date and time, or a time on the report's date
    threshold_seconds: int = 0
    date: datetime.date | None = None
    flags: tuple[str, ...] = ()
    ignore_unknown: bool = False
    replace: bool = False
    date_order: str = DAY_FIRST
    identity: str = "name"  # how current Teams / Zoom participants are identified: "name" or "email"
    start_time: datetime.time | None = None  # the session's start, when the teacher names it
    # A re-upload keeps manual corrections (and says which) unless this is set: then the report's marks win.
    overwrite_corrections: bool = False


class PlannedRecord(NamedTuple):
    present: bool
    seconds: int | None
    flagged: bool  # the teacher's flags: absent whatever the report says
    still_connected: bool = False  # connected when the list was saved: seconds run to its last event
    joined_at: datetime.datetime | None = None  # their first join, when the report has join times


@dataclass
class PlannedSession:
    file_name: str
    report: ParsedReport
    end_time: datetime.datetime | None
    records: dict[str, PlannedRecord]  # by roll
    # The file's last event, when someone still connected was counted to it (no end_time was sent).
    counted_to: datetime.datetime | None = None
    matched: list[dict] = field(default_factory=list)  # how each participant was matched (`_how_matched`)

    @property
    def date(self) -> datetime.date:
        return self.report.date

    @property
    def report_start(self) -> datetime.time | None:
        """The start the report states, else its first join, to the minute; None when it has no times."""
        at = self.report.meeting_start or self.report.first_join
        return at.time().replace(second=0, microsecond=0) if at is not None else None


@dataclass
class StillConnected:
    """The students of one session whose report ended with them connected, and the moment they are counted to."""

    rolls: list[str]
    counted_to: datetime.datetime


class CorrectionMet(NamedTuple):
    """A manual correction a re-uploaded report disagrees with: kept, or overwritten by the report."""

    roll: str
    session_pk: int
    correction: str  # the corrected status
    report: str  # what the report says
    kept: bool


@dataclass
class RecordedSession:
    """One session an upload wrote: where it is, how reports name it now, and what was recorded."""

    pk: int
    date: datetime.date
    start_time: datetime.time
    heading: str  # `YYYY-MM-DD`, or `YYYY-MM-DD HH:MM` when the date has several sessions (attendance.headings)
    file_name: str
    replaced: bool
    counts: dict[str, int]  # the seed's summary: present (Present or Late), absent, flagged, still connected
    statuses: dict[str, int] = field(default_factory=dict)  # students by status: present, late, excused, absent
    still_connected: StillConnected | None = None
    matched: list[dict] = field(default_factory=list)  # how each participant of its report was matched


@dataclass
class UploadResult:
    sessions: list[RecordedSession]  # by date and start time
    corrections: list[CorrectionMet] = field(default_factory=list)  # by session, then roll

    def _corrections(self, *, kept: bool) -> list[dict]:
        heading = {session.pk: session.heading for session in self.sessions}
        return [
            {
                "roll": met.roll,
                "session": heading[met.session_pk],
                "correction": Status(met.correction).label,
                "report": Status(met.report).label,
            }
            for met in self.corrections
            if met.kept is kept
        ]

    @property
    def corrections_kept(self) -> list[dict]:
        """Manual corrections the reports disagree with, kept: {roll, session, correction, report}."""
        return self._corrections(kept=True)

    @property
    def corrections_overwritten(self) -> list[dict]:
        """Manual corrections replaced by the reports' marks (overwrite_corrections=1)."""
        return self._corrections(kept=False)

    @property
    def dates(self) -> list[datetime.date]:
        return sorted({session.date for session in self.sessions})

    @property
    def replaced(self) -> list[datetime.date]:
        return sorted({session.date for session in self.sessions if session.replaced})

    @property
    def summary(self) -> dict[str, dict[str, int]]:
        return {session.heading: session.counts for session in self.sessions}

    @property
    def still_connected(self) -> dict[str, StillConnected]:
        """By session heading; only sessions with someone still connected."""
        return {session.heading: session.still_connected for session in self.sessions if session.still_connected}

    @property
    def matched(self) -> dict[str, list[dict]]:
        """By session heading: each participant of the report, the roll matched and by which rule."""
        return {session.heading: session.matched for session in self.sessions}

    @property
    def message(self) -> str:
        recorded = ", ".join(session.heading for session in self.sessions)
        replaced = [session.heading for session in self.sessions if session.replaced]
        replacing = f" (replacing what was recorded before for {', '.join(replaced)})" if replaced else ""
        notes = "".join(
            f" {len(still.rolls)} student{'s were' if len(still.rolls) != 1 else ' was'} still connected when the list "
            f"of {heading} was saved and {'are' if len(still.rolls) != 1 else 'is'} counted to its last event "
            f"({still.counted_to:%H:%M:%S}): roll{'s' if len(still.rolls) != 1 else ''} {', '.join(still.rolls)}."
            for heading, still in self.still_connected.items()
        )
        return f"Attendance recorded for {recorded}{replacing}.{notes}{self._corrections_note()}"

    def _corrections_note(self) -> str:
        kept, overwritten = self.corrections_kept, self.corrections_overwritten
        note = ""
        if kept:
            listed = "; ".join(f"roll {c['roll']} on {c['session']} stays {c['correction']} (the report says {c['report']})" for c in kept)
            note += (
                f" {len(kept)} manual correction{'s were' if len(kept) != 1 else ' was'} kept where the report says "
                f"otherwise: {listed}. Send overwrite_corrections=1 to replace corrections with the report's marks."
            )
        if overwritten:
            listed = "; ".join(f"roll {c['roll']} on {c['session']} is now {c['report']} (was {c['correction']})" for c in overwritten)
            note += (
                f" {len(overwritten)} manual correction{'s were' if len(overwritten) != 1 else ' was'} replaced by "
                f"the report's marks: {listed}."
            )
        return note

    def as_dict(self) -> dict:
        """The reply of /upload_attendance (and the result of its job): message, dates, summary per session, who
        was still connected when each list was saved, and the sessions written (date, start time, heading)."""
        return {
            "message": self.message,
            "dates": [f"{date:%Y-%m-%d}" for date in self.dates],
            "summary": self.summary,
            "still_connected": {
                heading: {"rolls": still.rolls, "counted_to": still.counted_to.isoformat()}
                for heading, still in self.still_connected.items()
            },
            "corrections": {"kept": self.corrections_kept, "overwritten": self.corrections_overwritten},
            "matched": self.matched,
            "sessions": [
                {
                    "date": f"{session.date:%Y-%m-%d}",
                    "start_time": f"{session.start_time:%H:%M}",
                    "heading": session.heading,
                    "file": session.file_name,
                    "replaced": session.replaced,
                    "statuses": session.statuses,
                }
                for session in self.sessions
            ],
        }


def _how_matched(matches, withdrawn: frozenset[str], unknown: list) -> list[dict]:
    """Each participant of a report, in the file's order, with the roll it was matched to and by which rule
    (attendance.matching.RULES), or roll and rule null when it matched nobody (left out with unknown=ignore,
    or a host). A match to a withdrawn student says so: nothing is recorded for them."""
    entries = []
    for participant, roll, rule in matches.matched:
        entry = {"participant": participant.key, "email": participant.email, "roll": roll, "matched_by": rule}
        if roll in withdrawn:
            entry["withdrawn"] = True
        entries.append((participant.first_row, entry))
    for participant in matches.unknown:
        entry = {"participant": participant.key, "email": participant.email, "roll": None, "matched_by": None}
        if participant.is_host:
            entry["host"] = True
        entries.append((participant.first_row, entry))
    return [entry for _, entry in sorted(entries, key=lambda pair: pair[0])]


def _plan(
    name: str,
    data: bytes,
    roster: dict[str, str],
    options: UploadOptions,
    *,
    emails: dict[str, str] | None = None,
    withdrawn: frozenset[str] = frozenset(),
) -> PlannedSession:
    try:
        report = parse_report(
            data,
            date_order=options.date_order,
            identity=options.identity,
            # A report that writes no date (Google Meet) takes it from the file name, else the date field; UTC
            # times (a Teams live event's) are shown in the product's time zone, as end_time is read.
            file_name=name,
            date=options.date,
            time_zone=timezone.get_current_timezone(),
            **reader_limits(),
        )
    except FileFormatError as error:
        raise AttendanceError(f"{name}: {error}") from None
    if options.date is not None and options.date != report.date:
        raise AttendanceError(
            f"{name} is dated {report.date:%Y-%m-%d}, not {options.date:%Y-%m-%d} as the date field says."
        )
    end_time = None
    if options.end_time and report.format != GOOGLE_FORM:
        try:
            end_time = parse_end_time(options.end_time, report_date=report.date, order=options.date_order)
        except TimestampError as error:
            raise AttendanceError(f"end_time: {error}.") from None
        if end_time.date() != report.date:
            raise AttendanceError(
                f"end_time is on {end_time:%Y-%m-%d} but {name} is dated {report.date:%Y-%m-%d}."
            )

    matches = match_participants(roster, list(report.participants.values()), emails=emails)
    if matches.ambiguous:
        described = "; ".join(f"'{p.key}' (row {p.first_row}) could be roll {', '.join(r)}" for p, r in matches.ambiguous)
        raise AttendanceError(f"{name}: some participants match more than one student: {described}.")
    # Hosts (organisers, presenters, panelists) not on the roster run the meeting: left out, never refused.
    unknown = [participant for participant in matches.unknown if not participant.is_host]
    if unknown and not options.ignore_unknown:
        listed = ", ".join(f"'{p.key}' (row {p.first_row})" for p in unknown)
        raise UnknownParticipants(
            f"{name}: these participants are not on the course roster: {listed}. Add them with /add_students, "
            "or send unknown=ignore to leave them out.",
            file_name=name,
            participants=unknown,
        )

    # SPEC §3: without end_time, whoever is still connected at the end of the file is counted to its last event
    # (anyone's, roster or not: the list was saved then) and marked, never refused. Only the legacy Teams list
    # leaves connections open; the current Teams and Zoom reports pair every join with a leave.
    file_end = last_event(report.participants.values()) if end_time is None else None
    flags = set(options.flags)
    records = {}
    counted_to = None
    for roll in roster:
        if roll in withdrawn:  # matched (so not unknown), but no longer on the roster: nothing recorded
            continue
        participants = matches.by_roll.get(roll, [])
        flagged = roll in flags
        if report.format == GOOGLE_FORM:
            records[roll] = PlannedRecord(bool(participants) and not flagged, None, flagged)
            continue
        if not participants:
            records[roll] = PlannedRecord(False, 0, flagged)
            continue
        joined_at = min((p.joined_at for p in participants if p.joined_at is not None), default=None)
        connections = [event for participant in participants for event in participant.connections]
        seconds = sum(p.reported_seconds or 0 for p in participants)
        still_connected = False
        if connections:
            try:
                presence = measure_presence(
                    connections, end_time=end_time, file_end=file_end, who=f"'{participants[0].key}'"
                )
            except PresenceError as error:
                raise AttendanceError(f"{name}: {error}") from None
            seconds += presence.seconds
            still_connected = presence.still_connected
            if still_connected:
                counted_to = file_end
        records[roll] = PlannedRecord(
            seconds >= options.threshold_seconds and not flagged, seconds, flagged, still_connected, joined_at
        )
    return PlannedSession(
        file_name=name, report=report, end_time=end_time, records=records, counted_to=counted_to,
        matched=_how_matched(matches, withdrawn, unknown),
    )


def record_attendance(
    *, course: Course, uploaded_by, files: list[tuple[str, bytes]], options: UploadOptions, progress=None
) -> UploadResult:
    """Record one session per report file. Every file is checked before anything is written; which session
    each report is for follows the module's rules.

    ``progress(stage, done, total)``, when given, hears ("checking", files read, files) after each file
    and ("writing", 0, files) before the writes: once per file, not per row of a report.
    Queries: the roster (1), then in one transaction a lock on the course row, the sessions of the reports'
    dates, the students, their records in the sessions replaced, then one insert of sessions, one update of
    those replaced, one insert and one update of records, one insert of history entries, and the statuses
    counted — constant in the number of students (bulk writes go in batches of a few thousand rows).
    """
    if not files:
        raise AttendanceError("No file was uploaded: send one or more reports as the multipart field 'file'.")
    listed = CourseStudent.objects.filter(course=course).values_list("roll", "name", "email", "withdrawn")
    roster, emails, withdrawn = {}, {}, set()
    for roll, name, email, has_left in listed:
        roster[roll] = name
        if email:
            emails[roll] = email
        if has_left:
            withdrawn.add(roll)
    if len(withdrawn) == len(roster):
        if course.follows_unit:
            raise AttendanceError(
                f"{course} has no students: its roster follows unit {course.unit.code}, where none is enrolled."
            )
        raise AttendanceError(f"{course} has no students; add them with /add_students first.")
    withdrawn = frozenset(withdrawn)
    unknown_flags = [roll for roll in options.flags if roll not in roster or roll in withdrawn]
    if unknown_flags:
        raise AttendanceError(f"These flagged rolls are not enrolled in {course}: {', '.join(unknown_flags)}.")

    plans = []
    for name, data in files:
        plans.append(_plan(name, data, roster, options, emails=emails, withdrawn=withdrawn))
        if progress is not None:
            progress("checking", len(plans), len(files))

    if progress is not None:
        progress("writing", 0, len(files))
    try:
        with transaction.atomic():
            # The lock serialises uploads to one course, so "already recorded" is decided on fresh data.
            locked = Course.objects.select_for_update().filter(pk=course.pk).first() or course
            existing: dict[datetime.date, dict[datetime.time, Session]] = defaultdict(dict)
            for session in Session.objects.filter(course=course, date__in={plan.date for plan in plans}):
                existing[session.date][session.start_time] = session
            targets = _targets(plans, existing, options)
            written, corrections = _write(locked, plans, targets, uploaded_by=uploaded_by, options=options)
            statuses = _status_counts([session for _, _, session in written])
    except IntegrityError:
        raise AttendanceError(
            "Attendance for this session has just been recorded by another upload; send replace=1 to replace it.",
            code="date_recorded",
        ) from None

    recorded = []
    for plan, target, session in written:
        # How reports name the session now: by its date alone if it is the date's only one.
        starts = {start for start, other in existing[plan.date].items() if all(other is not t for _, t, _ in written)}
        starts |= {other.start_time for other_plan, _, other in written if other_plan.date == plan.date}
        values = plan.records.values()
        rolls = sorted((roll for roll, record in plan.records.items() if record.still_connected), key=natural_roll_key)
        recorded.append(
            RecordedSession(
                pk=session.pk,
                date=plan.date,
                start_time=session.start_time,
                heading=session_heading(plan.date, session.start_time, alone=len(starts) == 1),
                file_name=plan.file_name,
                replaced=target is not None,
                counts={
                    # As recorded: a correction kept against the report counts as corrected.
                    "present": statuses[session.pk][Status.PRESENT] + statuses[session.pk][Status.LATE],
                    "absent": statuses[session.pk][Status.ABSENT] + statuses[session.pk][Status.EXCUSED],
                    "flagged": sum(1 for record in values if record.flagged),
                    "still_connected": sum(1 for record in values if record.still_connected),
                },
                statuses=statuses[session.pk],
                still_connected=StillConnected(rolls, plan.counted_to) if rolls else None,
                matched=plan.matched,
            )
        )
    recorded.sort(key=lambda session: (session.date, session.start_time))
    order = {session.pk: index for index, session in enumerate(recorded)}
    corrections.sort(key=lambda met: (order[met.session_pk], natural_roll_key(met.roll)))
    return UploadResult(sessions=recorded, corrections=corrections)


class _Target(NamedTuple):
    """Where a report goes: an existing session to replace (with its start from now on), or a new one."""

    session: Session | None
    start_time: datetime.time


def _targets(plans: list[PlannedSession], existing, options: UploadOptions) -> list[_Target]:
    """The session each report is for (module docstring), or AttendanceError naming the file and the fix."""
    targets = []
    taken: dict[tuple[datetime.date, datetime.time], str] = {}  # by this upload: (date, start) -> file
    per_date = defaultdict(list)
    for plan in plans:
        per_date[plan.date].append(plan)
    for plan in plans:
        date, on_date = plan.date, existing[plan.date]
        named = options.start_time
        start = named or plan.report_start
        if named is not None or not on_date:
            start = start or datetime.time(0, 0)
            session = on_date.get(start)
            if session is not None and not options.replace:
                raise AttendanceError(
                    f"Attendance for {date:%Y-%m-%d} at {start:%H:%M} ({plan.file_name}) has already been "
                    "recorded; send replace=1 to replace it.",
                    code="date_recorded",
                )
        elif len(on_date) == 1 and len(per_date[date]) == 1:
            [(recorded_start, session)] = on_date.items()
            if not options.replace:
                other = (
                    f" {plan.file_name} starts at {start:%H:%M} and the recorded session at {recorded_start:%H:%M}: "
                    f"send start_time={start:%H:%M} to record it as another session on that date, or replace=1 "
                    "to replace the recorded one."
                    if start is not None and start != recorded_start
                    else " Send replace=1 to replace it."
                )
                raise AttendanceError(
                    f"Attendance for {date:%Y-%m-%d} ({plan.file_name}) has already been recorded.{other}",
                    code="date_recorded",
                )
            start = start or recorded_start
        else:
            starts = start_times_text(on_date)
            raise AttendanceError(
                f"{date:%Y-%m-%d} has sessions at {starts}; send start_time (HH:MM) to say which one "
                f"{plan.file_name} is for (or a new start time to add a session)."
                if len(on_date) > 1
                else f"{date:%Y-%m-%d} is already recorded (at {starts}) and this upload has "
                f"{len(per_date[date])} reports of that date; upload them one at a time, each with its start_time."
            )
        clash = taken.get((date, start))
        if clash is not None:
            raise AttendanceError(
                f"{clash} and {plan.file_name} are both dated {date:%Y-%m-%d} and start at {start:%H:%M}; merge them "
                "into one file, upload one of them, or upload them one at a time with different start_time values."
            )
        taken[date, start] = plan.file_name
        targets.append(_Target(session, start))
    return targets


def _write(course: Course, plans, targets, *, uploaded_by, options: UploadOptions):
    """Write the sessions and their records: ([(plan, session replaced or None, session written)], the
    corrections the reports disagreed with). A re-upload changing a status adds it to the record's history."""
    now = timezone.now()
    students = dict(CourseStudent.objects.filter(course=course).values_list("roll", "pk"))
    sessions = []
    for plan, target in zip(plans, targets):
        session = target.session or Session(course=course, date=plan.date)
        session.start_time = target.start_time
        session.source_format = plan.report.format
        session.end_time = timezone.make_aware(plan.end_time) if plan.end_time else None
        session.threshold_seconds = options.threshold_seconds
        session.uploaded_by = uploaded_by
        session.uploaded_at = now
        sessions.append(session)
    replaced = [session for session, target in zip(sessions, targets) if target.session is not None]
    Session.objects.bulk_update(
        replaced, ["start_time", "source_format", "end_time", "threshold_seconds", "uploaded_by", "uploaded_at"]
    )
    Session.objects.bulk_create([session for session, target in zip(sessions, targets) if target.session is None])
    written = [(plan, target.session, session) for plan, target, session in zip(plans, targets, sessions)]
    recorded = {
        (record.session_id, record.student_id): record
        for record in Record.objects.filter(session__in=replaced)
    }
    creating, updating, changes, corrections = [], [], [], []
    for plan, _, session in written:
        for roll, planned in plan.records.items():
            student_id = students.get(roll)
            if student_id is None:  # removed meanwhile
                continue
            record = recorded.pop((session.pk, student_id), None) or Record(session=session, student_id=student_id)
            before = record.status if record.pk else ""
            said = status_from_report(planned, session=session, late_allowance=course.late_allowance_minutes)
            if record.corrected and said != before:
                corrections.append(CorrectionMet(roll, session.pk, before, said, kept=not options.overwrite_corrections))
            if not (record.corrected and said != before and not options.overwrite_corrections):
                record.set_status(said)
                if record.pk and said != before:
                    changes.append(_change(record, before, said, uploaded_by, now, overwritten=record.corrected))
                    record.corrected = False
            record.seconds_attended = planned.seconds
            record.flagged = planned.flagged
            record.still_connected = planned.still_connected
            record.first_join = planned.joined_at.time() if planned.joined_at is not None else None
            (updating if record.pk else creating).append(record)
    Record.objects.bulk_create(creating, batch_size=2000)
    Record.objects.bulk_update(
        updating,
        ["status", "present", "corrected", "seconds_attended", "flagged", "still_connected", "first_join"],
        batch_size=500,
    )
    RecordChange.objects.bulk_create(changes)
    return written, corrections


def _change(record: Record, before: str, after: str, uploaded_by, now, *, overwritten: bool) -> RecordChange:
    """The history entry of a re-upload that changed a recorded status."""
    return RecordChange(
        record=record,
        source=RecordChange.Source.UPLOAD,
        before=before,
        after=after,
        remark="The report uploaded again with overwrite_corrections=1 replaced a correction."
        if overwritten
        else "The report uploaded again says otherwise.",
        changed_by=uploaded_by,
        changed_at=now,
    )


def status_from_report(planned: PlannedRecord, *, session: Session, late_allowance: int | None) -> str:
    """What a report says of one student: Absent unless present (threshold met, not flagged); Late when the
    course has a late allowance and they first joined more than that many minutes after the session's start.

    Exactly the allowance after the start is not Late (09:10:00 with 10 minutes after 09:00), one second more
    is. Nobody is Late in a session whose start nothing stated (00:00), nor in a report without join times
    (Google Form responses): there is nothing to judge lateness on.
    """
    if not planned.present:
        return Status.ABSENT
    if late_allowance is None or planned.joined_at is None or session.start_time == datetime.time(0, 0):
        return Status.PRESENT
    deadline = datetime.datetime.combine(session.date, session.start_time) + datetime.timedelta(minutes=late_allowance)
    return Status.LATE if planned.joined_at > deadline else Status.PRESENT


def _status_counts(sessions: list[Session]) -> dict[int, dict[str, int]]:
    """Students by status in each session written, as the database now holds them. One query."""
    counts = {session.pk: dict.fromkeys(Status.values, 0) for session in sessions}
    for session_id, status, number in (
        Record.objects.filter(session__in=sessions).values("session_id", "status").annotate(number=Count("pk"))
        .values_list("session_id", "status", "number")
    ):
        counts[session_id][status] = number
    return counts
