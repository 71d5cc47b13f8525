"""The teacher dashboard's pages. Thin: read the request, call one service or selector, render.

Permissions come from `doubtfire.permissions`; writes from `doubtfire.services` and `attendance.services`
(the same functions the API calls), so a page and a script always get the same answer.
"""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods

from csvapi.uploads import Upload, UploadRejected, read_uploaded_table
from dashboard import selectors
from dashboard.forms import SignInForm, SignUpForm, SpreadsheetUploadForm, StudentFilterForm
from doubtfire import services as unit_services
from doubtfire.models import TaskStatus, Unit
from doubtfire.selectors import tutor_assessments_table
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
from doubtfire.spreadsheets import FileFormatError

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


def _render_import(request, template, context, form, run):
    """Show the upload form; on a valid POST run the import and show its three tables."""
    result = None
    if request.method == "POST" and form.is_valid():
        table, problem = _read_spreadsheet(form)
        if problem is None:
            try:
                result = run(table)
            except FileFormatError as error:
                problem = str(error)
        if problem is not None:
            form.add_error("file", problem)
            messages.error(request, f"Nothing was imported: {problem}")
        else:
            messages.success(
                request,
                f"Import finished: {len(result.success)} done, {len(result.ignored)} unchanged, "
                f"{len(result.errors)} with errors.",
            )
    status = 400 if request.method == "POST" and result is None else 200
    tables = []
    if result is not None:
        tables = [
            ("Done", result.success, "ok"),
            ("Left as they were", result.ignored, "warn"),
            ("Errors", result.errors, "bad"),
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
        lambda table: service(actor=request.user, unit=unit, table=table),
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
        lambda table: unit_services.import_users_from_table(actor=request.user, table=table),
    )


# --- Attendance ------------------------------------------------------------------------------------


@login_required
def home(request):
    return render(request, "dashboard/course_list.html", {"nav": "courses", "courses": []})


def sign_up(request):
    return render(request, "registration/signup.html", {"form": SignUpForm()})
