"""How much of a file the reader will read before it refuses: the same budget for every route.

A real upload has a handful of columns and at most a faculty's worth of rows. A hostile one (a 16,384-column
heading row, a row of six million cells, a 10 MB "first name") costs the server time and memory in proportion
to its size, so every count the reader makes is checked as it is made and the file is refused at the first
row that goes over, before the rest is parsed. The defaults are generous for teaching data; a deployment
changes them through settings (see ``from_settings``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from openpyxl.utils import get_column_letter

from spreadsheets.errors import FileFormatError

# The setting that overrides each budget field (README "Reliability and security" lists them).
SETTING_NAMES = {
    "columns": "SPREADSHEET_MAX_COLUMNS",
    "rows": "SPREADSHEET_MAX_ROWS",
    "cells": "SPREADSHEET_MAX_CELLS",
    "cell_chars": "SPREADSHEET_MAX_CELL_CHARS",
    "xlsx_uncompressed_bytes": "XLSX_MAX_UNCOMPRESSED_BYTES",
    "xlsx_parts": "XLSX_MAX_ENTRIES",
}


@dataclass(frozen=True)
class ReadBudget:
    """Limits on one uploaded file. Every field is a count the reader checks as it reads.

    ``columns``: cells in any row (the heading row included). ``rows``: data rows. ``cells``: non-empty cells
    in the whole file. ``cell_chars``: characters in one cell (Excel's own limit is 32,767).
    ``xlsx_uncompressed_bytes`` and ``xlsx_parts``: what an XLSX archive may expand to, checked before any
    part of it is parsed.
    """

    columns: int = 1_000
    rows: int = 200_000
    cells: int = 1_000_000
    cell_chars: int = 32_767
    xlsx_uncompressed_bytes: int = 100 * 2**20
    xlsx_parts: int = 1_000

    @property
    def xml_elements(self) -> int:
        """XML elements one XLSX part may hold: a cell takes two or three (c, v or is/t), a row one more.

        Bounds the work of a sheet padded with elements that are not cells (empty rows, junk markup).
        """
        return 4 * self.cells + 100_000

    @classmethod
    def from_settings(cls, settings: object) -> ReadBudget:
        """The budget a deployment configured: each field from its setting in SETTING_NAMES, else the default.

        ``settings`` is any object with those attributes (Django's settings); nothing is imported here, so
        the package stays free of Django.
        """
        defaults = cls()
        return cls(
            **{
                field.name: int(getattr(settings, SETTING_NAMES[field.name], getattr(defaults, field.name)))
                for field in fields(cls)
            }
        )


class BudgetExceeded(FileFormatError):
    """The file goes over one of the budget's limits; ``limit`` names the ReadBudget field."""

    def __init__(self, message: str, *, limit: str, row: int | None = None) -> None:
        super().__init__(message, row)
        self.limit = limit

    def __reduce__(self):
        return (_rebuild_budget_exceeded, (self.message, self.limit, self.row))


def _rebuild_budget_exceeded(message: str, limit: str, row: int | None) -> BudgetExceeded:
    return BudgetExceeded(message, limit=limit, row=row)


def too_many_columns(count: int, budget: ReadBudget, row: int, *, heading: bool, exact: bool = True) -> BudgetExceeded:
    """``count`` columns on ``row`` (exact), or a cell in column ``count`` (XLSX, which stops at that cell)."""
    where = "The heading row" if heading else f"Row {row}"
    size = f"has {count:,} columns" if exact else f"reaches column {count:,} ({_letter(count)})"
    return BudgetExceeded(
        f"{where} {size}; at most {budget.columns:,} columns are accepted. Is this the right file?",
        limit="columns",
        row=None if heading else row,
    )


def too_many_cells(budget: ReadBudget, row: int) -> BudgetExceeded:
    return BudgetExceeded(
        f"Row {row} goes past {budget.cells:,} filled cells, the most a file may have; split it into smaller files.",
        limit="cells",
        row=row,
    )


def too_many_rows(budget: ReadBudget) -> BudgetExceeded:
    return BudgetExceeded(f"The file has more than {budget.rows:,} rows; split it into smaller files.", limit="rows")


def cell_too_long(length: int, budget: ReadBudget, row: int, column: int) -> BudgetExceeded:
    return BudgetExceeded(
        f"Row {row}, column {_letter(column)} holds {length:,} or more characters; a cell may hold at most "
        f"{budget.cell_chars:,}.",
        limit="cell_chars",
        row=row,
    )


def _letter(column: int) -> str:
    return get_column_letter(column) if 1 <= column <= 18_278 else f"{column:,}"
