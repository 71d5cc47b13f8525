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
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from attendance import selectors as attendance_selectors
from attendance import services as attendance_services
from attendance.formats import RosterEntry
from attendance.models import CourseStudent, Session
from attendance.permissions import MANAGE_COURSE, UPLOAD_ATTENDANCE, may_on_course
from dashboard import selectors
from dashboard.forms import (
    CoTeacherForm,
    CourseDefaultsForm,
    CourseForm,
    CourseFromUnitForm,
    MoodleDownloadForm,
    OverviewForm,
    ReportDownloadForm,
    RosterUploadForm,
    StudentForm,
)
from dashboard.services import trash
from dashboard.services.defaults import defaults_of, save_defaults
from dashboard.views.access import bound, course_for
from dashboard.views.planning import render_dates
from doubtfire.models import Role


def undo_message(request, deletion, text: str) -> None:
    """A success message that carries an Undo button (base.html renders `undo` messages with a form)."""
    messages.success(request, text, extra_tags=f"undo {reverse('dashboard:undo', kwargs={'pk': deletion.pk})}")


@login_required
def home(request):
    """My courses, as cards (students, sessions, average attendance, defaulters)."""
    cutoff = attendance_selectors.DEFAULT_CUTOFF
    cards = attendance_selectors.course_summaries(viewer=request.user, cutoff=cutoff)
    if not cards and request.user.role == Role.STUDENT:
        return redirect("dashboard:my_attendance")  # a student has no courses to teach: their own attendance
    return render(request, "dashboard/course_list.html", {
        "nav": "courses", "cards": cards, "cutoff": _percent(cutoff),
        # Teaching a unit: its students can be the roster (five queries whatever the number of units).
        "may_link": bool(attendance_selectors.link_choices(request.user)),
    })


def _percent(value) -> Decimal:
    fraction = Fraction(value)
    return (Decimal(fraction.numerator) / Decimal(fraction.denominator)).normalize()


@login_required
@require_http_methods(["GET", "POST"])
def course_create_from_unit(request):
    """A course whose roster is a unit's enrolled students (all, a stream's, or a tutorial's) and follows them."""
    choices = attendance_selectors.link_choices(request.user)
    form = bound(request, CourseFromUnitForm, choices=choices, initial={"batch": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        kind, _, chosen = data["follows"].partition(":")
        scope = _link_scope(choices, kind, int(chosen))
        try:
            course = attendance_services.create_course_from_unit(
                owner=request.user, course_id=data["course_id"], course_name=data["course_name"], batch=data["batch"],
                **scope,
            )
        except attendance_services.AttendanceError as error:
            form.add_error(None, error.message)
        else:
            students = course.students.count()
            messages.success(request, f"Course {course} created with the {students} enrolled student"
                                      f"{pluralize(students)}; its roster follows the unit from now on. Plan its "
                                      "classes on the Dates tab, then upload attendance after each class.")
            return redirect("dashboard:course", pk=course.pk)
    return render(request, "dashboard/course_from_unit.html", {
        "nav": "courses", "form": form, "choices": choices, "focus_errors": request.method == "POST",
    }, status=400 if request.method == "POST" else 200)


def _link_scope(choices, kind: str, pk: int) -> dict:
    """The unit and stream or tutorial of a chosen option (the form only offers options from ``choices``)."""
    for choice in choices:
        if kind == "unit" and choice.unit.pk == pk:
            return {"unit": choice.unit}
        for stream in choice.streams:
            if kind == "stream" and stream.pk == pk:
                return {"unit": choice.unit, "stream": stream}
        for tutorial in choice.tutorials:
            if kind == "tutorial" and tutorial.pk == pk:
                return {"unit": choice.unit, "tutorial": tutorial}
    raise Http404("No such unit, stream or tutorial among yours.")


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
        "form": form, "download_form": ReportDownloadForm(initial={"cutoff": cutoff}, planned=overview.plan is not None),
        "moodle_form": MoodleDownloadForm(unusable=attendance_selectors.moodle_identifiers_unmatched(course=course)),
    })


# --- Students ------------------------------------------------------------------------------------------


def _follows_unit(request, course):
    """For a roster that follows a unit, the way back to the Students tab with the reason it is not edited here
    (attendance.services.refuse_hand_edits); None for a hand-made roster."""
    try:
        attendance_services.refuse_hand_edits(course)
    except attendance_services.AttendanceError as error:
        messages.error(request, error.message)
        return redirect("dashboard:course_students", pk=course.pk)
    return None


def _students_page(request, course, *, student_form=None, roster_form=None):
    """The Students tab; with a form given, that form as typed with its errors (400, focus on them)."""
    refused = student_form is not None or roster_form is not None
    return render(request, "dashboard/course_students.html", {
        "nav": "courses", "tab": "students", "course": course, "students": selectors.course_roster(course=course),
        "student_form": student_form or StudentForm(), "roster_form": roster_form or RosterUploadForm(),
        "focus_errors": refused,
    }, status=400 if refused else 200)


@login_required
def course_students(request, pk: int):
    return _students_page(request, course_for(request, pk))


@login_required
@require_POST
def course_add_student(request, pk: int):
    """Add one student. A roll number already in use is refused, naming both names: renaming is an explicit edit."""
    course = course_for(request, pk, UPLOAD_ATTENDANCE)
    if (refused := _follows_unit(request, course)) is not None:
        return refused
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
    return _students_page(request, course, student_form=form)


@login_required
@require_POST
def course_add_students_file(request, pk: int):
    course = course_for(request, pk, UPLOAD_ATTENDANCE)
    if (refused := _follows_unit(request, course)) is not None:
        return refused
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
    return _students_page(request, course, roster_form=form)


@login_required
@require_POST
def course_rename_student(request, pk: int, student_pk: int):
    course = course_for(request, pk, UPLOAD_ATTENDANCE)
    if (refused := _follows_unit(request, course)) is not None:
        return refused
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
    course = course_for(request, pk, UPLOAD_ATTENDANCE)
    if (refused := _follows_unit(request, course)) is not None:
        return refused
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
    """The recorded classes (each can be deleted, with Undo) and the planned ones (planning.py changes them)."""
    return render_dates(request, course_for(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def course_delete_session(request, pk: int, session_pk: int):
    course = course_for(request, pk, UPLOAD_ATTENDANCE)
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


def _settings_page(request, course, *, form=None, teacher_form=None, status=200):
    defaults = defaults_of(course)
    form = form or CourseDefaultsForm(initial={
        "threshold_minutes": defaults.threshold_minutes, "cutoff": defaults.cutoff,
        "late_allowance_minutes": course.late_allowance_minutes,
    })
    return render(request, "dashboard/course_settings.html", {
        "nav": "courses", "tab": "settings", "course": course, "form": form,
        "may_manage": may_on_course(request.user, MANAGE_COURSE, course),
        "co_teachers": list(course.co_teachers.order_by("username")), "teacher_form": teacher_form or CoTeacherForm(),
        "focus_errors": status == 400,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def course_settings(request, pk: int):
    course = course_for(request, pk, UPLOAD_ATTENDANCE)
    if request.method == "GET":
        return _settings_page(request, course)
    form = CourseDefaultsForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            attendance_services.update_course(course=course, late_allowance_minutes=data["late_allowance_minutes"])
        except attendance_services.AttendanceError as error:
            form.add_error("late_allowance_minutes", error.message)
        else:
            save_defaults(course=course, threshold_minutes=data["threshold_minutes"], cutoff=data["cutoff"])
            messages.success(request, "Saved. New uploads start with these choices.")
            return redirect("dashboard:course_settings", pk=course.pk)
    return _settings_page(request, course, form=form, status=400)


@login_required
@require_POST
def course_add_teacher(request, pk: int):
    """Share the course with another teacher (the owner only: MANAGE_COURSE)."""
    course = course_for(request, pk, MANAGE_COURSE)
    form = CoTeacherForm(request.POST)
    if form.is_valid():
        try:
            person = attendance_services.find_teacher(form.cleaned_data["person"])
            attendance_services.add_co_teacher(course=course, person=person)
        except attendance_services.AttendanceError as error:
            form.add_error("person", error.message)
        else:
            messages.success(request, f"{person.username} can now see {course}, upload and correct its attendance.")
            return redirect("dashboard:course_settings", pk=course.pk)
    messages.error(request, "Nobody was added: see the message beside the form.")
    return _settings_page(request, course, teacher_form=form, status=400)


@login_required
@require_POST
def course_remove_teacher(request, pk: int, user_pk: int):
    course = course_for(request, pk, MANAGE_COURSE)
    person = course.co_teachers.filter(pk=user_pk).first()
    if person is None:
        raise Http404("That person does not share this course.")
    attendance_services.remove_co_teacher(course=course, person=person)
    messages.success(request, f"{person.username} no longer shares {course}. Their uploads stay recorded.")
    return redirect("dashboard:course_settings", pk=course.pk)


@login_required
@require_http_methods(["GET", "POST"])
def course_delete(request, pk: int):
    """A page that asks first, with the counts; only its POST deletes, and Undo puts everything back."""
    course = course_for(request, pk, MANAGE_COURSE)
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

