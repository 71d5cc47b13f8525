"""The one reader of uploaded tables and the one writer of downloaded tables.

Both halves of the product import this package; neither owns it. Every importer (users, enrolments, task
definitions, attendance rosters and reports) reads its upload through :func:`read_table` (an attendance
report stacking several tables in one sheet also through :func:`xlsx_text`), and every exporter writes through
:func:`csv_lines` (streamed as :func:`csv_chunks`), :func:`csv_bytes` or :func:`xlsx_bytes`;
:func:`without_formula_guards` undoes on upload what :func:`neutralise` did on download. Keeping both ends in
one place means one set of answers to the awkward questions: which encodings a teacher's Excel produces, what a
"row number" is, how a zip bomb is refused and how a cell such as ``=HYPERLINK(...)`` is kept from running when
the download is opened.

The package is pure: bytes in, a :class:`Table` or a :class:`FileFormatError` out (and the reverse for the
writers). It imports nothing from Django so that parsers, services, commands and benchmarks can all use it,
and so that its tests need no database.

Every read is bounded by a :class:`ReadBudget` (columns, rows, filled cells, characters per cell, what an XLSX
may expand to), checked as each count is made: a file over it is refused with :class:`BudgetExceeded` at the
first row that goes over, before the rest is parsed. Routes pass ``ReadBudget.from_settings(settings)``.

Modules: ``errors`` (what is raised), ``budget`` (the limits), ``table`` (Row, Table, heading names),
``detection`` (file kind and text decoding), ``reader`` (read_table, xlsx_text), ``xlsx`` (the streaming
worksheet reader), ``cells`` (scalar text shared by both ends), ``writer`` (CSV and XLSX out, formula
neutralising).
"""

from spreadsheets.budget import BudgetExceeded, ReadBudget
from spreadsheets.detection import CSV_KIND, XLSX_KIND, decode_text, detect_kind
from spreadsheets.errors import FileFormatError, MissingHeadings, UnsupportedFileType
from spreadsheets.reader import cycle_collection_paused, read_table, xlsx_text
from spreadsheets.table import Row, Table, normalise_header
from spreadsheets.writer import (
    csv_bytes,
    csv_chunks,
    csv_lines,
    neutralise,
    without_formula_guard,
    without_formula_guards,
    xlsx_bytes,
)

__all__ = [
    "BudgetExceeded",
    "CSV_KIND",
    "XLSX_KIND",
    "FileFormatError",
    "MissingHeadings",
    "ReadBudget",
    "Row",
    "Table",
    "UnsupportedFileType",
    "csv_bytes",
    "csv_chunks",
    "csv_lines",
    "cycle_collection_paused",
    "decode_text",
    "detect_kind",
    "neutralise",
    "normalise_header",
    "read_table",
    "without_formula_guard",
    "without_formula_guards",
    "xlsx_bytes",
    "xlsx_text",
]
