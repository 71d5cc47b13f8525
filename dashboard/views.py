"""The teacher dashboard's pages. Thin: read the request, call one service or selector, render.

Permissions come from `doubtfire.permissions`; writes from `doubtfire.services` and `attendance.services`
(the same functions the API calls), so a page and a script always get the same answer.
"""

import base64
import datetime
import math
import uuid
from decimal import Decimal
from fractions import Fraction

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse, reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.throttling import ScopedRateThrottle

from attendance import selectors as attendance_selectors
from attendance import services as attendance_services
from attendance.formats import RosterEntry
from attendance.models import Course
from attendance.permissions import MANAGE_COURSE, UPLOAD_ATTENDANCE, VIEW_COURSE, CourseRefused
from csvapi.uploads import Upload, UploadRejected, read_uploaded_table
from dashboard import previews, selectors
from dashboard.forms import (
    AttendanceUploadForm,
    CourseForm,
    CutoffForm,
    ReportDownloadForm,
    RosterUploadForm,
    SignInForm,
    SignUpForm,
    SpreadsheetUploadForm,
    StudentFilterForm,
    StudentForm,
)
from jobs.services import JobProgress, start_inline_job
from jobs.models import Job
from doubtfire import services as unit_services
from doubtfire.models import TaskStatus, Unit
from doubtfire.permissions import (
    DOWNLOAD_SYSTEM_CSV,
    DOWNLOAD_UNIT_CSV,
    UPLOAD_CSV,
    UPLOAD_USERS_CSV,
    VIEW_UNIT,
    may_in_system,
    may_in_unit,
    role_in_unit,
)
from doubtfire.selectors import tutor_assessments_table
from spreadsheets import FileFormatError

# --- Signing in and out ----------------------------------------------------------------------------


class SignInView(auth_views.LoginView):
    # django-axes hooks into authenticate(), which AuthenticationForm calls with the request.
    template_name = "registration/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    # POST only (Django's LogoutView refuses GET), so no page can sign a teacher out behind their back.
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("dashboard:password_change_done")
    extra_context = {"nav": "account"}

    def form_valid(self, form):
        response = super().form_valid(form)
        # Scripts signed in with the old password should not keep working after a change.
        unit_services.revoke_all_auth_tokens(user=form.user)
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"
    extra_context = {"nav": "account"}


# --- Help ------------------------------------------------------------------------------------------


def help_page(request):
    return render(request, "dashboard/help.html", {"nav": "help"})


# --- Units -----------------------------------------------------------------------------------------


def _unit_for(request, unit_id: int, action: str = VIEW_UNIT) -> Unit:
    """The unit, 404 when it does not exist, 403 when the user may not do `action` in it."""
    unit = get_object_or_404(Unit, pk=unit_id)
    if not may_in_unit(request.user, action, unit):
        raise PermissionDenied("You do not have a role in this unit that allows this.")
    return unit


@login_required
def unit_list(request):
    return render(
        request,
        "dashboard/unit_list.html",
        {
            "nav": "units",
            "units": selectors.units_for(request.user),
            "may_upload_users": may_in_system(request.user, UPLOAD_USERS_CSV),
            "may_download_users": may_in_system(request.user, DOWNLOAD_SYSTEM_CSV),
        },
    )


@login_required
def unit_detail(request, unit_id: int):
    unit = _unit_for(request, unit_id, DOWNLOAD_UNIT_CSV)
    tutorials, campuses = selectors.unit_filter_choices(unit)
    filters = StudentFilterForm(request.GET or None, tutorials=tutorials, campuses=campuses)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    students = selectors.unit_student_list(
        unit,
        tutorial=chosen.get("tutorial", ""),
        campus=chosen.get("campus", ""),
        status=chosen.get("status") or "enrolled",
        search=chosen.get("search", ""),
    )
    return render(
        request,
        "dashboard/unit_detail.html",
        {
            "nav": "units",
            "unit": unit,
            "role": role_in_unit(request.user, unit),
            "filters": filters,
            "students": students,
            "may_upload": may_in_unit(request.user, UPLOAD_CSV, unit),
            "upload_kinds": UNIT_UPLOADS,
            "upload_form": SpreadsheetUploadForm(),
        },
    )


@login_required
def unit_tasks(request, unit_id: int):
    unit = _unit_for(request, unit_id, DOWNLOAD_UNIT_CSV)
    grid = selectors.task_grid(unit)
    # The same selector as the TutorAssessments CSV, so the page and the download always agree.
    assessments = [list(row) for row in tutor_assessments_table(unit).rows]
    return render(
        request,
        "dashboard/unit_tasks.html",
        {
            "nav": "units",
            "unit": unit,
            "grid": grid,
            "statuses": TaskStatus.choices,
            "assessments": assessments,
        },
    )


# Each upload a unit page offers: kind in the URL → (title, service, what the file needs).
UNIT_UPLOADS = {
    "enrolments": (
        "Enrol students",
        unit_services.enrol_students_from_table,
        "Columns unit_code, username, email, first_name, last_name (student_id, campus and the tutorial "
        "column or one column per tutorial stream are read when present).",
    ),
    "withdrawals": (
        "Withdraw students",
        unit_services.withdraw_students_from_table,
        "Columns unit_code and username: each listed student is withdrawn (their work is kept).",
    ),
    "task_definitions": (
        "Task definitions",
        unit_services.import_task_definitions_from_table,
        "The columns of the task definitions download: name, abbreviation, start_week, start_day, "
        "target_week, target_day, and the optional ones.",
    ),
}


def _bound(request, form_class, **kwargs):
    """The form bound to the request's data on a POST (even an empty one), unbound otherwise."""
    if request.method == "POST":
        return form_class(request.POST, request.FILES, **kwargs)
    return form_class(**kwargs)


def _read_spreadsheet(form) -> tuple[object | None, str | None]:
    """(table, None) or (None, the sentence that says what is wrong with the file)."""
    upload = form.cleaned_data["file"]
    try:
        return read_uploaded_table(Upload(name=upload.name, data=upload.read())), None
    except UploadRejected as rejected:
        return None, str(rejected.detail)


def _progress_report(request, counting: str = "rows") -> JobProgress:
    """The progress of the job the page made for this upload (its `progress_id` field), when the job is the
    user's; otherwise a report that does nothing (the page is not polling)."""
    try:
        pk = uuid.UUID(request.POST.get("progress_id", ""))
    except ValueError:
        return JobProgress(None)
    return JobProgress(Job.objects.filter(pk=pk, owner=request.user).first(), counting=counting)


# Rows listed per result table. A term-start import of 20,000 users made a 5.6 MB page listing every done
# row; the counts are always whole, and errors (what the teacher has to act on) get the longest list.
RESULT_ROWS_SHOWN = {"ok": 200, "warn": 200, "bad": 1000}


def _result_table(title: str, entries: list, css: str, total: int) -> dict:
    # `total` counts every row of the category, also those the result summarised instead of listing.
    shown = RESULT_ROWS_SHOWN[css]
    return {"title": title, "css": css, "entries": entries[:shown], "total": total, "hidden": max(0, total - min(shown, len(entries)))}


def _render_import(request, template, context, form, run):
    """Show the upload form; on a valid POST run the import and show its three tables.

    `run(table, progress)` calls the import service; progress goes to the page's progress row, if any.
    """
    result = None
    if request.method == "POST" and form.is_valid():
        with _progress_report(request) as report:
            report("reading", 0, None)
            table, problem = _read_spreadsheet(form)
            if problem is None:
                report("checking", 0, len(table.rows))
                try:
                    result = run(table, report.callback)
                except FileFormatError as error:
                    problem = str(error)
            if problem is None:
                report("done", len(table.rows), len(table.rows))
            else:
                report("failed", 0, None)
        if problem is not None:
            form.add_error("file", problem)
            messages.error(request, f"Nothing was imported: {problem}")
        else:
            messages.success(
                request,
                f"Import finished: {result.counts['success']} done, {result.counts['ignored']} unchanged, "
                f"{result.counts['errors']} with errors.",
            )
    status = 400 if request.method == "POST" and result is None else 200
    tables = []
    if result is not None:
        tables = [
            _result_table("Done", result.success, "ok", result.counts["success"]),
            _result_table("Left as they were", result.ignored, "warn", result.counts["ignored"]),
            _result_table("Errors", result.errors, "bad", result.counts["errors"]),
        ]
    return render(request, template, {**context, "form": form, "result": result, "result_tables": tables}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def unit_upload(request, unit_id: int, kind: str):
    if kind not in UNIT_UPLOADS:
        raise Http404("There is no such upload.")
    unit = _unit_for(request, unit_id, UPLOAD_CSV)
    title, service, needs = UNIT_UPLOADS[kind]
    form = _bound(request, SpreadsheetUploadForm)
    context = {"nav": "units", "unit": unit, "title": title, "needs": needs, "kind": kind}
    return _render_import(
        request,
        "dashboard/unit_upload.html",
        context,
        form,
        lambda table, progress: service(actor=request.user, unit=unit, table=table, progress=progress),
    )


@login_required
@require_http_methods(["GET", "POST"])
def users_upload(request):
    if not may_in_system(request.user, UPLOAD_USERS_CSV):
        raise PermissionDenied("Only Admins and Convenors may add users.")
    form = _bound(request, SpreadsheetUploadForm)
    context = {
        "nav": "units",
        "title": "Add users",
        "needs": "Columns username, email, role, first_name, last_name (nickname and student_id are optional). "
        "A Convenor may add Students and Tutors.",
    }
    return _render_import(
        request,
        "dashboard/unit_upload.html",
        context,
        form,
        lambda table, progress: unit_services.import_users_from_table(
            actor=request.user, table=table, progress=progress
        ),
    )


# --- Signing up ------------------------------------------------------------------------------------


class _SignUpThrottleScope:
    # DRF's throttle reads its scope from the view it guards. Naming /api_signup's scope here makes the
    # page and the API one budget per address (same rate setting, same cache key), not two.
    throttle_scope = "sign_up"


def _sign_up_wait(request) -> int | None:
    """None when this client address may try to sign up now (the attempt is counted), else the seconds
    to wait. The same ScopedRateThrottle as `/api_signup`, so addresses behind proxies are read alike."""
    throttle = ScopedRateThrottle()
    if throttle.allow_request(request, _SignUpThrottleScope()):
        return None
    return max(1, math.ceil(throttle.wait() or 1))


@require_http_methods(["GET", "POST"])
def sign_up(request):
    """Create a teacher account with the same service as `/api_signup`, then sign them in.

    Every POST counts against the `sign_up` rate of the address it comes from, as on the API.
    """
    if request.user.is_authenticated:
        return redirect("dashboard:home")
    if request.method == "POST" and (wait := _sign_up_wait(request)) is not None:
        minutes = math.ceil(wait / 60)
        response = render(request, "registration/signup_throttled.html", {"minutes": minutes}, status=429)
        response["Retry-After"] = str(wait)
        return response
    form = _bound(request, SignUpForm)
    if request.method == "POST" and form.is_valid():
        try:
            user = attendance_services.sign_up_teacher(
                name=form.cleaned_data["name"], email=form.cleaned_data["email"], password=form.cleaned_data["password"]
            )
        except attendance_services.AttendanceError as error:
            form.add_error(None, error.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome, {user.first_name}. Add your first course below.")
            return redirect("dashboard:home")
    status = 400 if request.method == "POST" else 200
    return render(request, "registration/signup.html", {"form": form}, status=status)


# --- Attendance: courses ---------------------------------------------------------------------------


def _course(request, pk: int, action: str) -> Course:
    """The course if the person may see it (attendance.permissions: their own, shared with them, of a unit they
    convene or a tutorial they tutor), checked for ``action``. Another teacher's course answers exactly as a
    course that does not exist: 404; one they see but may not change so, 403."""
    try:
        return attendance_selectors.course_for_pk(request.user, pk, action=action)
    except CourseRefused as error:
        if error.status == 404:
            raise Http404(error.message) from None
        raise PermissionDenied(error.message) from None


def _cutoff(request) -> Decimal:
    form = CutoffForm(request.GET)
    if form.is_valid():
        return form.cleaned_data["cutoff"]
    default = attendance_selectors.DEFAULT_CUTOFF
    return Decimal(default.numerator) / Decimal(default.denominator)


@login_required
def home(request):
    """My courses, as cards (students, dates recorded, average attendance, defaulters)."""
    cutoff = Fraction(_cutoff(request))
    cards = attendance_selectors.course_summaries(viewer=request.user, cutoff=cutoff)
    return render(request, "dashboard/course_list.html", {"nav": "courses", "cards": cards, "cutoff": cutoff})


@login_required
@require_http_methods(["GET", "POST"])
def course_create(request):
    form = _bound(request, CourseForm)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["roster"]
        try:
            roster = attendance_services.read_roster(name=upload.name, data=upload.read())
            course = attendance_services.create_course(
                owner=request.user,
                course_id=data["course_id"],
                course_name=data["course_name"],
                batch=data["batch"],
                roster=roster,
            )
        except attendance_services.AttendanceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Course {course} created with {len(roster)} students.")
            return redirect("dashboard:course", pk=course.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "dashboard/course_form.html", {"nav": "courses", "form": form}, status=status)


@login_required
def course_detail(request, pk: int):
    course = _course(request, pk, VIEW_COURSE)
    cutoff = _cutoff(request)
    grid = selectors.attendance_grid(course=course, cutoff=Fraction(cutoff))
    return render(
        request,
        "dashboard/course_detail.html",
        {
            "nav": "courses",
            "course": course,
            "grid": grid,
            "cutoff": cutoff,
            "upload_form": AttendanceUploadForm(),
            "download_form": ReportDownloadForm(initial={"cutoff": cutoff}),
            "roster_form": RosterUploadForm(),
            "student_form": StudentForm(),
        },
    )


def _done(request, course: Course, message: str):
    messages.success(request, message)
    return redirect("dashboard:course", pk=course.pk)


def _failed(request, course: Course, message: str):
    messages.error(request, message)
    return redirect("dashboard:course", pk=course.pk)


@login_required
@require_POST
def course_add_students(request, pk: int):
    course = _course(request, pk, UPLOAD_ATTENDANCE)
    if "roster" in request.FILES:
        form = RosterUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return _failed(request, course, " ".join(form.errors["roster"]))
        upload = form.cleaned_data["roster"]
        try:
            roster = attendance_services.read_roster(name=upload.name, data=upload.read())
        except attendance_services.AttendanceError as error:
            return _failed(request, course, error.message)
    else:
        form = StudentForm(request.POST)
        if not form.is_valid():
            return _failed(request, course, "Give both the roll number and the name of the student to add.")
        roster = [RosterEntry(roll=form.cleaned_data["roll"].strip(), name=form.cleaned_data["name"].strip(), row=0)]
    try:
        changes = attendance_services.add_students(course=course, roster=roster)
    except attendance_services.AttendanceError as error:
        return _failed(request, course, error.message)
    return _done(
        request,
        course,
        f"Added {len(changes.added)} student{pluralize(len(changes.added))}, renamed {len(changes.renamed)}, "
        f"{len(changes.unchanged)} unchanged.",
    )


@login_required
@require_POST
def course_remove_student(request, pk: int):
    course = _course(request, pk, UPLOAD_ATTENDANCE)
    roll = request.POST.get("roll", "")
    try:
        attendance_services.remove_student(course=course, roll=roll)
    except attendance_services.AttendanceError as error:
        return _failed(request, course, error.message)
    return _done(request, course, f"Removed roll {roll} and their attendance.")


@login_required
@require_POST
def course_delete_date(request, pk: int):
    course = _course(request, pk, UPLOAD_ATTENDANCE)
    try:
        date = datetime.date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        return _failed(request, course, "Choose a date to delete.")
    try:
        attendance_services.delete_date(course=course, date=date)
    except attendance_services.AttendanceError as error:
        return _failed(request, course, error.message)
    return _done(request, course, f"Deleted the attendance of {date:%Y-%m-%d}.")


@login_required
@require_http_methods(["GET", "POST"])
def course_delete(request, pk: int):
    """A page that asks first; only its POST deletes."""
    course = _course(request, pk, MANAGE_COURSE)
    if request.method == "POST":
        name = str(course)
        attendance_services.delete_course(course=course)
        messages.success(request, f"Deleted course {name} with all its attendance.")
        return redirect("dashboard:home")
    counts = selectors.course_counts(course=course)
    return render(request, "dashboard/course_confirm_delete.html", {"nav": "courses", "course": course, **counts})


# --- Attendance: uploading reports with a preview --------------------------------------------------
#
# The files wait in the teacher's session between the preview and Confirm (the browser cannot send a
# file input again without the teacher choosing the files again). Their size is already capped by the
# upload limit; Confirm or Cancel removes them.

PENDING_KEY = "dashboard-pending-upload"


def _options(data) -> attendance_services.UploadOptions:
    return attendance_services.UploadOptions(
        end_time=data["end_time"].strip() or None,
        threshold_seconds=data["threshold"],
        flags=tuple(data["flags"]),
        ignore_unknown=data["ignore_unknown"],
        replace=data["replace"],
        date_order=data["date_order"],
        identity=data["match_by"],
    )


def _hold(request, course: Course, *, files, choices: dict, previewed: bool) -> None:
    """Keep the files and choices in the session for Confirm (once previewed) or for a second preview."""
    request.session[PENDING_KEY] = {
        "course": course.pk,
        "options": choices,
        "files": [[name, base64.b64encode(data).decode("ascii")] for name, data in files],
        "previewed": previewed,
    }


def _pending(request, course: Course):
    pending = request.session.get(PENDING_KEY)
    if not pending or pending.get("course") != course.pk:
        return None
    return pending


def _previewing(progress):
    """A preview's writes are undone at once: to the teacher the whole preview is checking the files."""
    if progress is None:
        return None
    return lambda stage, done, total: progress(
        "checking", total if stage == "writing" else done, total
    )


def _show_preview(request, course: Course, *, files, choices: dict, form=None):
    """Preview the upload and render the page: the preview, the unknown participants, or the problem
    beside `form` (without a form, e.g. when previewing held files again, the problem goes to the course page).
    """
    preview = unknown = problem = None
    with _progress_report(request, counting="files") as report:
        report("checking", 0, len(files))
        try:
            preview = previews.preview_attendance(
                course=course,
                uploaded_by=request.user,
                files=files,
                options=_options(choices),
                progress=_previewing(report.callback),
            )
        except attendance_services.UnknownParticipants as error:
            unknown = error
        except attendance_services.AttendanceError as error:
            problem = error.message
        report("done" if problem is None else "failed", len(files), len(files))
    if problem is not None and form is None:
        request.session.pop(PENDING_KEY, None)
        return _failed(request, course, f"Nothing was recorded: {problem}")
    if problem is not None:
        form.add_error(None, problem)
    if preview is not None or unknown is not None:
        _hold(request, course, files=files, choices=choices, previewed=preview is not None)
    elif _pending(request, course) is not None:
        # A problem with a new upload must not leave an older preview waiting to be confirmed by mistake.
        del request.session[PENDING_KEY]
    if unknown is not None:
        messages.error(request, "Nothing was recorded: some people in the report are not on the roster.")
    elif preview is None:
        messages.error(request, "Nothing was recorded: fix the problem shown beside the form and upload again.")
    return render(
        request,
        "dashboard/course_upload.html",
        {
            "nav": "courses",
            "course": course,
            "form": form if form is not None else AttendanceUploadForm(),
            "preview": preview,
            "unknown": unknown,
            "unknown_people": previews.unknown_people(unknown) if unknown is not None else [],
        },
        status=200 if preview is not None else 400,
    )


@login_required
@require_POST
def course_upload(request, pk: int):
    """Read the reports and show what would be recorded; nothing is written."""
    course = _course(request, pk, UPLOAD_ATTENDANCE)
    form = AttendanceUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Nothing was recorded: fix the problem shown beside the form and upload again.")
        return render(
            request,
            "dashboard/course_upload.html",
            {"nav": "courses", "course": course, "form": form, "preview": None},
            status=400,
        )
    files = [(upload.name, upload.read()) for upload in form.cleaned_data["files"]]
    choices = {**form.cleaned_data, "flags": list(form.cleaned_data["flags"])}
    del choices["files"]
    return _show_preview(request, course, files=files, choices=choices, form=form)


@login_required
@require_POST
def course_upload_ignore_unknown(request, pk: int):
    """Preview the held upload again, leaving out the people who are not on the roster."""
    course = _course(request, pk, UPLOAD_ATTENDANCE)
    pending = _pending(request, course)
    if pending is None:
        return _failed(request, course, "There is no upload waiting; upload the reports again.")
    choices = {**pending["options"], "ignore_unknown": True}
    files = [(name, base64.b64decode(data)) for name, data in pending["files"]]
    return _show_preview(request, course, files=files, choices=choices)


@login_required
@require_POST
def course_upload_confirm(request, pk: int):
    """Record what the preview showed, with the same files and choices."""
    course = _course(request, pk, UPLOAD_ATTENDANCE)
    pending = _pending(request, course)
    if pending is None or not pending.get("previewed"):
        return _failed(request, course, "There is no upload waiting to be confirmed; upload the reports again.")
    files = [(name, base64.b64decode(data)) for name, data in pending["files"]]
    del request.session[PENDING_KEY]
    with _progress_report(request, counting="files") as report:
        report("checking", 0, len(files))
        try:
            result = attendance_services.record_attendance(
                course=course,
                uploaded_by=request.user,
                files=files,
                options=_options(pending["options"]),
                progress=report.callback,
            )
        except attendance_services.AttendanceError as error:
            report("failed", 0, len(files))
            # Something changed since the preview (another upload, a removed student): say so, keep nothing.
            return _failed(request, course, f"Nothing was recorded: {error.message}")
        report("done", len(files), len(files))
    return _done(request, course, result.message)


@login_required
@require_POST
def course_upload_cancel(request, pk: int):
    course = _course(request, pk, UPLOAD_ATTENDANCE)
    if _pending(request, course) is not None:
        del request.session[PENDING_KEY]
    messages.info(request, "Upload cancelled; nothing was recorded.")
    return redirect("dashboard:course", pk=course.pk)


# --- Progress of long uploads ------------------------------------------------------------------------
#
# The page makes a job before it sends the file (`progress_start`), sends its id with the upload as
# `progress_id`, and polls the job (`GET /api/jobs/<id>`, the route Doubtfire's client polls) while the
# import runs in another server worker: one progress mechanism for the pages and the background jobs.


@login_required
@require_POST
def progress_start(request):
    job = start_inline_job(kind="dashboard_upload", owner=request.user)
    return JsonResponse({"id": str(job.pk), "url": reverse("job-detail", kwargs={"job_id": job.pk})}, status=201)
