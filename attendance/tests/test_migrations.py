"""Attendance recorded before sessions had start times and records had statuses keeps its meaning."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from doubtfire.tests.factories import UserFactory

BEFORE = [("attendance", "0002_record_still_connected")]
AFTER = [("attendance", "0004_statuses")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_old_sessions_start_at_midnight_and_old_marks_become_present_or_absent():
    owner = UserFactory()  # the users' tables are not migrated back
    apps = migrate(BEFORE)
    Course, Student = apps.get_model("attendance", "Course"), apps.get_model("attendance", "CourseStudent")
    Session, Record = apps.get_model("attendance", "Session"), apps.get_model("attendance", "Record")
    course = Course.objects.create(owner_id=owner.pk, course_id="CS402", course_name="N", batch=2021)
    here, away = (Student.objects.create(course=course, roll=roll, name=roll) for roll in ("1", "2"))
    session = Session.objects.create(course=course, date=datetime.date(2021, 2, 13), source_format="teams_legacy")
    Record.objects.create(session=session, student=here, present=True, seconds_attended=3600)
    Record.objects.create(session=session, student=away, present=False, seconds_attended=0)
    try:
        apps = migrate(AFTER)
        Session, Record = apps.get_model("attendance", "Session"), apps.get_model("attendance", "Record")
        assert list(Session.objects.values_list("start_time", flat=True)) == [datetime.time(0, 0)]
        assert dict(Record.objects.values_list("student__roll", "status")) == {"1": "present", "2": "absent"}
        assert apps.get_model("attendance", "Course").objects.get().late_allowance_minutes is None
    finally:
        migrate([("attendance", name) for _, name in MigrationExecutor(connection).loader.graph.leaf_nodes("attendance")])
