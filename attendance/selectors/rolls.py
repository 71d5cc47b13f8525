"""The order of rolls in every listing."""

from __future__ import annotations

import re


def natural_roll_key(roll: str):
    """Sort rolls as people do: "2" before "10", "CS9" before "CS10"; "01" and "1" kept apart."""
    parts = re.split(r"(\d+)", roll.casefold())
    # isdecimal() is exactly what `\d` split off (and int() reads); isdigit() also holds for "²", which int() refuses.
    return [(0, int(part), "") if part.isdecimal() else (1, 0, part) for part in parts if part], roll
