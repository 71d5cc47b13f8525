"""What the attendance services (and the selectors that find one session) raise: a sentence for the teacher,
rendered as 400 by the routes."""

from __future__ import annotations


class AttendanceError(Exception):
    """Something the teacher must fix; ``message`` is one clear sentence (the API's wording). ``code`` names the
    kind of problem where a page offers something to do about it (e.g. "date_recorded": a Replace button)."""

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.code = code


class UnknownParticipants(AttendanceError):
    """A report names people who match no student of the roster. ``participants`` lists them (key, first
    row, other names) so a page can show them as a table; ``message`` is the API's sentence."""

    def __init__(self, message: str, *, file_name: str, participants: list):
        super().__init__(message)
        self.file_name = file_name
        self.participants = participants
