"""Uploading attendance reports: choose files → the upload waits at its own address with a preview → Confirm
(writes exactly what the preview showed) or Discard.

The files are kept server-side (dashboard.services.staging), so the preview page is an ordinary page: Reload,
Back, Forward, a bookmark and a second tab all show it; "Replace it", "Ignore them" and "Add these students"
change the waiting upload's choices or the roster and show the preview again, with the same files.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_http_methods, require_POST

from attendance import services as attendance_services
from attendance.formats import RosterEntry
from attendance.models import Course, CourseStudent
from dashboard import previews
from dashboard.explanations import explain
from dashboard.forms import AttendanceChoicesForm, AttendanceUploadForm
from dashboard.models import StagedUpload
from dashboard.services import staging
from dashboard.services.defaults import defaults_of, save_defaults
from attendance.permissions import UPLOAD_ATTENDANCE
from dashboard.views.access import course_for
from dashboard.views.progress import progress_of


def _choices_initial(course: Course) -> dict:
    return {"threshold_minutes": defaults_of(course).threshold_minutes}


def _options(choices: dict) -> attendance_services.UploadOptions:
    """The waiting upload's choices (JSON: start time "HH:MM" and date "YYYY-MM-DD" as text) as the service's."""
    start, date = choices.get("start_time") or "", choices.get("date") or ""
    return attendance_services.UploadOptions(
        end_time=(choices.get("end_time") or "").strip() or None,
        threshold_seconds=60 * int(choices.get("threshold_minutes") or 0),
        flags=tuple(choices.get("flags") or ()),
        ignore_unknown=bool(choices.get("ignore_unknown")),
        replace=bool(choices.get("replace")),
        date_order=choices.get("date_order") or "day-first",
        identity=choices.get("match_by") or "name",
        start_time=datetime.time.fromisoformat(start) if start else None,
        date=datetime.date.fromisoformat(date) if date else None,
        overwrite_corrections=bool(choices.get("overwrite_corrections")),
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_upload(request, pk: int):
    """The upload form; its POST keeps the files and sends the teacher to the upload's own page."""
    course = course_for(request, pk, UPLOAD_ATTENDANCE)
    if request.method == "GET":
        form = AttendanceUploadForm(initial=_choices_initial(course))
        return render(request, "dashboard/course_upload.html", {"nav": "courses", "tab": "upload", "course": course,
                                                                "form": form})
    form = AttendanceUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Nothing was uploaded: see the message beside the form.")
        return render(request, "dashboard/course_upload.html", {
            "nav": "courses", "tab": "upload", "course": course, "form": form, "focus_errors": True,
        }, status=400)
    choices = {name: value for name, value in form.cleaned_data.items() if name != "files"}
    files = [(upload.name, upload.read()) for upload in form.cleaned_data["files"]]
    staged = staging.stage_upload(owner=request.user, kind=StagedUpload.Kind.ATTENDANCE, course=course,
                                  files=files, options=choices)
    save_defaults(course=course, threshold_minutes=choices["threshold_minutes"])
    return redirect("dashboard:course_staged", pk=course.pk, upload=staged.pk)


def _staged(request, course: Course, upload) -> StagedUpload:
    staged = StagedUpload.objects.filter(pk=upload, owner=request.user, course=course).first()
    if staged is None:
        raise Http404("This upload is no longer waiting: it was confirmed, discarded, or it expired.")
    return staged


def _preview_lines_fingerprint(preview) -> list:
    """Everything the preview shows that Confirm would write: a change to any of it means a new preview."""
    return [[str(day.date), str(day.start_time), day.source_format, day.replaced]
            + [[line.roll, line.present, line.seconds, line.flagged, line.still_connected, line.status, line.corrected]
               for line in day.lines]
            for day in preview.dates] + [[str(date) for date in preview.replaced],
                                         [list(met.values()) for met in preview.corrections_kept + preview.corrections_overwritten]]


def _preview(request, course: Course, staged: StagedUpload, *, progress=None):
    """(preview, unknown participants error, explanation) of the waiting upload; nothing is written."""
    try:
        preview = previews.preview_attendance(
            course=course, uploaded_by=request.user, files=staging.staged_files(staged),
            options=_options(staged.options), progress=progress,
        )
    except attendance_services.UnknownParticipants as error:
        return None, error, None
    except attendance_services.AttendanceError as error:
        return None, None, explain(error.message, error.code)
    return preview, None, None


@login_required
def course_staged(request, pk: int, upload):
    """The waiting upload: what would be recorded, or what is in the way and what can be done about it."""
    course = course_for(request, pk)
    staged = _staged(request, course, upload)
    preview, unknown, explanation = _preview(request, course, staged)
    files = [name for name, _ in staging.staged_files(staged)]
    context = {
        "nav": "courses", "tab": "upload", "course": course, "staged": staged, "files": files,
        "preview": preview, "unknown": unknown, "explanation": explanation,
        "fingerprint": staging.fingerprint(_preview_lines_fingerprint(preview)) if preview else "",
        "unknown_people": previews.unknown_people(unknown) if unknown is not None else [],
        "choices_form": AttendanceChoicesForm(initial={**staged.options, "flags": ", ".join(staged.options.get("flags") or ())}),
        "threshold_minutes": int(staged.options.get("threshold_minutes") or 0),
    }
    return render(request, "dashboard/course_staged.html", context, status=200)


@login_required
@require_POST
def course_staged_confirm(request, pk: int, upload):
    """Record what the preview showed. If it would now record something else (another upload, a roster change
    meanwhile), show the new preview instead of writing."""
    course = course_for(request, pk, UPLOAD_ATTENDANCE)
    staged = _staged(request, course, upload)
    with progress_of(request, counting="files") as report:
        report("checking", 0, staged.files.count())
        preview, _, _ = _preview(request, course, staged)
        if preview is None or staging.fingerprint(_preview_lines_fingerprint(preview)) != request.POST.get("fingerprint"):
            report("failed", 0, None)
            messages.warning(request, "Something changed since this preview (another upload, or a change to the "
                                      "roster). Nothing was recorded; check the preview again and confirm.")
            return redirect("dashboard:course_staged", pk=course.pk, upload=staged.pk)
        try:
            result = attendance_services.record_attendance(
                course=course, uploaded_by=request.user, files=staging.staged_files(staged),
                options=_options(staged.options), progress=report.callback,
            )
        except attendance_services.AttendanceError as error:
            report("failed", 0, None)
            messages.error(request, f"Nothing was recorded: {explain(error.message, error.code).sentence}")
            return redirect("dashboard:course_staged", pk=course.pk, upload=staged.pk)
        report("done", len(result.dates), len(result.dates))
    staging.discard(staged=staged)
    dates = ", ".join(f"{date:%a %-d %b}" for date in result.dates)
    messages.success(request, f"Attendance recorded for {dates}.")
    return redirect("dashboard:course", pk=course.pk)


@login_required
@require_POST
def course_staged_choices(request, pk: int, upload):
    """Change how the waiting upload is read (threshold, end time, ...) or answer its problem ("Replace it",
    "Ignore them"); the same files are previewed again."""
    course = course_for(request, pk, UPLOAD_ATTENDANCE)
    staged = _staged(request, course, upload)
    answer = request.POST.get("answer", "")
    if answer == "replace":
        staging.change_options(staged=staged, replace=True)
    elif answer == "ignore-unknown":
        staging.change_options(staged=staged, ignore_unknown=True)
    elif answer in ("overwrite-corrections", "keep-corrections"):
        staging.change_options(staged=staged, overwrite_corrections=answer == "overwrite-corrections")
    elif answer == "another-class":
        form = AttendanceChoicesForm({**staged.options, "flags": ", ".join(staged.options.get("flags") or ()),
                                      "start_time": request.POST.get("start_time", "")})
        if not form.is_valid() or not form.cleaned_data["start_time"]:
            messages.error(request, "Give the start time of the other class, such as 14:00.")
            return redirect("dashboard:course_staged", pk=course.pk, upload=staged.pk)
        staging.change_options(staged=staged, start_time=form.cleaned_data["start_time"], replace=False)
    else:
        form = AttendanceChoicesForm(request.POST)
        if not form.is_valid():
            messages.error(request, "The choices were not changed: " + " ".join(
                f"{form.fields[name].label}: {' '.join(errors)}" for name, errors in form.errors.items()))
            return redirect("dashboard:course_staged", pk=course.pk, upload=staged.pk)
        staging.change_options(staged=staged, **form.cleaned_data)
        save_defaults(course=course, threshold_minutes=form.cleaned_data["threshold_minutes"])
    return redirect("dashboard:course_staged", pk=course.pk, upload=staged.pk)


@login_required
@require_POST
def course_staged_add_students(request, pk: int, upload):
    """Add the report's unknown participants to the roster with the roll numbers the teacher typed, then show
    the preview again with the same files."""
    course = course_for(request, pk, UPLOAD_ATTENDANCE)
    staged = _staged(request, course, upload)
    keys = request.POST.getlist("key")
    rolls = [roll.strip() for roll in request.POST.getlist("roll")]
    names = [" ".join(name.split()) for name in request.POST.getlist("name")]
    chosen = [(roll, name) for _key, roll, name in zip(keys, rolls, names) if roll and name]
    problems = []
    taken = dict(CourseStudent.objects.filter(course=course, roll__in=[roll for roll, _ in chosen]).values_list("roll", "name"))
    for roll, name in chosen:
        if roll in taken:
            problems.append(f"roll {roll} is already {taken[roll]}'s")
        elif len(roll) > 64 or len(name) > 200:
            problems.append(f"roll {roll[:20]}… or its name is too long")
    if len({roll for roll, _ in chosen}) != len(chosen):
        problems.append("the same roll number is given twice")
    if not chosen:
        problems.append("give a roll number and a name for each person to add")
    if problems:
        messages.error(request, "No student was added: " + "; ".join(problems) + ".")
        return redirect("dashboard:course_staged", pk=course.pk, upload=staged.pk)
    attendance_services.add_students(course=course, roster=[RosterEntry(roll=roll, name=name, row=0) for roll, name in chosen])
    messages.success(request, f"Added {len(chosen)} student{pluralize(len(chosen))} to the roster; here is the "
                              "preview again.")
    return redirect("dashboard:course_staged", pk=course.pk, upload=staged.pk)


@login_required
@require_POST
def course_staged_discard(request, pk: int, upload):
    course = course_for(request, pk, UPLOAD_ATTENDANCE)
    staged = StagedUpload.objects.filter(pk=upload, owner=request.user, course=course).first()
    if staged is not None:
        staging.discard(staged=staged)
    messages.info(request, "Upload discarded; nothing was recorded.")
    return redirect("dashboard:course", pk=course.pk)

