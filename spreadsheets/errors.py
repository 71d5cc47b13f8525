"""What the reader raises: every message is meant for the teacher who chose the file."""

from __future__ import annotations

import re


class FileFormatError(Exception):
    """An uploaded file that cannot be read as a table; the message is meant for the teacher.

    ``row`` is the spreadsheet row number (as Excel shows it) when the problem is on one row.
    """

    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__(message, row)
        self.message = message
        self.row = row

    def __str__(self) -> str:
        # Messages such as "Row 7 has 5 cells ..." already name their row; do not say it twice.
        if self.row is None or re.match(rf"Row {self.row}\b", self.message):
            return self.message
        return f"Row {self.row}: {self.message}"


class UnsupportedFileType(FileFormatError):
    """The content is neither text nor XLSX (a PDF, an image, a legacy .xls, binary noise...).

    ``kind`` is the detected MIME type, so callers can report it as upstream Doubtfire does.
    """

    def __init__(self, kind: str, message: str | None = None) -> None:
        super().__init__(message or f"File given is not a csv file - detected {kind}")
        self.kind = kind

    def __reduce__(self) -> tuple[type[UnsupportedFileType], tuple[str, str]]:
        return (type(self), (self.kind, self.message))


class MissingHeadings(FileFormatError):
    """The heading row lacks headings the caller requires; raised as soon as the heading row is read."""
