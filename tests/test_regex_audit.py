"""Every regular expression in the code, checked for the shapes that backtrack on long runs (issue 11).

Python's `re` backtracks. A cell of user text holding a long run of one character makes three shapes of
pattern try a number of ways that grows with the square (or a higher power) of the run:

1. an unbounded repeat inside another (`(?:[-a-z0-9]+\\.)+`): the run can be cut into pieces in many ways;
2. two unbounded repeats that can match the same character with nothing but optional parts between them
   (`\\s*,?\\s*`, `(.*?)\\s*`): the run can be shared between them in many ways;
3. a pattern that is searched for (search, sub, split, findall, finditer: tried from every position) and
   starts with an unbounded repeat followed by something that can fail (`\\s*\\(guest\\)`): each start inside
   the run reads to its end.

This test finds every pattern in the source (`re.<function>(...)` and `re_path(...)` with a literal pattern,
and how each compiled pattern is used in its module), parses it with the `re` module's own parser, and
refuses the three shapes. It is deterministic and needs no timing. It is a lint of known shapes, not a proof
of linear time: tests/test_linear_time.py runs every parser on such input, and bench/cases/whitespace_runs.py
times it. A pattern it cannot read (built at run time) fails it too, so none escapes unchecked.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass
from pathlib import Path
from re import _constants as sre  # the parser's own names; Python 3.11 keeps them here
from re import _parser

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Tests and benchmarks build their own inputs; migrations hold no patterns.
SKIPPED_PARTS = {".venv", "tests", "bench", "migrations", "node_modules", "staticfiles", ".git"}
SEARCHING = {"search", "sub", "subn", "split", "findall", "finditer"}
ANCHORED = {"match", "fullmatch"}
REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
# Characters the rules compare repeats on: whitespace, letters, digits, and the punctuation of the formats.
SAMPLE = " \t\n\u00a0aAzZsSkK09_-.,;:()[]{}|@/+\"'=>!#é"


@dataclass(frozen=True)
class Pattern:
    where: str  # file:line
    text: str
    flags: int
    searched: bool  # tried from every position (search, sub, split, ...), not only from the start


# --- Finding the patterns ------------------------------------------------------------------------------------


def source_files() -> list[Path]:
    found = []
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [name for name in subdirectories if name not in SKIPPED_PARTS]
        found += [Path(directory, name) for name in files if name.endswith(".py")]
    return sorted(found)


def _flags(node: ast.AST | None) -> int:
    """The value of a flags argument such as `re.I | re.VERBOSE`."""
    if node is None:
        return 0
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _flags(node.left) | _flags(node.right)
    if isinstance(node, ast.Attribute):
        return int(getattr(re, node.attr))
    raise ValueError(f"flags {ast.unparse(node)} not understood")


def _literal(node: ast.AST) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
        value = node.value
        return value.decode("latin-1") if isinstance(value, bytes) else value
    if isinstance(node, ast.JoinedStr):  # rf"Row {self.row}\b": an interpolated value is read as a digit
        return "".join(part.value if isinstance(part, ast.Constant) else "0" for part in node.values)
    raise ValueError(f"pattern {ast.unparse(node)} is not a literal")


def _is_re(node: ast.AST, name: str | None = None) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "re"
        and (name is None or node.attr == name)
    )


def patterns_in(path: Path) -> tuple[list[Pattern], list[str]]:
    """(patterns, problems) of one source file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found, problems = [], []
    compiled: dict[str, tuple[ast.Call, int]] = {}  # module-level NAME = re.compile(...)
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and _is_re(node.value.func, "compile"):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    compiled[target.id] = (node.value, node.lineno)
    uses: dict[str, set[str]] = {name: set() for name in compiled}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in uses:
            uses[node.value.id].add(node.attr)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        where = f"{path.relative_to(ROOT)}:{node.lineno}"
        func = node.func
        is_re_call = _is_re(func) and func.attr in SEARCHING | ANCHORED | {"compile"}
        is_route = isinstance(func, ast.Name) and func.id in {"re_path", "RegexValidator"}
        if not (is_re_call or is_route):
            continue
        if not node.args:
            problems.append(f"{where}: a pattern passed by keyword is not checked")
            continue
        keywords = {keyword.arg: keyword.value for keyword in node.keywords}
        try:
            text = _literal(node.args[0])
            flag_node = keywords.get("flags")
            if flag_node is None and is_re_call and func.attr == "compile" and len(node.args) > 1:
                flag_node = node.args[1]
            flags = _flags(flag_node)
        except ValueError as error:
            problems.append(f"{where}: {error}")
            continue
        if is_route:
            searched = True  # Django's resolver and RegexValidator both search
        elif func.attr == "compile":
            name = next((n for n, (call, _) in compiled.items() if call is node), None)
            methods = uses.get(name, set()) if name else set()
            # A compiled pattern handed elsewhere, or used by a method not listed, is taken as searched.
            searched = not methods or not methods <= ANCHORED
        else:
            searched = func.attr in SEARCHING
        found.append(Pattern(where, text, flags, searched))
    return found, problems


# --- Reading a parsed pattern ---------------------------------------------------------------------------------


def _items(sub) -> list:
    return list(sub)


def is_unbounded(item) -> bool:
    op, av = item
    return op in REPEATS and av[1] == sre.MAXREPEAT


def _body(item):
    op, av = item
    if op in REPEATS:
        return av[2]
    if op == sre.SUBPATTERN:
        return av[-1]
    if op == sre.ATOMIC_GROUP:
        return av
    return None


def nullable(items) -> bool:
    """Whether ``items`` (a sequence) can match the empty string."""
    return all(_nullable_item(item) for item in items)


def _nullable_item(item) -> bool:
    op, av = item
    if op in REPEATS:
        return av[0] == 0 or nullable(av[2])
    if op in (sre.SUBPATTERN, sre.ATOMIC_GROUP):
        return nullable(_body(item))
    if op == sre.BRANCH:
        return any(nullable(alternative) for alternative in av[1])
    return op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT, sre.GROUPREF, sre.GROUPREF_EXISTS)


def _ends(items, *, first: bool) -> list:
    """Unbounded repeats that can be the first (or last) thing ``items`` consumes."""
    found = []
    for item in (items if first else reversed(items)):
        found += _item_ends(item, first=first)
        if not _nullable_item(item):
            break
    return found


def _item_ends(item, *, first: bool) -> list:
    op, av = item
    if op == sre.BRANCH:
        return [end for alternative in av[1] for end in _ends(_items(alternative), first=first)]
    body = _body(item)
    if body is None:
        return []
    return ([item] if is_unbounded(item) else []) + _ends(_items(body), first=first)


def _set_matches(char: str, entries, flags: int) -> bool:
    fold = (lambda c: c.casefold()) if flags & sre.SRE_FLAG_IGNORECASE else (lambda c: c)
    negate, hit = False, False
    for op, av in entries:
        if op == sre.NEGATE:
            negate = True
        elif op == sre.LITERAL:
            hit |= fold(char) == fold(chr(av))
        elif op == sre.RANGE:
            cases = {char, char.lower(), char.upper()} if flags & sre.SRE_FLAG_IGNORECASE else {char}
            hit |= any(av[0] <= ord(case) <= av[1] for case in cases)
        elif op == sre.CATEGORY:
            hit |= _category(char, av)
    return hit != negate


def _category(char: str, category) -> bool:
    tests = {
        sre.CATEGORY_DIGIT: str.isdecimal,
        sre.CATEGORY_SPACE: str.isspace,
        sre.CATEGORY_WORD: lambda c: c.isalnum() or c == "_",
    }
    opposites = {
        sre.CATEGORY_NOT_DIGIT: sre.CATEGORY_DIGIT,
        sre.CATEGORY_NOT_SPACE: sre.CATEGORY_SPACE,
        sre.CATEGORY_NOT_WORD: sre.CATEGORY_WORD,
    }
    if category in opposites:
        return not tests[opposites[category]](char)
    return tests.get(category, lambda c: True)(char)


def first_characters(items, flags: int) -> set[str]:
    """The sample characters ``items`` can start with."""
    found: set[str] = set()
    for item in items:
        op, av = item
        if op == sre.LITERAL:
            found |= {c for c in SAMPLE if _set_matches(c, [(op, av)], flags)}
        elif op == sre.NOT_LITERAL:
            found |= {c for c in SAMPLE if c != chr(av)}
        elif op == sre.ANY:
            found |= {c for c in SAMPLE if c != "\n" or flags & sre.SRE_FLAG_DOTALL}
        elif op == sre.IN:
            found |= {c for c in SAMPLE if _set_matches(c, av, flags)}
        elif op == sre.BRANCH:
            for alternative in av[1]:
                found |= first_characters(_items(alternative), flags)
        elif _body(item) is not None:
            found |= first_characters(_items(_body(item)), flags)
        elif op in (sre.GROUPREF, sre.GROUPREF_EXISTS):
            found |= set(SAMPLE)
        if not _nullable_item(item):
            break
    return found


# --- The three rules ------------------------------------------------------------------------------------------


def shapes(text: str, flags: int = 0, *, searched: bool = False) -> list[str]:
    """The backtracking shapes in one pattern (empty when there are none)."""
    parsed = _parser.parse(text, flags)
    flags = parsed.state.flags
    found: list[str] = []

    def repeat_text(item) -> str:
        return f"{item[0]} of {item[1][2]!r}"[:80]

    def walk(items, inside_unbounded: bool) -> None:
        items = _items(items)
        for index, item in enumerate(items):
            op, av = item
            if is_unbounded(item) and inside_unbounded:
                found.append(f"rule 1, a repeat inside a repeat: {repeat_text(item)}")
            for earlier in _item_ends(item, first=False):
                for later_item in items[index + 1 :]:
                    for later in _item_ends(later_item, first=True):
                        shared = first_characters(_items(earlier[1][2]), flags) & first_characters(_items(later[1][2]), flags)
                        if shared:
                            found.append(f"rule 2, adjacent repeats sharing {''.join(sorted(shared))!r}")
                    if not _nullable_item(later_item):
                        break
            if op in REPEATS and av[1] > 1:  # one pass of the body followed by the next
                body = _items(av[2])
                for earlier in _ends(body, first=False):
                    for later in _ends(body, first=True):
                        if first_characters(_items(earlier[1][2]), flags) & first_characters(_items(later[1][2]), flags):
                            found.append("rule 2, a repeat's body ends and starts with repeats that share characters")
            if op == sre.BRANCH:
                for alternative in av[1]:
                    walk(alternative, inside_unbounded)
            elif _body(item) is not None:
                walk(_body(item), inside_unbounded or is_unbounded(item))

    walk(parsed, False)
    items = _items(parsed)
    anchored = bool(items) and items[0] in ((sre.AT, sre.AT_BEGINNING), (sre.AT, sre.AT_BEGINNING_STRING))
    if searched and not anchored:
        while len(items) == 1 and items[0][0] == sre.SUBPATTERN:
            items = _items(items[0][1][-1])
        leading = _ends(items, first=True)
        alone = bool(items) and is_unbounded(items[0]) and nullable(items[1:]) and leading == _ends(items[:1], first=True)
        if leading and not alone:
            found.append("rule 3, searched for and starting with a repeat that is followed by more")
    return found


# --- The tests --------------------------------------------------------------------------------------------------


def all_patterns() -> tuple[list[Pattern], list[str]]:
    patterns, problems = [], []
    for path in source_files():
        found, trouble = patterns_in(path)
        patterns += found
        problems += trouble
    return patterns, problems


def test_every_pattern_in_the_code_is_free_of_backtracking_shapes():
    patterns, problems = all_patterns()
    assert len(patterns) >= 10, f"the audit found only {len(patterns)} patterns: is it reading the source?"
    for pattern in patterns:
        problems += [f"{pattern.where}: {shape} in {pattern.text!r}" for shape in shapes(pattern.text, pattern.flags, searched=pattern.searched)]
    assert not problems, "\n".join(problems)


# The patterns issue 11 replaced: each must be refused, or the audit would not have caught them.
BEFORE_ISSUE_11 = [
    pytest.param(r"\s*\((?:external|unverified|guest)\)\s*$", re.I, True, "rule 3", id="teams-tags"),
    pytest.param(r"^(?P<shown>.*?)\s*\((?P<original>[^()]*)\)\s*$", 0, False, "rule 2", id="zoom-renamed"),
    pytest.param(r"^[^@\s]+@((?:[-a-z0-9]+\.)+[a-z]{2,})$", re.I, False, "rule 1", id="email"),
    pytest.param(
        r"^\s*(?P<a>\d{1,4})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})(?:\s*,?\s*|T)"
        r"(?:(?P<hour>\d{1,2}):(?P<minute>\d{2}))?\s*(?:Z|\([^)]*\))?\s*$",
        0,
        False,
        "rule 2",
        id="timestamp",
    ),
    pytest.param(r"^\s*(?P<hour>\d{1,2}):(?P<minute>\d{2})\s*(?P<meridiem>[AaPp]\.?\s?[Mm]\.?)?\s*$", 0, False, "rule 2", id="time-only"),
    pytest.param(r"^\s*(?:(?P<h>\d+)\s*h)?\s*(?:(?P<m>\d+)\s*m(?:in)?)?\s*(?:(?P<s>\d+)\s*s)?\s*$", re.I, False, "rule 2", id="duration"),
    pytest.param(r"(?:\s*,?){3}", 0, False, "rule 2", id="bounded-repeat-of-a-repeat"),
]


@pytest.mark.parametrize(("text", "flags", "searched", "rule"), BEFORE_ISSUE_11)
def test_the_audit_refuses_the_patterns_issue_11_replaced(text, flags, searched, rule):
    assert any(shape.startswith(rule) for shape in shapes(text, flags, searched=searched)), shapes(text, flags, searched=searched)


# Linear patterns of the kinds the code uses, which the audit must let through.
LINEAR = [
    pytest.param(r"[\s_\-]+", True, id="separators-searched"),
    pytest.param(r"(\d+)", True, id="split-on-digits"),
    pytest.param(r"(.+)[-_](\d{4})", False, id="course-and-batch"),
    pytest.param(r'"\s*=>\s*', True, id="ruby-hash-rocket"),
    pytest.param(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", False, id="plain-number"),
    pytest.param(r"(?P<a>\d{1,4})[/.\-](?P<b>\d{1,2})(?:[ ]?,?[ ]?|T)(?P<h>\d{1,2}):(?P<m>\d{2})(?:[.,]\d{1,6}\d*)?", False, id="squeezed-timestamp"),
    pytest.param(r"^api/csv/units/(?P<unit_id>[^/]*)$", True, id="route"),
]


@pytest.mark.parametrize(("text", "searched"), LINEAR)
def test_the_audit_lets_linear_patterns_through(text, searched):
    assert shapes(text, searched=searched) == []
