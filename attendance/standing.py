"""A student's standing in a course: the one copy of the attendance rules that every page, report and API uses.

The percentage rule (SPEC §4b), written once, in `attendance_percentage`:

    Percentage = (Present + Late) / (held − Excused) × 100

over the sessions held while the student was on the roster (the sessions they have a record for), as an
exact fraction. A defaulter's percentage is below the cutoff; exactly the cutoff is not a defaulter, and a
student with nothing to judge (no session held, or every one excused) is neither a defaulter nor at risk.

The projection over the planned classes still to come (`classes_needed`) asks the same function, so the two
can never disagree at the boundary: needed is the fewest of the remaining classes that, attended, make the
final percentage (every remaining class held, none excused) at least the cutoff.

Pure: integers and Fractions in, no ORM, no floats. Rounding happens only where a figure is shown
(`percentage_text`), and always down, so a shown percentage never exceeds the exact one: a defaulter at
74.99… % is shown as 74.99, never as 75.00.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from fractions import Fraction

DEFAULT_CUTOFF = Fraction(75)

# "At risk" is needing most of what remains: strictly more than this share of the remaining planned classes.
# Half, the plain meaning of "most": needing 4 of 6 is at risk, 3 of 6 is not, and 1 of 1 is.
AT_RISK_SHARE = Fraction(1, 2)


def parse_cutoff(text: str | None) -> Fraction:
    """A cutoff as sent (`75`, `66.5`, `200/3`), exactly; DEFAULT_CUTOFF when blank. ValueError with a sentence
    when it is not a percentage between 0 and 100."""
    if not text:
        return DEFAULT_CUTOFF
    try:
        cutoff = Fraction(text.strip())
    except (ValueError, ZeroDivisionError):
        cutoff = None
    if cutoff is None or not 0 <= cutoff <= 100:
        raise ValueError(f"cutoff must be a percentage between 0 and 100, not '{text}'.")
    return cutoff


def attendance_percentage(*, attended: int, held: int, excused: int = 0) -> Fraction | None:
    """The percentage rule: ``attended`` (Present + Late) over ``held`` − ``excused``, times 100, exactly.

    ``held`` counts the sessions held while the student was on the roster (Excused ones included);
    None when nothing is left to judge on (no session held, or every one excused).
    """
    counted = held - excused
    if counted <= 0:
        return None
    return Fraction(100 * attended, counted)


def is_defaulter(*, attended: int, held: int, excused: int = 0, cutoff: Fraction = DEFAULT_CUTOFF) -> bool:
    """Percentage below ``cutoff``; exactly the cutoff is not a defaulter, nothing to judge is not one."""
    percentage = attendance_percentage(attended=attended, held=held, excused=excused)
    return percentage is not None and percentage < cutoff


def classes_needed(*, attended: int, held: int, excused: int, remaining: int, cutoff: Fraction = DEFAULT_CUTOFF) -> int | None:
    """The fewest of ``remaining`` planned classes the student must attend to finish at or above ``cutoff``,
    or None when even attending all of them is not enough (cannot reach).

    The finish assumes every remaining class is held and none excused. The answer is checked against
    `attendance_percentage` itself (and searched with it if the check fails: the percentage grows with every
    class attended), so the projection follows the one rule exactly. E.g. 13 attended of 18 held, 6
    remaining, 75 %: 18 of 24 are needed at the end, so 5.
    """

    def enough(extra: int) -> bool:
        final = attendance_percentage(attended=attended + extra, held=held + remaining, excused=excused)
        return final is None or final >= cutoff

    # Solved for the rule as written (100 (a + x) >= cutoff × counted at the end), then checked against the
    # rule itself: two evaluations instead of a search. Should the rule ever change, the check fails and the
    # search below still answers from the rule.
    guess = max(0, math.ceil(cutoff * (held - excused + remaining) / 100 - attended))
    if guess <= remaining and enough(guess) and (guess == 0 or not enough(guess - 1)):
        return guess
    if not enough(remaining):
        return None
    low, high = 0, remaining  # enough(high) holds; find the smallest such
    while low < high:
        middle = (low + high) // 2
        if enough(middle):
            high = middle
        else:
            low = middle + 1
    return low


def percentage_text(percentage: Fraction | None) -> str:
    """A percentage to show: two decimals, rounded down (72.2̅ → "72.22", 74.99… → "74.99"); "" for None."""
    shown = percentage_shown(percentage)
    return "" if shown is None else f"{shown:.2f}"


def percentage_shown(percentage: Fraction | None) -> Decimal | None:
    """The shown percentage as a Decimal with two places, rounded down; None for None (spreadsheet cells)."""
    if percentage is None:
        return None
    return Decimal(math.floor(percentage * 100)).scaleb(-2)


@dataclass(frozen=True)
class Standing:
    """One student's figures: sessions attended (Present + Late), held while on the roster, excused, and
    late (part of attended), with the planned classes still to come (None when the course has no plan)."""

    attended: int
    held: int
    excused: int
    late: int = 0
    remaining: int | None = None
    cutoff: Fraction = DEFAULT_CUTOFF

    @property
    def percentage(self) -> Fraction | None:
        return attendance_percentage(attended=self.attended, held=self.held, excused=self.excused)

    @property
    def defaulter(self) -> bool:
        return is_defaulter(attended=self.attended, held=self.held, excused=self.excused, cutoff=self.cutoff)

    @cached_property
    def needed(self) -> int | None:
        """Classes needed of those remaining; None without planned classes, or when the cutoff cannot be reached."""
        if self.remaining is None:
            return None
        return classes_needed(
            attended=self.attended, held=self.held, excused=self.excused, remaining=self.remaining, cutoff=self.cutoff
        )

    @property
    def cannot_reach(self) -> bool:
        """Even attending every remaining planned class leaves the student below the cutoff."""
        return self.remaining is not None and self.needed is None

    @property
    def at_risk(self) -> bool:
        """Cannot reach the cutoff, or needs most (more than half) of the remaining planned classes."""
        if self.remaining is None or self.held - self.excused <= 0:
            return False  # nothing to judge yet: at the start of term nobody is at risk
        needed = self.needed
        return needed is None or needed > AT_RISK_SHARE * self.remaining

    @property
    def fraction(self) -> str:
        """The exact ratio behind the percentage, as "attended/counted" (13/18); "" with nothing to judge."""
        counted = self.held - self.excused
        return f"{self.attended}/{counted}" if counted > 0 else ""
