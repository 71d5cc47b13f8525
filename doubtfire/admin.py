"""The Django admin for every table of the units half of the product.

Big foreign keys (people, projects, tasks) use autocomplete or raw ids so that a page never renders a
drop-down of every student. `UserAdmin`, `ProjectAdmin` and `TaskDefinitionAdmin` are named classes because the
import/export buttons are mixed into exactly those.
"""

from django import forms
from django.contrib import admin
from django.db import transaction
from django.contrib.auth import admin as auth_admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import forms as auth_forms

from attendance.services import sync_rosters_for_users, sync_unit_rosters
from doubtfire.ids import parse_id
from doubtfire.models import (
    Assessment,
    AuthToken,
    Campus,
    Group,
    GroupMembership,
    GroupSet,
    Project,
    Task,
    TaskDefinition,
    Tutorial,
    TutorialEnrolment,
    TutorialStream,
    Unit,
    UnitRole,
    User,
)
from doubtfire.resources import StudentsCsvAdminMixin, TaskDefinitionsCsvAdminMixin, UsersCsvAdminMixin


class IdAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget shows a refused form again by looking up the value that was sent; a value
    that is no id (`²`, `1e3`, 23 digits) made that lookup raise (ValueError, OverflowError), so the page was
    a 500 instead of the field's error. Such a value has no row to show and is left out."""

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [item for item in value if parse_id(item) is not None], attr)


class IdAutocomplete:
    """Admin/inline mixin: the `autocomplete_fields` use IdAutocompleteSelect."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = IdAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class FollowedByRosters:
    """ModelAdmin mixin for the rows that decide who is enrolled where (enrolments, tutorial places, tutorials):
    after every save (inlines included) and delete, the rosters of the attendance courses that follow the unit
    change in the same transaction (`attendance.services.sync_unit_rosters`). The admin's change and delete
    views already run in one transaction; the bulk delete action is wrapped in one here.

    `roster_scope(obj)` gives (unit ids, user ids or None for everyone) of a row as stored; the scope before a
    change is read too, so a row moved to another unit or person updates both sides.
    """

    def roster_scope(self, obj) -> tuple[set[int], set[int] | None]:
        raise NotImplementedError

    def _stored_scope(self, obj):
        if obj.pk is None:
            return set(), set()
        stored = type(obj).objects.filter(pk=obj.pk).first()
        return self.roster_scope(stored) if stored is not None else (set(), set())

    def save_model(self, request, obj, form, change):
        obj._roster_scope_before = self._stored_scope(obj)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # inlines (tutorial places) first
        self._sync(getattr(form.instance, "_roster_scope_before", (set(), set())), self.roster_scope(form.instance))

    def delete_model(self, request, obj):
        before = self.roster_scope(obj)
        super().delete_model(request, obj)
        self._sync(before)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            scopes = [self.roster_scope(obj) for obj in queryset]
            super().delete_queryset(request, queryset)
            self._sync(*scopes)

    @staticmethod
    def _sync(*scopes):
        units, users = set(), set()
        for scope_units, scope_users in scopes:
            units |= scope_units
            users = None if users is None or scope_users is None else users | scope_users
        if units:
            sync_unit_rosters(unit_ids=sorted(units), user_ids=None if users is None else sorted(users))


# --- people ----------------------------------------------------------------------------------------


class EmailUniqueIgnoringCase:
    """Form mixin: refuse an email that another account already uses in any letter case.

    The database refuses it too; checking here turns that into a message beside the field.
    """

    def clean_email(self):
        email = self.cleaned_data.get("email", "")
        others = User.objects.filter(email__iexact=email)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if email and others.exists():
            raise forms.ValidationError("Another account already uses this email address.")
        return email

    def clean_student_id(self):
        # Blank means "none": stored as NULL so that many accounts may have no student id.
        return (self.cleaned_data.get("student_id") or "").strip() or None


class UserCreationForm(EmailUniqueIgnoringCase, auth_forms.AdminUserCreationForm):
    class Meta(auth_forms.AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "email", "first_name", "last_name", "role", "student_id")


class UserChangeForm(EmailUniqueIgnoringCase, auth_forms.UserChangeForm):
    class Meta(auth_forms.UserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean_username(self):
        username = self.cleaned_data.get("username", "")
        if User.objects.filter(username__iexact=username).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("Another account already has this username (usernames ignore case).")
        return username


class UnitRoleOfUserInline(IdAutocomplete, admin.TabularInline):
    model = UnitRole
    fk_name = "user"
    extra = 0
    autocomplete_fields = ["unit"]
    verbose_name_plural = "roles in units"


@admin.register(User)
class UserAdmin(UsersCsvAdminMixin, auth_admin.UserAdmin):
    """People. A change of name, e-mail or student ID reaches the attendance rosters that follow their units."""

    form = UserChangeForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "nickname", "email", "student_id")}),
        ("Role and access", {"fields": ("role", "is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (
            "Doubtfire web client profile",
            {
                "classes": ("collapse",),
                "fields": (
                    "receive_task_notifications", "receive_portfolio_notifications", "receive_feedback_notifications",
                    "opt_in_to_research", "has_run_first_time_setup",
                ),
            },
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username", "email", "first_name", "last_name", "role", "student_id",
                    "usable_password", "password1", "password2",
                ),
            },
        ),
    )
    list_display = ("username", "first_name", "last_name", "email", "student_id", "role", "is_active", "last_login")
    list_filter = ("role", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "first_name", "last_name", "nickname", "email", "student_id")
    ordering = ("username",)
    inlines = [UnitRoleOfUserInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:
            sync_rosters_for_users([form.instance.pk])

    def get_inlines(self, request, obj):
        # The add page stays the short "who and password" form; roles are added once the account exists.
        return self.inlines if obj is not None else []


@admin.register(AuthToken)
class AuthTokenAdmin(admin.ModelAdmin):
    """Tokens can be looked at and revoked (deleted) here; they are issued only through `/api/auth`."""

    list_display = ("user", "created_at", "expires_at")
    list_filter = ("expires_at",)
    search_fields = ("user__username", "user__email")
    list_select_related = ("user",)
    # The digest is useless to a reader and must not be edited.
    fields = ("user", "created_at", "expires_at")
    readonly_fields = ("user", "created_at")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False


# --- units -----------------------------------------------------------------------------------------


@admin.register(Campus)
class CampusAdmin(admin.ModelAdmin):
    list_display = ("name", "abbreviation", "mode", "active")
    list_filter = ("mode", "active")
    search_fields = ("name", "abbreviation")


class UnitRoleInline(IdAutocomplete, admin.TabularInline):
    model = UnitRole
    extra = 0
    autocomplete_fields = ["user"]


class TutorialStreamInline(admin.TabularInline):
    model = TutorialStream
    extra = 0


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "start_date", "end_date", "active")
    list_filter = ("active", "start_date")
    search_fields = ("code", "name")
    date_hierarchy = "start_date"
    inlines = [UnitRoleInline, TutorialStreamInline]


@admin.register(UnitRole)
class UnitRoleAdmin(IdAutocomplete, admin.ModelAdmin):
    list_display = ("user", "unit", "role")
    list_filter = ("role", "unit")
    search_fields = ("user__username", "user__first_name", "user__last_name", "unit__code")
    autocomplete_fields = ["user", "unit"]
    list_select_related = ("user", "unit")


@admin.register(TutorialStream)
class TutorialStreamAdmin(IdAutocomplete, admin.ModelAdmin):
    list_display = ("abbreviation", "name", "unit", "activity_type")
    list_filter = ("unit",)
    search_fields = ("abbreviation", "name", "unit__code")
    autocomplete_fields = ["unit"]
    list_select_related = ("unit",)


@admin.register(Tutorial)
class TutorialAdmin(FollowedByRosters, IdAutocomplete, admin.ModelAdmin):
    list_display = ("abbreviation", "unit", "campus", "stream", "tutor", "meeting_day", "meeting_time",
                    "meeting_location", "capacity")
    list_filter = ("unit", "campus", "meeting_day")
    search_fields = ("abbreviation", "code", "unit__code", "meeting_location", "tutor__user__username")
    autocomplete_fields = ["unit", "campus", "stream", "tutor"]
    list_select_related = ("unit", "campus", "stream", "tutor__user", "tutor__unit")

    def roster_scope(self, tutorial):
        # Its stream decides the stream courses' rosters, its deletion takes its students' places.
        return {tutorial.unit_id}, None


class TutorialEnrolmentInline(IdAutocomplete, admin.TabularInline):
    model = TutorialEnrolment
    extra = 0
    fields = ("tutorial",)
    autocomplete_fields = ["tutorial"]


@admin.register(Project)
class ProjectAdmin(FollowedByRosters, IdAutocomplete, StudentsCsvAdminMixin, admin.ModelAdmin):
    list_display = ("user", "unit", "campus", "enrolled", "target_grade", "grade")
    list_filter = ("enrolled", "unit", "campus", "target_grade")
    search_fields = ("user__username", "user__first_name", "user__last_name", "user__student_id", "unit__code")
    autocomplete_fields = ["user", "unit", "campus"]
    list_select_related = ("user", "unit", "campus")
    inlines = [TutorialEnrolmentInline]

    def roster_scope(self, project):
        return {project.unit_id}, {project.user_id}


@admin.register(TutorialEnrolment)
class TutorialEnrolmentAdmin(FollowedByRosters, IdAutocomplete, admin.ModelAdmin):
    list_display = ("project", "tutorial", "stream")
    list_filter = ("tutorial__unit",)
    search_fields = ("project__user__username", "project__user__student_id", "tutorial__abbreviation")
    autocomplete_fields = ["project", "tutorial"]
    # `stream` is copied from the tutorial when saved.
    exclude = ("stream",)
    list_select_related = ("project__user", "project__unit", "tutorial", "stream")

    def roster_scope(self, enrolment):
        project = enrolment.project
        return {project.unit_id}, {project.user_id}


# --- groups ----------------------------------------------------------------------------------------


@admin.register(GroupSet)
class GroupSetAdmin(IdAutocomplete, admin.ModelAdmin):
    list_display = ("name", "unit", "capacity", "allow_students_to_create_groups", "keep_groups_in_same_class")
    list_filter = ("unit",)
    search_fields = ("name", "unit__code")
    autocomplete_fields = ["unit"]
    list_select_related = ("unit",)


class GroupMembershipInline(IdAutocomplete, admin.TabularInline):
    model = GroupMembership
    extra = 0
    autocomplete_fields = ["project"]


@admin.register(Group)
class GroupAdmin(IdAutocomplete, admin.ModelAdmin):
    list_display = ("name", "group_set", "tutorial")
    list_filter = ("group_set__unit",)
    search_fields = ("name", "group_set__name", "tutorial__abbreviation")
    autocomplete_fields = ["group_set", "tutorial"]
    list_select_related = ("group_set", "tutorial")
    inlines = [GroupMembershipInline]


@admin.register(GroupMembership)
class GroupMembershipAdmin(IdAutocomplete, admin.ModelAdmin):
    list_display = ("project", "group", "active")
    list_filter = ("active",)
    search_fields = ("project__user__username", "group__name")
    autocomplete_fields = ["group", "project"]
    list_select_related = ("project__user", "project__unit", "group")


# --- tasks -----------------------------------------------------------------------------------------


@admin.register(TaskDefinition)
class TaskDefinitionAdmin(IdAutocomplete, TaskDefinitionsCsvAdminMixin, admin.ModelAdmin):
    list_display = ("abbreviation", "name", "unit", "target_grade", "weighting", "start_date", "target_date",
                    "due_date", "is_graded", "max_quality_pts")
    list_filter = ("unit", "target_grade", "is_graded")
    search_fields = ("abbreviation", "name", "unit__code")
    autocomplete_fields = ["unit", "group_set", "tutorial_stream"]
    list_select_related = ("unit",)
    date_hierarchy = "target_date"


class AssessmentInline(admin.TabularInline):
    model = Assessment
    extra = 0
    fields = ("status", "assessor", "assessed_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        # Assessments are recorded by `update_task`, so the history cannot be edited into existence.
        return False


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("definition", "project", "status", "grade", "quality_pts", "times_assessed", "completion_date")
    list_filter = ("status", "definition__unit")
    search_fields = ("project__user__username", "project__user__student_id", "definition__abbreviation")
    raw_id_fields = ["project", "definition"]
    list_select_related = ("definition", "project__user", "project__unit")
    inlines = [AssessmentInline]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ("task", "status", "assessor", "assessed_at")
    list_filter = ("status", "task__definition__unit")
    search_fields = ("assessor__username", "task__project__user__username", "task__definition__abbreviation")
    raw_id_fields = ["task", "assessor"]
    list_select_related = ("assessor", "task__definition", "task__project__user", "task__project__unit")
    date_hierarchy = "assessed_at"
