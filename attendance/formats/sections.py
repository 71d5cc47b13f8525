"""Reports that hold several tables in one file (current Teams report, Zoom with its meeting block).

The shared reader (`spreadsheets.read_table`) reads one table per file. Rather than write a second
reader, each table of a sectioned file is handed to it on its own: every line outside the table is blanked,
and since the reader skips blank rows but still counts them, row numbers stay those of the original file.
"""

from __future__ import annotations

import csv
from collections.abc import Callable

from spreadsheets import ReadBudget, Table, normalise_header, read_table
from spreadsheets.budget import cell_too_long, too_many_cells, too_many_columns


def _delimiter(line: str) -> str:
    counts = {delimiter: line.count(delimiter) for delimiter in ("\t", ",", ";")}
    return max(counts, key=lambda delimiter: counts[delimiter])


class SectionedText:
    """The lines of a decoded text report, each also split into cells for finding section headings."""

    def __init__(self, text: str, *, delimiter: str | None = None, budget: ReadBudget | None = None):
        self.lines = text.splitlines()
        budget = budget or ReadBudget()
        delimiter = delimiter or _delimiter(next((line for line in self.lines if line.strip()), ""))
        self.cells = _within_budget(csv.reader(self.lines, delimiter=delimiter), budget, len(text))
        if len(self.cells) != len(self.lines):  # a quoted cell spanning lines: fall back to plain splitting
            split = ([cell.strip('"') for cell in line.split(delimiter)] for line in self.lines)
            self.cells = _within_budget(split, budget, len(text))
        self.headers = [[normalise_header(cell) for cell in cells] for cells in self.cells]

    def find(self, test: Callable[[set[str]], bool], start: int = 0) -> int | None:
        """Index of the first line at or after ``start`` whose normalised cells pass ``test``."""
        for index in range(start, len(self.lines)):
            if test(set(self.headers[index])):
                return index
        return None

    def is_blank(self, index: int) -> bool:
        return not any(self.cells[index])

    def end_of_section(self, start: int) -> int:
        """The index just past the table starting at ``start``: a blank line or a section title ends it."""
        index = start + 1
        while index < len(self.lines):
            filled = [cell for cell in self.cells[index] if cell]
            if not filled or (len(filled) == 1 and _looks_like_title(filled[0])):
                break
            index += 1
        return index

    def table(self, start: int, **reader_limits) -> Table:
        end = self.end_of_section(start)
        kept = [line if start <= index < end else "" for index, line in enumerate(self.lines)]
        return read_table("\n".join(kept).encode("utf-8"), **reader_limits)

    def key_values(self, start: int, end: int) -> dict[str, tuple[str, int]]:
        """Two-cell rows between ``start`` and ``end`` as {normalised key: (value, row number)}."""
        pairs = {}
        for index in range(start, end):
            cells = self.cells[index]
            if len(cells) >= 2 and cells[0] and cells[1]:
                pairs.setdefault(normalise_header(cells[0]), (cells[1], index + 1))
        return pairs


def _within_budget(records, budget: ReadBudget, length: int) -> list[list[str]]:
    """The trimmed cells of each record, stopping at the first record over the reader's budget (as
    `read_table` would): the whole report is split here before any table of it is read."""
    cells: list[list[str]] = []
    cells_left = budget.cells
    check_lengths = length > budget.cell_chars
    for number, record in enumerate(records, start=1):
        if len(record) > budget.columns:
            raise too_many_columns(len(record), budget, number, heading=False)
        cells_left -= len(record) - record.count("")
        if cells_left < 0:
            raise too_many_cells(budget, number)
        if check_lengths and record and max(map(len, record)) > budget.cell_chars:
            longest = max(map(len, record))
            column = next(index for index, cell in enumerate(record, start=1) if len(cell) == longest)
            raise cell_too_long(longest, budget, number, column)
        cells.append([cell.strip() for cell in record])
    return cells


def _looks_like_title(cell: str) -> bool:
    # "3. In-Meeting Activities", "Participants". Data rows of the tables read here have several cells,
    # so a lone cell is a title unless it looks like data (a time has ':' and an email '@').
    return ":" not in cell and "@" not in cell
