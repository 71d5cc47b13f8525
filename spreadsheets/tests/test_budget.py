"""The reader's budget: every count checked as it is made, reading stopped at the first row over it.

And the streaming XLSX reader that makes that possible: what it reads from a hand-made workbook is what a
teacher sees in Excel (shared and inline strings, escapes, phonetic runs left out, prefixed namespaces), and
what it refuses (a DOCTYPE, damaged parts) it refuses with a sentence.
"""

from __future__ import annotations

import functools
import pickle
import types

import pytest

from spreadsheets import BudgetExceeded, FileFormatError, MissingHeadings, ReadBudget, read_table, xlsx_text
from spreadsheets.budget import SETTING_NAMES
from spreadsheets.tests.workbooks import MAIN_NS, inline_row, sheet, wide_hostile_xlsx, xlsx
from spreadsheets.xlsx import xlsx_records


@functools.cache
def issue_file() -> bytes:
    return wide_hostile_xlsx()


def rows_read_before(data: bytes, budget: ReadBudget = ReadBudget()) -> tuple[int, FileFormatError | None]:
    """How many rows the XLSX stream hands out before it raises (and what it raises)."""
    read = 0
    try:
        for _ in xlsx_records(data, budget):
            read += 1
    except FileFormatError as error:
        return read, error
    return read, None


# --------------------------------------------------------------------------------------------------
# Columns


def test_the_issue_file_is_refused_at_its_heading_row_having_read_no_row():
    data = issue_file()
    assert 150_000 < len(data) < 400_000  # the 214 KB upload of the report
    read, error = rows_read_before(data)
    assert read == 0
    assert isinstance(error, BudgetExceeded) and error.limit == "columns"
    assert str(error) == (
        "The heading row reaches column 1,001 (ALM); at most 1,000 columns are accepted. Is this the right file?"
    )
    with pytest.raises(BudgetExceeded, match="heading row reaches column 1,001"):
        read_table(data)


def test_a_wide_data_row_stops_the_read_after_the_rows_before_it():
    rows = inline_row(1, ["a", "b"]) + inline_row(2, ["1", "2"]) + b'<row r="3">' + b"<c><v>1</v></c>" * 5000 + b"</row>"
    read, error = rows_read_before(xlsx(sheet(rows + inline_row(4, ["x", "y"]))))
    assert read == 2  # rows 1 and 2 first, then the refusal; row 4 is never read
    assert str(error) == "Row 3 reaches column 1,001 (ALM); at most 1,000 columns are accepted. Is this the right file?"


def test_one_row_of_millions_of_cells_is_refused_at_the_first_cell_over_the_budget():
    # Uncompressed 80 MB in a single <row>: openpyxl built the whole row before anything could check it.
    data = xlsx(sheet(inline_row(1, ["a"]) + b'<row r="2">' + b"<c><v>1</v></c>" * 5_000_000 + b"</row>"))
    assert len(data) < 1_000_000
    read, error = rows_read_before(data)
    assert read == 1 and isinstance(error, BudgetExceeded) and error.row == 2


def test_csv_heading_row_over_the_column_budget():
    data = ",".join(f"c{i}" for i in range(1001)).encode() + b"\n1\n"
    with pytest.raises(BudgetExceeded) as raised:
        read_table(data)
    assert str(raised.value) == "The heading row has 1,001 columns; at most 1,000 columns are accepted. Is this the right file?"
    assert raised.value.limit == "columns"
    assert len(read_table(data, budget=ReadBudget(columns=1001)).headers) == 1001


def test_csv_data_row_over_the_column_budget_is_named():
    data = b"a,b\n1,2\n" + b"," * 1500 + b"\n"
    with pytest.raises(BudgetExceeded, match=r"^Row 3 has 1,501 columns; at most 1,000"):
        read_table(data)


# --------------------------------------------------------------------------------------------------
# Required headings come before everything after the heading row


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_missing_headings_are_reported_before_any_later_row_is_judged(kind):
    # Row 3 is over every budget; a reader that looked past the heading row would report that instead.
    if kind == "csv":
        data = b"username,first_name\nann,Ann\n" + b"x" * 40_000 + b"," * 2000 + b"\n"
    else:
        data = xlsx(sheet(inline_row(1, ["username", "first_name"]) + inline_row(2, ["ann", "Ann"])
                          + inline_row(3, ["x" * 40_000] * 2) + b'<row r="4">' + b"<c><v>1</v></c>" * 2000 + b"</row>"))
    with pytest.raises(MissingHeadings) as raised:
        read_table(data, required=["username", "email"])
    assert str(raised.value) == "Missing headings: email. Found: username, first_name."


def test_a_formula_guarded_heading_counts_for_the_required_check():
    # A stream called "-Prac" is downloaded as the heading '-Prac; uploading the download must not be refused.
    table = read_table(b"username,'-Prac\nann,P1\n", required=["username", "-Prac"])
    assert table.original_headers == ["username", "'-Prac"]


# --------------------------------------------------------------------------------------------------
# Cells, characters, rows, elements


def test_filled_cells_over_the_budget():
    data = b"a,b\n" + b"1,2\n" * 600
    with pytest.raises(BudgetExceeded) as raised:
        read_table(data, budget=ReadBudget(cells=1000))
    assert raised.value.limit == "cells" and raised.value.row == 501  # the heading (2) + 499 rows (998) fit
    assert str(raised.value) == "Row 501 goes past 1,000 filled cells, the most a file may have; split it into smaller files."
    # Empty cells are free: a file of the same shape with blanks in column b fits.
    assert len(read_table(b"a,b\n" + b"1,\n" * 600, budget=ReadBudget(cells=1000)).rows) == 600


def test_xlsx_filled_cells_over_the_budget():
    rows = b"".join(inline_row(number, ["x", "y"]) for number in range(1, 700))
    read, error = rows_read_before(xlsx(sheet(rows)), ReadBudget(cells=1000))
    assert read == 500 and isinstance(error, BudgetExceeded) and error.limit == "cells"


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_cell_over_the_character_budget_is_named_by_row_and_column(kind):
    long = "é" * 33_000
    if kind == "csv":
        data = f"username,first_name\nann,{long}\n".encode()
    else:
        data = xlsx(sheet(inline_row(1, ["username", "first_name"]) + inline_row(2, ["ann", long])))
    with pytest.raises(BudgetExceeded) as raised:
        read_table(data)
    assert raised.value.limit == "cell_chars" and raised.value.row == 2
    assert str(raised.value).startswith("Row 2, column B holds ")
    assert str(raised.value).endswith("characters; a cell may hold at most 32,767.")


def test_shared_string_table_longer_than_the_cell_budget():
    strings = (f'<sst xmlns="{MAIN_NS}">'.encode() + b"<si><t>a</t></si>" * 200_001 + b"</sst>")
    data = xlsx(sheet(b'<row r="1"><c t="s"><v>0</v></c></row>'), shared_strings=strings)
    with pytest.raises(BudgetExceeded) as raised:
        read_table(data, budget=ReadBudget(cells=200_000))
    assert raised.value.limit == "cells" and "table of texts has more than 200,000 entries" in str(raised.value)
    assert read_table(data, budget=ReadBudget(cells=200_001)).headers == ["a"]


def test_a_sheet_padded_with_elements_that_are_not_cells():
    junk = b"<row/>" * 200_000
    data = xlsx(sheet(inline_row(1, ["a"]) + junk + inline_row(200_002, ["b"])))
    with pytest.raises(BudgetExceeded, match="XML elements"):
        read_table(data, budget=ReadBudget(cells=10_000))


def test_xlsx_text_refuses_rows_numbered_past_the_row_budget():
    data = xlsx(sheet(inline_row(1, ["a"]) + inline_row(5000, ["b"])))
    with pytest.raises(BudgetExceeded, match="more than 100 rows"):
        xlsx_text(data, budget=ReadBudget(rows=100))
    assert xlsx_text(data).count("\n") == 5000  # line n holds row n, the blank ones between kept


# --------------------------------------------------------------------------------------------------
# The budget itself


def test_budget_from_settings_reads_each_setting_and_keeps_the_other_defaults():
    settings = types.SimpleNamespace(SPREADSHEET_MAX_COLUMNS="50", XLSX_MAX_ENTRIES=9)
    budget = ReadBudget.from_settings(settings)
    assert budget == ReadBudget(columns=50, xlsx_parts=9)
    assert set(SETTING_NAMES) == {field for field in ReadBudget.__dataclass_fields__}


def test_budget_exceeded_survives_pickling_with_its_limit():
    error = BudgetExceeded("Row 3 has too much", limit="columns", row=3)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.message, copy.limit, copy.row) == ("Row 3 has too much", "columns", 3)


# --------------------------------------------------------------------------------------------------
# What the streaming reader reads


def test_prefixed_namespaces_and_inline_strings():
    rows = inline_row(1, ["Name", "Roll"], prefix="x:") + inline_row(2, ["Asha", "007"], prefix="x:")
    table = read_table(xlsx(sheet(rows, prefix="x:")))
    assert [row.values for row in table.rows] == [{"name": "Asha", "roll": "007"}]


def test_shared_strings_escapes_rich_runs_and_no_phonetic_text():
    strings = (
        f'<sst xmlns="{MAIN_NS}">'
        "<si><t>name</t></si>"
        "<si><r><t>Jo</t></r><r><t>sé</t></r></si>"
        "<si><t>漢字</t><rPh sb=\"0\" eb=\"2\"><t>かんじ</t></rPh></si>"
        "<si><t>a_x000D_b</t></si>"
        "<si><t>keep _x005F_x0041_ literal</t></si>"
        "</sst>"
    ).encode()
    rows = b"".join(b'<row r="%d"><c t="s"><v>%d</v></c></row>' % (number + 1, number) for number in range(5))
    table = read_table(xlsx(sheet(rows), shared_strings=strings))
    assert [row.values["name"] for row in table.rows] == ["José", "漢字", "a\rb", "keep _x0041_ literal"]


def test_cells_without_references_follow_each_other_and_gaps_are_blank():
    rows = b'<row><c t="inlineStr"><is><t>a</t></is></c><c t="inlineStr"><is><t>b</t></is></c>' \
           b'<c t="inlineStr"><is><t>c</t></is></c></row>' \
           b'<row><c><v>1</v></c><c r="C2"><v>3</v></c></row>'
    assert [row.values for row in read_table(xlsx(sheet(rows))).rows] == [{"a": "1", "b": "", "c": "3"}]


def test_a_document_type_declaration_is_refused():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        + sheet(inline_row(1, ["&lol2;"]))[len(b'<?xml version="1.0"?>'):]
    )
    with pytest.raises(FileFormatError, match="document type declaration"):
        read_table(xlsx(bomb))


def test_a_shared_string_index_out_of_range_is_damage():
    data = xlsx(sheet(b'<row r="1"><c t="s"><v>7</v></c></row>'), shared_strings=f'<sst xmlns="{MAIN_NS}"/>'.encode())
    with pytest.raises(FileFormatError, match="damaged or truncated"):
        read_table(data)


def test_booleans_errors_formula_strings_and_iso_dates():
    rows = (
        inline_row(1, ["flag", "error", "formula", "when"])
        + b'<row r="2"><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c>'
        b'<c t="str"><f>A1&amp;"x"</f><v>truex</v></c><c t="d"><v>2026-03-02T09:30:00</v></c></row>'
    )
    values = read_table(xlsx(sheet(rows))).rows[0].values
    assert values == {"flag": "true", "error": "#N/A", "formula": "truex", "when": "2026-03-02 09:30:00"}
