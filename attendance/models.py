"""The attendance half of the product: teachers' courses, their rosters, sessions (a date and a start time:
a lecture and a lab may share a date), one record per student per session.

A course may be linked to a unit of the units half: the whole unit, one tutorial stream or one tutorial. Its
roster then follows the unit (`attendance.services.sync_rosters_for_projects`): each entry names its user, and a
student who leaves is marked `withdrawn`, never deleted, so their history stays. Deleting the unit, stream or
tutorial unlinks the course (`UNLINK`); it keeps its roster and history as a hand-made course does.

Rolls are text: institutions use leading zeros and letters, and a roll is an identifier, not a number.
Uniqueness that matters for correctness (one course per owner/id/batch, one roll per course, one session
per course, date and start time, one record per student per session) is enforced by the database, so two
concurrent uploads cannot both record the same session.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


def UNLINK(collector, field, sub_objs, using):
    """on_delete of a course's unit, stream and tutorial: the course loses its whole link, never half of it.

    SET_NULL on the tutorial alone would turn a tutorial's course into a course of the whole unit. The
    tutorial is cleared first, then the stream, then the unit, so every step satisfies the link constraints.
    """
    for name in ("tutorial", "stream", "unit"):
        collector.add_field_update(Course._meta.get_field(name), None, sub_objs)


def WITHDRAW(collector, field, sub_objs, using):
    """on_delete of a roster entry's user: the entry keeps its history and is marked withdrawn."""
    collector.add_field_update(field, None, sub_objs)
    collector.add_field_update(CourseStudent._meta.get_field("withdrawn"), True, sub_objs)


class Course(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attendance_courses")
    course_id = models.CharField(max_length=64)
    course_name = models.CharField(max_length=200)
    batch = models.PositiveSmallIntegerField(
        help_text="The batch's starting year.", validators=[MinValueValidator(1000), MaxValueValidator(9999)]
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Off (NULL) unless the teacher sets it, as in Moodle: most courses do not mark lateness at all.
    late_allowance_minutes = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(24 * 60)],
        help_text="A student who first joins more than this many minutes after a session's start is Late. "
        "Empty: nobody is marked Late.",
    )
    # The unit whose enrolled students are the roster: all of them, or those of one stream or one tutorial.
    unit = models.ForeignKey(
        "doubtfire.Unit", on_delete=UNLINK, null=True, blank=True, related_name="attendance_courses"
    )
    stream = models.ForeignKey(
        "doubtfire.TutorialStream", on_delete=UNLINK, null=True, blank=True, related_name="attendance_courses"
    )
    tutorial = models.ForeignKey(
        "doubtfire.Tutorial", on_delete=UNLINK, null=True, blank=True, related_name="attendance_courses"
    )
    # Teachers the owner shares the course with: they see it and record attendance (attendance.permissions).
    co_teachers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="co_taught_attendance_courses"
    )

    class Meta:
        ordering = ["course_id", "batch"]
        constraints = [
            # Per owner, unlike upstream, where one teacher's course id blocked everyone else's.
            models.UniqueConstraint(fields=["owner", "course_id", "batch"], name="course_unique_per_owner"),
            # A stream or a tutorial, never both, and either only inside a unit.
            models.CheckConstraint(
                condition=Q(stream__isnull=True) | Q(tutorial__isnull=True), name="course_stream_or_tutorial"
            ),
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | (Q(stream__isnull=True) & Q(tutorial__isnull=True)),
                name="course_link_inside_unit",
            ),
        ]

    def __str__(self):
        return f"{self.course_id}-{self.batch}"

    @property
    def follows_unit(self) -> bool:
        return self.unit_id is not None

    def clean(self):
        """The link's shape, for forms (the admin): a stream or a tutorial of the course's own unit, not both."""
        if self.stream_id is not None and self.tutorial_id is not None:
            raise ValidationError("Link the course to a stream or to a tutorial, not both.")
        for part in ("stream", "tutorial"):
            if getattr(self, f"{part}_id") is None:
                continue
            if self.unit_id is None:
                raise ValidationError({"unit": f"Choose the unit of the {part}."})
            if getattr(self, part).unit_id != self.unit_id:
                raise ValidationError({part: f"Choose a {part} of the course's unit."})


class CourseStudent(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="students")
    roll = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    # Matched first when a report gives e-mail addresses (attendance.matching).
    email = models.EmailField(max_length=254, blank=True)
    # Set on the roster of a course linked to a unit (and kept from the user); blank on a hand-made roster.
    username = models.CharField(max_length=150, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=WITHDRAW, null=True, blank=True, related_name="attendance_entries"
    )
    # Left the unit (or the stream or tutorial the course follows): history kept, left out of percentages,
    # reports and new uploads.
    withdrawn = models.BooleanField(default=False)

    class Meta:
        ordering = ["course", "roll"]
        constraints = [
            models.UniqueConstraint(fields=["course", "roll"], name="course_student_roll_unique"),
            models.UniqueConstraint(
                fields=["course", "user"], condition=Q(user__isnull=False), name="course_student_user_unique"
            ),
        ]

    def __str__(self):
        return f"{self.roll} {self.name}"


class SourceFormat(models.TextChoices):
    # The values of attendance.formats.report (FORMAT_NAMES), at most 16 characters (Session.source_format).
    TEAMS_LEGACY = "teams_legacy", "Microsoft Teams attendance list (legacy event log)"
    TEAMS = "teams", "Microsoft Teams attendance report"
    TEAMS_2021 = "teams_2021", "Microsoft Teams attendance report (2021 layout)"
    TEAMS_LIVE = "teams_live", "Microsoft Teams live event attendee report"
    ZOOM = "zoom", "Zoom participants report"
    ZOOM_WEBINAR = "zoom_webinar", "Zoom webinar attendee report"
    GOOGLE_FORM = "google_form", "Google Form responses"
    GOOGLE_MEET = "google_meet", "Google Meet attendance report"
    WEBEX = "webex", "Webex meeting attendee report"


class Session(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField()
    # To the minute. 00:00 when nothing stated a start: the sessions recorded before start times were kept
    # (their reports were not stored, so nothing better is known) and reports without times (Google Forms)
    # uploaded without start_time. A date's only session is named by its date alone, whatever its start.
    start_time = models.TimeField(default=datetime.time(0, 0))
    source_format = models.CharField(max_length=16, choices=SourceFormat.choices)
    end_time = models.DateTimeField(null=True, blank=True)
    threshold_seconds = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["course", "date", "start_time"]
        constraints = [
            models.UniqueConstraint(fields=["course", "date", "start_time"], name="session_one_per_course_date_start"),
        ]

    def __str__(self):
        return f"{self.course} on {self.date:%Y-%m-%d} at {self.start_time:%H:%M}"


class PlannedClass(models.Model):
    """A class the course means to hold: a date and a start time. Generated from a meeting day and time over a
    range of weeks (attendance.schedule), entered, or imported. Those still to come are what a student can
    still attend: the projection of who can reach the cutoff (attendance.standing) counts them."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="planned_classes")
    date = models.DateField()
    start_time = models.TimeField(default=datetime.time(0, 0))

    class Meta:
        ordering = ["course", "date", "start_time"]
        constraints = [
            models.UniqueConstraint(fields=["course", "date", "start_time"], name="planned_class_one_per_course_date_start"),
        ]

    def __str__(self):
        return f"{self.course} planned on {self.date:%Y-%m-%d} at {self.start_time:%H:%M}"


class Status(models.TextChoices):
    """Moodle's default set. Present and Late attended; Excused leaves the student's denominator."""

    PRESENT = "present", "Present"
    LATE = "late", "Late"
    EXCUSED = "excused", "Excused"
    ABSENT = "absent", "Absent"


ATTENDED = (Status.PRESENT, Status.LATE)


class Record(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="records")
    student = models.ForeignKey(CourseStudent, on_delete=models.CASCADE, related_name="records")
    status = models.CharField(max_length=8, choices=Status.choices)
    # Kept beside the status for every reader that asks "were they there?" (the seed's true/false, the
    # Present/Absent cells): Present or Late. A constraint keeps the two in step.
    present = models.BooleanField()
    # NULL when the source has no durations (Google Form responses).
    seconds_attended = models.PositiveIntegerField(null=True, blank=True)
    # The teacher's `flags`: marked absent whatever the report says.
    flagged = models.BooleanField(default=False)
    # Not the teacher's flag: the report ended with this student connected and no end time was sent, so their
    # seconds run to the file's last event, a lower bound. Reports and the grid mark it so nobody mistakes it
    # for a measured leave.
    still_connected = models.BooleanField(
        default=False, help_text="Still connected when the list was saved: counted to the file's last event."
    )
    # When the report says they first joined (time of day on the session's date): what Late is judged on.
    first_join = models.TimeField(null=True, blank=True)
    # The status is a staff member's correction (its history is in `changes`): a re-upload of the session's
    # report keeps it, and says so, unless the teacher asks to overwrite corrections.
    corrected = models.BooleanField(default=False)

    class Meta:
        ordering = ["session", "student"]
        constraints = [
            models.UniqueConstraint(fields=["session", "student"], name="record_one_per_student"),
            models.CheckConstraint(
                condition=models.Q(present=True, status__in=ATTENDED)
                | models.Q(present=False, status__in=(Status.EXCUSED, Status.ABSENT)),
                name="record_present_is_present_or_late",
            ),
        ]

    def __str__(self):
        return f"{self.student.roll} {self.get_status_display()} on {self.session.date}"

    def set_status(self, status: str) -> None:
        """Set the status and, with it, ``present``."""
        self.status = status
        self.present = status in ATTENDED


class RecordChange(models.Model):
    """One change of a record's status after it was first recorded: who, when, before → after, and why.

    A correction by staff, or a re-upload of the session's report that changed the status. The first
    recording is not a change: the session says who uploaded it and when.
    """

    class Source(models.TextChoices):
        CORRECTION = "correction", "Correction by staff"
        UPLOAD = "upload", "Re-upload of the report"

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="changes")
    source = models.CharField(max_length=10, choices=Source.choices)
    # Blank when the correction made the cell: the student was not on the roster for that session.
    before = models.CharField(max_length=8, choices=Status.choices, blank=True)
    after = models.CharField(max_length=8, choices=Status.choices)
    remark = models.TextField(blank=True, max_length=500)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["record", "changed_at", "pk"]

    def __str__(self):
        return f"{self.record}: {self.before or '(none)'} -> {self.after}"
