"""The attendance courses resource beyond its fields (`/api/courses/<id>/...`): correcting a cell and reading its
history. A mixin of `CourseViewSet` (csvapi.views.attendance), so every action finds the course through the
viewset's own `get_object`: a course that is not the caller's is a 404, as everywhere else.

Each action's parameters are declared once, by the serializer that validates them and that the schema shows.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from attendance import selectors, services
from attendance.models import Status


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
