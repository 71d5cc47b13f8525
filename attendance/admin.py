"""Admin for every attendance table; rosters import and export through CourseStudentResource.

People, units, streams and tutorials are raw ids: a page never renders a drop-down of every account. Saving a
course that follows a unit (linking a hand-made one, too) brings its roster in step with the unit at once.
"""

from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

from attendance.models import Course, CourseStudent, PlannedClass, Record, RecordChange, Session
from attendance.resources import CourseStudentResource
from attendance.services import sync_unit_rosters


class CourseStudentInline(admin.TabularInline):
    """The roster. A course that follows a unit takes its roster from the unit's enrolments: read only here, as
    on the dashboard and the API (attendance.services.refuse_hand_edits)."""

    model = CourseStudent
    extra = 0
    raw_id_fields = ["user"]

    def _follows_unit(self, obj) -> bool:
        return obj is not None and obj.unit_id is not None

    def has_add_permission(self, request, obj=None):
        return not self._follows_unit(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._follows_unit(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._follows_unit(obj) and super().has_delete_permission(request, obj)


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = [
        "course_id", "batch", "course_name", "owner", "unit", "stream", "tutorial", "late_allowance_minutes", "created_at"
    ]
    list_filter = ["batch"]
    search_fields = ["course_id", "course_name", "owner__username", "owner__email", "unit__code"]
    list_select_related = ["owner", "unit", "stream", "tutorial"]
    raw_id_fields = ["owner", "unit", "stream", "tutorial", "co_teachers"]
    inlines = [CourseStudentInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        course = form.instance
        if course.unit_id is not None:
            sync_unit_rosters(unit_ids=[course.unit_id], course_ids=[course.pk])


@admin.register(CourseStudent)
class CourseStudentAdmin(ImportExportModelAdmin):
    resource_classes = [CourseStudentResource]
    list_display = ["roll", "name", "email", "course", "withdrawn"]
    list_filter = ["withdrawn"]
    search_fields = ["roll", "name", "email", "username", "course__course_id"]
    list_select_related = ["course"]
    raw_id_fields = ["course", "user"]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["course", "date", "start_time", "source_format", "threshold_seconds", "uploaded_by", "uploaded_at"]
    list_filter = ["source_format"]
    date_hierarchy = "date"
    search_fields = ["course__course_id"]
    list_select_related = ["course", "uploaded_by"]
    raw_id_fields = ["course", "uploaded_by"]


@admin.register(Record)
class RecordAdmin(admin.ModelAdmin):
    """Marks, read only: a status is changed by a correction with a remark (the dashboard's cell page, or
    POST /api/courses/<id>/corrections/), so every change has its history and survives re-uploads."""

    list_display = ["session", "student", "status", "seconds_attended", "first_join", "flagged", "still_connected"]
    list_filter = ["status", "flagged", "still_connected"]
    search_fields = ["student__roll", "student__name", "session__course__course_id"]
    list_select_related = ["session__course", "student"]
    raw_id_fields = ["session", "student"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RecordChange)
class RecordChangeAdmin(admin.ModelAdmin):
    """The cells' history: read here, written only by the services (a correction, a re-upload)."""

    list_display = ["record", "source", "before", "after", "remark", "changed_by", "changed_at"]
    list_filter = ["source", "after"]
    search_fields = ["record__student__roll", "record__session__course__course_id", "remark"]
    list_select_related = ["record__student", "record__session__course", "changed_by"]
    raw_id_fields = ["record", "changed_by"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PlannedClass)
class PlannedClassAdmin(admin.ModelAdmin):
    list_display = ["course", "date", "start_time"]
    date_hierarchy = "date"
    search_fields = ["course__course_id"]
    list_select_related = ["course"]
    raw_id_fields = ["course"]
