"""How every id is read from a request: a path segment, a query-string filter or a form/JSON field.

One rule everywhere, so that no route answers 500 for an odd id and no route finds a row by a look-alike:
an id is written with the ASCII digits 0-9 only and lies in 1..MAX_ID. `str.isdigit()` and `int()` are
not that rule: both accept `²` or `٣` (and `int("٣") == 3`), `int()` also takes `+1`, `1_000` and inner
Unicode digits, and a number past the database's 64-bit range raises OverflowError on SQLite and DataError
on PostgreSQL once it reaches a query.
"""

import re

# BigAutoField (DEFAULT_AUTO_FIELD) holds 1..2**63-1 on SQLite and PostgreSQL alike.
MAX_ID = 2**63 - 1
# MAX_ID has 19 digits: a longer text is refused before int() reads it (int() of 4,301+ digits raises).
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")

ID_RULE = f"An id is a whole number from 1 to {MAX_ID}, written with the digits 0-9 only."


def parse_id(value: object, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """The number `value` spells when it is a valid id, else None (never an exception).

    Accepted: a str of ASCII digits, after trimming whitespace at both ends (leading zeros are allowed),
    or an int (not a bool), within minimum..maximum. Refused: blank text, a sign, a decimal point or
    exponent (`1e3`), hex (`0x10`), inner spaces or underscores, digits of other scripts (`²`, `٣`), more
    than 19 digits, and anything else. Other whole-number parameters (a filter on a count or a year)
    pass their own `minimum`/`maximum`.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if not _ASCII_DIGITS.fullmatch(text):
            return None
        number = int(text)
    else:
        return None
    return number if minimum <= number <= maximum else None


class IdConverter:
    """URL converter `<id:name>`: the same rule in a path. An odd id matches no route, so it is a 404."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValueError(ID_RULE)  # Django's resolver reads a ValueError as "this route does not match"
        return number

    def to_url(self, value) -> str:
        return str(value)
