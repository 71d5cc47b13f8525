"""Property tests (hypothesis): the parsers' only way to fail is their own format error.

On arbitrary bytes and on mutated copies of the upstream sample files, every parser either returns its
result or raises `FileFormatError` (which `ReportError` and `UnsupportedFileType` are) — never a
`UnicodeDecodeError`, `IndexError`, `zipfile.BadZipFile` or anything else that would become a 500. And
what the shared writer writes, the shared reader reads back unchanged, whatever the text.
"""

import io
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attendance.formats import parse_report, parse_roster
from spreadsheets import FileFormatError, csv_bytes, neutralise, read_table, xlsx_bytes

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
SAMPLES = sorted(path for path in FIXTURES.rglob("*") if path.suffix in {".csv", ".xlsx"})
PARSERS = {"read_table": read_table, "parse_report": parse_report, "parse_roster": parse_roster}
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def only_format_errors(parser, data: bytes):
    try:
        parser(data)
    except FileFormatError as error:
        assert str(error).strip(), "a format error must say what is wrong"


@pytest.mark.parametrize("name", sorted(PARSERS))
@PROPERTY_SETTINGS
@given(data=st.binary(max_size=2048))
def test_arbitrary_bytes_give_a_result_or_a_format_error(name, data):
    only_format_errors(PARSERS[name], data)


@st.composite
def mutated_samples(draw):
    """A sample file with a few bytes flipped, cut short, or with bytes inserted."""
    data = bytearray(draw(st.sampled_from(SAMPLES)).read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, max(len(data) - 1, 0)))
        action = draw(st.sampled_from(["flip", "cut", "insert"]))
        if action == "flip" and data:
            data[position] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[position:]
        else:
            data[position:position] = draw(st.binary(min_size=1, max_size=8))
    return bytes(data)


@pytest.mark.parametrize("name", sorted(PARSERS))
@PROPERTY_SETTINGS
@given(data=mutated_samples())
def test_mutated_sample_files_give_a_result_or_a_format_error(name, data):
    only_format_errors(PARSERS[name], data)


def test_the_samples_are_there():
    assert len(SAMPLES) >= 6


# Text a teacher might type: accents, commas, quotes, line breaks, and leading formula characters.
cell_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00") | st.sampled_from(
        [",", '"', "\n", "\r", ";", "\t", "=", "+", "-", "@", "é", "ß", "漢"]
    ),
    max_size=30,
).map(str.strip)


def formula_guarded(value: str) -> str:
    """What the writer is documented to do: a leading formula character gets a `'` (plain numbers kept)."""
    return neutralise(value)


@PROPERTY_SETTINGS
@given(rows=st.lists(st.tuples(cell_text, cell_text, cell_text), min_size=1, max_size=8))
def test_csv_written_by_the_writer_reads_back_unchanged(rows):
    header = ["username", "first_name", "last_name"]
    # A row of blanks is skipped by the reader by design; keep one non-blank cell per row.
    rows = [(f"u{index}", first, last) for index, (_, first, last) in enumerate(rows)]
    table = read_table(csv_bytes(header, rows))
    assert [tuple(row.values.values()) for row in table.rows] == [
        tuple(formula_guarded(cell).strip() for cell in row) for row in rows
    ]


@PROPERTY_SETTINGS
@given(rows=st.lists(st.tuples(cell_text, cell_text), min_size=1, max_size=6))
def test_xlsx_written_by_the_writer_reads_back_unchanged(rows):
    rows = [(f"u{index}", name) for index, (_, name) in enumerate(rows)]
    data = xlsx_bytes(["username", "name"], rows)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    table = read_table(data)
    # XML turns a line break written as CR into LF when the file is read (XML 1.0 §2.11): a property of the
    # format, not a loss of ours — the text still breaks at the same place.
    expected = [
        (username, formula_guarded(name).replace("\r\n", "\n").replace("\r", "\n").strip()) for username, name in rows
    ]
    assert [tuple(row.values.values()) for row in table.rows] == expected
