"""What a report's heading row must hold to be of one format, and why a row is not: detection's evidence.

Each reader declares its `Signature`s; `attendance.formats.detection` tries them all on every heading row.
The signatures of different formats are built to exclude each other (a row fits one format at most:
attendance/tests/test_report_formats.py checks it on every fixture), so the order they are tried in never
decides what a file is. A signature also explains a miss, which is what the refusal of an unknown file says.
"""

from __future__ import annotations

from dataclasses import dataclass


def compact(header: str) -> str:
    """A normalised heading without its underscores: `SessionId` and `Session Id` both give `sessionid`."""
    return header.replace("_", "")


@dataclass(frozen=True)
class Column:
    """One column a signature looks for: how a teacher sees it, and its normalised headings (any one will do)."""

    label: str
    names: tuple[str, ...]

    def within(self, headers: set[str]) -> bool:
        return any(name in headers for name in self.names)


@dataclass(frozen=True)
class Signature:
    """Columns a heading row must all have (``needs``) and must not have (``never``) to be of one format.

    Headings are compared normalised (`spreadsheets.normalise_header`) and, where ``compact`` is set, also
    without underscores, for formats that write their headings either spaced or run together.
    """

    needs: tuple[Column, ...]
    never: tuple[Column, ...] = ()
    compact: bool = False

    def _headers(self, headers: set[str]) -> set[str]:
        return {compact(header) for header in headers} if self.compact else headers

    def fits(self, headers: set[str]) -> bool:
        headers = self._headers(headers)
        return all(column.within(headers) for column in self.needs) and not any(
            column.within(headers) for column in self.never
        )

    def score(self, headers: set[str]) -> int:
        """How many of the needed columns ``headers`` has: the closest row to a fit is the one that scores most."""
        headers = self._headers(headers)
        return sum(column.within(headers) for column in self.needs)

    def describe(self) -> str:
        """The needed columns as a teacher reads them: `Full Name, User Action and Timestamp`."""
        labels = [column.label for column in self.needs]
        return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"

    def miss(self, headers: set[str]) -> str:
        """Why ``headers`` (one row's) do not fit: the needed columns it lacks, or the column it must not have."""
        headers = self._headers(headers)
        lacking = [column.label for column in self.needs if not column.within(headers)]
        if lacking:
            return "has no " + (lacking[0] if len(lacking) == 1 else f"{', '.join(lacking[:-1])} or {lacking[-1]}")
        clash = next(column.label for column in self.never if column.within(headers))
        return f"also has {clash}, which this report never has"
