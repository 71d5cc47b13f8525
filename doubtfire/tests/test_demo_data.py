"""`manage.py demo_data`: what it creates, that a second run creates nothing, and that its logins work."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.db.models import Count, F
from rest_framework.test import APIClient

from doubtfire import models
from doubtfire.models import Role, TaskStatus

COUNTED = [
    models.User, models.Campus, models.Unit, models.UnitRole, models.TutorialStream, models.Tutorial,
    models.Project, models.TutorialEnrolment, models.TaskDefinition, models.Task, models.Assessment,
]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run():
    out = io.StringIO()
    call_command("demo_data", stdout=out)
    return out.getvalue()


def row_counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.mark.django_db
def test_creates_the_demo_unit_and_people():
    run()
    counts = row_counts()
    del counts["Assessment"]  # drawn at random (with a fixed seed); checked in the statuses test
    assert counts == {
        "User": 4 + 50, "Campus": 3, "Unit": 1, "UnitRole": 3, "TutorialStream": 2, "Tutorial": 4,
        "Project": 50, "TutorialEnrolment": 100, "TaskDefinition": 8, "Task": 8 * 50,
    }
    assert set(models.Campus.objects.values_list("abbreviation", flat=True)) == {"B", "C", "G"}
    admin = models.User.objects.get(username="aadmin")
    assert admin.is_admin and admin.is_superuser and admin.is_staff
    assert models.User.objects.get(username="cconvenor").role == Role.CONVENOR
    unit = models.Unit.objects.get()
    assert unit.code == "COS10001"
    assert set(unit.unit_roles.values_list("user__username", "role")) == {
        ("cconvenor", "Convenor"), ("atutor", "Tutor"), ("btutor", "Tutor")
    }


@pytest.mark.django_db
def test_second_run_creates_nothing():
    first_output = run()
    before = row_counts()
    second_output = run()
    assert row_counts() == before
    assert "nothing new to create" in second_output
    assert "created" in first_output


@pytest.mark.django_db
def test_every_student_has_one_tutorial_per_stream():
    run()
    per_stream = models.TutorialEnrolment.objects.values("project", "stream").annotate(n=Count("id"))
    assert {row["n"] for row in per_stream} == {1}
    assert models.TutorialEnrolment.objects.values("project").distinct().count() == 50


@pytest.mark.django_db
def test_statuses_are_mixed_and_assessments_match_times_assessed():
    run()
    statuses = set(models.Task.objects.values_list("status", flat=True))
    assert {TaskStatus.NOT_STARTED, TaskStatus.COMPLETE, TaskStatus.FIX_AND_RESUBMIT, TaskStatus.WORKING_ON_IT} <= statuses
    assert len(statuses) >= 8
    assert models.Assessment.objects.count() > 100
    mismatched = models.Task.objects.annotate(n=Count("assessments")).exclude(n=F("times_assessed"))
    assert not mismatched.exists()
    # The last assessment of a task is its current status, given by a tutor of the unit.
    tutors = set(models.UnitRole.objects.values_list("user_id", flat=True))
    for task in models.Task.objects.filter(times_assessed__gt=0).prefetch_related("assessments")[:50]:
        latest = max(task.assessments.all(), key=lambda a: a.assessed_at)
        assert latest.status == task.status
        assert latest.assessor_id in tutors
    completed = models.Task.objects.filter(status=TaskStatus.COMPLETE)
    assert completed.exists() and not completed.filter(completion_date__isnull=True).exists()


@pytest.mark.django_db
def test_prints_the_logins_with_a_local_use_warning():
    output = run()
    assert "FOR LOCAL USE ONLY" in output
    for username in ("aadmin", "cconvenor", "atutor", "btutor", "student01"):
        assert username in output
    assert "demo-Passw0rd-local" in output


@pytest.mark.django_db
def test_demo_password_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "another-Secret-9")
    output = run()
    assert "another-Secret-9" in output and "demo-Passw0rd-local" not in output
    response = APIClient().post("/api/auth", {"username": "cconvenor", "password": "another-Secret-9"}, format="json")
    assert response.status_code == 201


@pytest.mark.django_db
def test_the_printed_login_signs_in_and_sees_the_unit():
    run()
    signed_in = APIClient().post("/api/auth", {"username": "aadmin", "password": "demo-Passw0rd-local"}, format="json")
    assert signed_in.status_code == 201
    client = APIClient()
    client.credentials(HTTP_USERNAME="aadmin", HTTP_AUTH_TOKEN=signed_in.json()["auth_token"])
    assert [row["code"] for row in client.get("/api/units/").json()["results"]] == ["COS10001"]


@pytest.mark.django_db
def test_existing_accounts_keep_their_password():
    run()
    admin = models.User.objects.get(username="aadmin")
    admin.set_password("changed-by-hand-42")
    admin.save()
    run()
    admin.refresh_from_db()
    assert admin.check_password("changed-by-hand-42")


@pytest.mark.django_db(transaction=True, reset_sequences=True)
def test_on_a_fresh_database_the_unit_is_id_1():
    # The seed's curl examples call /api/csv/units/1.
    run()
    assert models.Unit.objects.get().pk == 1


@pytest.mark.django_db
def test_attendance_hook_says_what_it_did():
    output = run()
    assert "Attendance:" in output


def test_the_demo_semester_is_recorded_through_uploads_with_defaulters(db):
    from django.core.management import call_command
    from io import StringIO

    from attendance.models import Course, Record, Session
    from attendance.selectors import course_summaries
    from doubtfire.models import User

    out = StringIO()
    call_command("demo_data", stdout=out)
    assert "fill in seed_attendance" not in out.getvalue()
    for owner, course_id in (("cconvenor", "COS10001-LA"), ("atutor", "COS10001-WS")):
        [card] = [card for card in course_summaries(owner=User.objects.get(username=owner))
                  if card.course.course_id == course_id]
        assert (card.students, card.dates) == (40, 24)
        assert 0 < card.defaulters < 10 and 75 < card.average < 95
    # Recorded as a teacher records it: every session came from an uploaded report, in four formats.
    # atutor's LA1-01 course follows the unit and is in mid-term: 10 Mondays recorded before today, 6 planned
    # ahead; its students see it, and some of them need most of what is left.
    from attendance.selectors import course_standings, my_attendance

    linked = Course.objects.get(course_id="COS10001-LA1-01")
    assert (linked.tutorial.abbreviation, linked.students.count(), linked.sessions.count()) == ("LA1-01", 25, 10)
    today = timezone.localdate()
    assert max(linked.sessions.values_list("date", flat=True)) < today  # recorded: the Mondays before today
    assert linked.planned_classes.filter(date__gte=today).count() == 6  # still to come (today's counts)
    [mine] = my_attendance(User.objects.get(username="student01"))  # in LA1-01 (odd numbers)
    assert (mine.course, mine.held, mine.standing.remaining) == (linked, 10, 6)
    standings = course_standings(course=linked)
    assert any(student.standing.at_risk for student in standings.students)
    formats = set(Session.objects.values_list("source_format", flat=True))
    assert formats == {"teams_legacy", "teams", "zoom", "google_form"}
    assert Session.objects.filter(uploaded_by__isnull=True).count() == 0
    records = Record.objects.count()
    call_command("demo_data", stdout=StringIO())  # a second run adds nothing
    assert Record.objects.count() == records and Course.objects.count() == 3
