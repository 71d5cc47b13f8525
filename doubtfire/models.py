"""The units half of the product: people, units, enrolments, tasks and who assessed them.

Names follow Doubtfire's (a unit enrolment is a `Project`) so that the CSV columns map one to one.
Rules about a single row live here as database constraints; rules across rows live in services.
"""

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Lower
from django.utils import timezone


class Role(models.TextChoices):
    """System roles, and (Tutor, Convenor) the roles a person can hold inside one unit."""

    STUDENT = "Student"
    TUTOR = "Tutor"
    CONVENOR = "Convenor"
    ADMIN = "Admin"


# `field__lower=Lower(Value(x))` compares LOWER(field) = LOWER(x): unlike `iexact` it can use the
# functional unique indexes below, so finding one user among 100,000 is an index probe, not a scan.
models.CharField.register_lookup(Lower)


class UserManager(DjangoUserManager):
    def get_by_natural_key(self, username):
        # Usernames are unique regardless of case, so sign-in is case-insensitive too.
        return self.get(username__lower=Lower(Value(username)))

    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    username = models.CharField(max_length=150)
    first_name = models.CharField(max_length=150, blank=True)
    last_name = models.CharField(max_length=150, blank=True)
    nickname = models.CharField(max_length=150, blank=True)
    email = models.EmailField(max_length=254)
    # Text, not a number: institutions use leading zeros and letters.
    student_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STUDENT)
    # Doubtfire's profile settings, which its web client reads and writes back (PUT /api/users/<id>). Nothing
    # here sends notifications or runs research; the values are kept for the client and for an export.
    receive_task_notifications = models.BooleanField(default=True)
    receive_portfolio_notifications = models.BooleanField(default=True)
    receive_feedback_notifications = models.BooleanField(default=True)
    opt_in_to_research = models.BooleanField(null=True, blank=True, help_text="Empty: not asked yet.")
    # True from the start, unlike Doubtfire: its client sends anyone not yet set up to a welcome form that
    # requires a student ID, which only an Admin may change here, so staff without one could never leave it.
    has_run_first_time_setup = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Can sign in to the Django admin site.")
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(Lower("username"), name="user_username_ci_unique"),
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(condition=~Q(username=""), name="user_username_not_blank"),
        ]

    def __str__(self):
        return self.username

    def save(self, *args, **kwargs):
        self.apply_field_rules()
        super().save(*args, **kwargs)

    def apply_field_rules(self) -> None:
        """What every stored user satisfies; save() applies it, and so must bulk_create callers."""
        if self.is_superuser:
            self.role = Role.ADMIN
        if self.role == Role.ADMIN:
            self.is_staff = True  # system Admins manage the admin site
        # Blank means "no student id": NULL keeps the unique constraint from colliding on ''.
        if self.student_id is not None and not self.student_id.strip():
            self.student_id = None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser

    # A system Admin manages everything in the admin site, as in Doubtfire, without Django permission rows.
    def has_perm(self, perm, obj=None):
        return (self.is_active and self.is_admin) or super().has_perm(perm, obj)

    def has_module_perms(self, app_label):
        return (self.is_active and self.is_admin) or super().has_module_perms(app_label)


class AuthToken(models.Model):
    """An API token. Only a SHA-256 digest is stored: a database leak does not leak usable tokens.

    The raw token has 240 bits of entropy, so a fast hash is enough (no salt or stretching needed).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="auth_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["user", "expires_at"])]

    def __str__(self):
        return f"token of {self.user_id} until {self.expires_at:%Y-%m-%d %H:%M}"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()


class Campus(models.Model):
    class Mode(models.TextChoices):
        TIMETABLE = "timetable"
        AUTOMATIC = "automatic"
        MANUAL = "manual"

    name = models.CharField(max_length=100, unique=True)
    abbreviation = models.CharField(max_length=20, unique=True)
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.TIMETABLE)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "campuses"

    def __str__(self):
        return self.name


# Letters and digits in runs joined by single separators: `COS10001`, `SIT101/SIT701`, `ICT 2024-S1`.
# A code is also a file name in every download and a cell in every CSV, so it never starts with a formula
# character (= + - @), never holds `;`, quotes or line breaks, and has no leading, trailing or double spaces.
# Checked with string methods, one pass each: no pattern with a repeat inside a repeat on user text (issue 11).
_UNIT_CODE_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_UNIT_CODE_SEPARATORS = frozenset("-_./ ")


def _is_unit_code(value: str) -> bool:
    if not value or value[0] not in _UNIT_CODE_WORD or value[-1] not in _UNIT_CODE_WORD:
        return False
    previous_was_separator = False
    for char in value:
        if char in _UNIT_CODE_SEPARATORS:
            if previous_was_separator:
                return False
            previous_was_separator = True
        elif char in _UNIT_CODE_WORD:
            previous_was_separator = False
        else:
            return False
    return True

UNIT_CODE_RULE = (
    "A unit code uses the letters A-Z and a-z, the digits 0-9 and the separators - _ . / and single spaces; "
    "it starts and ends with a letter or digit and never has two separators in a row (e.g. COS10001 or SIT101/SIT701)."
)


def validate_unit_code(value) -> None:
    """Checked wherever a code is written (admin, REST); rows stored before the rule are left as they are."""
    if not isinstance(value, str) or not _is_unit_code(value):
        raise ValidationError(UNIT_CODE_RULE, code="invalid_unit_code")


class Unit(models.Model):
    code = models.CharField(max_length=40, validators=[validate_unit_code], help_text=UNIT_CODE_RULE)
    name = models.CharField(max_length=200)
    description = models.TextField(max_length=4095, blank=True)
    start_date = models.DateField()
    end_date = models.DateField()
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code", "start_date"]
        constraints = [
            models.UniqueConstraint(Lower("code"), "start_date", name="unit_code_start_ci_unique"),
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="unit_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class UnitRole(models.Model):
    """A member of staff in a unit. A tutorial's tutor is one of these."""

    class Kind(models.TextChoices):
        TUTOR = Role.TUTOR.value
        CONVENOR = Role.CONVENOR.value

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unit_roles")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="unit_roles")
    role = models.CharField(max_length=16, choices=Kind.choices)

    class Meta:
        ordering = ["unit", "role", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "unit"], name="unitrole_one_per_user_unit")]

    def __str__(self):
        return f"{self.user} {self.role} of {self.unit.code}"


class TutorialStream(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="tutorial_streams")
    name = models.CharField(max_length=100)
    abbreviation = models.CharField(max_length=20)
    activity_type = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["unit", "abbreviation"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="stream_name_unique_in_unit"),
            models.UniqueConstraint(fields=["unit", "abbreviation"], name="stream_abbr_unique_in_unit"),
        ]

    def __str__(self):
        return self.abbreviation


class Tutorial(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="tutorials")
    abbreviation = models.CharField(max_length=30)
    code = models.CharField(max_length=30, blank=True)
    campus = models.ForeignKey(Campus, on_delete=models.PROTECT, null=True, blank=True, related_name="tutorials")
    # RESTRICT, not PROTECT: deleting the whole unit removes streams and tutorials together, while a
    # stream that still has tutorials cannot be deleted on its own.
    stream = models.ForeignKey(
        TutorialStream, on_delete=models.RESTRICT, null=True, blank=True, related_name="tutorials"
    )
    tutor = models.ForeignKey(UnitRole, on_delete=models.SET_NULL, null=True, blank=True, related_name="tutorials")
    meeting_day = models.CharField(max_length=10, blank=True)
    meeting_time = models.TimeField(null=True, blank=True)
    meeting_location = models.CharField(max_length=100, blank=True)
    capacity = models.IntegerField(default=-1, help_text="-1 means unlimited.")

    class Meta:
        ordering = ["unit", "abbreviation"]
        constraints = [models.UniqueConstraint(fields=["unit", "abbreviation"], name="tutorial_abbr_unique_in_unit")]

    def __str__(self):
        return self.abbreviation


class Project(models.Model):
    """A student's enrolment in a unit. Withdrawal keeps the row and clears `enrolled`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="projects")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="projects")
    campus = models.ForeignKey(Campus, on_delete=models.PROTECT, null=True, blank=True, related_name="projects")
    enrolled = models.BooleanField(default=True)
    target_grade = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(3)])
    grade = models.IntegerField(default=0)
    grade_rationale = models.TextField(max_length=4095, blank=True)
    submitted_grade = models.IntegerField(null=True, blank=True)
    compile_portfolio = models.BooleanField(default=False)
    portfolio_production_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["unit", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "unit"], name="project_one_per_user_unit"),
            models.CheckConstraint(condition=Q(target_grade__lte=3), name="project_target_grade_0_3"),
        ]

    def __str__(self):
        return f"{self.user} in {self.unit.code}"


class TutorialEnrolment(models.Model):
    """A project's place in a tutorial: at most one per stream (or one in total for a unit without streams).

    `stream` copies the tutorial's stream so that the database itself can enforce that rule.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tutorial_enrolments")
    tutorial = models.ForeignKey(Tutorial, on_delete=models.CASCADE, related_name="enrolments")
    stream = models.ForeignKey(TutorialStream, on_delete=models.CASCADE, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "tutorial"], name="tutorialenrolment_unique"),
            models.UniqueConstraint(
                fields=["project", "stream"], condition=Q(stream__isnull=False), name="tutorialenrolment_one_per_stream"
            ),
            models.UniqueConstraint(
                fields=["project"], condition=Q(stream__isnull=True), name="tutorialenrolment_one_unstreamed"
            ),
        ]

    def save(self, *args, **kwargs):
        self.stream_id = self.tutorial.stream_id
        super().save(*args, **kwargs)

    def __str__(self):
        return f"{self.project} in {self.tutorial}"


class GroupSet(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="group_sets")
    name = models.CharField(max_length=100)
    allow_students_to_create_groups = models.BooleanField(default=True)
    allow_students_to_manage_groups = models.BooleanField(default=True)
    keep_groups_in_same_class = models.BooleanField(default=False)
    capacity = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["unit", "name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="groupset_name_unique_in_unit")]

    def __str__(self):
        return self.name


class Group(models.Model):
    group_set = models.ForeignKey(GroupSet, on_delete=models.CASCADE, related_name="groups")
    tutorial = models.ForeignKey(Tutorial, on_delete=models.SET_NULL, null=True, blank=True, related_name="groups")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["group_set", "name"]
        constraints = [models.UniqueConstraint(fields=["group_set", "name"], name="group_name_unique_in_set")]

    def __str__(self):
        return self.name


class GroupMembership(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="group_memberships")
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "project"], name="groupmembership_unique")]

    def __str__(self):
        return f"{self.project} in {self.group}"


class TaskDefinition(models.Model):
    """One task of a unit; every column of Doubtfire's tasks CSV has a field here."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="task_definitions")
    name = models.CharField(max_length=200)
    abbreviation = models.CharField(max_length=30)
    description = models.TextField(max_length=4095, blank=True)
    weighting = models.IntegerField(default=0)
    target_grade = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(3)])
    restrict_status_updates = models.BooleanField(default=False)
    max_quality_pts = models.PositiveSmallIntegerField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    is_graded = models.BooleanField(default=False)
    plagiarism_warn_pct = models.IntegerField(default=50)
    plagiarism_checks = models.JSONField(default=list, blank=True)
    group_set = models.ForeignKey(
        GroupSet, on_delete=models.RESTRICT, null=True, blank=True, related_name="task_definitions"
    )
    upload_requirements = models.JSONField(default=list, blank=True)
    start_date = models.DateField()
    target_date = models.DateField()
    due_date = models.DateField(null=True, blank=True)
    tutorial_stream = models.ForeignKey(
        TutorialStream, on_delete=models.RESTRICT, null=True, blank=True, related_name="task_definitions"
    )

    class Meta:
        ordering = ["unit", "start_date", "abbreviation"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "abbreviation"], name="taskdef_abbr_unique_in_unit"),
            models.UniqueConstraint(fields=["unit", "name"], name="taskdef_name_unique_in_unit"),
            models.CheckConstraint(condition=Q(target_grade__lte=3), name="taskdef_target_grade_0_3"),
            models.CheckConstraint(condition=Q(max_quality_pts__lte=100), name="taskdef_max_quality_0_100"),
        ]

    def __str__(self):
        return f"{self.abbreviation} {self.name}"


class TaskStatus(models.IntegerChoices):
    """Doubtfire's twelve statuses, with its ids. Ids above 4 are set by staff."""

    NOT_STARTED = 1, "Not Started"
    COMPLETE = 2, "Complete"
    NEED_HELP = 3, "Need Help"
    WORKING_ON_IT = 4, "Working On It"
    FIX_AND_RESUBMIT = 5, "Fix and Resubmit"
    FEEDBACK_EXCEEDED = 6, "Feedback Exceeded"
    REDO = 7, "Redo"
    DISCUSS = 8, "Discuss"
    READY_FOR_FEEDBACK = 9, "Ready for Feedback"
    DEMONSTRATE = 10, "Demonstrate"
    FAIL = 11, "Fail"
    TIME_EXCEEDED = 12, "Time Exceeded"


class Task(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tasks")
    definition = models.ForeignKey(TaskDefinition, on_delete=models.CASCADE, related_name="tasks")
    status = models.PositiveSmallIntegerField(choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED)
    grade = models.IntegerField(null=True, blank=True)
    quality_pts = models.IntegerField(default=-1)
    contribution_pts = models.IntegerField(default=3)
    times_assessed = models.IntegerField(default=0)
    submission_date = models.DateTimeField(null=True, blank=True)
    assessment_date = models.DateTimeField(null=True, blank=True)
    completion_date = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project", "definition"]
        constraints = [models.UniqueConstraint(fields=["project", "definition"], name="task_one_per_project_def")]

    def __str__(self):
        return f"{self.definition.abbreviation} of {self.project}"


class Assessment(models.Model):
    """Who gave which status to which task, and when. Tutor-assessment statistics count these."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assessments")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments")
    status = models.PositiveSmallIntegerField(choices=TaskStatus.choices)
    assessed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-assessed_at"]
        indexes = [models.Index(fields=["assessor", "task"])]

    def __str__(self):
        return f"{self.assessor} set {self.get_status_display()} on {self.task_id}"
