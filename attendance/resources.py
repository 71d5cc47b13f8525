"""django-import-export Resource for rosters: the columns of a roster file, for the admin's buttons.

Columns: `Course` (the course's database id, shown in the admin), `Roll Number`, `Name`. A row whose
(course, roll) exists updates the name; rolls stay text so leading zeros survive the round trip.
"""

from import_export import fields, resources, widgets

from attendance.models import Course, CourseStudent


class RollWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        # Spreadsheets hand numbers over as floats (12.0); a roll is text without the ".0".
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return "" if value is None else str(value).strip()


class CourseStudentResource(resources.ModelResource):
    course = fields.Field(attribute="course", column_name="Course", widget=widgets.ForeignKeyWidget(Course, "pk"))
    roll = fields.Field(attribute="roll", column_name="Roll Number", widget=RollWidget())
    name = fields.Field(attribute="name", column_name="Name", widget=widgets.CharWidget())

    class Meta:
        model = CourseStudent
        fields = ("course", "roll", "name")
        import_id_fields = ("course", "roll")
        skip_unchanged = True
        report_skipped = True

    def get_export_queryset(self, request=None, **kwargs):
        return CourseStudent.objects.select_related("course").order_by("course_id", "roll")
