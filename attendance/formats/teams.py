"""The current Microsoft Teams attendance report (since mid 2021): one file, numbered sections.

    1. Summary
    Meeting title	Algorithms lecture
    Start time	13/2/2026, 9:00:00 AM
    End time	13/2/2026, 10:00:00 AM

    2. Participants
    Name	First Join	Last Leave	In-Meeting Duration	Email	Participant ID (UPN)	Role
    Asha Rao	13/2/2026, 9:01:00 AM	13/2/2026, 9:58:00 AM	52m 0s	asha@uni.edu	asha@uni.edu	Attendee

    3. In-Meeting Activities
    Name	Join Time	Leave Time	Duration	Email	Role
    Asha Rao	13/2/2026, 9:01:00 AM	13/2/2026, 9:30:00 AM	29m 0s	asha@uni.edu	Attendee

Layout: dvaneynde/teams-attendance `data/utf8/IDL-15-11-22.csv` (a real 2022 file) and later files
(../shared/reference/attendance-formats-2026.md §3a). What varies, and how it is read:

* Teams writes UTF-16 LE tab-separated text under a .csv name; teachers re-save it from Excel as comma or
  semicolon CSV (UTF-8 or Windows-1252) or XLSX. The file is split on its own delimiter, so names with commas
  (`Goliath, David`) stay whole.
* Headings differ in case (`First join` / `First Join`) and language (German `2. Teilnehmer`, `Erster Beitritt`,
  `Teilnehmer-ID (UPN)`). Sections are found by their numbers (`1.` summary, `2.` participants, `3.`
  activities; a `4.` section and what follows it are not read), or, in a file whose titles were lost, by the
  English headings. Columns are found by their English or German headings, else by their position, which is the
  same in every language. The summary's start and end are its first and last values that are timestamps.
* Dates follow the organiser's locale (`15/11/22, 09:31:18`, `11/26/25, 4:16:54 PM`, `15.11.2022, 09:31:18`;
  see timestamps for the rule); durations `1h 2m 3s`, `55m`, `10m 28s`, `10 Min. 5 Sek.`.

When the activities section has rows, each join/leave pair is used (so overlapping devices are counted once);
otherwise the Participants' In-Meeting Duration is. Organisers and presenters are kept and marked hosts.
"""

from __future__ import annotations

from spreadsheets import Table

from attendance.formats.report import TEAMS, ParsedReport, ReadOptions, ReportBuilder, ReportError
from attendance.formats.sections import SectionedText
from attendance.formats.signature import Column, Signature
from attendance.formats.timestamps import TimestampError, parse_duration, parse_timestamp

_TAGS = ("(external)", "(unverified)", "(guest)")
_MINUTES_COLUMNS = Column("Duration (Minutes)", ("duration_(minutes)", "total_duration_(minutes)"))
SIGNATURES = (
    Signature(needs=(Column("First Join", ("first_join",)), Column("Last Leave", ("last_leave",)))),
    Signature(needs=(Column("In-Meeting Duration", ("in_meeting_duration",)),), never=(Column("Join Time", ("join_time",)),)),
    # The activities table alone. Its name column is `Name`: the 2021 layout's is `Full Name` (teams_2021).
    Signature(
        needs=(Column("Name", ("name",)), Column("Join Time", ("join_time",)), Column("Leave Time", ("leave_time",))),
        never=(
            _MINUTES_COLUMNS,
            Column("Attended", ("attended",)),
            Column("Time in Session (minutes)", ("time_in_session_(minutes)",)),
        ),
    ),
)

# (field, its headings in English and German, its position in every language). German: corroborating only
# (a 2026 fixture, see the reference); a language not listed is read by position.
PARTICIPANT_COLUMNS = (
    ("name", ("name", "full_name"), 0),
    ("first_join", ("first_join", "erster_beitritt"), 1),
    ("last_leave", ("last_leave", "letztes_verlassen"), 2),
    ("duration", ("in_meeting_duration", "dauer_der_besprechung"), 3),
    ("email", ("email", "e_mail"), 4),
    ("upn", ("participant_id_(upn)", "teilnehmer_id_(upn)"), 5),
    ("role", ("role", "rolle"), 6),
)
ACTIVITY_COLUMNS = (
    ("name", ("name", "full_name"), 0),
    ("join", ("join_time", "beitreten"), 1),
    ("leave", ("leave_time", "verlassen"), 2),
    ("duration", ("duration", "dauer"), 3),
    ("email", ("email", "e_mail"), 4),
    ("role", ("role", "rolle"), 5),
)


def without_tag(name: str) -> str:
    """``name`` without the "(External)", "(Unverified)" or "(Guest)" Teams writes after it, if any.

    Done with string methods: the pattern this replaces was searched for, so it was tried from every
    space of a run and read to the run's end each time; one name holding 300 KiB of spaces kept a worker
    busy for minutes (issue 11). Each step here is one pass over the name.
    """
    trimmed = name.rstrip()
    for tag in _TAGS:
        # Compared on the tag's own length: casefold() may change the length of other characters.
        if trimmed[-len(tag) :].casefold() == tag:
            return trimmed[: -len(tag)].rstrip()
    return name


def section_number(cell: str | None) -> int | None:
    """The number of a section title such as "2. Participants" or "3. Aktivitäten in der Besprechung", else None.

    A dotted date ("15.11.2022") is not a title: a title's dot is followed by a space.
    """
    if not cell:
        return None
    number, dot, rest = cell.partition(".")
    if dot and number.isascii() and number.isdecimal() and len(number) <= 2 and rest[:1] == " " and rest.strip():
        return int(number)
    return None


def numbered_sections(text: SectionedText) -> dict[int, int]:
    """{section number: index of its title line} for the first title of each number, in any language."""
    sections: dict[int, int] = {}
    for index, cells in enumerate(text.cells):
        if not cells or not cells[0][:1].isdecimal():
            continue  # a title is the line's first cell (most lines are data rows: this test is the cheap one)
        number = section_number(text.lone_cell(index))
        if number is not None:
            sections.setdefault(number, index)
    return sections


def has_numbered_sections(text: SectionedText) -> bool:
    """Whether ``text`` is laid out as a Teams report in any language: a `1.` section, then a `2.` section whose
    first line is a table heading (four or more cells)."""
    sections = numbered_sections(text)
    if not {1, 2} <= set(sections) or sections[1] > sections[2]:
        return False
    heading = text.next_filled(sections[2] + 1)
    return heading is not None and sum(1 for cell in text.cells[heading] if cell) >= 4


def _tables(text: SectionedText) -> tuple[int, int | None, int | None]:
    """(end of the summary, participants heading line, activities heading line) of a Teams report."""
    sections = numbered_sections(text)
    if 2 in sections:
        heading_after = {
            number: text.next_filled(sections[number] + 1) for number in (2, 3) if number in sections
        }
        found = {
            number: at for number, at in heading_after.items() if at is not None and section_number(text.lone_cell(at)) is None
        }
        return sections[2], found.get(2), found.get(3)
    participants = text.find(lambda headers: SIGNATURES[0].fits(headers) or SIGNATURES[1].fits(headers))
    activities = text.find(SIGNATURES[2].fits)
    summary_end = min((at for at in (participants, activities) if at is not None), default=len(text.lines))
    return summary_end, participants, activities


def _columns(table: Table, fields) -> dict[str, str]:
    """{field: normalised heading} of ``table``: by heading where the heading is known, else by position."""
    known = {heading: name for name, headings, _ in fields for heading in headings}
    found: dict[str, str] = {}
    for heading in table.headers:
        if heading in known:
            found.setdefault(known[heading], heading)
    for name, _, position in fields:
        if name not in found and position < len(table.headers) and table.headers[position] not in known:
            found[name] = table.headers[position]
    return found


def _needs(table: Table, columns: dict[str, str], fields: tuple[str, ...], what: str, at: int) -> None:
    lacking = [name.replace("_", " ") for name in fields if name not in columns]
    if lacking:
        raise ReportError(
            f"The {what} table (row {at + 1}) has no {' or '.join(lacking)} column: "
            f"its headings are {', '.join(table.original_headers)}.",
            row=at + 1,
        )


def _people(builder: ReportBuilder, columns: dict[str, str]):
    """A function giving the participant of a row, for a table whose fields are at ``columns``."""
    name_at, upn_at, email_at, role_at = (columns.get(field, "") for field in ("name", "upn", "email", "role"))

    def person(row):
        values = row.values
        name, upn = values.get(name_at, ""), values.get(upn_at, "")
        return builder.person(
            row.number, name=name, email=values.get(email_at, "") or upn, role=values.get(role_at, ""),
            names=lambda: [without_tag(name), upn.partition("@")[0]],
        )  # fmt: skip

    return person


def _summary(text: SectionedText, builder: ReportBuilder, end: int):
    """Read the summary's timestamps (its first and last are the meeting's start and end) and return
    (start, end), both None unless the summary states two."""
    found = []
    for value, row in text.key_values(0, end).values():
        try:
            parse_timestamp(value, order=builder.options.order)
        except TimestampError:
            continue
        found.append(builder.time(value, row=row, what="meeting time"))
    return (found[0], found[-1]) if len(found) > 1 else (None, None)


def parse_teams_report(text: SectionedText, options: ReadOptions, **reader_limits) -> ParsedReport:
    """Participants from the activities (joins and leaves) when there are any, else from the participants'
    durations. ReportError names the row of anything that cannot be read."""
    summary_end, participants_at, activities_at = _tables(text)
    builder = ReportBuilder(options)
    meeting_start, meeting_end = _summary(text, builder, summary_end)
    activities = text.table(activities_at, **reader_limits) if activities_at is not None else None
    if activities is not None and activities.rows:
        columns = _columns(activities, ACTIVITY_COLUMNS)
        _needs(activities, columns, ("name", "join", "leave"), "In-Meeting Activities", activities_at)
        labels = dict(zip(activities.headers, activities.original_headers))
        person, join_at, leave_at = _people(builder, columns), columns["join"], columns["leave"]
        for row in activities.rows:
            participant = person(row)
            joined = builder.time(row.values[join_at], row=row.number, what=labels[join_at])
            left = builder.time(row.values[leave_at], row=row.number, what=labels[leave_at])
            builder.interval(participant, joined, left, row.number)
    elif participants_at is not None:
        table = text.table(participants_at, **reader_limits)
        columns = _columns(table, PARTICIPANT_COLUMNS)
        _needs(table, columns, ("name", "duration"), "Participants", participants_at)
        labels = dict(zip(table.headers, table.original_headers))
        person = _people(builder, columns)
        for row in table.rows:
            participant = person(row)
            for field in ("first_join", "last_leave"):
                if row.values.get(columns.get(field, "")):
                    at = builder.time(row.values[columns[field]], row=row.number, what=labels[columns[field]])
                    if field == "first_join" and (participant.first_join is None or at < participant.first_join):
                        participant.first_join = at
            try:
                seconds = parse_duration(row.values[columns["duration"]])
            except TimestampError as error:
                raise ReportError(f"Row {row.number}: the {labels[columns['duration']]} {error}.", row=row.number) from None
            participant.reported_seconds = (participant.reported_seconds or 0) + seconds
    else:
        raise ReportError("The Teams report has no participants table (section 2, or First Join and Last Leave headings).")
    return builder.report(TEAMS, meeting_end=meeting_end, meeting_start=meeting_start)
