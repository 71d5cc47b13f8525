"""A teacher's attendance courses: the list, a course's overview (read first), its students, its dates, its
settings, and deleting. Every destructive action asks first, naming what will be lost, and can be undone for a
few minutes after."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from attendance import selectors as attendance_selectors
from attendance import services as attendance_services
from attendance.formats import RosterEntry
from attendance.models import CourseStudent, Session
from dashboard import selectors
from dashboard.forms import CourseDefaultsForm, CourseForm, OverviewForm, ReportDownloadForm, RosterUploadForm, StudentForm
from dashboard.services import trash
from dashboard.services.defaults import defaults_of, save_defaults
from dashboard.views.access import bound, course_for


def undo_message(request, deletion, text: str) -> None:
    """A success message that carries an Undo button (base.html renders `undo` messages with a form)."""
    messages.success(request, text, extra_tags=f"undo {reverse('dashboard:undo', kwargs={'pk': deletion.pk})}")


@login_required
def home(request):
    """My courses, as cards (students, sessions, average attendance, defaulters)."""
    cutoff = attendance_selectors.DEFAULT_CUTOFF
    cards = attendance_selectors.course_summaries(owner=request.user, cutoff=cutoff)
    return render(request, "dashboard/course_list.html", {"nav": "courses", "cards": cards, "cutoff": _percent(cutoff)})


def _percent(value) -> Decimal:
    fraction = Fraction(value)
    return (Decimal(fraction.numerator) / Decimal(fraction.denominator)).normalize()


@login_required
@require_http_methods(["GET", "POST"])
def course_create(request):
    form = bound(request, CourseForm)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["roster"]
        try:
            roster = attendance_services.read_roster(name=upload.name, data=upload.read())
            course = attendance_services.create_course(
                owner=request.user, course_id=data["course_id"], course_name=data["course_name"], batch=data["batch"],
                roster=roster,
            )
        except attendance_services.AttendanceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Course {course} created with {len(roster)} students. Upload its first "
                                      "attendance report next.")
            return redirect("dashboard:course", pk=course.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "dashboard/course_form.html", {"nav": "courses", "form": form}, status=status)


@login_required
def course_detail(request, pk: int):
    """The course as a teacher reads it: headline numbers, then every student's attendance, sortable and
    filtered (all, defaulters), with each class's minutes as text. The choices live in the address, so Reload,
    Back and a bookmark keep the teacher's place."""
    course = course_for(request, pk)
    defaults = defaults_of(course)
    remembered = Decimal(defaults.cutoff).normalize()
    form = OverviewForm(request.GET or None, initial={"cutoff": remembered})
    chosen = form.cleaned_data if form.is_valid() else {}
    cutoff = Decimal(chosen.get("cutoff") or remembered).normalize()
    overview = selectors.course_overview(
        course=course, cutoff=Fraction(cutoff), sort=chosen.get("sort") or "roll", show=chosen.get("show") or "all"
    )
    return render(request, "dashboard/course_detail.html", {
        "nav": "courses", "tab": "overview", "course": course, "overview": overview, "cutoff": cutoff,
        "form": form, "download_form": ReportDownloadForm(initial={"cutoff": cutoff}),
    })


# --- Students ------------------------------------------------------------------------------------------


@login_required
def course_students(request, pk: int):
    course = course_for(request, pk)
    return render(request, "dashboard/course_students.html", {
        "nav": "courses", "tab": "students", "course": course, "students": selectors.course_roster(course=course),
        "student_form": StudentForm(), "roster_form": RosterUploadForm(),
    })


@login_required
@require_POST
def course_add_student(request, pk: int):
    """Add one student. A roll number already in use is refused, naming both names: renaming is an explicit edit."""
    course = course_for(request, pk)
    form = StudentForm(request.POST)
    if form.is_valid():
        roll, name = form.cleaned_data["roll"].strip(), " ".join(form.cleaned_data["name"].split())
        taken = CourseStudent.objects.filter(course=course, roll=roll).first()
        if taken is not None:
            form.add_error("roll", f"Roll number {roll} is already {taken.name}'s. To add {name}, give them their "
                                   f"own roll number; to rename {taken.name}, use Rename below.")
        else:
            attendance_services.add_students(course=course, roster=[RosterEntry(roll=roll, name=name, row=0)])
            messages.success(request, f"Added {name} (roll {roll}).")
            return redirect("dashboard:course_students", pk=course.pk)
    messages.error(request, "The student was not added: see the message beside the form.")
    return render(request, "dashboard/course_students.html", {
        "nav": "courses", "tab": "students", "course": course, "students": selectors.course_roster(course=course),
        "student_form": form, "roster_form": RosterUploadForm(), "focus_errors": True,
    }, status=400)


@login_required
@require_POST
def course_add_students_file(request, pk: int):
    course = course_for(request, pk)
    form = RosterUploadForm(request.POST, request.FILES)
    problem = None
    if form.is_valid():
        upload = form.cleaned_data["roster"]
        try:
            roster = attendance_services.read_roster(name=upload.name, data=upload.read())
        except attendance_services.AttendanceError as error:
            problem = error.message
        else:
            changes = attendance_services.add_students(course=course, roster=roster)
            messages.success(request, f"Added {len(changes.added)} student{pluralize(len(changes.added))}; "
                                      f"{len(changes.renamed)} renamed to the name in the file; "
                                      f"{len(changes.unchanged)} already there.")
            return redirect("dashboard:course_students", pk=course.pk)
    if problem:
        form.add_error("roster", problem)
    messages.error(request, "No student was added: see the message beside the form.")
    return render(request, "dashboard/course_students.html", {
        "nav": "courses", "tab": "students", "course": course, "students": selectors.course_roster(course=course),
        "student_form": StudentForm(), "roster_form": form, "focus_errors": True,
    }, status=400)


@login_required
@require_POST
def course_rename_student(request, pk: int, student_pk: int):
    course = course_for(request, pk)
    student = CourseStudent.objects.filter(course=course, pk=student_pk).first()
    if student is None:
        raise Http404("No such student in this course.")
    name = " ".join(request.POST.get("name", "").split())
    if not name or len(name) > 200:
        messages.error(request, "Give the student's new name (at most 200 characters).")
    else:
        old = student.name
        attendance_services.add_students(course=course, roster=[RosterEntry(roll=student.roll, name=name, row=0)])
        messages.success(request, f"Renamed roll {student.roll}: {old} is now {name}.")
    return redirect("dashboard:course_students", pk=course.pk)


@login_required
@require_http_methods(["GET", "POST"])
def course_remove_student(request, pk: int, student_pk: int):
    """Ask first (naming the student and how many marks go with them); the POST removes, with Undo."""
    course = course_for(request, pk)
    student = CourseStudent.objects.filter(course=course, pk=student_pk).first()
    if student is None:
        raise Http404("No such student in this course.")
    marks = student.records.count()
    if request.method == "POST":
        deletion = trash.delete_with_undo(
            owner=request.user, objects=[student], kind="student", course=course,
            description=f"{student.name} (roll {student.roll}) and {marks} attendance mark{pluralize(marks)}",
        )
        undo_message(request, deletion, f"Removed {student.name} (roll {student.roll}) and {marks} attendance "
                                        f"mark{pluralize(marks)}.")
        return redirect("dashboard:course_students", pk=course.pk)
    return render(request, "dashboard/confirm_delete.html", {
        "nav": "courses", "course": course, "title": f"Remove {student.name}?",
        "losses": [f"{student.name} (roll {student.roll}) leaves the roster of {course}.",
                   f"Their {marks} attendance mark{pluralize(marks)} {'is' if marks == 1 else 'are'} deleted."],
        "action": "Remove the student", "cancel_url": reverse("dashboard:course_students", kwargs={"pk": course.pk}),
    })


# --- Dates ---------------------------------------------------------------------------------------------


@login_required
def course_dates(request, pk: int):
    course = course_for(request, pk)
    return render(request, "dashboard/course_dates.html", {
        "nav": "courses", "tab": "dates", "course": course, "sessions": selectors.course_sessions(course=course),
    })


@login_required
@require_http_methods(["GET", "POST"])
def course_delete_session(request, pk: int, session_pk: int):
    course = course_for(request, pk)
    session = Session.objects.filter(course=course, pk=session_pk).first()
    if session is None:
        raise Http404("No such class in this course.")
    records = session.records.count()
    present = session.records.filter(present=True).count()
    when = f"{session.date:%A %-d %B %Y}"
    if request.method == "POST":
        deletion = trash.delete_with_undo(
            owner=request.user, objects=[session], kind="date", course=course,
            description=f"The attendance of {when} ({records} student{pluralize(records)})",
        )
        undo_message(request, deletion, f"Deleted the attendance of {when} ({records} student{pluralize(records)}).")
        return redirect("dashboard:course_dates", pk=course.pk)
    return render(request, "dashboard/confirm_delete.html", {
        "nav": "courses", "course": course, "title": f"Delete the attendance of {when}?",
        "losses": [f"The marks of {records} student{pluralize(records)} for this class ({present} present, "
                   f"{records - present} absent) are deleted.",
                   "To correct a report instead, upload it again and choose to replace this date."],
        "action": "Delete this date", "cancel_url": reverse("dashboard:course_dates", kwargs={"pk": course.pk}),
    })


# --- Settings and deleting the course ---------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def course_settings(request, pk: int):
    course = course_for(request, pk)
    defaults = defaults_of(course)
    form = bound(request, CourseDefaultsForm, initial={"threshold_minutes": defaults.threshold_minutes,
                                                       "cutoff": defaults.cutoff})
    if request.method == "POST" and form.is_valid():
        save_defaults(course=course, **form.cleaned_data)
        messages.success(request, "Saved. New uploads start with these choices.")
        return redirect("dashboard:course_settings", pk=course.pk)
    return render(request, "dashboard/course_settings.html", {
        "nav": "courses", "tab": "settings", "course": course, "form": form,
    }, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def course_delete(request, pk: int):
    """A page that asks first, with the counts; only its POST deletes, and Undo puts everything back."""
    course = course_for(request, pk)
    counts = selectors.course_counts(course=course)
    if request.method == "POST":
        name = str(course)
        deletion = trash.delete_with_undo(
            owner=request.user, objects=[course], kind="course",
            description=f"Course {name} with {counts['student_count']} students and {counts['date_count']} dates",
        )
        deletion.payload["course_pk"] = pk  # Undo brings the course back under its own id
        deletion.save(update_fields=["payload"])
        undo_message(request, deletion, f"Deleted course {name} with all its attendance.")
        return redirect("dashboard:home")
    return render(request, "dashboard/confirm_delete.html", {
        "nav": "courses", "course": course, "title": f"Delete {course}?",
        "losses": [f"{counts['student_count']} student{pluralize(counts['student_count'])} on the roster.",
                   f"{counts['date_count']} recorded date{pluralize(counts['date_count'])} with "
                   f"{counts['record_count']} attendance mark{pluralize(counts['record_count'])}.",
                   "Download a complete report first if you may need it."],
        "action": "Delete the course", "cancel_url": reverse("dashboard:course", kwargs={"pk": course.pk}),
    })

