"""A course roster: `Roll Number` and `Name` in any order, an optional `Email`, extra columns ignored.

    Name,Roll Number,Email
    Shreya,1,shreya@uni.edu

The e-mail is what reports that give addresses (current Teams, Zoom, Google Meet) are matched on first.
"""

from __future__ import annotations

from dataclasses import dataclass

from spreadsheets import FileFormatError, read_table, without_formula_guards


@dataclass(frozen=True)
class RosterEntry:
    roll: str
    name: str
    row: int
    email: str = ""


def parse_roster(data: bytes, **reader_limits) -> list[RosterEntry]:
    """Rows of a roster file, or FileFormatError naming the problem (missing headings, blanks, repeated rolls)."""
    # A downloaded attendance report is a roster too; its formula guards come off like any import's.
    table = without_formula_guards(read_table(data, required=("Roll Number", "Name"), **reader_limits))
    entries: list[RosterEntry] = []
    first_row: dict[str, int] = {}
    repeated: list[str] = []
    for row in table.rows:
        roll, name = row.values["roll_number"], " ".join(row.values["name"].split())
        if not roll:
            raise FileFormatError(f"Row {row.number} has no Roll Number.", row=row.number)
        if not name:
            raise FileFormatError(f"Row {row.number} (roll {roll}) has no Name.", row=row.number)
        email = (row.values.get("email") or row.values.get("e_mail") or "").strip()
        if len(roll) > 64 or len(name) > 200 or len(email) > 254:
            raise FileFormatError(f"Row {row.number} has a roll, name or e-mail that is too long.", row=row.number)
        if email and ("@" not in email or len(email.split()) != 1):
            raise FileFormatError(
                f"Row {row.number} (roll {roll}) has an e-mail that is not an address: '{email}'.", row=row.number
            )
        if roll in first_row:
            repeated.append(f"{roll} (rows {first_row[roll]} and {row.number})")
            continue
        first_row[roll] = row.number
        entries.append(RosterEntry(roll=roll, name=name, row=row.number, email=email))
    if repeated:
        raise FileFormatError(f"These roll numbers appear more than once: {', '.join(repeated)}.")
    return entries
