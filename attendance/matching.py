"""Which roster student a report participant is.

Reports name people in different ways: the legacy Teams log gives the display name (upstream asked
students to join with their roll as display name), current Teams and Zoom give a name and an email, Google
Forms give the roll. A participant is matched, first rule that applies:

1. a string of theirs (the key, the name without "(External)"-style tags, Zoom's original name, the email's
   local part) **equals a roll** on the roster (case-insensitive);
2. it **equals a roster name**, ignoring case and repeated spaces, and only one student has that name;
3. it **contains a roster roll as a separate word** (`"21CS042 Asha Rao"`), and only one roll.

Anything else is unknown; a name shared by several students is reported as ambiguous rather than guessed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from attendance.formats.report import Participant

_WORDS = re.compile(r"[\s,;:()\[\]{}|]+")


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass
class Matches:
    by_roll: dict[str, list[Participant]]
    unknown: list[Participant]
    ambiguous: list[tuple[Participant, list[str]]]


def match_participants(roster: dict[str, str], participants: list[Participant]) -> Matches:
    """Group ``participants`` by the roll they match in ``roster`` ({roll: name})."""
    rolls = {_folded(roll): roll for roll in roster}
    names: dict[str, list[str]] = defaultdict(list)
    for roll, name in roster.items():
        names[_folded(name)].append(roll)
    matches = Matches(by_roll=defaultdict(list), unknown=[], ambiguous=[])
    for participant in participants:
        candidates = [_folded(text) for text in [participant.key, *participant.names] if text.strip()]
        roll = next((rolls[c] for c in candidates if c in rolls), None)
        if roll is None:
            named = next((names[c] for c in candidates if c in names), None)
            if named and len(named) > 1:
                matches.ambiguous.append((participant, sorted(named)))
                continue
            roll = named[0] if named else None
        if roll is None:
            found = {rolls[word] for c in candidates for word in _WORDS.split(c) if word in rolls}
            if len(found) > 1:
                matches.ambiguous.append((participant, sorted(found)))
                continue
            roll = found.pop() if found else None
        if roll is None:
            matches.unknown.append(participant)
        else:
            matches.by_roll[roll].append(participant)
    return matches
