"""A course's planned classes on its Dates tab: generated from a weekly meeting (prefilled from the linked
tutorial's day and time over the unit's dates), imported from a file, removed one by one or a break at a time.
The plan is what the at-risk projection counts: how many classes each student can still attend."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from attendance import selectors as attendance_selectors
from attendance import services as attendance_services
from attendance.permissions import UPLOAD_ATTENDANCE
from dashboard import selectors
from dashboard.forms import PlanBreakForm, PlanGenerateForm, PlanImportForm
from dashboard.views.access import course_for


def generate_initial(course) -> dict:
    """The schedule form's first values: the linked tutorial's meeting day and time over the unit's first and
    last days (attendance.selectors.schedule_defaults); today's weekday where nothing is known."""
    defaults = attendance_selectors.schedule_defaults(course)
    weekday = defaults.weekday if defaults.weekday is not None else timezone.localdate().weekday()
    initial = {"weekday": str(weekday), "time": defaults.time, "start": defaults.start, "end": defaults.end}
    return {name: value for name, value in initial.items() if value is not None}


def render_dates(request, course, *, generate_form=None, import_form=None, break_form=None, status=200):
    return render(request, "dashboard/course_dates.html", {
        "nav": "courses", "tab": "dates", "course": course, "sessions": selectors.course_sessions(course=course),
        "plan": selectors.course_plan(course=course),
        "generate_form": generate_form or PlanGenerateForm(initial=generate_initial(course)),
        "import_form": import_form or PlanImportForm(), "break_form": break_form or PlanBreakForm(),
        "focus_errors": status == 400,
    }, status=status)


def _change_plan(request, pk: int, form_class, form_key: str, change):
    """The plan forms' one way: check the form, run ``change(course, cleaned_data)`` (a service returning
    PlanChanges), then back to the Dates tab with what changed; a bad form or the service's refusal shows the tab
    again (400) with the form as typed and the reason beside it."""
    course = course_for(request, pk, UPLOAD_ATTENDANCE)
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            changes = change(course, form.cleaned_data)
        except attendance_services.AttendanceError as error:
            messages.error(request, f"The plan was not changed: {error.message}")
            return render_dates(request, course, status=400, **{form_key: form})
        messages.success(request, f"Planned classes: {changes.message}")
        return redirect(reverse("dashboard:course_dates", kwargs={"pk": course.pk}) + "#plan-title")
    messages.error(request, "The plan was not changed: see the message beside the form.")
    return render_dates(request, course, status=400, **{form_key: form})


@login_required
@require_POST
def plan_generate(request, pk: int):
    def change(course, data):
        classes = attendance_services.generated_classes(
            weekday=data["weekday"], time=data["time"], start=data["start"], end=data["end"], breaks=data["breaks"]
        )
        return attendance_services.plan_classes(course=course, classes=classes, replace=data["replace"])

    return _change_plan(request, pk, PlanGenerateForm, "generate_form", change)


@login_required
@require_POST
def plan_import(request, pk: int):
    def change(course, data):
        upload = data["file"]
        classes = attendance_services.read_planned_classes(name=upload.name, data=upload.read())
        return attendance_services.plan_classes(course=course, classes=classes)

    return _change_plan(request, pk, PlanImportForm, "import_form", change)


@login_required
@require_POST
def plan_remove_break(request, pk: int):
    def change(course, data):
        return attendance_services.remove_planned_classes(course=course, breaks=[(data["first"], data["last"])])

    return _change_plan(request, pk, PlanBreakForm, "break_form", change)


@login_required
@require_POST
def plan_remove_class(request, pk: int):
    """Remove one planned class (a date and start time, as the list's button sends them). Recorded classes stay."""
    course = course_for(request, pk, UPLOAD_ATTENDANCE)
    try:
        date = datetime.date.fromisoformat(request.POST.get("date", ""))
        start = datetime.time.fromisoformat(request.POST.get("start_time", ""))
    except ValueError:
        messages.error(request, "Choose a planned class to remove from the list.")
        return render_dates(request, course, status=400)
    changes = attendance_services.remove_planned_classes(course=course, classes=[(date, start)])
    if not changes.removed:
        messages.error(request, f"No class was planned on {date:%-d %B %Y} at {start:%H:%M}; nothing was removed.")
        return render_dates(request, course, status=400)
    messages.success(request, f"Planned classes: {changes.message}")
    return redirect(reverse("dashboard:course_dates", kwargs={"pk": course.pk}) + "#plan-title")
