"""Which roster student a report participant is.

Reports name people in different ways: the legacy Teams log gives the display name (upstream asked
students to join with their roll as display name), current Teams gives an e-mail or Participant ID (UPN),
Zoom a User Email, Google Meet an Email, Google Forms the roll. A participant is matched, first rule that
applies (`RULES`, in this order):

1. ``email``: the participant's e-mail **equals a roster e-mail** (case-insensitive), and only one student has it;
2. ``roll``: a string of theirs (the key, the name without "(External)"-style tags, Zoom's original name, the
   e-mail's local part) **equals a roll** on the roster (case-insensitive);
3. ``roll in name``: a string of theirs **contains a roster roll as a separate word** (`"21CS042 Asha Rao"`),
   and only one roll;
4. ``name``: a string of theirs **equals a roster name**, ignoring case and repeated spaces, and only one
   student has that name.

Anything else is unknown; an e-mail, a name or words shared by several students are reported as ambiguous
rather than guessed. The e-mail comes first because it is the one identifier a person cannot type differently:
display names are free text (a nickname, "Asha's iPad"), while the report's address is the account they
signed in with, which a roster that follows a unit carries.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from attendance.formats.report import Participant

_WORDS = re.compile(r"[\s,;:()\[\]{}|]+")

BY_EMAIL = "email"
BY_ROLL = "roll"
BY_ROLL_IN_NAME = "roll in name"
BY_NAME = "name"
RULES = (BY_EMAIL, BY_ROLL, BY_ROLL_IN_NAME, BY_NAME)


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass
class Matches:
    by_roll: dict[str, list[Participant]]
    unknown: list[Participant]
    ambiguous: list[tuple[Participant, list[str]]]
    # Every matched participant, in the report's order: (participant, roll, the rule that matched).
    matched: list[tuple[Participant, str, str]] = field(default_factory=list)


def match_participants(
    roster: dict[str, str], participants: list[Participant], *, emails: dict[str, str] | None = None
) -> Matches:
    """Group ``participants`` by the roll they match in ``roster`` ({roll: name}); ``emails`` is {roll: e-mail}
    for the students whose e-mail is known."""
    rolls = {_folded(roll): roll for roll in roster}
    names: dict[str, list[str]] = defaultdict(list)
    for roll, name in roster.items():
        names[_folded(name)].append(roll)
    addresses: dict[str, list[str]] = defaultdict(list)
    for roll, email in (emails or {}).items():
        if email and roll in roster:
            addresses[email.strip().casefold()].append(roll)
    matches = Matches(by_roll=defaultdict(list), unknown=[], ambiguous=[])
    for participant in participants:
        found = _match(participant, rolls, names, addresses)
        if found is None:
            matches.unknown.append(participant)
        elif isinstance(found, list):
            matches.ambiguous.append((participant, found))
        else:
            roll, rule = found
            matches.by_roll[roll].append(participant)
            matches.matched.append((participant, roll, rule))
    return matches


def _match(participant: Participant, rolls, names, addresses):
    """(roll, rule), a sorted list of rolls when ambiguous, or None."""
    email = (getattr(participant, "email", "") or "").strip().casefold()
    if email and email in addresses:
        owners = addresses[email]
        return (owners[0], BY_EMAIL) if len(owners) == 1 else sorted(owners)
    candidates = [_folded(text) for text in [participant.key, *participant.names] if text.strip()]
    roll = next((rolls[c] for c in candidates if c in rolls), None)
    if roll is not None:
        return roll, BY_ROLL
    found = {rolls[word] for c in candidates for word in _WORDS.split(c) if word in rolls}
    if len(found) > 1:
        return sorted(found)
    if found:
        return found.pop(), BY_ROLL_IN_NAME
    named = next((names[c] for c in candidates if c in names), None)
    if named:
        return (named[0], BY_NAME) if len(named) == 1 else sorted(named)
    return None
