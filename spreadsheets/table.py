"""A parsed upload: its headings and rows, and how a heading typed by a person becomes a name code uses."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import NamedTuple


class Row(NamedTuple):
    """One data row. ``number`` is the row as the teacher sees it in Excel (blank rows still count).

    A named tuple rather than a frozen dataclass: a big upload makes one per row, and this is ~4× cheaper.
    """

    number: int
    values: dict[str, str]


@dataclass(frozen=True)
class Table:
    """A parsed upload: normalised ``headers`` for code, ``original_headers`` for messages.

    ``size`` is the upload's length in bytes, so that a reply can be kept to a small multiple of it.
    """

    headers: list[str]
    original_headers: list[str]
    rows: list[Row]
    kind: str
    size: int = 0


_HEADER_SEPARATORS = re.compile(r"[\s_\-]+")


@functools.lru_cache(maxsize=4096)  # called for every row's first cell (repeated-heading check)
def normalise_header(name: str) -> str:
    """Turn a heading as typed by a person into the name code matches on.

    Case, surrounding spaces and the choice between space, underscore and hyphen are not meaningful to
    a teacher ("Student ID", "student_id" and "Student-Id" are one column), so they are folded away.
    """
    name = name.replace("\ufeff", "").replace("\u200b", "")
    return _HEADER_SEPARATORS.sub("_", name.strip().lower()).strip("_")
