"""Reports that hold several tables in one file (the Teams reports, Zoom with its meeting block, Zoom webinars).

The shared reader (`spreadsheets.read_table`) reads one table per file. Rather than write a second
reader, each table of a sectioned file is handed to it on its own: every line above the table is blanked (the
reader skips blank rows but still counts them, so row numbers stay those of the original file) and the lines
below it are left out. Lines are split into cells once, for finding titles and headings; a line's cells are
normalised as headings only when a search reaches it.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence

from spreadsheets import ReadBudget, Table, normalise_header, read_table
from spreadsheets.budget import cell_too_long, too_many_cells, too_many_columns


def _delimiter(lines: list[str]) -> str:
    """The delimiter of the first line that has one: a title line ("Attendee Report", "1. Summary") has none."""
    for line in lines:
        counts = {delimiter: line.count(delimiter) for delimiter in ("\t", ",", ";")}
        if any(counts.values()):
            return max(counts, key=lambda delimiter: counts[delimiter])  # max keeps the first (tab) on ties
    return "\t"


class SectionedText:
    """The lines of a decoded text report, each also split into cells for finding section headings."""

    def __init__(self, text: str, *, delimiter: str | None = None, budget: ReadBudget | None = None):
        self.lines = text.splitlines()
        budget = budget or ReadBudget()
        delimiter = delimiter or _delimiter(self.lines)
        self.cells = _within_budget(csv.reader(self.lines, delimiter=delimiter), budget, len(text))
        if len(self.cells) != len(self.lines):  # a quoted cell spanning lines: fall back to plain splitting
            split = ([cell.strip('"') for cell in line.split(delimiter)] for line in self.lines)
            self.cells = _within_budget(split, budget, len(text))
        self.headers = _Headings(self.cells)

    def find(self, test: Callable[[set[str]], bool], start: int = 0, stop: int | None = None) -> int | None:
        """Index of the first line from ``start`` (up to ``stop``) whose normalised cells pass ``test``."""
        for index in range(start, len(self.lines) if stop is None else min(stop, len(self.lines))):
            if test(set(self.headers[index])):
                return index
        return None

    def is_blank(self, index: int) -> bool:
        return not any(self.cells[index])

    def next_filled(self, start: int) -> int | None:
        """Index of the first line at or after ``start`` with a filled cell (None when the rest is blank)."""
        return next((index for index in range(start, len(self.lines)) if any(self.cells[index])), None)

    def lone_cell(self, index: int) -> str | None:
        """The one filled cell of line ``index`` (a section title such as "2. Participants"), else None."""
        filled = [cell for cell in self.cells[index] if cell]
        return filled[0] if len(filled) == 1 else None

    def end_of_section(self, start: int) -> int:
        """The index just past the table starting at ``start``: a blank line or a section title ends it."""
        index = start + 1
        while index < len(self.lines):
            cells = self.cells[index]
            if len(cells) < 2 or not (cells[0] and cells[1]):  # two filled cells (most rows): data, passed at once
                filled = [cell for cell in cells if cell]
                if not filled or (len(filled) == 1 and _looks_like_title(filled[0])):
                    break
            index += 1
        return index

    def table(self, start: int, *, to_end: bool = False, **reader_limits) -> Table:
        """The table whose heading row is line ``start``, read by the shared reader: to the end of its section,
        or with ``to_end`` to the end of the file (a one-table report under a line or two of preamble)."""
        end = len(self.lines) if to_end else self.end_of_section(start)
        # Blank lines before the table keep its row numbers; lines after it are left out, not read.
        kept = "\n" * start + "\n".join(self.lines[start:end])
        return read_table(kept.encode("utf-8"), **reader_limits)

    def key_values(self, start: int, end: int) -> dict[str, tuple[str, int]]:
        """Two-cell rows between ``start`` and ``end`` as {normalised key: (value, row number)}."""
        pairs = {}
        for index in range(start, end):
            cells = self.cells[index]
            if len(cells) >= 2 and cells[0] and cells[1]:
                pairs.setdefault(normalise_header(cells[0]), (cells[1], index + 1))
        return pairs


class _Headings(Sequence):
    """Each line's cells normalised as headings, worked out when first asked for: most lines of a report are data
    rows that no search reaches (it stops at the heading it looks for), and normalising their cells was most of
    the cost of splitting a 50,000-row report into sections."""

    def __init__(self, cells: list[list[str]]):
        self._cells = cells
        self._normalised: list[list[str] | None] = [None] * len(cells)

    def __len__(self) -> int:
        return len(self._cells)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        found = self._normalised[index]
        if found is None:
            found = self._normalised[index] = [normalise_header(cell) for cell in self._cells[index]]
        return found


def _within_budget(records, budget: ReadBudget, length: int) -> list[list[str]]:
    """The trimmed cells of each record, stopping at the first record over the reader's budget (as
    `read_table` would): the whole report is split here before any table of it is read."""
    cells: list[list[str]] = []
    append, strip = cells.append, str.strip  # the loop runs once per line of a 50,000-row report
    cells_left, max_columns, max_chars = budget.cells, budget.columns, budget.cell_chars
    check_lengths = length > max_chars
    for number, record in enumerate(records, start=1):
        width = len(record)
        if width > max_columns:
            raise too_many_columns(width, budget, number, heading=False)
        cells_left -= width - record.count("")
        if cells_left < 0:
            raise too_many_cells(budget, number)
        if check_lengths and record and max(map(len, record)) > max_chars:
            longest = max(map(len, record))
            column = next(index for index, cell in enumerate(record, start=1) if len(cell) == longest)
            raise cell_too_long(longest, budget, number, column)
        append(list(map(strip, record)))
    return cells


def _looks_like_title(cell: str) -> bool:
    # "3. In-Meeting Activities", "Participants". Data rows of the tables read here have several cells,
    # so a lone cell is a title unless it looks like data (a time has ':' and an email '@').
    return ":" not in cell and "@" not in cell
