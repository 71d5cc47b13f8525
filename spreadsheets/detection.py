"""What kind of file an upload is, judged by its content, and how its text is decoded."""

from __future__ import annotations

import codecs
import io
import re
import zipfile
import zlib

from spreadsheets.errors import FileFormatError

CSV_KIND = "text/csv"
XLSX_KIND = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --------------------------------------------------------------------------------------------------
# Detection and decoding


_MAGIC_KINDS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/vnd.ms-excel"),  # OLE2: legacy .xls (or .doc)
    (b"\x1f\x8b", "application/gzip"),
    (b"\xfd7zXZ\x00", "application/x-xz"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"Rar!\x1a\x07", "application/vnd.rar"),
)

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian mark starts with the UTF-16 one.
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# C0 control bytes that never occur in text a spreadsheet or editor writes. NUL is left out on purpose:
# text with a stray NUL is reported by decode_text with a message that says so.
_BINARY_BYTES = bytes(set(range(0x01, 0x20)) - {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1A, 0x1B})
_SNIFF_BYTES = 64 * 1024

# What zipfile raises for archives that are cut short, corrupt, encrypted or use unknown compression.
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, RuntimeError,
               NotImplementedError, zlib.error)


def detect_kind(data: bytes) -> str:
    """Return the MIME type of ``data`` judged by its content (a file name proves nothing).

    Returns ``"text/csv"`` for anything that reads as text, :data:`XLSX_KIND` for an OOXML workbook
    (also when the zip is damaged but its parts are named like a workbook, so the teacher is told it
    is damaged rather than of the wrong type), and otherwise the kind of the foreign file.
    """
    if not data:
        return "inode/x-empty"
    for bom, _encoding in _BOMS:
        if data.startswith(bom):
            return CSV_KIND
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(data)
    for magic, kind in _MAGIC_KINDS:
        if data.startswith(magic):
            return kind
    sample = data[:_SNIFF_BYTES]
    # One stray control character may be an export glitch; more than 1% is not text.
    control = len(sample) - len(sample.translate(None, _BINARY_BYTES))
    if control and control * 100 >= len(sample):
        return "application/octet-stream"
    return CSV_KIND


def _zip_kind(data: bytes) -> str:
    """Tell an XLSX from other zip-based files (ODS, DOCX, plain zip) by the names of its parts."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = b""
            if "mimetype" in names:
                with archive.open("mimetype") as part:
                    mimetype = part.read(100)  # bounded: the part itself could be a bomb
    except ZIP_ERRORS:
        # Part names are stored uncompressed in each local header, so a cut-off workbook still shows
        # them; calling it XLSX lets the teacher hear "damaged" rather than "wrong type".
        office = any(name in data for name in (b"xl/", b"docProps/", b"[Content_Types].xml"))
        other_office = any(name in data for name in (b"word/", b"ppt/"))
        return XLSX_KIND if office and not other_office else "application/zip"
    if "xl/workbook.xml" in names:
        return XLSX_KIND
    if "xl/workbook.bin" in names:
        return "application/vnd.ms-excel.sheet.binary.macroEnabled.12"
    if "word/document.xml" in names:
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    if mimetype.startswith(b"application/") and mimetype.isascii():
        return mimetype.decode("ascii").strip()  # OpenDocument files name their own type
    return "application/zip"


# Windows-1252 leaves five bytes (0x81, 0x8D, 0x8F, 0x90, 0x9D) undefined; Excel and browsers map them to
# the Latin-1 control characters of the same value, so the fallback does too rather than failing.
_CP1252_WITH_LATIN1 = "".join(
    bytes([byte]).decode("cp1252", errors="ignore") or chr(byte) for byte in range(256)
)


# A well-formed UTF-8 sequence for a non-ASCII character (2 to 4 bytes).
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def decode_text(data: bytes) -> str:
    """Decode an uploaded CSV the way Excel would have meant it, keeping every character.

    UTF-8 (with or without a byte-order mark) first, UTF-16/32 when a byte-order mark says so, and
    Windows-1252 for the legacy "CSV (Comma delimited)" save of Excel on Windows, so "José" stays "José"
    instead of losing the accent (upstream Doubtfire drops undecodable bytes). Line endings are left as
    they are: the csv module, reading with ``newline=''``, understands CRLF, LF and bare CR, including
    inside quoted cells, which a blanket replacement would damage.
    """
    encoding = None
    for bom, candidate in _BOMS:
        if data.startswith(bom):
            encoding = candidate
            data = data[len(bom) :]
            break
    if encoding is not None and encoding != "utf-8":
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as error:
            name = encoding[:6].upper()  # "UTF-16" or "UTF-32"
            raise FileFormatError(
                f"The file starts with a {name} byte-order mark but is not valid {name} text."
            ) from error
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            if _UTF8_MULTIBYTE.search(data):
                # Valid UTF-8 accents beside bytes that are not UTF-8: two files pasted together. Guessing
                # one encoding would silently garble half the names ("JosÃ©"), so ask for a clean save.
                row = data.count(b"\n", 0, error.start) + 1
                raise FileFormatError(
                    "The file mixes text encodings (UTF-8 and another, from line "
                    f"{row}); save it again as 'CSV UTF-8' and upload that.",
                    row=row,
                ) from error
            text = codecs.charmap_decode(data, "strict", _CP1252_WITH_LATIN1)[0]
    if "\x00" in text:
        raise FileFormatError("The file contains NUL bytes; it looks like a binary file, not a CSV.")
    return text
