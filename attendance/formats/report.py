"""What every report parser returns: the report's one date and what each participant did.

Every reader, whatever the layout it reads, ends in the same shape: a `Participant` per person with their
connections (join +1 / leave -1 at a moment) or a duration the report states, so presence (the union of
connected time), roster matching and thresholds are computed once, in `attendance.presence` and
`attendance.matching`. `ReportBuilder` is how the readers fill that shape row by row.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import NamedTuple

from spreadsheets import FileFormatError, normalise_header

from attendance.formats.timestamps import DAY_FIRST, TimestampError, parse_timestamp

# The values of attendance.models.SourceFormat (the parsers stay free of the ORM). At most 16 characters:
# Session.source_format's length.
TEAMS_LEGACY = "teams_legacy"
TEAMS = "teams"
TEAMS_2021 = "teams_2021"
TEAMS_LIVE = "teams_live"
ZOOM = "zoom"
ZOOM_WEBINAR = "zoom_webinar"
GOOGLE_FORM = "google_form"
GOOGLE_MEET = "google_meet"
WEBEX = "webex"

FORMAT_NAMES = {
    TEAMS_LEGACY: "Teams attendance list",
    TEAMS: "Teams attendance report",
    TEAMS_2021: "Teams attendance report (2021 layout)",
    TEAMS_LIVE: "Teams live event attendee report",
    ZOOM: "Zoom participants report",
    ZOOM_WEBINAR: "Zoom webinar attendee report",
    GOOGLE_FORM: "Google Form responses",
    GOOGLE_MEET: "Google Meet attendance report",
    WEBEX: "Webex meeting attendee report",
}

JOIN = 1
LEAVE = -1

# The roles, as the reports write them (normalised like headings), of people who run a meeting rather than
# attend it: Teams (Organizer, Co-organizer, Presenter; en-GB Organiser; de Organisator, Referent; pl
# Organizator, Prezenter), Teams live events (Producer), Zoom webinars (Host, Panelist), Webex (host, cohost).
HOST_ROLES = frozenset(
    {
        "organizer", "organiser", "co_organizer", "co_organiser", "presenter", "producer",
        "host", "co_host", "cohost", "alternative_host", "panelist", "panellist",
        "organisator", "mitorganisator", "referent", "referentin", "organizator", "prezenter",
    }
)  # fmt: skip


def is_host_role(role: str) -> bool:
    """Whether ``role`` (as a report writes it) is one of a meeting's hosts, organisers, presenters or panelists."""
    return bool(role) and normalise_header(role) in HOST_ROLES


class Connection(NamedTuple):
    """One join (+1) or leave (-1) at a moment, with the spreadsheet row it came from.

    A named tuple rather than a frozen dataclass: a 50,000-event log makes one per row, and a frozen
    dataclass's __init__ (object.__setattr__ per field) costs several times more.
    """

    at: datetime.datetime
    change: int
    row: int


@dataclass
class Participant:
    """One person as the report names them.

    ``key`` is what identifies them (display name, email local part or roll, as the upload asked);
    ``names`` are other strings that may match the roster (e.g. Zoom's original name).
    ``email`` is the address as the report gives it (Teams Email, else Participant ID (UPN); Zoom User Email or
    Email; Meet Email; Webex email; a Teams live event's Participant Id), "" when it gives none.
    ``role`` is their role as the report writes it ("" when it has none); ``is_host`` marks the people who run
    the meeting (organisers, presenters, hosts, panelists, by role or by the Zoom meeting block's Host): they are
    reported, but never counted as students unless they are on the roster.
    ``connections`` are joins and leaves; ``reported_seconds`` a duration the report states when it gives
    no times; ``first_join`` the First Join a report states beside such a duration; ``responded`` marks a
    form response (presence without a duration).
    """

    key: str
    first_row: int
    names: list[str] = field(default_factory=list)
    connections: list[Connection] = field(default_factory=list)
    reported_seconds: int | None = None
    first_join: datetime.datetime | None = None
    responded: bool = False
    email: str = ""
    role: str = ""
    is_host: bool = False

    @property
    def joined_at(self) -> datetime.datetime | None:
        """When they first joined: the stated First Join, else their earliest join (None for a form response)."""
        joins = [event.at for event in self.connections if event.change > 0]
        if self.first_join is not None:
            joins.append(self.first_join)
        return min(joins, default=None)


@dataclass
class ParsedReport:
    format: str
    date: datetime.date
    participants: dict[str, Participant]
    meeting_end: datetime.datetime | None = None
    # The start the report states (Teams summary "Start time", Zoom meeting "Start Time"), if it states one.
    meeting_start: datetime.datetime | None = None

    @property
    def format_name(self) -> str:
        return FORMAT_NAMES[self.format]

    @property
    def hosts(self) -> list[Participant]:
        """The participants who run the meeting (see `Participant.is_host`), in the report's order."""
        return [participant for participant in self.participants.values() if participant.is_host]

    @property
    def first_join(self) -> datetime.datetime | None:
        """The earliest join of anyone in the report (None when it has no join times, as a form's responses)."""
        return min((p.joined_at for p in self.participants.values() if p.joined_at is not None), default=None)


class ReportError(FileFormatError):
    """A report that cannot be used as it is; the message names the problem (and row) for the teacher."""


def undated(what: str, file_name: str) -> ReportError:
    """The refusal of a report that writes no date, when neither its file name nor the upload gives one."""
    named = f"its file name ('{file_name}') does not start or end with one" if file_name else "it came without a file name"
    return ReportError(
        f"The {what} gives times without a date and {named} (YYYY-MM-DD); "
        "send the meeting's date as the date field (YYYY-MM-DD)."
    )


@dataclass(frozen=True)
class ReadOptions:
    """How the upload asks for a report to be read.

    ``order``: how a date whose year comes last after slashes is read (timestamps.DAY_FIRST or MONTH_FIRST).
    ``identity``: what keys a participant who has both, ``name`` (the display name) or ``email`` (its local part).
    ``date``: the teacher's ``date`` field, used by reports that write their times without a date.
    ``file_name``: the upload's name, where some exporters put the meeting's date (see date_in_file_name).
    ``time_zone``: where the product's clocks are; times a report writes in UTC are shown in it, so that they
    compare with the teacher's end_time and fall on the meeting's local date.
    """

    order: str = DAY_FIRST
    identity: str = "name"
    date: datetime.date | None = None
    file_name: str = ""
    time_zone: datetime.tzinfo | None = None


def single_date(stamps: list[tuple[datetime.datetime, int]]) -> datetime.date:
    """The one calendar date of a report's timestamps, or ReportError naming the first row of a second date."""
    if not stamps:
        raise ReportError("The report has no rows with attendance in it.")
    first_date = stamps[0][0].date()
    for at, row in stamps:
        if at.date() != first_date:
            raise ReportError(
                f"Row {row} is dated {at.date():%Y-%m-%d} but earlier rows are dated {first_date:%Y-%m-%d}: "
                "the report covers two dates; upload one file per date.",
                row=row,
            )
    return first_date


class ReportBuilder:
    """The participants of one report by key and the times read on the way, filled row by row by a reader.

    Each distinct timestamp text is parsed once (a report repeats each second on many rows) and only its first
    row is kept for the one-date check: the first row of a second date is always such a row.
    """

    def __init__(self, options: ReadOptions):
        self.options = options
        self.participants: dict[str, Participant] = {}
        self.stamps: list[tuple[datetime.datetime, int]] = []
        self._read: dict[tuple[str, bool], datetime.datetime] = {}

    def person(self, row: int, *, name: str, email: str = "", names=(), role: str = "") -> Participant:
        """The participant of a row (made on their first row): keyed by display name, or by the email's local
        part when the upload matches by email (or the row has no name). ``names`` are other strings of theirs
        that may match the roster, or a function giving them, called only for a new participant (a report
        repeats each person on many rows). A host role on any of their rows makes them a host."""
        local_part = email.partition("@")[0]
        key = local_part if self.options.identity == "email" and local_part else (name or local_part)
        if not key:
            raise ReportError(f"Row {row} has no participant name.", row=row)
        participant = self.participants.get(key)
        if participant is None:
            candidates = [name, *(names() if callable(names) else names), local_part]
            participant = self.participants[key] = Participant(
                key=key, first_row=row, names=[text for text in candidates if text], email=email
            )
        elif email and not participant.email:
            participant.email = email
        if role and role != participant.role:  # most rows repeat the role already read
            participant.role = participant.role or role
            participant.is_host = participant.is_host or is_host_role(role)
        return participant

    def time(self, text: str, *, row: int, what: str, utc: bool = False) -> datetime.datetime:
        """The moment ``text`` (the cell ``what`` of ``row``) names, in the upload's date order; a ``utc`` time is
        shown in the options' time zone. ReportError names the row and column when it cannot be read."""
        at = self._read.get((text, utc))
        if at is None:
            try:
                at = parse_timestamp(text, order=self.options.order)
            except TimestampError as error:
                raise ReportError(f"Row {row}: the {what} {error}.", row=row) from None
            if utc and self.options.time_zone is not None:
                at = at.replace(tzinfo=datetime.timezone.utc).astimezone(self.options.time_zone).replace(tzinfo=None)
            self._read[(text, utc)] = at
            self.stamps.append((at, row))
        return at

    def interval(self, participant: Participant, joined: datetime.datetime, left: datetime.datetime, row: int) -> None:
        """One connection of ``participant`` from ``joined`` to ``left`` (one row of a report)."""
        if left < joined:
            raise ReportError(
                f"Row {row}: {participant.key} leaves at {left:%H:%M:%S}, before joining at {joined:%H:%M:%S}.", row=row
            )
        participant.connections += [Connection(joined, JOIN, row), Connection(left, LEAVE, row)]

    def report(
        self, format: str, *, date: datetime.date | None = None, meeting_end=None, meeting_start=None
    ) -> ParsedReport:
        """The ParsedReport of what was read: dated by its timestamps (one date only), else by ``date``.
        ``meeting_start``/``meeting_end`` are the times the report states for the meeting, if it states them."""
        found = single_date(self.stamps) if self.stamps or date is None else date
        return ParsedReport(
            format=format, date=found, participants=self.participants, meeting_end=meeting_end,
            meeting_start=meeting_start,
        )
