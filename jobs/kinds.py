"""What each kind of job does: the same work, through the same Resource or service, as its route does when it
answers at once. A kind returns an Outcome: the result text (JSON of an import's {success, ignored, errors},
the CSV of a download, as Doubtfire's newest client reads them), the HTTP status the route would have given,
and a sentence.

Permissions are checked again when the job runs, as its owner: a role taken away while the job waited counts.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from csvapi.uploads import Upload, UploadRejected, read_uploaded_table
from doubtfire import resources
from doubtfire.models import Unit
from doubtfire.permissions import DOWNLOAD_STATS, DOWNLOAD_UNIT_CSV, UPLOAD_CSV, UPLOAD_USERS_CSV, may_in_system, may_in_unit
from jobs.models import Job
from jobs.services import JobProgress, result_json
from spreadsheets import FileFormatError, csv_lines

UNIT_NOT_FOUND = "Unable to find requested Unit"


@dataclass(frozen=True)
class Outcome:
    result: str
    status: int
    message: str
    failed: bool = False
    total: int | None = None  # rows (or files) the work went through, for the job's final counts

    @classmethod
    def failure(cls, message: str, *, status: int) -> Outcome:
        return cls(result=result_json({"error": message}), status=status, message=message, failed=True)


@dataclass(frozen=True)
class Kind:
    name: str
    job_class: str  # the name Doubtfire's client sees (its Sidekiq worker's name)
    run: Callable[[Job, list[tuple[str, bytes]], JobProgress], Outcome]
    counting: str = "rows"


def _unit(job: Job) -> Unit | None:
    return Unit.objects.filter(pk=job.parameters.get("unit_id")).first()


def _import_counts(outcome) -> str:
    counts = outcome.counts
    return f"Imported: {counts['success']:,} done, {counts['ignored']:,} unchanged, {counts['errors']:,} with errors."


def _doubtfire_import(resource_class, *, per_unit: bool) -> Callable:
    def run(job: Job, files, progress: JobProgress) -> Outcome:
        unit = None
        if per_unit:
            unit = _unit(job)
            if unit is None:
                return Outcome.failure(UNIT_NOT_FOUND, status=404)
            if not may_in_unit(job.owner, UPLOAD_CSV, unit):
                return Outcome.failure(f"Not authorised to upload CSV to {unit.code}", status=403)
        elif not may_in_system(job.owner, UPLOAD_USERS_CSV):
            return Outcome.failure("Not authorised to upload CSV of users", status=403)
        resource = resource_class(actor=job.owner, unit=unit)
        name, data = files[0]
        try:
            table = read_uploaded_table(Upload(name=name, data=data), required=resource.required_headings(),
                                        unsupported_status=403)
        except UploadRejected as rejected:
            return Outcome.failure(str(rejected.detail), status=rejected.status_code)
        progress("checking", 0, len(table.rows))
        try:
            outcome = resource.import_table(table, actor=job.owner, progress=progress.callback)
        except FileFormatError as error:
            return Outcome.failure(str(error), status=400)
        return Outcome(result=result_json(outcome.as_dict()), status=201, message=_import_counts(outcome),
                       total=sum(outcome.counts.values()))

    return run


def _doubtfire_export(resource_class, action: str, what: str) -> Callable:
    def run(job: Job, files, progress: JobProgress) -> Outcome:
        unit = _unit(job)
        if unit is None:
            return Outcome.failure(UNIT_NOT_FOUND, status=404)
        if not may_in_unit(job.owner, action, unit):
            return Outcome.failure(f"Not authorised to download {what} of {unit.code}", status=403)
        progress("writing", 0, 1)
        exported = resource_class(unit=unit).export_table()
        text = "".join(csv_lines(exported.header, exported.rows))
        return Outcome(result=text, status=200, message=f"Done: {exported.filename}", total=1)

    return run


def _attendance_upload(job: Job, files, progress: JobProgress) -> Outcome:
    from attendance import services
    from attendance.models import Course
    from attendance.permissions import UPLOAD_ATTENDANCE, course_filter

    # Checked again as the job's owner: a course unshared while the job waited is not theirs to record any more.
    course = Course.objects.filter(
        course_filter(job.owner, UPLOAD_ATTENDANCE), pk=job.parameters.get("course_pk")
    ).first()
    if course is None:
        return Outcome.failure("The course of this upload no longer exists.", status=404)
    options = dict(job.parameters.get("options", {}))
    if options.get("date"):
        options["date"] = datetime.date.fromisoformat(options["date"])
    options["flags"] = tuple(options.get("flags", ()))
    if options.get("start_time"):
        options["start_time"] = datetime.time.fromisoformat(options["start_time"])
    try:
        result = services.record_attendance(
            course=course, uploaded_by=job.owner, files=files, options=services.UploadOptions(**options),
            progress=progress.callback,
        )
    except services.AttendanceError as error:
        return Outcome.failure(error.message, status=400)
    return Outcome(result=result_json(result.as_dict()), status=200, message=result.message, total=len(files))


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("import_users", "ImportUsersCsvJob", _doubtfire_import(resources.UserResource, per_unit=False)),
        Kind("import_students", "ImportStudentsCsvJob", _doubtfire_import(resources.UnitStudentResource, per_unit=True)),
        Kind("withdraw_students", "WithdrawStudentsCsvJob",
             _doubtfire_import(resources.WithdrawStudentResource, per_unit=True)),
        Kind("import_task_definitions", "ImportTaskDefinitionsCsvJob",
             _doubtfire_import(resources.TaskDefinitionResource, per_unit=True)),
        Kind("export_task_completion", "DownloadTaskCompletionCsvJob",
             _doubtfire_export(resources.TaskCompletionResource, DOWNLOAD_UNIT_CSV, "CSV of student tasks")),
        Kind("export_tutor_assessments", "DownloadTutorAssessmentStatsJob",
             _doubtfire_export(resources.TutorAssessmentResource, DOWNLOAD_STATS, "stats")),
        Kind("upload_attendance", "UploadAttendanceJob", _attendance_upload, counting="files"),
    )
}

# Work that runs inside a request (the dashboard's uploads), recorded as a job so its page can show progress.
INLINE_KINDS = {"dashboard_upload": "DashboardUpload"}


def job_class(kind: str) -> str:
    return KINDS[kind].job_class if kind in KINDS else INLINE_KINDS.get(kind, kind)
