"""`make bench`: faculty-scale benchmarks of the public routes and parsers (issue 6). Not tests.

    .venv/bin/python bench/run.py            # full sizes, fresh temporary SQLite file database (~4 min)
    .venv/bin/python bench/run.py --quick    # small sizes, a smoke check (< 1 min)
    bash .ci/postgres.sh .venv/bin/python bench/run.py --postgres   # against DATABASE_URL (PostgreSQL)
    .venv/bin/python bench/run.py --only users,teams_log

Prints one table row per case and writes the same as JSON to bench/results/latest.json. The settings
are production ones (DEBUG=0), so Django keeps no query log except where a case counts queries.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import platform
import secrets
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

# In run order: later cases read what earlier ones built (the enrolled units, their tasks).
CASES = [
    "users",
    "jobs",
    "enrolment",
    "students_download",
    "task_completion",
    "tutor_assessments",
    "task_definitions",
    "teams_log",
    "report_formats",
    "whitespace_runs",
    "attendance_upload",
    "attendance_report",
    "unit_attendance",
    "http_load",
    "mixed_load",
]
# The route each case needs; a case whose route is not there yet is skipped with a clear line.
ROUTES = {
    "users": "/api/csv/users",
    "jobs": "/api/sidekiq/00000000-0000-4000-8000-000000000000",
    "enrolment": "/api/csv/units/1",
    "students_download": "/api/csv/units/1",
    "task_completion": "/api/csv/units/1/task_completion",
    "tutor_assessments": "/api/csv/units/1/tutor_assessments",
    "task_definitions": "/api/csv/task_definitions",
    "attendance_upload": "/upload_attendance",
    "whitespace_runs": "/upload_attendance",
    "attendance_report": "/download_attendance",
    "unit_attendance": "/api/csv/units/1/attendance",
    "http_load": "/api/csv/units/1",
    "mixed_load": "/upload_attendance",
}
NEEDS = {
    "students_download": "enrolment",
    "task_completion": "enrolment",
    "tutor_assessments": "task_completion",
    "http_load": "enrolment",
    "mixed_load": "enrolment",
}


def arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke check, targets not judged")
    parser.add_argument("--postgres", action="store_true", help="use DATABASE_URL from the environment (PostgreSQL)")
    parser.add_argument("--only", default="", help=f"comma-separated cases to run (of {', '.join(CASES)})")
    parser.add_argument("--output", default=str(RESULTS / "latest.json"), help="where to write the JSON")
    return parser.parse_args(argv)


def configure(options) -> tuple[str, Path | None]:
    """Environment for Django before it is imported: production settings, a fresh database."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "doubtfire.settings"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(40))
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["AUTH_TOKEN_LIFETIME_SECONDS"] = str(6 * 3600)
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    workdir = None
    if options.postgres:
        url = os.environ.get("DATABASE_URL", "")
        if not url.startswith(("postgres://", "postgresql://")):
            sys.exit("--postgres needs DATABASE_URL=postgres://...; run: bash .ci/postgres.sh .venv/bin/python bench/run.py --postgres")
    else:
        workdir = Path(tempfile.mkdtemp(prefix="bench-"))
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    return os.environ["DATABASE_URL"], workdir


def route_missing(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(path)
        return False
    except Resolver404:
        return True


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def fmt(value, pattern: str, missing: str = "–") -> str:
    return missing if value is None else format(value, pattern)


def table(outcomes, quick: bool) -> str:
    header = ["case", "size", "seconds", "CPU s", "rows/s", "queries", "peak MiB", "target", "result", "vs baseline"]
    lines = []
    for o in outcomes:
        if o.skipped:
            lines.append([o.case, o.size, "–", "–", "–", "–", "–", o.target, o.skipped, "–"])
            continue
        result = "n/a (quick)" if quick and o.passed is not None else {True: "PASS", False: "FAIL", None: "–"}[o.passed]
        ratio = "–" if o.ratio is None else f"{o.ratio:.2f}× ({o.baseline_seconds:.3f} s)"
        lines.append(
            [
                o.case,
                o.size,
                fmt(o.seconds, ".3f"),
                fmt(o.cpu_seconds, ".3f"),
                fmt(o.rows_per_second, ",.0f"),
                fmt(o.queries, "d"),
                fmt(o.peak_mib, ".1f"),
                o.target,
                result,
                ratio,
            ]
        )
    widths = [max(len(str(row[i])) for row in [header] + lines) for i in range(len(header))]
    out = [" | ".join(str(cell).ljust(width) for cell, width in zip(header, widths))]
    out.append("-+-".join("-" * width for width in widths))
    out += [" | ".join(str(cell).ljust(width) for cell, width in zip(row, widths)) for row in lines]
    notes = [f"  {o.case}: {note}" for o in outcomes for note in o.notes]
    return "\n".join(out) + ("\n\nnotes:\n" + "\n".join(notes) if notes else "")


def main(argv=None) -> int:
    options = arguments(argv)
    database_url, workdir = configure(options)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import faculty
    from bench.context import FULL, QUICK, Bench
    from bench.measure import Outcome

    chosen = [name for name in options.only.split(",") if name] or CASES
    unknown = [name for name in chosen if name not in CASES]
    if unknown:
        sys.exit(f"unknown case(s): {', '.join(unknown)}; choose from {', '.join(CASES)}")
    began = time.perf_counter()
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    try:
        if options.postgres:
            # A throwaway cluster's database may hold an earlier run: start from empty tables.
            call_command("flush", interactive=False, verbosity=0)
        call_command("migrate", interactive=False, verbosity=0)
        bench = Bench(sizes=QUICK if options.quick else FULL, quick=options.quick, database=connection.vendor, database_url=database_url)
        bench.admin, bench.token = faculty.make_admin()
        outcomes, done = [], set()
        for name in CASES:
            if name not in chosen:
                continue
            print(f"… {name}", file=sys.stderr, flush=True)
            case_began = time.perf_counter()
            if name in ROUTES and route_missing(ROUTES[name]):
                outcomes.append(Outcome(name, "", 0, skipped=f"not available yet: no route {ROUTES[name]}"))
                continue
            prerequisite = NEEDS.get(name)
            if prerequisite and prerequisite not in done:
                outcomes.append(Outcome(name, "", 0, skipped=f"skipped: needs the {prerequisite} case (run it too)"))
                continue
            try:
                module = importlib.import_module(f"bench.cases.{name}")
                outcomes.extend(module.run(bench))
                done.add(name)
            except Exception as error:  # a broken case is reported as a row; the others still run
                traceback.print_exc()
                outcomes.append(Outcome(name, "", 0, skipped=f"ERROR: {error.__class__.__name__}: {str(error)[:160]}"))
            print(f"  {name}: {time.perf_counter() - case_began:.1f} s", file=sys.stderr, flush=True)
    finally:
        from django.db import connections

        connections.close_all()
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)

    import django as django_module

    report = {
        "generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.executable).name, "bench/run.py", *(argv if argv is not None else sys.argv[1:])]),
        "quick": options.quick,
        "database": bench.database,
        "machine": {
            "cpus": os.cpu_count(),
            "cpu_model": cpu_model(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "django": django_module.get_version(),
        },
        "total_seconds": round(time.perf_counter() - began, 1),
        # Other work on the machine slows every case; the load average says how busy it was.
        "load_average": {"start": load_at_start, "end": [round(x, 2) for x in os.getloadavg()]},
        "cases": [o.as_dict() for o in outcomes],
    }
    output = Path(options.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\n{bench.database}, {os.cpu_count()} CPUs, {'quick sizes' if options.quick else 'full sizes'}, "
          f"{report['total_seconds']} s in all, load average {load_at_start[0]} at start, "
          f"{report['load_average']['end'][0]} at end\n")
    print(table(outcomes, options.quick))
    print(f"\nwritten to {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
