"""Each reader of issue 15 on a 50,000-row report, beside a plain csv-module read of the same bytes.

Pure code, no database: `attendance.formats.parse_report` (detection, decoding, reading, timestamps), then each
participant's seconds as an upload counts them (a stated duration plus `attendance.presence.connected_seconds`).
One row per reader: Google Meet, Teams in German (three sections), Teams 2021, a Teams live event, Zoom's new
reports UI (with its meeting block), a Zoom webinar (three sections) and Webex. Each file is written as its
exporter writes it (UTF-16 tab for Teams and Webex, comma CSV for the others) with `sizes.teams_events` rows
(50,000; 5,000 with --quick) over `sizes.teams_participants` people, several rows each: rejoins.

Baseline, same run, same bytes: decoding the file and splitting every line into cells with the csv module.
Targets: ≤ 1.0 s and ≤ 10× the baseline for a one-table report (as the legacy Teams log's), ≤ 1.5 s and ≤ 20×
for a report that stacks tables (see READERS). Wall times on a busy machine: the CPU column says more.

    .venv/bin/python bench/run.py --only report_formats
"""

from __future__ import annotations

import csv
import datetime
import io
import random
import time
from collections.abc import Callable

from attendance.formats import MONTH_FIRST, parse_report
from attendance.presence import connected_seconds, last_event
from bench import datasets
from bench.measure import Outcome, measure

START = datetime.datetime(2026, 3, 2, 9, 0, 0)


def _csv(rows, *, delimiter=",", encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def _visits(names: list[str], rows: int, *, seed: int) -> list[tuple[str, int, datetime.datetime, datetime.datetime]]:
    """(name, number, join, leave) for ``rows`` visits in a two-hour class, spread evenly over ``names``."""
    rng = random.Random(seed)
    per_person = max(1, rows // len(names))
    visits = []
    for number, name in enumerate(names):
        moments = sorted(rng.sample(range(0, 2 * 3600), 2 * per_person))
        for first, second in zip(moments[::2], moments[1::2]):
            visits.append((name, number, START + datetime.timedelta(seconds=first), START + datetime.timedelta(seconds=second)))
    return visits[:rows]


def _minutes(join, leave) -> str:
    return str(round((leave - join).total_seconds() / 60))


def google_meet(names, rows):
    lines = [["First name", "Last name", "Email", "Duration", "Time joined", "Time exited"]]
    rng = random.Random(11)
    for number in range(rows):
        first, last = names[number % len(names)].split(" ", 1)
        lines.append([first, f"{last} {number}", f"p{number}@uni.edu", f"{rng.randint(0, 1)} hr {rng.randint(1, 59)} min",
                      "10:00:12 AM", "11:02:40 AM"])  # fmt: skip
    return _csv(lines), {"file_name": "2026-03-02 09:00 Algorithms - Attendance Report.csv"}


def teams_german(names, rows):
    visits = _visits(names, rows, seed=12)
    stamp = "{:%d.%m.%Y, %H:%M:%S}".format
    lines = [["1. Zusammenfassung"], ["Besprechungstitel", "Algorithmen"], ["Startzeit", stamp(START)], [],
             ["2. Teilnehmer"],
             ["Name", "Erster Beitritt", "Letztes Verlassen", "Dauer der Besprechung", "E-Mail", "Teilnehmer-ID (UPN)", "Rolle"]]  # fmt: skip
    for number, name in enumerate(names):
        lines.append([name, stamp(START), stamp(START), "1 Min.", f"p{number}@uni.de", f"p{number}@uni.de", "Teilnehmer"])
    lines += [[], ["3. Aktivitäten in der Besprechung"], ["Name", "Beitreten", "Verlassen", "Dauer", "E-Mail", "Rolle"]]
    lines += [[name, stamp(join), stamp(leave), "1 Min.", f"p{number}@uni.de", "Teilnehmer"] for name, number, join, leave in visits]
    return _csv(lines, delimiter="\t", encoding="utf-16"), {}


def teams_2021(names, rows):
    stamp = "{:%d/%m/%Y, %I:%M:%S %p}".format
    lines = [["Meeting Summary"], ["Meeting Title", "Algorithms"], ["Meeting Start Time", stamp(START)],
             ["Full Name", "Join Time", "Leave Time", "Duration", "Email", "Role", "Participant ID (UPN)"]]  # fmt: skip
    lines += [[name, stamp(join), stamp(leave), "1m", f"p{number}@uni.edu", "Attendee", f"p{number}@uni.edu"]
              for name, number, join, leave in _visits(names, rows, seed=13)]  # fmt: skip
    return _csv(lines, delimiter="\t", encoding="utf-16"), {}


def teams_live(names, rows):
    stamp = "{:%m/%d/%Y %I:%M:%S %p}".format
    events = []
    for index, (name, number, join, leave) in enumerate(_visits(names, rows // 2, seed=14)):
        for at, action in ((join, "Joined"), (leave, "Left")):
            events.append((at, [f"session-{index}", f"p{number}@uni.edu", name, "Mozilla/5.0", stamp(at), action, "Attendee"]))
    events.sort(key=lambda event: event[0])
    lines = [["Session Id", "Participant Id", "Full Name", "UserAgent", "UTC Event Timestamp", "Action", "Role"]]
    return _csv(lines + [row for _, row in events]), {"date_order": MONTH_FIRST}


def zoom_new_ui(names, rows):
    stamp = "{:%b %d, %Y %H:%M:%S}".format
    lines = [["Topic", "ID", "Host", "Duration (minutes)", "Start time", "End time", "Participants"],
             ["Algorithms", "812 3456 7890", "Tessa (t@uni.edu)", "120", stamp(START), stamp(START + datetime.timedelta(hours=2)), str(len(names))],
             [],
             ["Name (original name)", "Email", "Join time", "Leave time", "Duration (minutes)", "Guest",
              "Recording disclaimer response", "In waiting room"]]  # fmt: skip
    lines += [[name, f"p{number}@uni.edu", stamp(join), stamp(leave), _minutes(join, leave), "No", "OK", "No"]
              for name, number, join, leave in _visits(names, rows, seed=15)]  # fmt: skip
    return _csv(lines), {}


def zoom_webinar(names, rows):
    stamp = "{:%m/%d/%Y %I:%M:%S %p}".format
    heading = ["Attended", "User Name (Original Name)", "Email", "Join Time", "Leave Time", "Time in Session (minutes)", "Is Guest"]
    lines = [["Attendee Report"], ["Topic", "Webinar ID", "Actual Start Time", "Actual Duration (minutes)"],
             ["Masterclass", "812", stamp(START), "120"], ["Host Details"], heading,
             ["Yes", "Tessa", "t@uni.edu", stamp(START), stamp(START + datetime.timedelta(hours=2)), "120", "No"],
             ["Attendee Details"], heading]  # fmt: skip
    lines += [["Yes", name, f"p{number}@uni.edu", stamp(join), stamp(leave), _minutes(join, leave), "No"]
              for name, number, join, leave in _visits(names, rows, seed=16)]  # fmt: skip
    return _csv(lines), {"date_order": MONTH_FIRST}


def webex(names, rows):
    stamp = "{:%Y-%m-%dT%H:%M:%S+08:00}".format
    lines = [["displayName", "email", "joinedTime", "leftTime", "duration", "participantType"]]
    lines += [[name, f"p{number}@uni.edu", stamp(join), stamp(leave), _minutes(join, leave), "attendee"]
              for name, number, join, leave in _visits(names, rows, seed=17)]  # fmt: skip
    return _csv(lines, delimiter="\t", encoding="utf-16"), {}


# (label, file builder, whether the file stacks several tables). A stacked file is split once to find its
# tables, and each table is then read by the shared reader (spreadsheets.read_table), as every importer's is:
# two passes over the big table where a one-table file has one, hence a looser target.
READERS: list[tuple[str, Callable, bool]] = [
    ("Google Meet report", google_meet, False),
    ("Teams report in German", teams_german, True),
    ("Teams 2021 report", teams_2021, True),
    ("Teams live event report", teams_live, False),
    ("Zoom new-UI participants", zoom_new_ui, True),
    ("Zoom webinar report", zoom_webinar, True),
    ("Webex attendee export", webex, False),
]
TARGETS = {False: (1.0, 10), True: (1.5, 20)}  # (seconds, ratio to the csv module)


def _csv_read(data: bytes) -> int:
    text = data.decode("utf-16") if data[:2] in (b"\xff\xfe", b"\xfe\xff") else data.decode("utf-8")
    return len(list(csv.reader(io.StringIO(text), delimiter="\t" if "\t" in text[:400] else ",")))


def _seconds(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def run(bench) -> list[Outcome]:
    names = [name for _, name in datasets.roster(bench.sizes.teams_participants)]
    outcomes = []
    for label, build, stacked in READERS:
        most_seconds, most_ratio = TARGETS[stacked]
        data, options = build(names, bench.sizes.teams_events)
        lines = _csv_read(data)

        def parse_and_measure(data=data, options=options):
            report = parse_report(data, **options)
            end = last_event(report.participants.values())
            return {
                key: (p.reported_seconds or 0) + connected_seconds(p.connections, end_time=None, file_end=end, who=key)
                for key, p in report.participants.items()
            }

        outcome = Outcome(
            f"{label} parse + presence",
            f"{lines:,} lines, {len(data) / 2**20:.1f} MiB",
            lines,
            target=f"≤ {most_seconds} s; ≤ {most_ratio}× csv-module read",
            baseline="csv module: decode + read every line",
        )
        seconds = measure(outcome, parse_and_measure, rollback_memory_pass=False)
        if not seconds:
            raise RuntimeError(f"{label}: no participants read")
        # Both sides are short, so each is the best of several passes, as in the teams_log case.
        outcome.seconds = min(outcome.seconds, *(_seconds(parse_and_measure) for _ in range(2)))
        outcome.baseline_seconds = min(_seconds(lambda data=data: _csv_read(data)) for _ in range(5))
        outcome.ratio = outcome.seconds / outcome.baseline_seconds
        outcome.passed = outcome.seconds <= most_seconds and outcome.ratio <= most_ratio
        outcomes.append(outcome)
    return outcomes
