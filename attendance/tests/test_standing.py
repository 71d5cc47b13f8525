"""The attendance rules, hand-computed: percentage, defaulter, needed, cannot reach, at risk."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attendance.standing import (
    Standing,
    attendance_percentage,
    classes_needed,
    is_defaulter,
    percentage_shown,
    percentage_text,
)


def test_the_percentage_is_present_and_late_over_held_minus_excused():
    # 13 attended (Present + Late) of 18 held, none excused: 1300/18 = 650/9 = 72.2̅ %.
    assert attendance_percentage(attended=13, held=18) == Fraction(650, 9)
    # 2 of the 18 excused: 13 / 16 = 81.25 %.
    assert attendance_percentage(attended=13, held=18, excused=2) == Fraction(8125, 100)
    # Nothing to judge: nothing held, or everything held excused.
    assert attendance_percentage(attended=0, held=0) is None
    assert attendance_percentage(attended=0, held=2, excused=2) is None


def test_excused_sessions_leave_the_denominator():
    # 6 attended, 2 excused, 2 absent of 10 held: 6 / (10 - 2) = 75 %, not a defaulter at 75 %.
    # Counted as absences instead, it would be 6 / 10 = 60 %, a defaulter.
    assert not is_defaulter(attended=6, held=10, excused=2)
    assert is_defaulter(attended=6, held=10, excused=0)
    # One more excused: 6 / 7 = 85.7 %.
    assert attendance_percentage(attended=6, held=10, excused=3) == Fraction(600, 7)


@pytest.mark.parametrize(
    ("attended", "held", "excused", "cutoff", "expected"),
    [
        (3, 4, 0, 75, False),  # exactly 75 %: not a defaulter
        (2, 3, 0, 75, True),  # 66.7 %
        (0, 0, 0, 75, False),  # nothing held yet
        (0, 2, 2, 75, False),  # everything excused: nothing to judge
        (0, 1, 0, 0, False),  # a 0 % cutoff has no defaulters
        (99, 100, 0, 100, True),
        (2, 3, 0, Fraction(200, 3), False),  # 66.6̅ % against a 66.6̅ % cutoff: equal, exactly
    ],
)
def test_the_defaulter_rule(attended, held, excused, cutoff, expected):
    assert is_defaulter(attended=attended, held=held, excused=excused, cutoff=Fraction(cutoff)) is expected


@pytest.mark.parametrize(
    ("attended", "needed", "why"),
    [
        # 18 held, 6 remaining: 24 at the end; 75 % of 24 = 18 must be attended.
        (13, 5, "13 + 5 = 18 of 24 = 75 %; 13 + 4 = 17 of 24 = 70.8 %"),
        (12, 6, "12 + 6 = 18 of 24 = 75 % exactly: reachable, by attending all 6"),
        (11, None, "11 + 6 = 17 of 24 = 70.8 % < 75 %: cannot reach"),
        (14, 4, "14 + 4 = 18 of 24"),
        (18, 0, "18 + 0 = 18 of 24 = 75 %: already safe whatever happens"),
        (0, None, "0 + 6 = 6 of 24 = 25 %"),
    ],
)
def test_needed_around_the_cutoff(attended, needed, why):
    assert classes_needed(attended=attended, held=18, excused=0, remaining=6, cutoff=Fraction(75)) == needed, why


def test_needed_counts_excused_out_of_the_final_denominator():
    # 13 attended, 18 held of which 2 excused, 6 remaining: 16 + 6 = 22 counted at the end;
    # 75 % of 22 = 16.5, so 17 must be attended: 4 more (17/22 = 77.3 %; 16/22 = 72.7 %).
    assert classes_needed(attended=13, held=18, excused=2, remaining=6) == 4


def test_needed_at_a_cutoff_that_is_not_a_whole_number():
    # 1 of 2 held, 1 remaining, cutoff 66.6̅ %: 2 of 3 = 66.6̅ % is exactly enough. Floats would say
    # 66.66666666666667 > 66.66666666666666 or the reverse; fractions say equal.
    assert classes_needed(attended=1, held=2, excused=0, remaining=1, cutoff=Fraction(200, 3)) == 1
    # 0 of 2: 1 of 3 at best = 33.3 %: cannot reach.
    assert classes_needed(attended=0, held=2, excused=0, remaining=1, cutoff=Fraction(200, 3)) is None


def test_needed_before_anything_is_held_and_with_nothing_left():
    # Nothing held, 4 planned: 75 % of 4 = 3.
    assert classes_needed(attended=0, held=0, excused=0, remaining=4) == 3
    # Nothing held and nothing planned: nothing to judge, nothing needed.
    assert classes_needed(attended=0, held=0, excused=0, remaining=0) == 0
    # The course is over (0 remaining): a defaulter cannot reach; at or above the cutoff needs nothing.
    assert classes_needed(attended=2, held=3, excused=0, remaining=0) is None
    assert classes_needed(attended=3, held=4, excused=0, remaining=0) == 0


@given(
    attended=st.integers(0, 40),
    absent=st.integers(0, 40),
    excused=st.integers(0, 10),
    remaining=st.integers(0, 40),
    cutoff=st.fractions(0, 100),
)
def test_needed_is_the_smallest_number_that_reaches_the_cutoff(attended, absent, excused, remaining, cutoff):
    held = attended + absent + excused
    needed = classes_needed(attended=attended, held=held, excused=excused, remaining=remaining, cutoff=cutoff)
    counted = held - excused + remaining
    # Plain integer arithmetic, independently of attendance_percentage: 100 (a + x) >= cutoff × counted.
    reaching = [x for x in range(remaining + 1) if counted == 0 or 100 * (attended + x) >= cutoff * counted]
    assert needed == (reaching[0] if reaching else None)


@pytest.mark.parametrize(
    ("attended", "at_risk", "why"),
    [
        # 18 held, 6 remaining, 75 %: 18 of 24 must be attended at the end.
        (13, True, "needs 5 of 6: more than half"),
        (14, True, "needs 4 of 6: more than half"),
        (15, False, "needs 3 of 6: exactly half is not most"),
        (18, False, "needs none"),
        (11, True, "cannot reach"),
    ],
)
def test_at_risk_is_cannot_reach_or_needing_more_than_half_of_what_remains(attended, at_risk, why):
    assert Standing(attended=attended, held=18, excused=0, remaining=6).at_risk is at_risk, why


def test_the_last_remaining_class():
    # 2 of 3 held, 1 remaining: 75 % of 4 = 3, so 1 more: all that remains, at risk.
    assert Standing(attended=2, held=3, excused=0, remaining=1).needed == 1
    assert Standing(attended=2, held=3, excused=0, remaining=1).at_risk
    # 3 of 3 held, 1 remaining: 3 of 4 = 75 % even if absent: needs none.
    assert not Standing(attended=3, held=3, excused=0, remaining=1).at_risk


def test_a_standing_without_planned_classes_projects_nothing():
    standing = Standing(attended=2, held=4, excused=0)
    assert (standing.needed, standing.cannot_reach, standing.at_risk, standing.defaulter) == (None, False, False, True)
    assert standing.fraction == "2/4" and standing.percentage == 50


def test_a_standing_that_cannot_reach():
    standing = Standing(attended=11, held=18, excused=0, remaining=6)
    assert (standing.needed, standing.cannot_reach, standing.at_risk) == (None, True, True)


@pytest.mark.parametrize(
    ("percentage", "text"),
    [
        (Fraction(650, 9), "72.22"),  # 72.2̅
        (Fraction(200, 3), "66.66"),  # rounded down, never up
        (Fraction(299_990, 4000), "74.99"),  # 74.9975 %: a defaulter at 75 % is never shown as 75.00
        (Fraction(75), "75.00"),
        (Fraction(100), "100.00"),
        (Fraction(0), "0.00"),
        (None, ""),
    ],
)
def test_percentages_are_shown_with_two_decimals_rounded_down(percentage, text):
    assert percentage_text(percentage) == text
    assert percentage_shown(percentage) == (Decimal(text) if text else None)
