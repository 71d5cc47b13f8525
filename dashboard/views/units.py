"""Units, for their staff: the list, a unit's students, its task grid (staff set a task's status from it, which
records an assessment as Doubtfire's marking does), and its uploads.

An upload waits at its own address (`/units/<id>/uploads/<upload>/`) with a dry run of the import: what would be
done, what is already so, what cannot be done. Confirm runs the same import for real (if the dry run would now
differ, the new one is shown instead); a withdrawal can be undone for a few minutes after.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from csvapi.uploads import Upload, UploadRejected, read_uploaded_table
from dashboard import selectors
from dashboard.explanations import explain
from dashboard.forms import SpreadsheetUploadForm, StudentFilterForm, TaskStatusForm
from dashboard.models import StagedUpload
from dashboard.services import staging, trash
from dashboard.views.access import unit_for
from dashboard.views.courses import undo_message
from dashboard.views.progress import progress_of
from doubtfire import resources
from doubtfire import services as unit_services
from doubtfire.models import Project, Task, TaskDefinition, TaskStatus, Tutorial
from doubtfire.permissions import (
    ASSESS_TASKS,
    DOWNLOAD_SYSTEM_CSV,
    DOWNLOAD_UNIT_CSV,
    UPLOAD_CSV,
    UPLOAD_USERS_CSV,
    may_in_system,
    may_in_unit,
    role_in_unit,
)
from doubtfire.selectors import tutor_assessments_table
from spreadsheets import FileFormatError

# Each upload a unit page offers: kind in the URL → (title, Resource, what the file needs).
UNIT_UPLOADS = {
    "enrolments": (
        "Enrol students", resources.UnitStudentResource,
        "Columns unit_code, username, email (and the tutorial column, or one column per tutorial stream); "
        "student_id, first_name, last_name and campus are read when present. The students download works as is.",
    ),
    "withdrawals": (
        "Withdraw students", resources.WithdrawStudentResource,
        "Columns unit_code and username: each listed student is withdrawn (their work is kept, and you can "
        "undo it for a few minutes).",
    ),
    "task-definitions": (
        "Task definitions", resources.TaskDefinitionResource,
        "The columns of the task definitions download: name, abbreviation, start_week, start_day, target_week, "
        "target_day, and the optional ones.",
    ),
}
USERS_UPLOAD = ("Add users", resources.UserResource,
                "Columns username, email, role, first_name, last_name (nickname and student_id are optional). "
                "A Convenor may add Students and Tutors.")


@login_required
def unit_list(request):
    return render(request, "dashboard/unit_list.html", {
        "nav": "units", "units": selectors.units_for(request.user),
        "may_upload_users": may_in_system(request.user, UPLOAD_USERS_CSV),
        "may_download_users": may_in_system(request.user, DOWNLOAD_SYSTEM_CSV),
    })


@login_required
def unit_detail(request, unit_id: int):
    unit = unit_for(request, unit_id, DOWNLOAD_UNIT_CSV)
    tutorials, campuses = selectors.unit_filter_choices(unit)
    filters = StudentFilterForm(request.GET or None, tutorials=tutorials, campuses=campuses)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    students = selectors.unit_student_list(
        unit, tutorial=chosen.get("tutorial", ""), campus=chosen.get("campus", ""),
        status=chosen.get("status") or "enrolled", search=chosen.get("search", ""),
    )
    return render(request, "dashboard/unit_detail.html", {
        "nav": "units", "unit": unit, "role": role_in_unit(request.user, unit), "filters": filters,
        "students": students, "may_upload": may_in_unit(request.user, UPLOAD_CSV, unit), "upload_kinds": UNIT_UPLOADS,
    })


@login_required
def unit_tasks(request, unit_id: int):
    """The task grid: students down the side (the column stays put while tasks scroll), tasks across with their
    full names in a header row, filtered by tutorial ("mine" for a tutor); staff open a cell to set its status."""
    unit = unit_for(request, unit_id, DOWNLOAD_UNIT_CSV)
    tutorials = list(Tutorial.objects.filter(unit=unit).order_by("abbreviation").values_list("abbreviation", "tutor__user_id"))
    mine = [abbreviation for abbreviation, tutor in tutorials if tutor == request.user.pk]
    wanted = request.GET.get("tutorial", "mine" if mine else "")
    if wanted == "mine":
        chosen = mine
    elif wanted in {abbreviation for abbreviation, _ in tutorials}:
        chosen = [wanted]
    else:
        wanted, chosen = "", []
    grid = selectors.task_grid(unit, tutorials=chosen)
    # The same selector as the TutorAssessments CSV, so the page and the download always agree.
    assessments = [list(row) for row in tutor_assessments_table(unit).rows]
    return render(request, "dashboard/unit_tasks.html", {
        "nav": "units", "unit": unit, "grid": grid, "statuses": TaskStatus.choices, "assessments": assessments,
        "tutorials": [abbreviation for abbreviation, _ in tutorials], "mine": mine, "wanted": wanted,
        "may_assess": may_in_unit(request.user, ASSESS_TASKS, unit),
    })


@login_required
@require_http_methods(["GET", "POST"])
def unit_task_status(request, unit_id: int, project_id: int, definition_id: int):
    """Set one student's task status, as a staff member marking it: the same service as the REST route, which
    records an assessment."""
    unit = unit_for(request, unit_id, ASSESS_TASKS)
    project = Project.objects.select_related("user").filter(unit=unit, pk=project_id, enrolled=True).first()
    definition = TaskDefinition.objects.filter(unit=unit, pk=definition_id).first()
    if project is None or definition is None:
        raise Http404("No such student or task in this unit.")
    task = Task.objects.filter(project=project, definition=definition).first()
    current = task.status if task is not None else TaskStatus.NOT_STARTED
    form = TaskStatusForm(request.POST if request.method == "POST" else None, initial={"status": current})
    back = f"{reverse('dashboard:unit_tasks', kwargs={'unit_id': unit.pk})}?{request.GET.urlencode()}#student-{project.pk}"
    if request.method == "POST" and form.is_valid():
        status = int(form.cleaned_data["status"])
        try:
            with transaction.atomic():
                if task is None:
                    task = Task.objects.create(project=project, definition=definition)
                unit_services.update_task(actor=request.user, task=task, status=status)
        except unit_services.NotAllowed as refused:
            raise PermissionDenied(refused.message) from None
        messages.success(request, f"{definition.abbreviation} of {project.user.full_name or project.user.username} is now "
                                  f"{TaskStatus(status).label}.")
        return redirect(back)
    return render(request, "dashboard/unit_task_status.html", {
        "nav": "units", "unit": unit, "project": project, "definition": definition, "form": form,
        "current": TaskStatus(current).label, "back": back,
    }, status=400 if request.method == "POST" else 200)


# --- Uploads -------------------------------------------------------------------------------------------


def _upload_of(kind: str):
    if kind == "users":
        return USERS_UPLOAD
    if kind not in UNIT_UPLOADS:
        raise Http404("There is no such upload.")
    return UNIT_UPLOADS[kind]


def _allowed(request, unit_id, kind):
    """(unit or None, title, Resource, needs) for an upload `kind`, or 403/404."""
    title, resource_class, needs = _upload_of(kind)
    if kind == "users":
        if not may_in_system(request.user, UPLOAD_USERS_CSV):
            raise PermissionDenied("Only Admins and Convenors may add users.")
        return None, title, resource_class, needs
    return unit_for(request, unit_id, UPLOAD_CSV), title, resource_class, needs


def _dry_run(resource, table):
    """What the import would do, computed and undone. Raises FileFormatError as the import would."""

    class _Undo(Exception):
        pass

    outcome = None
    try:
        with transaction.atomic():
            outcome = resource.import_table(table)
            raise _Undo
    except _Undo:
        pass
    return outcome


def _outcome_fingerprint(outcome) -> str:
    return staging.fingerprint({name: [(entry["row_number"], entry["message"]) for entry in entries]
                                for name, entries in outcome.as_dict().items()})


def _read(staged, resource):
    name, data = staging.staged_files(staged)[0]
    return read_uploaded_table(Upload(name=name, data=data), required=resource.required_headings())


@login_required
@require_http_methods(["GET", "POST"])
def unit_upload(request, unit_id: int | None = None, kind: str = "users"):
    """The upload form; its POST keeps the file and sends the teacher to the upload's own page."""
    unit, title, _, needs = _allowed(request, unit_id, kind)
    form = SpreadsheetUploadForm(request.POST, request.FILES) if request.method == "POST" else SpreadsheetUploadForm()
    context = {"nav": "units", "unit": unit, "title": title, "needs": needs, "kind": kind, "form": form}
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            staged = staging.stage_upload(owner=request.user, kind=kind if kind != "task-definitions" else
                                          StagedUpload.Kind.TASK_DEFINITIONS, unit=unit,
                                          files=[(upload.name, upload.read())], options={})
            return redirect(_staged_url(staged))
        messages.error(request, "Nothing was uploaded: see the message beside the form.")
        return render(request, "dashboard/unit_upload.html", {**context, "focus_errors": True}, status=400)
    return render(request, "dashboard/unit_upload.html", context)


def _staged_url(staged) -> str:
    if staged.unit_id is None:
        return reverse("dashboard:users_staged", kwargs={"upload": staged.pk})
    return reverse("dashboard:unit_staged", kwargs={"unit_id": staged.unit_id, "upload": staged.pk})


def _staged_for(request, unit, upload) -> StagedUpload:
    staged = StagedUpload.objects.filter(pk=upload, owner=request.user, unit=unit).exclude(
        kind=StagedUpload.Kind.ATTENDANCE).first()
    if staged is None:
        raise Http404("This upload is no longer waiting: it was confirmed, discarded, or it expired.")
    return staged


# Tables of an import's outcome on a page: a 20,000-row import must not make a 5 MB page. Counts stay whole.
RESULT_ROWS_SHOWN = {"ok": 200, "warn": 200, "bad": 1000}


def _result_tables(outcome) -> list[dict]:
    tables = []
    for title, css, name in (("Done", "ok", "success"), ("Left as they were", "warn", "ignored"),
                             ("Errors", "bad", "errors")):
        entries = getattr(outcome, name)
        total = outcome.counts[name]
        shown = RESULT_ROWS_SHOWN[css]
        tables.append({"title": title, "css": css, "entries": entries[:shown], "total": total,
                       "hidden": max(0, total - min(shown, len(entries)))})
    return tables


@login_required
def unit_staged(request, unit_id: int | None = None, upload=None):
    unit = unit_for(request, unit_id, UPLOAD_CSV) if unit_id is not None else None
    if unit is None and not may_in_system(request.user, UPLOAD_USERS_CSV):
        raise PermissionDenied("Only Admins and Convenors may add users.")
    staged = _staged_for(request, unit, upload)
    title, resource_class, needs = _upload_of(staged.kind)
    resource = resource_class(actor=request.user, unit=unit)
    outcome = problem = None
    try:
        outcome = _dry_run(resource, _read(staged, resource))
    except UploadRejected as rejected:
        problem = explain(str(rejected.detail)).sentence
    except FileFormatError as error:
        problem = explain(str(error)).sentence
    return render(request, "dashboard/unit_staged.html", {
        "nav": "units", "unit": unit, "title": title, "needs": needs, "staged": staged, "outcome": outcome,
        "problem": problem, "tables": _result_tables(outcome) if outcome else [],
        "file_name": staging.staged_files(staged)[0][0],
        "fingerprint": _outcome_fingerprint(outcome) if outcome else "",
    })


@login_required
@require_POST
def unit_staged_confirm(request, unit_id: int | None = None, upload=None):
    unit = unit_for(request, unit_id, UPLOAD_CSV) if unit_id is not None else None
    if unit is None and not may_in_system(request.user, UPLOAD_USERS_CSV):
        raise PermissionDenied("Only Admins and Convenors may add users.")
    staged = _staged_for(request, unit, upload)
    title, resource_class, _ = _upload_of(staged.kind)
    resource = resource_class(actor=request.user, unit=unit)
    with progress_of(request) as report:
        report("reading", 0, None)
        try:
            table = _read(staged, resource)
            report("checking", 0, len(table.rows))
            with transaction.atomic():
                before = list(Project.objects.filter(unit=unit, enrolled=True).values_list("pk", flat=True)) \
                    if staged.kind == StagedUpload.Kind.WITHDRAWALS else []
                outcome = resource.import_table(table, progress=report.callback)
                if _outcome_fingerprint(outcome) != request.POST.get("fingerprint"):
                    transaction.set_rollback(True)
                    outcome = None
        except (UploadRejected, FileFormatError):
            outcome = None
        total = sum(outcome.counts.values()) if outcome is not None else None
        report("done" if outcome is not None else "failed", total or 0, total)
    if outcome is None:
        messages.warning(request, "Something changed since this preview (or the file can no longer be read). "
                                  "Nothing was imported; check the preview again and confirm.")
        return redirect(_staged_url(staged))
    staging.discard(staged=staged)
    counts = outcome.counts
    summary = (f"{counts['success']:,} done, {counts['ignored']:,} left as they were, "
               f"{counts['errors']:,} with errors")
    back = redirect("dashboard:unit", unit_id=unit.pk) if unit is not None else redirect("dashboard:units")
    if counts["success"] == 0 and counts["errors"]:
        messages.error(request, f"{title}: nothing was done — {summary}. The preview listed each error.")
        return back
    if staged.kind == StagedUpload.Kind.WITHDRAWALS and counts["success"]:
        still = set(Project.objects.filter(pk__in=before, enrolled=True).values_list("pk", flat=True))
        withdrawn = [pk for pk in before if pk not in still]
        deletion = trash.record_reversible_change(
            owner=request.user, kind="withdrawal", unit=unit, payload={"project_ids": withdrawn},
            description=f"The withdrawal of {len(withdrawn)} student{pluralize(len(withdrawn))} from {unit.code}",
        )
        undo_message(request, deletion, f"{title}: {summary}.")
        return back
    (messages.warning if counts["errors"] else messages.success)(request, f"{title}: {summary}.")
    return back


@login_required
@require_POST
def unit_staged_discard(request, unit_id: int | None = None, upload=None):
    unit = unit_for(request, unit_id, UPLOAD_CSV) if unit_id is not None else None
    if unit is None and not may_in_system(request.user, UPLOAD_USERS_CSV):
        raise PermissionDenied("Only Admins and Convenors may add users.")
    staged = StagedUpload.objects.filter(pk=upload, owner=request.user, unit=unit).first()
    if staged is not None:
        staging.discard(staged=staged)
    messages.info(request, "Upload discarded; nothing was imported.")
    return redirect("dashboard:unit", unit_id=unit.pk) if unit is not None else redirect("dashboard:units")
