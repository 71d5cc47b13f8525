"""A student's standing in a course: the one copy of the attendance rules that every page, report and API uses."""

from __future__ import annotations

from fractions import Fraction

DEFAULT_CUTOFF = Fraction(75)


def is_defaulter(*, attended: int, recorded: int, cutoff: Fraction = DEFAULT_CUTOFF) -> bool:
    """The defaulter rule: attendance below ``cutoff`` percent over the dates the student has a record for.

    Exactly the cutoff is not a defaulter, and a student with no recorded date is not one either (there is
    nothing to judge them on). The one copy of the rule: reports, downloads and the course cards call it.
    """
    # Exact arithmetic: 3 of 4 at a 75 % cutoff is not a defaulter, with no float rounding doubts.
    return recorded > 0 and attended * 100 < cutoff * recorded
