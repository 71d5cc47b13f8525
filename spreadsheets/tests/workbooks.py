"""Hand-made XLSX archives for the reader's tests: the minimum parts, with the worksheet XML given as is.

openpyxl cannot write the files these tests need (a heading row of 16,384 cells with millions of cells
behind it, a shared-string table of two million entries, prefixed namespaces, phonetic runs, a DOCTYPE), so
they are written here from the parts of the format. Nothing is stored: each test builds its file.
"""

from __future__ import annotations

import io
import zipfile

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b"</Types>"
)
ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PACKAGE_REL_NS}">'
    f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
).encode()


def workbook_rels(*, shared_strings: bool, styles: bool) -> bytes:
    parts = [f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>']
    if shared_strings:
        parts.append(f'<Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>')
    if styles:
        parts.append(f'<Relationship Id="rId3" Type="{REL_NS}/styles" Target="styles.xml"/>')
    return f'<?xml version="1.0"?><Relationships xmlns="{PACKAGE_REL_NS}">{"".join(parts)}</Relationships>'.encode()


WORKBOOK = (
    f'<?xml version="1.0"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
).encode()


def sheet(rows_xml: bytes, *, prefix: str = "") -> bytes:
    """A worksheet part around ``rows_xml`` (the <row> elements), optionally with a namespace prefix."""
    declaration = f'xmlns:{prefix[:-1]}="{MAIN_NS}"' if prefix else f'xmlns="{MAIN_NS}"'
    return (
        f'<?xml version="1.0"?><{prefix}worksheet {declaration}><{prefix}sheetData>'.encode()
        + rows_xml
        + f"</{prefix}sheetData></{prefix}worksheet>".encode()
    )


def inline_row(number: int, texts: list[str], *, prefix: str = "") -> bytes:
    cells = "".join(f'<{prefix}c t="inlineStr"><{prefix}is><{prefix}t>{text}</{prefix}t></{prefix}is></{prefix}c>' for text in texts)
    return f'<{prefix}row r="{number}">{cells}</{prefix}row>'.encode()


def xlsx(sheet_xml: bytes, *, shared_strings: bytes | None = None, styles: bytes | None = None,
         workbook: bytes = WORKBOOK) -> bytes:
    """The archive: content types, relationships, workbook, the sheet and the optional parts."""
    parts = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": workbook_rels(shared_strings=shared_strings is not None, styles=styles is not None),
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    if shared_strings is not None:
        parts["xl/sharedStrings.xml"] = shared_strings
    if styles is not None:
        parts["xl/styles.xml"] = styles
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def wide_hostile_xlsx(columns: int = 16_384, rows: int = 350) -> bytes:
    """The file of issue 11: a heading row ``columns`` wide, then ``rows`` rows of ``columns`` cells holding 1.

    About 214 KB; it expands to about 90 MB of XML and held a worker for a minute with openpyxl.
    """
    heading = b'<row r="1">' + b"".join(b'<c t="inlineStr"><is><t>c%d</t></is></c>' % i for i in range(columns)) + b"</row>"
    body = b"<c><v>1</v></c>" * columns
    data_rows = b"".join(b'<row r="%d">' % number + body + b"</row>" for number in range(2, rows + 2))
    return xlsx(sheet(heading + data_rows))
