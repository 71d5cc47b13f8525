"""The REST resources (SPEC §4): browsable DRF viewsets over the units half of the product.

Each list is filtered to what the signed-in person may see (`csvapi.permissions.unit_scope`) and joins what
it shows with `select_related`/`prefetch_related`, so a page costs the same few queries at any size.
Task changes go through `doubtfire.services.update_task`, the one place that records assessments. A tutorial
changed or deleted, or a person's details changed, reach the attendance rosters that follow the unit in the same
transaction (`attendance.services`); enrolments themselves are read-only here (the enrolment CSV writes them).
"""

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import DefaultRouter

from attendance.services import sync_rosters_for_users, sync_unit_rosters
from csvapi import serializers
from csvapi.filters import ProjectFilter, TaskFilter
from csvapi.lookups import StrictIds
from csvapi.permissions import (
    ReadAnyWriteAdmin,
    UnitCreatorOnlyAdmin,
    UnitPermission,
    UserPermission,
    unit_scope,
)
from doubtfire.models import Campus, Project, Task, Tutorial, TutorialStream, Unit, UnitRole, User
from doubtfire.permissions import (
    ASSESS_TASKS,
    DOWNLOAD_UNIT_CSV,
    MANAGE_UNIT,
    VIEW_UNIT,
    admin_role_refusal,
    may_change_unit_role_of,
    may_in_unit,
)
from doubtfire.services import NotAllowed, update_task


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The change conflicts with existing data."


class SavesSafely:
    """Turns the database's last word (a constraint, a protected reference) into a 409 sentence, never a 500.

    The serializers check the common cases first with clearer messages; this catches races and the rest.
    """

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer)

    def _save(self, serializer):
        try:
            with transaction.atomic():
                serializer.save()
        except IntegrityError:
            raise Conflict("That would duplicate an existing row (a name or code already in use).") from None

    def perform_destroy(self, instance):
        try:
            with transaction.atomic():
                instance.delete()
        except (ProtectedError, RestrictedError) as error:
            rows = getattr(error, "protected_objects", None) or error.restricted_objects
            users = sorted({str(type(row)._meta.verbose_name_plural) for row in rows})
            raise Conflict(f"Cannot delete {instance}: {', '.join(users)} still refer to it.") from None


class UnitRowViewSet(StrictIds, SavesSafely, viewsets.ModelViewSet):
    """Rows that belong to one unit. Read with VIEW_UNIT there; create, change, delete with MANAGE_UNIT."""

    permission_classes = [UnitPermission]
    read_action = VIEW_UNIT
    write_action = MANAGE_UNIT
    filterset_fields = ["unit"]

    def unit_of(self, row) -> Unit:
        return row.unit

    def scoped(self, queryset):
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        return queryset.filter(unit_scope(self.request.user, self.read_action))

    def perform_create(self, serializer):
        unit = serializer.validated_data["unit"]
        if not may_in_unit(self.request.user, self.write_action, unit):
            raise PermissionDenied(f"Only the Convenors of {unit.code} (or an Admin) may add to it.")
        super().perform_create(serializer)


class UserViewSet(StrictIds, SavesSafely, viewsets.ModelViewSet):
    """People. An Admin lists and manages everyone; anyone else sees and edits only their own account."""

    serializer_class = serializers.UserSerializer
    permission_classes = [UserPermission]
    filterset_fields = ["role", "is_active"]

    def get_queryset(self):
        user = self.request.user
        if getattr(self, "swagger_fake_view", False) or not user.is_authenticated:
            return User.objects.none()
        everyone = User.objects.order_by("username")
        return everyone if user.is_admin else everyone.filter(pk=user.pk)

    def perform_update(self, serializer):
        with transaction.atomic():
            super().perform_update(serializer)
            sync_rosters_for_users([serializer.instance.pk])  # name, e-mail, student ID on their rosters


class CampusViewSet(StrictIds, SavesSafely, viewsets.ModelViewSet):
    """Campuses: any signed-in person reads them; an Admin manages them."""

    queryset = Campus.objects.order_by("name")
    serializer_class = serializers.CampusSerializer
    permission_classes = [ReadAnyWriteAdmin]
    filterset_fields = ["active"]


class UnitViewSet(UnitRowViewSet):
    """Units the person teaches, convenes or studies (an Admin: all). Only an Admin creates or deletes one."""

    serializer_class = serializers.UnitSerializer
    permission_classes = [UnitCreatorOnlyAdmin]
    filterset_fields = ["active", "code"]

    def unit_of(self, row) -> Unit:
        return row

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Unit.objects.none()
        return Unit.objects.filter(unit_scope(self.request.user, self.read_action, through="pk"))

    def perform_create(self, serializer):
        # UnitCreatorOnlyAdmin has already let only Admins through.
        SavesSafely.perform_create(self, serializer)


class UnitRoleViewSet(UnitRowViewSet):
    """Staff of a unit (`user` by username, `role` Tutor or Convenor). Only an Admin gives, changes or removes
    an Admin's role (`may_change_unit_role_of`): a unit's Convenor cannot demote the Admin who appointed them."""

    serializer_class = serializers.UnitRoleSerializer
    filterset_fields = ["unit", "role"]

    def get_queryset(self):
        return self.scoped(UnitRole.objects.select_related("user", "unit").order_by("unit", "role", "user__username"))

    def perform_create(self, serializer):
        unit = serializer.validated_data["unit"]
        # Who may not manage the unit at all gets the unit's own refusal from UnitRowViewSet.
        if may_in_unit(self.request.user, self.write_action, unit):
            self.refuse_if_against_an_admin(serializer.validated_data["user"], unit)
        super().perform_create(serializer)

    def perform_update(self, serializer):
        role = serializer.instance
        self.refuse_if_against_an_admin(role.user, role.unit)
        # Nor may the row be handed over to an Admin.
        self.refuse_if_against_an_admin(serializer.validated_data.get("user", role.user), role.unit)
        super().perform_update(serializer)

    def perform_destroy(self, instance):
        self.refuse_if_against_an_admin(instance.user, instance.unit)
        super().perform_destroy(instance)

    def refuse_if_against_an_admin(self, person, unit):
        if not may_change_unit_role_of(self.request.user, person):
            raise PermissionDenied(admin_role_refusal(person, unit))


class TutorialStreamViewSet(UnitRowViewSet):
    serializer_class = serializers.TutorialStreamSerializer

    def get_queryset(self):
        return self.scoped(TutorialStream.objects.select_related("unit").order_by("unit", "abbreviation"))


class TutorialViewSet(UnitRowViewSet):
    """Tutorials: `campus` and `stream` by abbreviation, `tutor` by username (a member of the unit's staff)."""

    serializer_class = serializers.TutorialSerializer
    filterset_fields = ["unit", "campus", "stream"]

    def get_queryset(self):
        return self.scoped(
            Tutorial.objects.select_related("unit", "campus", "stream", "tutor__user").order_by("unit", "abbreviation")
        )

    # A tutorial's stream decides the rosters of its stream's courses; deleting it takes its students' places.
    def perform_update(self, serializer):
        with transaction.atomic():
            super().perform_update(serializer)
            sync_unit_rosters(unit_ids=[serializer.instance.unit_id])

    def perform_destroy(self, instance):
        unit_id = instance.unit_id
        with transaction.atomic():
            super().perform_destroy(instance)
            sync_unit_rosters(unit_ids=[unit_id])


class ProjectViewSet(StrictIds, viewsets.ReadOnlyModelViewSet):
    """Enrolments. Staff of a unit see all of its enrolments; a student sees their own. Filter with `?unit=`."""

    serializer_class = serializers.ProjectSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = ProjectFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        user = self.request.user
        return (
            Project.objects.filter(unit_scope(user, DOWNLOAD_UNIT_CSV) | Q(user=user))
            .select_related("user", "campus")
            .prefetch_related("tutorial_enrolments__tutorial")
            .order_by("unit", "user__username")
        )


@extend_schema_view(
    update=extend_schema(description="Change status, grade, quality_pts or contribution_pts (staff: all; the "
                         "student: statuses 1–4). A status change by staff records an assessment."),
    partial_update=extend_schema(description="As update, sending only the fields to change."),
)
class TaskViewSet(
    StrictIds, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    """Tasks. Staff of the unit read and assess them; a student reads (and moves between 1–4) their own."""

    serializer_class = serializers.TaskSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = TaskFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Task.objects.none()
        user = self.request.user
        return (
            Task.objects.filter(unit_scope(user, ASSESS_TASKS, through="project__unit") | Q(project__user=user))
            .select_related("project__user", "definition")
            .order_by("project__unit", "project__user__username", "definition__start_date", "definition__abbreviation")
        )

    def perform_update(self, serializer):
        changes = {name: serializer.validated_data[name] for name in serializer.CHANGEABLE if name in serializer.validated_data}
        try:
            serializer.instance = update_task(actor=self.request.user, task=serializer.instance, **changes)
        except NotAllowed as refusal:
            raise PermissionDenied(refusal.message) from None


router = DefaultRouter()
# The slash is optional: Doubtfire's web client asks for `/api/users/<id>` without one, and a PUT or POST cannot
# follow the redirect APPEND_SLASH would answer (with DEBUG on, Django raises instead of redirecting).
router.trailing_slash = "/?"
router.register("users", UserViewSet, basename="user")
router.register("campuses", CampusViewSet, basename="campus")
router.register("units", UnitViewSet, basename="unit")
router.register("tutorial_streams", TutorialStreamViewSet, basename="tutorialstream")
router.register("tutorials", TutorialViewSet, basename="tutorial")
router.register("unit_roles", UnitRoleViewSet, basename="unitrole")
router.register("projects", ProjectViewSet, basename="project")
router.register("tasks", TaskViewSet, basename="task")

urlpatterns = router.urls
