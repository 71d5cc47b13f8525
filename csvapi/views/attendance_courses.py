"""The attendance courses resource beyond its fields (`/api/courses/<id>/...`): correcting a cell and reading its
history, the course's planned classes, and each student's standing. Mixins of `CourseViewSet`
(csvapi.views.attendance), so every action finds the course through the viewset's own `get_object`: a course
that is not the caller's is a 404, as everywhere else.

Each action's parameters are declared once, by the serializer that validates them and that the schema shows.
"""

from __future__ import annotations

import datetime

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from attendance import selectors, services
from attendance.formats.planned import MOST_CLASSES
from attendance.models import PlannedClass, Status
from attendance.schedule import ScheduleError, weekday_number
from attendance.standing import parse_cutoff
from csvapi.uploads import uploaded_file


def _answer(call, **kwargs):
    """Call a service or selector; its AttendanceError is the 400 sentence."""
    try:
        return call(**kwargs)
    except services.AttendanceError as error:
        raise ValidationError(error.message) from None


def _valid(serializer_class, data) -> dict:
    form = serializer_class(data=data)
    form.is_valid(raise_exception=True)
    return form.validated_data


class CellSerializer(serializers.Serializer):
    """Which cell: a student (roll) in a session (date, and start time when the date has several)."""

    roll = serializers.CharField(max_length=64)
    date = serializers.DateField(input_formats=["%Y-%m-%d"], help_text="YYYY-MM-DD.")
    start_time = serializers.TimeField(
        required=False,
        input_formats=["%H:%M"],
        help_text="HH:MM (24-hour). Needed only when the date has several sessions.",
    )


class CorrectionSerializer(CellSerializer):
    status = serializers.CharField(help_text=f"{', '.join(Status.labels)} (any case).")
    remark = serializers.CharField(
        max_length=services.REMARK_LIMIT, help_text="Why: kept in the cell's history. Required."
    )


_CHANGE = inline_serializer(
    "AttendanceCellChange",
    {
        "changed_at": serializers.DateTimeField(),
        "changed_by": serializers.CharField(allow_null=True, help_text="Username."),
        "source": serializers.ChoiceField(choices=["correction", "upload"]),
        "before": serializers.CharField(allow_null=True, help_text="Null when the correction made the cell."),
        "after": serializers.CharField(),
        "remark": serializers.CharField(),
    },
)
_CELL = inline_serializer(
    "AttendanceCell",
    {
        "roll": serializers.CharField(),
        "name": serializers.CharField(),
        "date": serializers.DateField(),
        "start_time": serializers.CharField(help_text="HH:MM"),
        "session": serializers.CharField(help_text="The session's heading in reports."),
        "status": serializers.CharField(allow_null=True, help_text="Null: not on the roster for that session."),
        "present": serializers.BooleanField(allow_null=True),
        "corrected": serializers.BooleanField(help_text="The status is a correction: re-uploads keep it."),
        "seconds_attended": serializers.IntegerField(allow_null=True),
        "first_join": serializers.CharField(allow_null=True, help_text="HH:MM:SS"),
        "flagged": serializers.BooleanField(),
        "still_connected": serializers.BooleanField(),
        "recorded": inline_serializer(
            "AttendanceCellRecorded",
            {
                "source_format": serializers.CharField(),
                "uploaded_at": serializers.DateTimeField(),
                "uploaded_by": serializers.CharField(allow_null=True),
            },
        ),
        "history": serializers.ListField(child=_CHANGE, help_text="Every change since it was first recorded, oldest first."),
    },
)
_ERROR = inline_serializer("AttendanceCourseError", {"error": serializers.CharField()})
_BAD = OpenApiResponse(_ERROR, description="A field is missing or invalid: unknown roll, status or session.")
_NOT_YOURS = OpenApiResponse(_ERROR, description="You have no course with this id.")


class CourseCellsMixin:
    """`POST corrections/` and `GET history/` of one course."""

    ACTIONS = frozenset({"corrections", "history"})

    @extend_schema(
        summary="Correct one cell: set a student's status for a session, with a remark",
        description="The change is kept in the cell's history (who, when, before → after, remark), and a re-upload "
        "of the session's report keeps it unless sent with overwrite_corrections=1. Correcting a blank cell (the "
        "student was not on the roster then) makes it: the session then counts as held for them.",
        request=CorrectionSerializer,
        responses={201: _CELL, 400: _BAD, 404: _NOT_YOURS},
    )
    @action(detail=True, methods=["post"])
    def corrections(self, request, pk=None):
        course = self.get_object()
        data = _valid(CorrectionSerializer, request.data)
        _answer(services.correct_attendance, course=course, changed_by=request.user, **data)
        cell = _answer(selectors.cell_history, course=course, roll=data["roll"], date=data["date"],
                       start_time=data.get("start_time"))
        return Response(cell.as_dict(), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="One cell with its history of corrections and re-uploads",
        parameters=[CellSerializer],
        responses={200: _CELL, 400: _BAD, 404: _NOT_YOURS},
    )
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        course = self.get_object()
        data = _valid(CellSerializer, request.query_params)
        return Response(_answer(selectors.cell_history, course=course, **data).as_dict())


# --- Planned classes ----------------------------------------------------------------------------------------


class PlannedClassSerializer(serializers.Serializer):
    date = serializers.DateField(input_formats=["%Y-%m-%d"], help_text="YYYY-MM-DD.")
    start_time = serializers.TimeField(
        required=False, input_formats=["%H:%M"], help_text="HH:MM (24-hour). Default: 00:00 (not stated)."
    )


class BreakSerializer(serializers.Serializer):
    start = serializers.DateField(input_formats=["%Y-%m-%d"], help_text="First day of the break, YYYY-MM-DD.")
    end = serializers.DateField(input_formats=["%Y-%m-%d"], help_text="Last day of the break (included).")

    def validate(self, data):
        if data["end"] < data["start"]:
            raise serializers.ValidationError(f"A break ends ({data['end']}) before it starts ({data['start']}).")
        return data


class PlanSerializer(serializers.Serializer):
    classes = PlannedClassSerializer(many=True, required=False, max_length=MOST_CLASSES, help_text="The classes, as JSON.")
    file = serializers.FileField(
        required=False,
        help_text="Or a CSV/XLSX file with the headings Date and (optionally) Start Time, as multipart/form-data.",
    )
    replace = serializers.BooleanField(
        required=False, default=False, help_text="The plan becomes exactly these classes (others are removed)."
    )

    def validate(self, data):
        if ("classes" in data) == ("file" in data):
            raise serializers.ValidationError("Send the classes as a list (classes) or as a file (file), one of the two.")
        return data


class GenerateSerializer(serializers.Serializer):
    # Each may be left out for a course linked to a unit: the tutorial's meeting day and time, the unit's dates.
    weekday = serializers.CharField(
        required=False,
        help_text="The meeting day: Monday (or Mon, or 0 for Monday to 6 for Sunday). Default: the linked "
        "tutorial's meeting day.",
    )
    time = serializers.TimeField(
        required=False, input_formats=["%H:%M", "%H:%M:%S"],
        help_text="The meeting time, HH:MM (24-hour). Default: the linked tutorial's meeting time.",
    )
    start = serializers.DateField(
        required=False, input_formats=["%Y-%m-%d"],
        help_text="First day of the range, YYYY-MM-DD. Default: the linked unit's start date.",
    )
    end = serializers.DateField(
        required=False, input_formats=["%Y-%m-%d"],
        help_text="Last day of the range (included). Default: the linked unit's end date.",
    )
    breaks = BreakSerializer(many=True, required=False, default=list, max_length=100, help_text="Ranges with no classes.")
    replace = serializers.BooleanField(
        required=False, default=False, help_text="The plan becomes exactly these classes (others are removed)."
    )

    def validate_weekday(self, value):
        try:
            return weekday_number(value)
        except ScheduleError as error:
            raise serializers.ValidationError(str(error)) from None


class RemovalClassSerializer(PlannedClassSerializer):
    start_time = serializers.TimeField(
        required=False, input_formats=["%H:%M"], help_text="HH:MM. Without it, every class of the date is removed."
    )


class RemovalSerializer(serializers.Serializer):
    classes = RemovalClassSerializer(many=True, required=False, default=list, max_length=MOST_CLASSES)
    breaks = BreakSerializer(
        many=True, required=False, default=list, max_length=100, help_text="Remove every class inside each range."
    )


class PlannedClassShownSerializer(serializers.Serializer):
    date = serializers.DateField()
    start_time = serializers.CharField(help_text="HH:MM")


_PLAN = inline_serializer(
    "AttendancePlan",
    {
        "planned_classes": serializers.ListField(child=PlannedClassShownSerializer(), help_text="By date and start time."),
        "count": serializers.IntegerField(),
        "remaining": serializers.IntegerField(help_text="Still to come today, less sessions recorded on their dates."),
    },
)
_PLAN_CHANGED = inline_serializer(
    "AttendancePlanChanged",
    {
        "message": serializers.CharField(),
        "added": serializers.IntegerField(),
        "already_planned": serializers.IntegerField(),
        "removed": serializers.IntegerField(),
        "planned_classes": serializers.ListField(child=PlannedClassShownSerializer()),
        "count": serializers.IntegerField(),
        "remaining": serializers.IntegerField(),
    },
)


def _plan_of(course) -> dict:
    classes = list(PlannedClass.objects.filter(course=course).values_list("date", "start_time"))
    progress = selectors.plan_progress(course=course)
    return {
        "planned_classes": [{"date": f"{date:%Y-%m-%d}", "start_time": f"{time:%H:%M}"} for date, time in classes],
        "count": len(classes),
        "remaining": progress.remaining if progress else 0,
    }


def _changed(course, changes) -> dict:
    return {
        "message": changes.message,
        "added": changes.added,
        "already_planned": changes.already_planned,
        "removed": changes.removed,
        **_plan_of(course),
    }


class CoursePlanMixin:
    """`planned_classes/` (GET, POST), `planned_classes/generate/` and `planned_classes/remove/` of one course."""

    ACTIONS = frozenset({"planned_classes", "generate_planned_classes", "remove_planned_classes"})

    @extend_schema(
        methods=["GET"], summary="The course's planned classes", responses={200: _PLAN, 404: _NOT_YOURS}
    )
    @extend_schema(
        methods=["POST"],
        summary="Plan classes: listed as JSON, or imported from a CSV/XLSX file (Date, Start Time)",
        request={"application/json": PlanSerializer, "multipart/form-data": PlanSerializer},
        responses={200: _PLAN_CHANGED, 400: _BAD, 404: _NOT_YOURS, 413: _BAD},
    )
    @action(detail=True, methods=["get", "post"], url_path="planned_classes")
    def planned_classes(self, request, pk=None):
        course = self.get_object()
        if request.method == "GET":
            return Response(_plan_of(course))
        data = _valid(PlanSerializer, request.data)
        if "file" in data:
            upload = uploaded_file(request)
            classes = _answer(services.read_planned_classes, name=upload.name, data=upload.data)
        else:
            classes = [(entry["date"], entry.get("start_time") or datetime.time(0, 0)) for entry in data["classes"]]
        changes = _answer(services.plan_classes, course=course, classes=classes, replace=data["replace"])
        return Response(_changed(course, changes))

    @extend_schema(
        summary="Plan a class on one weekday at one time every week from start to end, except in breaks",
        request=GenerateSerializer,
        responses={200: _PLAN_CHANGED, 400: _BAD, 404: _NOT_YOURS},
    )
    @action(detail=True, methods=["post"], url_path="planned_classes/generate")
    def generate_planned_classes(self, request, pk=None):
        course = self.get_object()
        data = _valid(GenerateSerializer, request.data)
        defaults = selectors.schedule_defaults(course)
        schedule = {name: data.get(name, getattr(defaults, name)) for name in ("weekday", "time", "start", "end")}
        missing = [name for name, value in schedule.items() if value is None]
        if missing:
            raise ValidationError(
                f"Send {', '.join(missing)}: {course} "
                + ("follows no tutorial with a meeting day and time" if course.unit_id else "is not linked to a unit")
                + ", so there is nothing to take them from."
            )
        classes = _answer(
            services.generated_classes, **schedule, breaks=[(entry["start"], entry["end"]) for entry in data["breaks"]]
        )
        changes = _answer(services.plan_classes, course=course, classes=classes, replace=data["replace"])
        return Response(_changed(course, changes))

    @extend_schema(
        summary="Remove planned classes: single classes, or every class inside breaks",
        request=RemovalSerializer,
        responses={200: _PLAN_CHANGED, 400: _BAD, 404: _NOT_YOURS},
    )
    @action(detail=True, methods=["post"], url_path="planned_classes/remove")
    def remove_planned_classes(self, request, pk=None):
        course = self.get_object()
        data = _valid(RemovalSerializer, request.data)
        changes = _answer(
            services.remove_planned_classes,
            course=course,
            classes=[(entry["date"], entry.get("start_time")) for entry in data["classes"]],
            breaks=[(entry["start"], entry["end"]) for entry in data["breaks"]],
        )
        return Response(_changed(course, changes))


# --- Standing -----------------------------------------------------------------------------------------------


class StandingQuerySerializer(serializers.Serializer):
    cutoff = serializers.CharField(
        required=False, help_text="Percentage (0-100) below which a student is a defaulter. Default: 75."
    )
    as_of = serializers.DateField(
        required=False, input_formats=["%Y-%m-%d"], help_text="The day planned classes count from. Default: today."
    )

    def validate_cutoff(self, value):
        try:
            return parse_cutoff(value)
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None


_STUDENT_STANDING = inline_serializer(
    "AttendanceStudentStanding",
    {
        "roll": serializers.CharField(),
        "name": serializers.CharField(),
        "attended": serializers.IntegerField(help_text="Present + Late."),
        "late": serializers.IntegerField(),
        "excused": serializers.IntegerField(),
        "held": serializers.IntegerField(help_text="Sessions held while on the roster (Excused included)."),
        "percentage": serializers.CharField(
            allow_null=True, help_text="attended / (held - excused), two decimals rounded down; null: nothing to judge."
        ),
        "fraction": serializers.CharField(allow_null=True, help_text="The exact ratio, attended/(held - excused)."),
        "defaulter": serializers.BooleanField(),
        "remaining": serializers.IntegerField(allow_null=True, help_text="Null: the course plans no classes."),
        "needed": serializers.IntegerField(allow_null=True, help_text="Null: no plan, or cannot reach."),
        "cannot_reach": serializers.BooleanField(),
        "at_risk": serializers.BooleanField(),
    },
)
_STANDINGS = inline_serializer(
    "AttendanceStandings",
    {
        "cutoff": serializers.CharField(),
        "as_of": serializers.DateField(),
        "planned": serializers.BooleanField(),
        "planned_classes": serializers.IntegerField(),
        "remaining": serializers.IntegerField(allow_null=True),
        "unrecorded": serializers.ListField(
            child=serializers.DateField(), help_text="Past planned dates with no session recorded."
        ),
        "students": serializers.ListField(child=_STUDENT_STANDING),
    },
)


class StudentQuerySerializer(StandingQuerySerializer):
    roll = serializers.CharField(max_length=64)


class StudentSessionSerializer(serializers.Serializer):
    session = serializers.CharField(help_text="The session's heading in reports.")
    date = serializers.DateField()
    start_time = serializers.CharField(help_text="HH:MM")
    status = serializers.CharField()
    minutes = serializers.IntegerField(allow_null=True, help_text="Whole minutes connected, rounded down.")
    seconds_attended = serializers.IntegerField(allow_null=True)
    first_join = serializers.CharField(allow_null=True, help_text="HH:MM:SS")
    flagged = serializers.BooleanField()
    still_connected = serializers.BooleanField()
    corrected = serializers.BooleanField()
    remark = serializers.CharField(help_text="The latest correction's remark, when the status is a correction.")
    source_format = serializers.CharField()


_STUDENT_ATTENDANCE = inline_serializer(
    "AttendanceStudent",
    {
        **{name: field for name, field in _STUDENT_STANDING.fields.items()},
        "sessions": serializers.ListField(child=StudentSessionSerializer(), help_text="Held while on the roster."),
    },
)


class CourseStandingMixin:
    """`GET standing/` and `GET student/` of one course."""

    ACTIONS = frozenset({"standing", "student"})

    @extend_schema(
        summary="One student's sessions (status, minutes, first join, correction) and standing",
        parameters=[StudentQuerySerializer],
        responses={200: _STUDENT_ATTENDANCE, 400: _BAD, 404: _NOT_YOURS},
    )
    @action(detail=True, methods=["get"])
    def student(self, request, pk=None):
        course = self.get_object()
        data = _valid(StudentQuerySerializer, request.query_params)
        student = _answer(
            selectors.student_attendance,
            course=course,
            roll=data["roll"],
            cutoff=data.get("cutoff", parse_cutoff(None)),
            as_of=data.get("as_of"),
        )
        return Response(student.as_dict())

    @extend_schema(
        summary="Each student's attended, held, excused, percentage, and what they still need of the planned classes",
        parameters=[StandingQuerySerializer],
        responses={200: _STANDINGS, 400: _BAD, 404: _NOT_YOURS},
    )
    @action(detail=True, methods=["get"])
    def standing(self, request, pk=None):
        course = self.get_object()
        data = _valid(StandingQuerySerializer, request.query_params)
        standings = selectors.course_standings(
            course=course, cutoff=data.get("cutoff", parse_cutoff(None)), as_of=data.get("as_of")
        )
        return Response(
            {
                "cutoff": _fraction_text(standings.cutoff),
                "as_of": f"{standings.as_of:%Y-%m-%d}",
                "planned": standings.plan is not None,
                "planned_classes": standings.plan.planned if standings.plan else 0,
                "remaining": standings.plan.remaining if standings.plan else None,
                "unrecorded": [f"{date:%Y-%m-%d}" for date in standings.plan.unrecorded] if standings.plan else [],
                "students": [student.as_dict() for student in standings.students],
            }
        )


def _fraction_text(value) -> str:
    return str(value.numerator) if value.denominator == 1 else str(value)
