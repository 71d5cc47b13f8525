"""One student's attendance in a course (their statement) and one cell of the grid (a student in a class): what
was recorded, every change since, and a correction with a remark. A student signed in sees their own
attendance on `my_attendance`, and nothing of anyone else."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from attendance import selectors as attendance_selectors
from attendance import services as attendance_services
from attendance.models import CourseStudent, Session
from attendance.permissions import UPLOAD_ATTENDANCE, VIEW_COURSE
from dashboard.forms import CorrectionForm
from dashboard.services.defaults import defaults_of
from dashboard.views.access import bound, course_for


def _student(course, student_pk: int) -> CourseStudent:
    student = CourseStudent.objects.filter(course=course, pk=student_pk).first()
    if student is None:
        raise Http404("No such student in this course.")
    return student


@login_required
def course_student(request, pk: int, student_pk: int):
    """A student's statement: their figures under the course's cutoff, then every class with its status,
    minutes and marks; each class links to its cell (history, correction)."""
    course = course_for(request, pk)
    student = _student(course, student_pk)
    cutoff = Decimal(defaults_of(course).cutoff).normalize()
    statement = attendance_selectors.student_attendance(course=course, roll=student.roll, cutoff=Fraction(cutoff))
    sessions = dict(
        ((date, start), pk) for pk, date, start in Session.objects.filter(course=course).values_list("pk", "date", "start_time")
    )
    lines = [(sessions[(line.date, line.start_time)], line) for line in statement.sessions]
    return render(request, "dashboard/course_student.html", {
        "nav": "courses", "tab": "overview", "course": course, "student": student, "statement": statement,
        "lines": lines, "cutoff": cutoff, "figures": statement.figures(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def course_cell(request, pk: int, session_pk: int, student_pk: int):
    """One cell: the recorded status and minutes, the upload it came from, its history, and the correction form.
    The POST sets the status with a remark (attendance.services.correct_attendance) and comes back here."""
    course = course_for(request, pk, UPLOAD_ATTENDANCE if request.method == "POST" else VIEW_COURSE)
    student = _student(course, student_pk)
    session = Session.objects.filter(course=course, pk=session_pk).first()
    if session is None:
        raise Http404("No such class in this course.")
    form = bound(request, CorrectionForm)
    if request.method == "POST" and form.is_valid():
        try:
            attendance_services.correct_attendance(
                course=course, roll=student.roll, date=session.date, start_time=session.start_time,
                status=form.cleaned_data["status"], remark=form.cleaned_data["remark"], changed_by=request.user,
            )
        except attendance_services.AttendanceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Corrected {student.name}'s attendance of {session.date:%-d %B %Y}.")
            return redirect("dashboard:course_cell", pk=course.pk, session_pk=session.pk, student_pk=student.pk)
    cell = attendance_selectors.cell_history(
        course=course, roll=student.roll, date=session.date, start_time=session.start_time
    )
    if request.method == "GET" and cell.record is not None:
        form = CorrectionForm(initial={"status": cell.record.status})
    return render(request, "dashboard/course_cell.html", {
        "nav": "courses", "tab": "overview", "course": course, "student": student, "session": session, "cell": cell,
        "form": form, "focus_errors": request.method == "POST",
    }, status=400 if request.method == "POST" else 200)


@login_required
def my_attendance(request):
    """A signed-in student's own attendance in every course whose roster has their account (courses that follow
    a unit): sessions, minutes, status, percentage and what they still need. Nothing of anyone else."""
    courses = [(course, attendance_selectors.percent_text(course.percentage))
               for course in attendance_selectors.my_attendance(request.user)]
    return render(request, "dashboard/my_attendance.html", {"nav": "mine", "courses": courses})
