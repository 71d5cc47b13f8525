"""Tests for the shared tabular reader and writers in ``spreadsheets`` (pure: no database)."""

from __future__ import annotations

import codecs
import datetime
import gc
import io
import pickle
import random
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from spreadsheets import (
    XLSX_KIND,
    BudgetExceeded,
    FileFormatError,
    ReadBudget,
    Row,
    UnsupportedFileType,
    csv_bytes,
    csv_chunks,
    csv_lines,
    decode_text,
    detect_kind,
    neutralise,
    normalise_header,
    read_table,
    xlsx_bytes,
)

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures"
needs_fixtures = pytest.mark.skipif(not FIXTURES.is_dir(), reason="upstream fixtures are not checked out")


def values(data: bytes, **kwargs: Any) -> list[tuple[int, dict[str, str]]]:
    return [(row.number, row.values) for row in read_table(data, **kwargs).rows]


def workbook_bytes(rows: list[list[object]], *, title: str = "Sheet") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bytes(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------------
# Errors


def test_error_str_names_the_row_once() -> None:
    assert str(FileFormatError("Bad email.", row=7)) == "Row 7: Bad email."
    assert str(FileFormatError("Row 7 has 3 cells but the heading row has 2.", row=7)) == (
        "Row 7 has 3 cells but the heading row has 2."
    )
    assert str(FileFormatError("The file is empty.")) == "The file is empty."
    error = FileFormatError("Bad email.", row=7)
    assert (error.message, error.row) == ("Bad email.", 7)


def test_errors_survive_pickling() -> None:
    error = pickle.loads(pickle.dumps(FileFormatError("Bad.", row=3)))
    assert (error.message, error.row) == ("Bad.", 3)
    unsupported = pickle.loads(pickle.dumps(UnsupportedFileType("image/png")))
    assert unsupported.kind == "image/png"
    assert str(unsupported) == "File given is not a csv file - detected image/png"


# --------------------------------------------------------------------------------------------------
# Detection and decoding


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"", "inode/x-empty"),
        (b"a,b\n1,2\n", "text/csv"),
        (b"   \n", "text/csv"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "application/vnd.ms-excel"),
        (codecs.BOM_UTF16_LE + "a\tb\n".encode("utf-16-le"), "text/csv"),
        (b"Jos\xe9,1\n", "text/csv"),
        (b"a,b\n1,\x002\n", "text/csv"),  # text with a NUL: decode_text explains it
    ],
)
def test_detect_kind_by_content(data: bytes, kind: str) -> None:
    assert detect_kind(data) == kind


def test_detect_kind_binary_noise() -> None:
    noise = random.Random(1234).randbytes(4096)
    assert detect_kind(noise) == "application/octet-stream"


def test_detect_kind_zips() -> None:
    assert detect_kind(workbook_bytes([["a"]])) == XLSX_KIND
    assert detect_kind(zip_bytes({"notes.txt": b"hello"})) == "application/zip"
    ods = zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<x/>"})
    assert detect_kind(ods) == "application/vnd.oasis.opendocument.spreadsheet"
    # A workbook cut short is still recognised, so the teacher hears "damaged" rather than "wrong type".
    assert detect_kind(workbook_bytes([["a"]])[:2000]) == XLSX_KIND


def test_decode_text_encodings() -> None:
    assert decode_text("José,Zoë\n".encode()) == "José,Zoë\n"
    assert decode_text(codecs.BOM_UTF8 + "José\n".encode()) == "José\n"
    assert decode_text(codecs.BOM_UTF16_LE + "José\tX\r\n".encode("utf-16-le")) == "José\tX\r\n"
    assert decode_text(codecs.BOM_UTF16_BE + "José\n".encode("utf-16-be")) == "José\n"
    assert decode_text("José – “quoted” €\n".encode("cp1252")) == "José – “quoted” €\n"
    # 0x81 is undefined in Windows-1252: kept as its Latin-1 character rather than failing or dropped.
    assert decode_text(b"a\x81b\xe9") == "a\x81bé"


def test_decode_text_leaves_line_endings_to_the_csv_reader() -> None:
    assert decode_text(b"a\r\nb\rc\n") == "a\r\nb\rc\n"


def test_decode_text_rejects_nul_and_broken_utf16() -> None:
    with pytest.raises(FileFormatError, match="NUL bytes"):
        decode_text(b"a,b\n1,\x002\n")
    with pytest.raises(FileFormatError, match="not valid UTF-16"):
        decode_text(codecs.BOM_UTF16_LE + b"a\x00\x00\xd8")  # lone surrogate


# --------------------------------------------------------------------------------------------------
# Headings


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        (" Roll Number ", "roll_number"),
        ("Student_ID", "student_id"),
        ("First Name", "first_name"),
        ("first  -_ name", "first_name"),
        ("E-mail", "e_mail"),
        ("\ufeffemail", "email"),
        ("Name\xa0", "name"),
        ("username", "username"),
    ],
)
def test_normalise_header(raw: str, normalised: str) -> None:
    assert normalise_header(raw) == normalised


def test_headers_are_normalised_and_originals_kept() -> None:
    table = read_table(b"\xef\xbb\xbf Student ID ,First Name,roll-number\n1,Ann,2\n")
    assert table.headers == ["student_id", "first_name", "roll_number"]
    assert table.original_headers == ["Student ID", "First Name", "roll-number"]
    assert table.kind == "text/csv"
    assert table.rows == [Row(number=2, values={"student_id": "1", "first_name": "Ann", "roll_number": "2"})]


def test_trailing_blank_headings_are_dropped() -> None:
    table = read_table(b"a,b,,\n1,2,,\n")
    assert table.headers == ["a", "b"]
    assert values(b"a,b,,\n1,2,,\n") == [(2, {"a": "1", "b": "2"})]


def test_blank_heading_in_the_middle_names_the_column() -> None:
    with pytest.raises(FileFormatError, match=r"^The heading in column 2 \(B\) is blank\.$"):
        read_table(b"a,,c\n1,2,3\n")


def test_duplicate_headings() -> None:
    with pytest.raises(FileFormatError, match=r"^The heading 'student_id' appears twice\.$"):
        read_table(b"Student ID,name,student_id\n")
    with pytest.raises(FileFormatError, match=r"^The heading 'email' appears twice\.$"):
        read_table(b"Email,name,email\n")


def test_missing_required_headings() -> None:
    with pytest.raises(FileFormatError) as caught:
        read_table(b"username,first name\nann,Ann\n", required=["username", "email", "unit_code"])
    assert str(caught.value) == "Missing headings: email, unit_code. Found: username, first_name."
    assert caught.value.row is None


def test_required_headings_present_with_different_spelling() -> None:
    table = read_table(b"User Name,E_mail\n", required=["user_name", "E Mail"])
    assert table.rows == []


# --------------------------------------------------------------------------------------------------
# CSV dialects and encodings


def test_utf8_csv() -> None:
    assert values("name,city\nJosé,Zürich\n".encode()) == [(2, {"name": "José", "city": "Zürich"})]


def test_utf8_bom_does_not_stick_to_the_first_heading() -> None:
    table = read_table(codecs.BOM_UTF8 + "username,email\nann,a@x.org\n".encode())
    assert table.headers == ["username", "email"]
    assert table.original_headers[0] == "username"


def test_utf16_le_tab_separated_as_excel_unicode_text() -> None:
    data = codecs.BOM_UTF16_LE + "Name\tRoll Number\r\nJosé\t1\r\nRiya\t2\r\n".encode("utf-16-le")
    assert values(data) == [
        (2, {"name": "José", "roll_number": "1"}),
        (3, {"name": "Riya", "roll_number": "2"}),
    ]


def test_windows_1252_keeps_accents() -> None:
    data = "first_name,last_name\nJosé,Müller\n".encode("cp1252")
    assert values(data) == [(2, {"first_name": "José", "last_name": "Müller"})]


def test_semicolon_delimiter() -> None:
    assert values(b"name;score\nAnn;1,5\n") == [(2, {"name": "Ann", "score": "1,5"})]


def test_tab_delimiter() -> None:
    assert values(b"name\tnote\nAnn\ta, b; c\n") == [(2, {"name": "Ann", "note": "a, b; c"})]


def test_delimiter_counts_only_outside_quotes_and_comma_wins_ties() -> None:
    assert read_table(b'"a;b;c",d\n1,2\n').headers == ["a;b;c", "d"]
    assert read_table(b"a,b;c\n1,2;3\n").headers == ["a", "b;c"]
    assert read_table(b"single\nvalue\n").headers == ["single"]


@pytest.mark.parametrize("newline", [b"\r\n", b"\n", b"\r"])
def test_line_endings(newline: bytes) -> None:
    data = newline.join([b"a,b", b"1,2", b"3,4"]) + newline
    assert values(data) == [(2, {"a": "1", "b": "2"}), (3, {"a": "3", "b": "4"})]


def test_no_final_newline() -> None:
    assert values(b"a,b\r\n1,2") == [(2, {"a": "1", "b": "2"})]


def test_quoted_fields_with_delimiters_quotes_and_newlines() -> None:
    data = b'name,note,n\r\n"Smith, Ann","she said ""hi""\r\nthen left",1\r\nBob,plain,2\r\n'
    assert values(data) == [
        (2, {"name": "Smith, Ann", "note": 'she said "hi"\r\nthen left', "n": "1"}),
        (3, {"name": "Bob", "note": "plain", "n": "2"}),
    ]


def test_bare_cr_inside_quotes_is_kept() -> None:
    assert values(b'a,b\r"x\ry",2\r') == [(2, {"a": "x\ry", "b": "2"})]


def test_values_are_trimmed() -> None:
    assert values(b" a , b \n  1  ,\t2\t\n") == [(2, {"a": "1", "b": "2"})]


def test_blank_lines_are_skipped_but_counted() -> None:
    data = b"\n\nname,n\n\n  \nAnn,1\n,\n , \nBob,2\n\n"
    assert values(data) == [(6, {"name": "Ann", "n": "1"}), (9, {"name": "Bob", "n": "2"})]


def test_repeated_header_rows_are_skipped() -> None:
    data = b"Name,Roll Number\nAnn,1\nname,ROLL NUMBER\nBob,2\n"
    assert values(data) == [
        (2, {"name": "Ann", "roll_number": "1"}),
        (4, {"name": "Bob", "roll_number": "2"}),
    ]


def test_row_that_merely_contains_a_heading_is_kept() -> None:
    assert values(b"name,role\nrole,name\nname,x\n") == [
        (2, {"name": "role", "role": "name"}),
        (3, {"name": "name", "role": "x"}),
    ]


def test_short_rows_are_padded() -> None:
    assert values(b"a,b,c\n1\n2,3\n") == [
        (2, {"a": "1", "b": "", "c": ""}),
        (3, {"a": "2", "b": "3", "c": ""}),
    ]


def test_long_rows_with_empty_extra_cells_are_fine() -> None:
    assert values(b"a,b\n1,2,,\n") == [(2, {"a": "1", "b": "2"})]


def test_ragged_long_row_names_the_row() -> None:
    with pytest.raises(FileFormatError) as caught:
        read_table(b"a,b\n1,2\n\n3,4,5,\n")
    assert caught.value.row == 4
    assert str(caught.value) == "Row 4 has 3 cells but the heading row has 2."


def test_header_only_file_has_no_rows() -> None:
    table = read_table(b"username,email\r\n")
    assert (table.headers, table.rows) == (["username", "email"], [])


@pytest.mark.parametrize("data", [b"", b"   ", b"\r\n\n\t \n", b",,,\n,\n", codecs.BOM_UTF8])
def test_empty_files(data: bytes) -> None:
    with pytest.raises(FileFormatError, match=r"^The file is empty\.$"):
        read_table(data)


def test_unclosed_quote_is_reported_on_its_row() -> None:
    with pytest.raises(FileFormatError) as caught:
        read_table(b'name,note\nAnn,ok\nBob,"oops\nCid,fine\nDee,fine\n')
    assert caught.value.row == 3
    assert "never closed" in str(caught.value)


def test_stray_quote_inside_a_cell_is_read_leniently() -> None:
    assert values(b'item,n\n5" screen,2\n') == [(2, {"item": '5" screen', "n": "2"})]


def test_huge_field_is_accepted_up_to_the_cell_budget() -> None:
    # Python's csv module alone would refuse cells over 131,072 characters; the budget decides instead.
    big = "x" * 300_000
    data = f"a,b\n{big},1\n".encode()
    assert values(data, budget=ReadBudget(cell_chars=300_000)) == [(2, {"a": big, "b": "1"})]
    with pytest.raises(BudgetExceeded, match=r"^Row 2, column A holds 300,000 or more characters; a cell may hold at most 32,767\.$"):
        read_table(data)


def test_max_rows() -> None:
    data = b"a\n" + b"1\n" * 5
    assert len(read_table(data, budget=ReadBudget(rows=5)).rows) == 5
    with pytest.raises(FileFormatError, match="more than 4 rows"):
        read_table(data, budget=ReadBudget(rows=4))


# --------------------------------------------------------------------------------------------------
# Files that are not tables


def test_pdf_is_unsupported() -> None:
    with pytest.raises(UnsupportedFileType) as caught:
        read_table(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    assert caught.value.kind == "application/pdf"
    assert str(caught.value) == "File given is not a csv file - detected application/pdf"


def test_png_is_unsupported() -> None:
    with pytest.raises(UnsupportedFileType) as caught:
        read_table(b"\x89PNG\r\n\x1a\n" + bytes(64))
    assert caught.value.kind == "image/png"


def test_legacy_xls_is_unsupported() -> None:
    with pytest.raises(UnsupportedFileType) as caught:
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    assert caught.value.kind == "application/vnd.ms-excel"


def test_plain_zip_is_unsupported() -> None:
    with pytest.raises(UnsupportedFileType) as caught:
        read_table(zip_bytes({"a.csv": b"a,b\n"}))
    assert caught.value.kind == "application/zip"


def test_binary_noise_is_unsupported() -> None:
    with pytest.raises(UnsupportedFileType) as caught:
        read_table(random.Random(99).randbytes(10_000))
    assert caught.value.kind == "application/octet-stream"


def test_nul_bytes_in_text() -> None:
    with pytest.raises(FileFormatError, match=r"NUL bytes; it looks like a binary file, not a CSV\.$"):
        read_table(b"username,email\nann,a\x00@x.org\n")


# --------------------------------------------------------------------------------------------------
# XLSX


def test_xlsx_values_are_what_the_teacher_sees() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Student ID", "Email", "Joined", "Day", "Time", "Score", "Active", "Empty"])
    sheet.append(
        [
            12345,
            "ann@example.org",
            datetime.datetime(2021, 2, 13, 9, 35, 35),
            datetime.date(2021, 2, 13),
            datetime.time(9, 35, 39),
            2.5,
            True,
            None,
        ]
    )
    sheet.append([12345.0, "  padded  ", None, None, None, -1, False, None])
    sheet["B2"].hyperlink = "mailto:someone-else@example.org"
    buffer = io.BytesIO()
    workbook.save(buffer)

    table = read_table(buffer.getvalue())
    assert table.kind == XLSX_KIND
    assert table.headers == ["student_id", "email", "joined", "day", "time", "score", "active", "empty"]
    assert [row.values for row in table.rows] == [
        {
            "student_id": "12345",
            "email": "ann@example.org",
            "joined": "2021-02-13 09:35:35",
            "day": "2021-02-13",
            "time": "09:35:39",
            "score": "2.5",
            "active": "true",
            "empty": "",
        },
        {
            "student_id": "12345",
            "email": "padded",
            "joined": "",
            "day": "",
            "time": "",
            "score": "-1",
            "active": "false",
            "empty": "",
        },
    ]


def test_xlsx_row_numbers_count_blank_rows_and_first_sheet_only() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A3"] = "name"
    sheet["B3"] = "n"
    sheet["A5"] = "Ann"
    sheet["B5"] = 1
    sheet["A6"] = "NAME"
    sheet["B6"] = "N"
    sheet["A8"] = "Bob"
    other = workbook.create_sheet("Other")
    other.append(["ignored"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert values(buffer.getvalue()) == [(5, {"name": "Ann", "n": "1"}), (8, {"name": "Bob", "n": ""})]


def test_xlsx_formula_gives_cached_value_not_formula() -> None:
    # openpyxl does not compute formulas, so a never-opened workbook has no cached value: empty, not "=A2".
    data = workbook_bytes([["a", "b"], [1, "=A2*2"]])
    assert values(data) == [(2, {"a": "1", "b": ""})]


def test_xlsx_with_a_wrong_dimension_record_is_read_in_full() -> None:
    # Some generators write <dimension ref="A1" /> whatever the size; read-only openpyxl would trust it.
    original = workbook_bytes([["a", "b", "c"], [1, 2, 3], [4, 5, 6]])
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(buffer, "w") as target:
        for entry in source.infolist():
            content = source.read(entry)
            if entry.filename == "xl/worksheets/sheet1.xml":
                assert b'<dimension ref="A1:C3" />' in content
                content = content.replace(b'<dimension ref="A1:C3" />', b'<dimension ref="A1" />')
            target.writestr(entry, content)
    assert values(buffer.getvalue()) == [
        (2, {"a": "1", "b": "2", "c": "3"}),
        (3, {"a": "4", "b": "5", "c": "6"}),
    ]


def test_xlsx_ragged_row() -> None:
    with pytest.raises(FileFormatError) as caught:
        read_table(workbook_bytes([["a", "b"], [1, 2], [1, 2, 3]]))
    assert caught.value.row == 3


def test_truncated_xlsx() -> None:
    data = workbook_bytes([["a", "b"], [1, 2]])
    for cut in (len(data) // 2, len(data) - 10, 100):
        with pytest.raises(FileFormatError, match="damaged or truncated"):
            read_table(data[:cut])


def test_xlsx_with_corrupt_part() -> None:
    data = zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<not a workbook"})
    with pytest.raises(FileFormatError) as caught:
        read_table(data)
    assert not isinstance(caught.value, UnsupportedFileType)
    assert "XLSX" in str(caught.value)


def test_xlsx_expanding_beyond_the_limit_is_refused_before_parsing() -> None:
    data = workbook_bytes([["a"], [1]])
    with pytest.raises(FileFormatError, match=r"would expand to .* MB"):
        read_table(data, budget=ReadBudget(xlsx_uncompressed_bytes=1000))


def test_xlsx_zip_bomb_declaring_a_huge_part() -> None:
    bomb = zip_bytes(
        {
            "[Content_Types].xml": b"<Types/>",
            "xl/workbook.xml": b"<workbook/>",
            "xl/worksheets/sheet1.xml": b"\0" * (101 * 2**20),  # deflates to about 100 KB
        }
    )
    assert len(bomb) < 2**20
    expected = r"^The XLSX file would expand to 101 MB; at most 100 MB is allowed\.$"
    with pytest.raises(FileFormatError, match=expected):
        read_table(bomb)


def test_xlsx_with_too_many_parts() -> None:
    workbook = workbook_bytes([["a"], [1]])
    with pytest.raises(FileFormatError, match=r"parts; at most 3 are allowed"):
        read_table(workbook, budget=ReadBudget(xlsx_parts=3))
    parts = {f"xl/media/{index}.bin": b"" for index in range(1001)}
    crafted = zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w/>", **parts})
    with pytest.raises(FileFormatError, match=r"^The XLSX file has 1003 parts; at most 1000 are allowed\.$"):
        read_table(crafted)


# --------------------------------------------------------------------------------------------------
# Upstream sample files, read in place


@needs_fixtures
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_upstream_students_file(suffix: str) -> None:
    table = read_table((FIXTURES / "doubtfire" / f"COS10001-Students.{suffix}").read_bytes())
    assert table.headers == [
        "unit_code", "username", "student_id", "first_name", "last_name", "email", "tutorial", "campus",
    ]
    assert table.rows[0].number == 2
    assert table.rows[0].values == {
        "unit_code": "COS10001",
        "username": "test_csv_student",
        "student_id": "",
        "first_name": "Test",
        "last_name": "CSV",
        "email": "test_csv_student@doubtfire.com",  # the xlsx cell links to mailto:, the value is kept
        "tutorial": "LA1-01",
        "campus": "B",
    }


@needs_fixtures
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_upstream_users_file(suffix: str) -> None:
    table = read_table((FIXTURES / "doubtfire" / f"doubtfire_users.{suffix}").read_bytes())
    assert table.headers == [
        "email", "first_name", "last_name", "username", "nickname", "role", "student_id", "campus",
    ]
    assert table.rows[0].values == {
        "email": "test.case@doubtfire.com",
        "first_name": "Test",
        "last_name": "Case",
        "username": "test_case",
        "nickname": "Test",
        "role": "Student",
        "student_id": "",
        "campus": "",
    }


@needs_fixtures
@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_upstream_tasks_file(suffix: str) -> None:
    table = read_table((FIXTURES / "doubtfire" / f"COS10001-Tasks.{suffix}").read_bytes())
    assert table.headers[:4] == ["name", "abbreviation", "description", "weighting"]
    first = table.rows[0].values
    assert first["upload_requirements"] == (
        '[{"key":"file0","name":"Assumenda accusamus quas","type":"image"}]'
    )
    assert first["start_week"] == "-1"
    assert first["weighting"] == "2"
    assert first["restrict_status_updates"].lower() == "false"
    assert first["plagiarism_checks"] == "[]"
    assert first["group_set"] == ""


@needs_fixtures
def test_upstream_attendance_files() -> None:
    report = read_table((FIXTURES / "attendance" / "Test2.csv").read_bytes())
    assert report.original_headers == ["Full Name", "User Action", "Timestamp"]
    assert report.rows[0] == Row(
        number=2, values={"full_name": "1", "user_action": "Joined", "timestamp": "13/2/2021, 9:35:35 AM"}
    )
    assert len(report.rows) == 12
    assert report.rows[-1].number == 13
    roster_bytes = (FIXTURES / "attendance" / "students.csv").read_bytes()
    roster = read_table(roster_bytes, required=["name", "roll_number"])
    assert [row.values for row in roster.rows][:2] == [
        {"name": "Shreya", "roll_number": "1"},
        {"name": "Riya", "roll_number": "2"},
    ]
    assert roster.rows[-1].values == {"name": "Ritwik", "roll_number": "4"}


@needs_fixtures
@pytest.mark.parametrize("name", ["COS10001-Students.pdf", "COS10001-Tasks.pdf", "doubtfire_users.pdf"])
def test_upstream_pdfs_are_unsupported(name: str) -> None:
    with pytest.raises(UnsupportedFileType) as caught:
        read_table((FIXTURES / "doubtfire" / name).read_bytes())
    assert caught.value.kind == "application/pdf"


# --------------------------------------------------------------------------------------------------
# Writers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-x", "'-x"),
        ("-", "'-"),
        ("@cmd", "'@cmd"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("\0nul", "'\0nul"),
        ("'=x", "''=x"),  # one more apostrophe: the import takes exactly one off and '=x comes back
        ("''-y", "'''-y"),
        ("'-1", "''-1"),
        ("'", "'"),
        ("'quoted'", "'quoted'"),
        ("-1", "-1"),
        ("+3", "+3"),
        ("-2.5", "-2.5"),
        ("-1e5", "-1e5"),
        ("-1,000", "'-1,000"),
        ("a=b", "a=b"),
        (" =1", " =1"),
        ("", ""),
        (None, ""),
        (True, "true"),
        (False, "false"),
        (-1, "-1"),
        (12345.0, "12345"),
        (2.5, "2.5"),
        (-2.5, "-2.5"),
        ("José", "José"),
    ],
)
def test_neutralise(value: object, expected: str) -> None:
    assert neutralise(value) == expected


def test_csv_lines_quotes_only_when_needed() -> None:
    lines = csv_lines(
        ["name", "note", "n"],
        [
            ["Smith, Ann", 'said "hi"', 1],
            ["multi\nline", "bare\rcr", None],
            ["plain", " spaced ", 2.0],
        ],
    )
    assert list(lines) == [
        "name,note,n\n",
        '"Smith, Ann","said ""hi""",1\n',
        '"multi\nline","bare\rcr",\n',
        "plain, spaced ,2\n",
    ]


def test_csv_lines_neutralises_every_cell_and_is_lazy() -> None:
    def rows() -> Iterator[list[object]]:
        yield ["=HYPERLINK(\"http://x\")", "-1", -1]
        raise AssertionError("only the rows asked for are produced")

    lines = csv_lines(["@header"], rows())
    assert next(lines) == "'@header\n"
    assert next(lines) == "\"'=HYPERLINK(\"\"http://x\"\")\",-1,-1\n"


def test_csv_lines_single_empty_cell_is_not_a_blank_line() -> None:
    assert list(csv_lines(["a"], [[""], [None]])) == ["a\n", '""\n', '""\n']


def test_csv_bytes_round_trip() -> None:
    data = csv_bytes(["Name", "Note"], [["José", "a,b\nc"], ["=2", ""]])
    assert not data.startswith(codecs.BOM_UTF8)
    assert data == 'Name,Note\nJosé,"a,b\nc"\n\'=2,\n'.encode()
    # A quoted newline does not start a new spreadsheet row, so the second record is row 3.
    assert values(data) == [(2, {"name": "José", "note": "a,b\nc"}), (3, {"name": "'=2", "note": ""})]


def test_xlsx_bytes_strings_are_never_formulas() -> None:
    data = xlsx_bytes(
        ["student_id", "formula", "score", "zero_padded", "flag", "nothing"],
        [["007", "=1+1", 3, "007", True, None], [12345, "-x", -1.5, 12, False, "\x01=cmd"]],
        sheet_title="COS10001-Students",
        text_columns=[0],
    )
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet.title == "COS10001-Students"
    cells = [[(cell.value, cell.data_type) for cell in row] for row in sheet.iter_rows()]
    headings = ["student_id", "formula", "score", "zero_padded", "flag", "nothing"]
    assert cells[0] == [(name, "s") for name in headings]
    assert cells[1] == [("007", "s"), ("'=1+1", "s"), (3, "n"), ("007", "s"), ("true", "s"), (None, "n")]
    assert cells[2] == [("12345", "s"), ("'-x", "s"), (-1.5, "n"), (12, "n"), ("false", "s"), ("'=cmd", "s")]


def test_xlsx_bytes_freezes_panes_and_formats_numbers_of_chosen_columns() -> None:
    data = xlsx_bytes(
        ["id", "name", "share", "count"],
        [["007", "Asha", Decimal("72.22"), 3], ["008", "Ben", None, 4], ["009", "Cy", "n/a", 5]],
        text_columns=(0,),
        freeze_panes="C2",
        number_formats={2: '0.00"%"'},
    )
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet.freeze_panes == "C2"
    # The value stays the number; only its look changes. Blank and text cells are left as they are.
    assert (sheet["C2"].value, sheet["C2"].number_format, sheet["C2"].data_type) == (72.22, '0.00"%"', "n")
    assert (sheet["C3"].value, sheet["C4"].value, sheet["C4"].number_format) == (None, "n/a", "General")
    assert (sheet["A2"].value, sheet["D2"].number_format) == ("007", "General")
    # Without the options, nothing is frozen.
    assert openpyxl.load_workbook(io.BytesIO(xlsx_bytes(["a"], [[1]]))).worksheets[0].freeze_panes is None


def test_xlsx_bytes_error_lookalikes_stay_text() -> None:
    # openpyxl turns "#N/A" into an error cell unless told it is a string.
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(["v"], [["#N/A"], ["#DIV/0!"]]))).worksheets[0]
    assert [(cell.value, cell.data_type) for (cell,) in sheet.iter_rows(min_row=2)] == [
        ("#N/A", "s"),
        ("#DIV/0!", "s"),
    ]


def test_xlsx_bytes_round_trips_through_read_table() -> None:
    data = xlsx_bytes(["Name", "Week"], [["José", -1], ["Zoë", 12]])
    assert detect_kind(data) == XLSX_KIND
    assert values(data) == [(2, {"name": "José", "week": "-1"}), (3, {"name": "Zoë", "week": "12"})]


def test_xlsx_bytes_sanitises_sheet_title() -> None:
    data = xlsx_bytes(["a"], [], sheet_title="Unit/2024: [draft] with a very long name indeed")
    title = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0].title
    assert title == "Unit_2024_ _draft_ with a very "
    assert len(title) == 31


def test_a_file_mixing_utf8_and_windows_1252_is_refused_not_garbled():
    data = "username,email\nJosé,jose@example.edu\n".encode() + "Zoë,zoe@example.edu\n".encode("cp1252")
    with pytest.raises(FileFormatError) as raised:
        read_table(data)
    assert "mixes text encodings" in str(raised.value)
    assert raised.value.row == 3


def test_plain_windows_1252_is_still_read():
    table = read_table("username,email\nZoë,zoe@example.edu\n".encode("cp1252"))
    assert table.rows[0].values["username"] == "Zoë"


def test_a_heading_row_wider_than_any_spreadsheet_is_refused():
    data = b",".join(b"c%d" % i for i in range(20_000)) + b"\n"
    with pytest.raises(FileFormatError) as raised:
        read_table(data)
    assert str(raised.value) == "The heading row has 20,000 columns; at most 1,000 columns are accepted. Is this the right file?"


@pytest.mark.parametrize("data", [b"Name\nAda\n", b"Name,Other\nAda,1,2,3\n"], ids=["read", "rejected"])
def test_reading_leaves_the_garbage_collector_as_it_found_it(data: bytes) -> None:
    assert gc.isenabled()
    try:
        read_table(data)
    except FileFormatError:
        pass
    assert gc.isenabled()  # resumed after the read, also when the file was refused
    gc.disable()
    try:
        try:
            read_table(data)
        except FileFormatError:
            pass
        assert not gc.isenabled()  # a caller that had paused it keeps it paused
    finally:
        gc.enable()


def test_csv_chunks_are_the_csv_in_bounded_utf8_pieces() -> None:
    rows = [[f"naïve {n}", "=1+1", n] for n in range(500)]
    pieces = list(csv_chunks(["name", "formula", "n"], iter(rows), size=1000))
    assert b"".join(pieces) == csv_bytes(["name", "formula", "n"], rows)
    assert 5 <= len(pieces) <= 20  # about 10 KB in 1,000-byte pieces: not one per line, not one in all
    longest_line = max(len(line) for line in csv_lines(["name", "formula", "n"], rows))
    assert all(len(piece.decode()) < 1000 + longest_line for piece in pieces)  # size counts characters
    assert list(csv_chunks(["a"], [])) == [b"a\n"]
