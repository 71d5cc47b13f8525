"""Serializers of the REST resources. Thin: shapes and the checks that a body is coherent; no writes of their own.

Rules that span rows (a tutorial's stream and tutor must belong to its unit, names unique regardless of case)
are checked in `validate()` so that a bad body is a 400 naming the field, never a database error.
"""

from collections.abc import Mapping

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from doubtfire.ids import ID_RULE, parse_id
from doubtfire.models import (
    Campus,
    Project,
    Role,
    Task,
    TaskStatus,
    Tutorial,
    TutorialStream,
    Unit,
    UnitRole,
    User,
)
from doubtfire.permissions import system_role
from doubtfire.services import revoke_all_auth_tokens

# The profile settings Doubtfire's web client reads with a user and writes back, under its names.
DOUBTFIRE_PROFILE_FIELDS = [
    "opt_in_to_research",
    "has_run_first_time_setup",
    "receive_task_notifications",
    "receive_portfolio_notifications",
    "receive_feedback_notifications",
]


@extend_schema_field(serializers.ChoiceField(choices=Role.choices))
class SystemRoleField(serializers.Field):
    """Doubtfire's `system_role`, on which its web client decides what to show: "Admin" for every system Admin
    (superusers included), otherwise the role."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, user):
        return system_role(user)


class UserSummarySerializer(serializers.ModelSerializer):
    """The signed-in user: Doubtfire's user entity (the names its web client maps), and `role`, which scripts
    written against this server read (the same value as `system_role`)."""

    system_role = SystemRoleField()

    class Meta:
        model = User
        fields = [
            "id", "username", "first_name", "last_name", "nickname", "email", "student_id", "system_role",
            *DOUBTFIRE_PROFILE_FIELDS, "role",
        ]
        read_only_fields = fields


# --- fields -------------------------------------------------------------------------------------------


class UsernameField(serializers.SlugRelatedField):
    """A person named by username, matched regardless of case (as sign-in does)."""

    default_error_messages = {"does_not_exist": "There is no user with the username '{value}'."}

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", User.objects.all())
        # A text box, not a drop-down of every account, in the browsable API.
        kwargs.setdefault("style", {"base_template": "input.html"})
        super().__init__(slug_field="username", **kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data.strip():
            self.fail("invalid")
        user = self.get_queryset().filter(username__iexact=data.strip()).first()
        if user is None:
            self.fail("does_not_exist", value=data.strip())
        return user


@extend_schema_field({"type": "string", "nullable": True})
class NameInUnitField(serializers.Field):
    """A stream or tutor named by abbreviation/username; `validate()` finds it in the row's unit.

    It cannot be looked up here because the unit comes from another field of the same body.
    """

    def __init__(self, attribute: str, **kwargs):
        self.attribute = attribute
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_representation(self, value):
        for part in self.attribute.split("."):
            value = getattr(value, part)
        return value

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError("Give a name (text) or null.")
        return data.strip() or None


class IdRelatedField(serializers.PrimaryKeyRelatedField):
    """A row named by its id in a body (`"unit": 1`), read with `parse_id`: `"٣"` is not unit 3."""

    default_error_messages = {"not_an_id": ID_RULE}

    def to_internal_value(self, data):
        if parse_id(data) is None:
            self.fail("not_an_id")
        return super().to_internal_value(data)


class IdModelSerializer(serializers.ModelSerializer):
    serializer_related_field = IdRelatedField


def unit_fixed_on_update(serializer, attrs) -> Unit:
    """The row's unit: the one in the body on create; on update the unit cannot change."""
    instance = serializer.instance
    unit = attrs.get("unit", instance.unit if instance else None)
    if instance is not None and unit.pk != instance.unit_id:
        raise serializers.ValidationError({"unit": "A row cannot move to another unit; create a new one instead."})
    return unit


# --- people and places ------------------------------------------------------------------------------


class UserSerializer(serializers.ModelSerializer):
    """Accounts. Only an Admin may set `username`, `role` or `student_id`, or give a password on creation.

    Doubtfire's web client sends its user entity wrapped, `{"user": {...}}`, with the role as `system_role`
    (`PUT /api/users/<id>` from its profile form): both are read as if sent flat, with `role`.
    """

    password = serializers.CharField(
        write_only=True, required=False, trim_whitespace=False, style={"input_type": "password"}
    )
    system_role = SystemRoleField()
    ADMIN_ONLY_FIELDS = ("username", "role", "student_id", "is_active")

    class Meta:
        model = User
        fields = [
            "id", "username", "first_name", "last_name", "nickname", "email", "student_id", "role",
            "system_role", *DOUBTFIRE_PROFILE_FIELDS, "is_active", "date_joined", "password",
        ]
        read_only_fields = ["date_joined"]
        extra_kwargs = {"student_id": {"allow_null": True, "required": False}}

    def to_internal_value(self, data):
        return super().to_internal_value(self.unwrapped(data))

    @staticmethod
    def unwrapped(data):
        """The body as this serializer names things: Doubtfire's `{"user": {...}}` unwrapped, its `system_role`
        read as `role` (unless `role` is sent too). Other bodies are returned as they are."""
        if isinstance(data, Mapping) and isinstance(data.get("user"), Mapping):
            data = data["user"]
        if isinstance(data, Mapping) and "system_role" in data and "role" not in data:
            data = {**data, "role": data["system_role"]}
        return data

    def validate_username(self, value):
        clash = User.objects.filter(username__iexact=value)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(f"The username '{value}' is taken (usernames ignore case).")
        return value

    def validate_email(self, value):
        clash = User.objects.filter(email__iexact=value)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(f"The email '{value}' belongs to another account.")
        return value

    def validate_student_id(self, value):
        return (value or "").strip() or None

    def validate(self, attrs):
        actor = self.context["request"].user
        if not actor.is_admin:
            changed = [
                name for name in self.ADMIN_ONLY_FIELDS
                if name in attrs and attrs[name] != getattr(self.instance, name, None)
            ]
            if changed:
                raise serializers.ValidationError(f"Only an Admin may change: {', '.join(changed)}.")
            if "password" in attrs:
                raise serializers.ValidationError("Change your password through the password form, not here.")
        if "password" in attrs:
            try:
                password_validation.validate_password(attrs["password"], self.instance or User(**{
                    key: value for key, value in attrs.items() if key != "password"
                }))
            except DjangoValidationError as error:
                raise serializers.ValidationError({"password": list(error.messages)}) from None
        return attrs

    def create(self, validated_data):
        password = validated_data.pop("password", None)
        user = User(**validated_data)
        # No password: the account signs in once an Admin sets one (or via the institution's SSO).
        user.set_password(password) if password else user.set_unusable_password()
        user.save()
        return user

    def update(self, instance, validated_data):
        password = validated_data.pop("password", None)
        user = super().update(instance, validated_data)
        if password:
            user.set_password(password)
            user.save(update_fields=["password"])
            # A reset is the usual answer to a leaked account: every device signed in before must sign in again.
            revoke_all_auth_tokens(user=user)
        return user


class CampusSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campus
        fields = ["id", "name", "abbreviation", "mode", "active"]


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name", "description", "start_date", "end_date", "active"]

    def validate(self, attrs):
        start = attrs.get("start_date", getattr(self.instance, "start_date", None))
        end = attrs.get("end_date", getattr(self.instance, "end_date", None))
        code = attrs.get("code", getattr(self.instance, "code", None))
        if start and end and end < start:
            raise serializers.ValidationError({"end_date": "The unit must end on or after its start date."})
        clash = Unit.objects.filter(code__iexact=code, start_date=start)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError({"code": f"There is already a unit {code} starting on {start}."})
        return attrs


class UnitRoleSerializer(IdModelSerializer):
    user = UsernameField()

    class Meta:
        model = UnitRole
        fields = ["id", "unit", "user", "role"]
        # The pair is checked in validate() with a sentence that names the person and the unit.
        validators = []

    def validate(self, attrs):
        unit = unit_fixed_on_update(self, attrs)
        user = attrs.get("user", getattr(self.instance, "user", None))
        clash = UnitRole.objects.filter(unit=unit, user=user)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError({"user": f"{user.username} already has a role in {unit.code}."})
        return attrs


class TutorialStreamSerializer(IdModelSerializer):
    class Meta:
        model = TutorialStream
        fields = ["id", "unit", "name", "abbreviation", "activity_type"]
        validators = []

    def validate(self, attrs):
        unit = unit_fixed_on_update(self, attrs)
        others = TutorialStream.objects.filter(unit=unit)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        for field in ("name", "abbreviation"):
            if field in attrs and others.filter(**{field: attrs[field]}).exists():
                raise serializers.ValidationError({field: f"{unit.code} already has a stream '{attrs[field]}'."})
        return attrs


class TutorialSerializer(IdModelSerializer):
    campus = serializers.SlugRelatedField(
        slug_field="abbreviation", queryset=Campus.objects.all(), allow_null=True, required=False
    )
    stream = NameInUnitField("abbreviation")
    tutor = NameInUnitField("user.username")

    class Meta:
        model = Tutorial
        fields = [
            "id", "unit", "abbreviation", "code", "campus", "stream", "tutor",
            "meeting_day", "meeting_time", "meeting_location", "capacity",
        ]
        validators = []

    def validate(self, attrs):
        unit = unit_fixed_on_update(self, attrs)
        if "abbreviation" in attrs:
            clash = Tutorial.objects.filter(unit=unit, abbreviation=attrs["abbreviation"])
            if self.instance is not None:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                raise serializers.ValidationError(
                    {"abbreviation": f"{unit.code} already has a tutorial '{attrs['abbreviation']}'."}
                )
        if attrs.get("stream") is not None:
            stream = TutorialStream.objects.filter(unit=unit, abbreviation=attrs["stream"]).first()
            if stream is None:
                raise serializers.ValidationError({"stream": f"{unit.code} has no stream '{attrs['stream']}'."})
            attrs["stream"] = stream
        if attrs.get("tutor") is not None:
            tutor = (
                UnitRole.objects.select_related("user")
                .filter(unit=unit, user__username__iexact=attrs["tutor"])
                .first()
            )
            if tutor is None:
                raise serializers.ValidationError(
                    {"tutor": f"'{attrs['tutor']}' is not a member of staff of {unit.code}; add a unit role first."}
                )
            attrs["tutor"] = tutor
        if "capacity" in attrs and attrs["capacity"] < -1:
            raise serializers.ValidationError({"capacity": "Use a number of places, or -1 for unlimited."})
        return attrs


# --- enrolments and tasks ---------------------------------------------------------------------------


class ProjectSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    student_id = serializers.CharField(source="user.student_id", read_only=True, allow_null=True)
    name = serializers.CharField(source="user.full_name", read_only=True)
    campus = serializers.SlugRelatedField(slug_field="abbreviation", read_only=True)
    tutorials = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id", "unit", "username", "student_id", "name", "campus", "enrolled", "target_grade", "grade",
            "grade_rationale", "submitted_grade", "compile_portfolio", "portfolio_production_date", "tutorials",
        ]
        read_only_fields = fields

    def get_tutorials(self, project) -> list[str]:
        # Reads the prefetched enrolments: no query per row.
        return sorted(enrolment.tutorial.abbreviation for enrolment in project.tutorial_enrolments.all())


class TaskSerializer(serializers.ModelSerializer):
    """A task. Only `status`, `grade`, `quality_pts` and `contribution_pts` can be changed, through `update_task`."""

    unit = serializers.IntegerField(source="project.unit_id", read_only=True)
    username = serializers.CharField(source="project.user.username", read_only=True)
    task = serializers.CharField(source="definition.abbreviation", read_only=True)
    status = serializers.ChoiceField(choices=TaskStatus.choices, required=False)
    status_name = serializers.CharField(source="get_status_display", read_only=True)
    grade = serializers.IntegerField(required=False, allow_null=False, min_value=0, max_value=3)
    quality_pts = serializers.IntegerField(required=False, min_value=0, max_value=100)
    contribution_pts = serializers.IntegerField(required=False, min_value=0)

    CHANGEABLE = ("status", "grade", "quality_pts", "contribution_pts")

    class Meta:
        model = Task
        fields = [
            "id", "project", "unit", "username", "definition", "task", "status", "status_name", "grade",
            "quality_pts", "contribution_pts", "times_assessed", "submission_date", "assessment_date",
            "completion_date",
        ]
        read_only_fields = [
            "project", "definition", "times_assessed", "submission_date", "assessment_date", "completion_date",
        ]

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(f"Send at least one of: {', '.join(self.CHANGEABLE)}.")
        definition = self.instance.definition if self.instance is not None else None
        if definition is not None and "quality_pts" in attrs and attrs["quality_pts"] > definition.max_quality_pts:
            raise serializers.ValidationError(
                {"quality_pts": f"This task allows at most {definition.max_quality_pts} quality points."}
            )
        return attrs
