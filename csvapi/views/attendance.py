"""The attendance tracker's routes (seed `attendance-api.md`, SPEC §3) and the courses REST resource.

Views only read parameters, find the course through `attendance.selectors.course_for` (who may do what:
`attendance.permissions`) and call one service or selector. Scripts send their token as the `token` field (or
`Authorization: Token ...`), which DRF treats as CSRF-exempt; a browser session still goes through DRF's CSRF
check. Errors are `{"error": "<sentence>"}`: 400 bad input (or two courses shared with the caller under one id
and batch and no `owner` to choose), 401 no or bad token, 403 a course the caller sees but may not change so,
404 a course the caller does not see (whether or not another teacher has one by that name).
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from fractions import Fraction

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.urls import include, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from attendance import permissions, selectors, services
from attendance.formats import DATE_ORDERS, DAY_FIRST, MONTH_FIRST, TimestampError
from attendance.formats.timestamps import parse_timestamp
from attendance.headings import session_headings
from attendance.models import Course
from attendance.standing import parse_cutoff
from attendance.permissions import MANAGE_COURSE, UPLOAD_ATTENDANCE, VIEW_COURSE
from csvapi.authentication import BearerTokenAuthentication, FormTokenAuthentication, HeaderTokenAuthentication
from csvapi.jobs import job_requested, start_job_response
from csvapi.downloads import offer_as_download
from csvapi.lookups import StrictIds
from csvapi.serializers import IdRelatedField
from csvapi.uploads import uploaded_file, uploaded_files
from csvapi.views.attendance_courses import CourseCellsMixin, CoursePlanMixin, CourseStandingMixin
from doubtfire.ids import parse_id
from doubtfire.models import Tutorial, TutorialStream, Unit
from doubtfire.services import issue_auth_token
from spreadsheets import csv_chunks, xlsx_bytes

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class BadRequest(APIException):
    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str):
        super().__init__(detail=message)


# --- Reading parameters -------------------------------------------------------------------------------


def _value(request, *names: str) -> str | None:
    """A form or JSON field, trimmed, under the first of ``names`` that is present; None when absent."""
    data = request.data if hasattr(request.data, "get") else {}
    for name in names:
        value = data.get(name)
        if value is None:
            value = request.query_params.get(name)
        if value is not None and not hasattr(value, "read"):
            # PostgreSQL cannot store or compare text containing NUL: refuse it here rather than answer 500.
            if "\x00" in str(value):
                raise BadRequest(f"The field '{name}' contains a NUL character (0x00), which is not allowed.")
            return str(value).strip()
    return None


def _required(request, name: str, *aliases: str) -> str:
    value = _value(request, name, *aliases)
    if not value:
        raise BadRequest(f"The field '{name}' is required.")
    return value


def _course_id(value: str) -> str:
    if len(value) > 64 or any(ord(char) < 32 or char in '"\\' for char in value):
        raise BadRequest("course_id must be at most 64 characters, without quotes, backslashes or control characters.")
    return value


def _batch(value: str) -> int:
    # The model's range; parse_id takes ASCII digits only (`\d` and int() also took `٢٠٢١`).
    batch = parse_id(value, minimum=1000, maximum=9999)
    if batch is None:
        raise BadRequest(f"batch must be a year such as 2021, not '{value}'.")
    return batch


def _flag(request, name: str) -> bool:
    return (_value(request, name) or "").lower() in {"1", "true", "yes", "on"}


def _refused(error: permissions.CourseRefused) -> APIException:
    if error.status == 404:
        return NotFound(error.message)
    if error.status == 403:
        return PermissionDenied(error.message)
    return BadRequest(error.message)


def _course(request, course_id: str, batch: int, action: str) -> Course:
    """The course the caller means (their own first; `owner` picks among courses shared with them), checked for
    ``action``: 404 when they do not see it, 403 when they see it but may not do ``action``."""
    try:
        return selectors.course_for(
            request.user, course_id=course_id, batch=batch, action=action, owner=_value(request, "owner") or None
        )
    except permissions.CourseRefused as error:
        raise _refused(error) from None


def _course_from_fields(request, action: str) -> Course:
    course_id = _course_id(_required(request, "course_id"))
    batch = _batch(_required(request, "batch"))
    return _course(request, course_id, batch, action)


def _date(value: str, order: str = DAY_FIRST) -> datetime.date:
    try:
        return parse_timestamp(value, order=order, need_time=False).date()
    except TimestampError as error:
        raise BadRequest(f"date: {error}; send it as YYYY-MM-DD.") from None


def _start_time(value: str | None) -> datetime.time | None:
    """A session's start as the routes take it, `HH:MM` on a 24-hour clock (`9:00` too); None when not sent."""
    if not value:
        return None
    try:
        parsed = datetime.datetime.strptime(value, "%H:%M")
    except ValueError:
        raise BadRequest(f"start_time must be a time of day as HH:MM (24-hour), such as 09:00 or 14:30, not '{value}'.") from None
    return parsed.time()


def _start_time_field(help_text: str = "") -> serializers.CharField:
    return serializers.CharField(
        required=False,
        help_text="The session's start, HH:MM (24-hour). Needed only when the date has several sessions. " + help_text,
    )


def _service(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except services.AttendanceError as error:
        raise BadRequest(error.message) from None


def _course_object(course: Course, viewer=None) -> dict:
    return selectors.courses_as_objects(course=course, viewer=viewer)[0]


# --- What /api/docs/ shows ------------------------------------------------------------------------------
# Documentation only: the views read request.data field by field (above), so nothing here validates a request.
# The field helpers return new instances because a DRF field may belong to only one serializer.


def _auth_fields() -> dict:
    return {
        "token": serializers.CharField(
            required=False,
            help_text="The token from /api_signup. Or send `Authorization: Token <token>`, or use a browser session.",
        ),
        "api": serializers.CharField(required=False, help_text='"1" for API usage, as the original scripts send.'),
    }


def _course_key_fields(*, owner: bool = True) -> dict:
    fields = {
        "course_id": serializers.CharField(
            max_length=64, help_text="Course ID, such as CS402 (no quotes, backslashes or control characters)."
        ),
        "batch": serializers.IntegerField(
            min_value=0, max_value=9999, help_text="Batch: the year, four digits, such as 2021."
        ),
    }
    if owner:
        fields["owner"] = _owner_field()
    return fields


def _owner_field() -> serializers.CharField:
    return serializers.CharField(
        required=False,
        help_text="Only for a course someone shared with you when two such courses have this id and batch: the "
        "owner's username or e-mail. Your own course is chosen without it.",
    )


def _roster_file() -> serializers.FileField:
    return serializers.FileField(help_text="CSV or XLSX roster with the headings Roll Number and Name.")


class CourseObjectSerializer(serializers.Serializer):
    """A course with its recorded dates and each student's attendance, as the attendance scripts receive it."""

    course_id = serializers.CharField()
    course_name = serializers.CharField()
    batch = serializers.IntegerField()
    dates = serializers.ListField(
        child=serializers.CharField(),
        help_text="Sessions with attendance recorded, oldest first: the date (YYYY-MM-DD), or the date and start "
        "time (YYYY-MM-DD HH:MM) when the date has several sessions.",
    )
    students = serializers.DictField(
        child=serializers.DictField(child=serializers.BooleanField()),
        help_text="Roll number -> {session (as in dates) -> present: true for Present or Late}. A student enrolled "
        "after a session has no entry for it.",
    )
    still_connected = serializers.DictField(
        required=False,
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Only when some date has them. Date -> roll numbers still connected when that date's list was saved (no end time was sent), "
        "whose time is counted to the file's last event. Only dates with such students.",
    )
    statuses = serializers.DictField(
        required=False,
        child=serializers.DictField(child=serializers.CharField()),
        help_text="Only when some cell is Late or Excused: roll -> {session (as in dates) -> \"Late\" or \"Excused\"}. "
        "A Late student is true in students, an Excused one false; Excused sessions leave the percentage's denominator.",
    )

    withdrawn = serializers.DictField(
        required=False,
        child=serializers.DictField(child=serializers.BooleanField()),
        help_text="Only when some student has left the unit the course follows: roll number -> {date -> present}, "
        "their history, kept apart from `students` and left out of percentages and reports.",
    )
    owner = serializers.CharField(
        required=False, help_text="Only on a course someone shared with you: the owner's username."
    )


class CorrectionMetSerializer(serializers.Serializer):
    roll = serializers.CharField()
    session = serializers.CharField(help_text="The session's heading.")
    correction = serializers.CharField(help_text="The corrected status.")
    report = serializers.CharField(help_text="The status the report gives.")


ErrorSerializer = inline_serializer("AttendanceError", {"error": serializers.CharField()})
BAD_REQUEST = OpenApiResponse(ErrorSerializer, description="A field is missing or invalid, or the service refused it.")
NO_TOKEN = OpenApiResponse(ErrorSerializer, description="No token, or a token that is wrong or expired.")
NOT_YOURS = OpenApiResponse(ErrorSerializer, description="You have no course with this course_id and batch.")
REFUSED = OpenApiResponse(
    ErrorSerializer,
    description="A course you see but may not change so: only its owner renames, deletes or shares it.",
)
TOO_LARGE = OpenApiResponse(ErrorSerializer, description="The upload is larger than the server accepts.")
MessageSerializer = inline_serializer("AttendanceMessage", {"message": serializers.CharField()})
CourseChangedSerializer = inline_serializer(
    "AttendanceCourseChanged", {"message": serializers.CharField(), "course": CourseObjectSerializer()}
)


# --- The seed's routes ----------------------------------------------------------------------------------


class AttendanceView(APIView):
    """Token in the `token` field, or `Authorization: Token`, or a browser session (CSRF-checked)."""

    authentication_classes = [FormTokenAuthentication, BearerTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser, JSONParser]


class SignUpSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=300)
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(trim_whitespace=False, max_length=200, style={"input_type": "password"})
    api = serializers.CharField(required=False, allow_blank=True)


class SignUpView(APIView):
    """`POST /api_signup`: create a teacher (system role Tutor: owns attendance courses only) and return an API token."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "sign_up"
    serializer_class = SignUpSerializer

    @extend_schema(
        summary="Sign up as a teacher and get an API token",
        request=SignUpSerializer,
        responses={
            200: inline_serializer("AttendanceSignedUp", {"token": serializers.CharField()}),
            400: OpenApiResponse(ErrorSerializer, description="A field is missing or invalid, or the email is taken."),
            429: OpenApiResponse(ErrorSerializer, description="Too many sign-ups from this address; try again later."),
        },
    )
    def post(self, request):
        form = SignUpSerializer(data=request.data)
        if not form.is_valid():
            raise ValidationError(form.errors)
        user = _service(services.sign_up_teacher, **{k: v for k, v in form.validated_data.items() if k != "api"})
        return Response({"token": issue_auth_token(user=user)})


class AddCourseView(AttendanceView):
    @extend_schema(
        summary="Add a course with its roster",
        request={
            "multipart/form-data": inline_serializer(
                "AttendanceAddCourse",
                {
                    **_course_key_fields(owner=False),
                    "course_name": serializers.CharField(max_length=200),
                    "file": _roster_file(),
                    **_auth_fields(),
                },
            )
        },
        responses={
            200: inline_serializer("AttendanceCourseAdded", {"course": CourseObjectSerializer()}),
            400: BAD_REQUEST,
            401: NO_TOKEN,
            413: TOO_LARGE,
        },
    )
    def post(self, request):
        course_id = _course_id(_required(request, "course_id"))
        course_name = _required(request, "course_name")
        batch = _batch(_required(request, "batch"))
        if len(course_name) > 200:
            raise BadRequest("course_name must be at most 200 characters.")
        upload = uploaded_file(request)
        roster = _service(services.read_roster, name=upload.name, data=upload.data)
        course = _service(
            services.create_course,
            owner=request.user,
            course_id=course_id,
            course_name=course_name,
            batch=batch,
            roster=roster,
        )
        return Response({"course": _course_object(course)})


class DeleteCourseView(AttendanceView):
    @extend_schema(
        summary="Delete a course with its roster and all its attendance",
        request=inline_serializer("AttendanceDeleteCourse", {**_course_key_fields(), **_auth_fields()}),
        responses={200: MessageSerializer, 400: BAD_REQUEST, 401: NO_TOKEN, 403: REFUSED, 404: NOT_YOURS},
    )
    def post(self, request):
        course = _course_from_fields(request, MANAGE_COURSE)
        name = str(course)
        services.delete_course(course=course)
        return Response({"message": f"Deleted {name} with its roster and all its attendance."})


class UploadAttendanceView(AttendanceView):
    @extend_schema(
        summary="Record attendance from meeting reports (Teams or Zoom)",
        description="Send one or more reports as `file`; each report's date is recorded separately.",
        request={
            "multipart/form-data": inline_serializer(
                "AttendanceUpload",
                {
                    **_course_key_fields(),
                    "file": serializers.ListField(
                        child=serializers.FileField(), help_text="One or more meeting reports (CSV or XLSX)."
                    ),
                    "end_time": serializers.CharField(
                        required=False,
                        help_text="Meeting end: a full date and time, or a time on the report's date. Closes the "
                        "connections still open at the end of a report (the legacy Teams list can leave them open); an "
                        "event after it is a 400. Without it, such a connection is counted to the file's last event "
                        "and the record is marked still connected.",
                    ),
                    "threshold": serializers.IntegerField(
                        required=False,
                        min_value=0,
                        max_value=9_999_999,
                        default=0,
                        help_text="Seconds a student must be present to count for the date.",
                    ),
                    "date": serializers.DateField(
                        required=False, help_text="Meeting date (YYYY-MM-DD); when sent, every report must be of it."
                    ),
                    "flags": serializers.CharField(
                        required=False, help_text="Comma-separated roll numbers not tracked for this date."
                    ),
                    "unknown": serializers.ChoiceField(
                        choices=["reject", "ignore"],
                        required=False,
                        default="reject",
                        help_text="Participants not on the roster: reject the upload, or ignore (leave them out).",
                    ),
                    "match_by": serializers.ChoiceField(
                        choices=["name", "email"],
                        required=False,
                        default="name",
                        help_text="How participants are matched to the roster.",
                    ),
                    "date_order": serializers.ChoiceField(
                        choices=list(DATE_ORDERS),
                        required=False,
                        default=DAY_FIRST,
                        help_text="How to read ambiguous dates in the reports (dmy and mdy are accepted too).",
                    ),
                    "replace": serializers.BooleanField(
                        required=False, default=False, help_text="Replace attendance already recorded for the session."
                    ),
                    "overwrite_corrections": serializers.BooleanField(
                        required=False,
                        default=False,
                        help_text="With replace=1: replace manual corrections with the report's marks. Without it, a "
                        "corrected cell keeps its status and the reply lists it under corrections.kept.",
                    ),
                    "start_time": _start_time_field(
                        "Without it, a new session starts at the report's stated start (Teams summary, Zoom meeting "
                        "block), else at its first join, else 00:00. With it, the report is for the session at that "
                        "time: a new one (a second class on the date) or, with replace=1, the one recorded there."
                    ),
                    **_auth_fields(),
                },
            )
        },
        responses={
            200: inline_serializer(
                "AttendanceUploaded",
                {
                    "message": serializers.CharField(),
                    "dates": serializers.ListField(child=serializers.DateField(), help_text="The dates recorded."),
                    "summary": serializers.DictField(
                        child=inline_serializer(
                            "AttendanceDateSummary",
                            {
                                "present": serializers.IntegerField(),
                                "absent": serializers.IntegerField(),
                                "flagged": serializers.IntegerField(),
                                "still_connected": serializers.IntegerField(
                                    help_text="Students still connected when the list was saved (no end_time sent)."
                                ),
                            },
                        ),
                        help_text="Session heading -> counts of students present, absent, flagged and still "
                        "connected. The heading is the date (YYYY-MM-DD), or the date and start time "
                        "(YYYY-MM-DD HH:MM) when the date has several sessions.",
                    ),
                    "still_connected": serializers.DictField(
                        child=inline_serializer(
                            "AttendanceStillConnected",
                            {
                                "rolls": serializers.ListField(child=serializers.CharField()),
                                "counted_to": serializers.DateTimeField(
                                    help_text="The file's last event, to which their time is counted."
                                ),
                            },
                        ),
                        help_text="Session heading -> the students whose report ended with them connected and no "
                        "end_time was sent: their seconds run to the file's last event. Only sessions with such students.",
                    ),
                    "corrections": inline_serializer(
                        "AttendanceUploadCorrections",
                        {
                            "kept": serializers.ListField(child=CorrectionMetSerializer()),
                            "overwritten": serializers.ListField(child=CorrectionMetSerializer()),
                        },
                        help_text="Manual corrections the reports disagree with: kept (the default), or replaced "
                        "by the reports' marks (overwrite_corrections=1).",
                    ),
                    "sessions": serializers.ListField(
                        child=inline_serializer(
                            "AttendanceUploadedSession",
                            {
                                "date": serializers.DateField(),
                                "start_time": serializers.CharField(help_text="HH:MM"),
                                "heading": serializers.CharField(help_text="How reports and course objects name it."),
                                "file": serializers.CharField(),
                                "replaced": serializers.BooleanField(),
                                "statuses": serializers.DictField(
                                    child=serializers.IntegerField(),
                                    help_text="Students by status as recorded: present, late, excused, absent.",
                                ),
                            },
                        ),
                        help_text="The sessions written, by date and start time.",
                    ),
                },
            ),
            400: BAD_REQUEST,
            401: NO_TOKEN,
            404: NOT_YOURS,
            413: TOO_LARGE,
        },
    )
    def post(self, request):
        course_id = _course_id(_required(request, "course_id"))
        batch = _batch(_required(request, "batch"))
        options = self._options(request)
        files = uploaded_files(request)
        course = _course(request, course_id, batch, UPLOAD_ATTENDANCE)
        if job_requested(request):  # many reports: `Prefer: respond-async` or ?async=1 gives 202 and a job
            return start_job_response(
                request, kind="upload_attendance", answer_status=status.HTTP_202_ACCEPTED,
                parameters={"course_pk": course.pk, "options": _options_as_json(options)},
                lock_key=f"upload_attendance:course:{course.pk}",
                files=[(upload.name, upload.data) for upload in files],
            )
        result = _service(
            services.record_attendance,
            course=course,
            uploaded_by=request.user,
            files=[(upload.name, upload.data) for upload in files],
            options=options,
        )
        return Response(result.as_dict())

    @staticmethod
    def _options(request) -> services.UploadOptions:
        order = (_value(request, "date_order") or DAY_FIRST).lower()
        order = {"dmy": DAY_FIRST, "mdy": MONTH_FIRST}.get(order, order)
        if order not in DATE_ORDERS:
            raise BadRequest("date_order must be day-first or month-first.")
        threshold = _value(request, "threshold") or "0"
        seconds = parse_id(threshold, minimum=0, maximum=9_999_999)
        if seconds is None:
            raise BadRequest(f"threshold must be a whole number of seconds (0 or more), not '{threshold}'.")
        unknown = (_value(request, "unknown") or "reject").lower()
        if unknown not in {"ignore", "reject", "error"}:
            raise BadRequest("unknown must be 'ignore' (leave out participants not on the roster) or 'reject'.")
        identity = (_value(request, "match_by") or "name").lower()
        if identity not in {"name", "email"}:
            raise BadRequest("match_by must be 'name' or 'email'.")
        date = _value(request, "date")
        flags = tuple(dict.fromkeys(roll.strip() for roll in (_value(request, "flags") or "").split(",") if roll.strip()))
        return services.UploadOptions(
            end_time=_value(request, "end_time", "end-time") or None,
            threshold_seconds=seconds,
            date=_date(date, order) if date else None,
            flags=flags,
            ignore_unknown=unknown == "ignore",
            replace=_flag(request, "replace"),
            date_order=order,
            identity=identity,
            start_time=_start_time(_value(request, "start_time")),
            overwrite_corrections=_flag(request, "overwrite_corrections"),
        )


def _options_as_json(options: services.UploadOptions) -> dict:
    """The upload's options as a job keeps them (JSON), read back by jobs.kinds."""
    values = dataclasses.asdict(options)
    values["date"] = options.date.isoformat() if options.date else None
    values["flags"] = list(options.flags)
    values["start_time"] = f"{options.start_time:%H:%M}" if options.start_time else None
    return values


def _down_course(value: str) -> tuple[str, int]:
    # Split at the last '-' or '_', so course ids that contain either still work.
    match = re.fullmatch(r"(.+)[-_]([0-9]{4})", value)
    if not match:
        raise BadRequest(f"down-course must be <course_id>-<batch>, such as CS402-2017, not '{value}'.")
    return _course_id(match[1]), _batch(match[2])


def _cutoff(value: str | None) -> Fraction:
    try:
        return parse_cutoff(value)
    except ValueError as error:
        raise BadRequest(str(error)) from None


# report_type as sent -> the report. The seed's "1" and "0", then the reports issue 14 added.
REPORT_TYPES = {
    "1": selectors.COMPLETE,
    "complete": selectors.COMPLETE,
    "0": selectors.DEFAULTERS,
    "defaulter": selectors.DEFAULTERS,
    "defaulters": selectors.DEFAULTERS,
    "2": selectors.AT_RISK,
    "at_risk": selectors.AT_RISK,
    "3": "student",
    "student": "student",
    "4": "moodle",
    "moodle": "moodle",
}
# moodle_user as sent -> attendance.selectors.MOODLE_IDENTIFIERS; "idnumber" is what Moodle calls the roll.
MOODLE_USERS = {**{key: key for key in selectors.MOODLE_IDENTIFIERS}, "idnumber": "roll"}
FILE_SUFFIXES = {selectors.COMPLETE: "", selectors.DEFAULTERS: "(Defaulter)", selectors.AT_RISK: "(AtRisk)"}
PERCENTAGE_FORMAT = '0.00"%"'  # the value stays the number the CSV shows (72.22); Excel shows 72.22%


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", text)


class DownloadAttendanceView(AttendanceView):
    @extend_schema(
        summary="Download a course's attendance report (complete, defaulters, at risk, one student's, or for Moodle) "
        "as CSV or XLSX",
        description="Columns: the seed's (Sl. No., Roll Number, Name, one per session: Present, Absent or blank), "
        "then Attended, Held, Excused, Percentage, and Remaining and Needed when the course plans classes, then "
        "Late sessions, Excused sessions and Still connected when the list was saved when a listed student has "
        "one. The student report is a statement: the student's figures, then one row per session. The Moodle file "
        "(report_type moodle) is what Moodle's Attendance activity (mod_attendance) loads with a session's "
        "\"Upload attendance by CSV\": the identifier column (email, username or idnumber), Name, then one column per "
        "session headed YYYY-MM-DD HH:MM with P, L, E or A (blank: not on the roster then); CSV only, file "
        "<course_id>_<batch>_asOf_<latest date>(Moodle).csv. See docs/attendance-api.md.",
        request=inline_serializer(
            "AttendanceDownload",
            {
                "down-course": serializers.CharField(help_text="<course_id>-<batch>, such as CS402-2017."),
                # Plain strings, not choices: two enums of the same "0"/"1" set would be one schema component.
                "report_type": serializers.CharField(
                    required=False,
                    default="1",
                    help_text='"1" complete report (default), "0" defaulter list, "2" students at risk (cannot reach '
                    'the cutoff, or need more than half of the remaining planned classes), "3" one student (send roll), '
                    '"4" or "moodle": the file Moodle\'s Attendance activity imports (CSV only; see moodle_user).',
                ),
                "moodle_user": serializers.CharField(
                    required=False,
                    default=selectors.DEFAULT_MOODLE_IDENTIFIER,
                    help_text='For report_type moodle: how Moodle finds each student, and the first column\'s heading. '
                    '"email" (default; column email), "username" (column username) or "roll" (the roll number as '
                    'Moodle\'s ID number; column idnumber). Students it cannot match (none, or one shared) are a 400 naming them.',
                ),
                "report_format": serializers.CharField(
                    required=False, default="0", help_text='"0" CSV file (default), "1" XLSX file.'
                ),
                "cutoff": serializers.CharField(
                    required=False,
                    help_text="Attendance percentage (0-100) below which a student is a defaulter. Default: 75.",
                ),
                "roll": serializers.CharField(required=False, help_text="The student of report_type 3."),
                "date": serializers.DateField(
                    required=False, help_text="Only this date's session column (YYYY-MM-DD); the figures stay whole."
                ),
                "start_time": _start_time_field(),
                "as_of": serializers.DateField(
                    required=False, help_text="The day planned classes count from (YYYY-MM-DD). Default: today."
                ),
                "owner": _owner_field(),
                **_auth_fields(),
            },
        ),
        responses={
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
            400: OpenApiResponse(ErrorSerializer, description="A field is invalid, or no attendance is recorded yet."),
            401: NO_TOKEN,
            404: NOT_YOURS,
        },
    )
    def post(self, request):
        course_id, batch = _down_course(_required(request, "down-course", "down_course"))
        kind = REPORT_TYPES.get((_value(request, "report_type") or "1").lower())
        report_format = _value(request, "report_format") or "0"
        if kind is None:
            raise BadRequest(
                "report_type must be 1 (complete report), 0 (defaulter list), 2 (students at risk), 3 (one student) "
                "or 4 (the Moodle attendance import file)."
            )
        if report_format not in {"0", "1"}:
            raise BadRequest("report_format must be 1 (XLSX) or 0 (CSV).")
        if kind == "moodle" and report_format == "1":
            raise BadRequest(
                "Moodle's attendance import reads CSV files only (its upload form accepts .csv); send report_format=0."
            )
        moodle_user = (_value(request, "moodle_user") or selectors.DEFAULT_MOODLE_IDENTIFIER).lower()
        if kind == "moodle" and moodle_user not in MOODLE_USERS:
            raise BadRequest("moodle_user must be email, username or roll (the roll number as Moodle's ID number).")
        cutoff = _cutoff(_value(request, "cutoff"))
        date, as_of = _value(request, "date"), _value(request, "as_of")
        date, as_of = _date(date) if date else None, _date(as_of) if as_of else None
        start_time = _start_time(_value(request, "start_time"))
        roll = _value(request, "roll")
        if kind == "student" and not roll:
            raise BadRequest("The field 'roll' is required for the student report (report_type 3).")
        course = _course(request, course_id, batch, VIEW_COURSE)
        if kind == "student":
            return self._student(course, roll, report_format, cutoff=cutoff, as_of=as_of)
        if kind == "moodle":
            return self._moodle(course, MOODLE_USERS[moodle_user], date=date, start_time=start_time)
        report = _service(
            selectors.attendance_report, course=course, kind=kind, cutoff=cutoff, as_of=as_of, date=date, start_time=start_time
        )
        if report.latest_date is None:
            raise BadRequest(f"{course} has no attendance recorded yet; upload a report before downloading.")
        if kind == selectors.AT_RISK and not report.planned:
            raise BadRequest(
                f"{course} has no planned classes, so nobody's remaining classes can be counted: plan them "
                f"(POST /api/courses/{course.pk}/planned_classes/ or .../planned_classes/generate/) first."
            )
        stem = f"{_safe(course.course_id)}_{course.batch}_asOf_{report.latest_date:%Y-%m-%d}{FILE_SUFFIXES[kind]}"
        if report_format == "1":
            data = xlsx_bytes(
                report.header, report.rows, sheet_title="Attendance", text_columns=(1, 2),
                # The heading row and Sl. No., Roll Number, Name stay in view while the sessions scroll.
                freeze_panes="D2", number_formats={report.percentage_column: PERCENTAGE_FORMAT},
            )
            return offer_as_download(HttpResponse(data, content_type=XLSX_CONTENT_TYPE), f"{stem}.xlsx")
        response = StreamingHttpResponse(csv_chunks(report.header, report.rows), content_type="text/csv; charset=utf-8")
        return offer_as_download(response, f"{stem}.csv")

    @staticmethod
    def _moodle(course, identifier, *, date, start_time):
        moodle = _service(
            selectors.moodle_attendance_file, course=course, identifier=identifier, date=date, start_time=start_time
        )
        if moodle.latest_date is None:
            raise BadRequest(f"{course} has no attendance recorded yet; upload a report before downloading.")
        stem = f"{_safe(course.course_id)}_{course.batch}_asOf_{moodle.latest_date:%Y-%m-%d}(Moodle)"
        response = StreamingHttpResponse(csv_chunks(moodle.header, moodle.rows), content_type="text/csv; charset=utf-8")
        return offer_as_download(response, f"{stem}.csv")

    @staticmethod
    def _student(course, roll, report_format, *, cutoff, as_of):
        student = _service(selectors.student_attendance, course=course, roll=roll, cutoff=cutoff, as_of=as_of)
        if student.latest_date is None:
            raise BadRequest(f"Roll {roll} has no attendance recorded in {course} yet.")
        header, rows = student.table()
        stem = f"{_safe(course.course_id)}_{course.batch}_{_safe(student.roll)}_asOf_{student.latest_date:%Y-%m-%d}"
        if report_format == "1":
            data = xlsx_bytes(header, rows, sheet_title=f"Roll {student.roll}")
            return offer_as_download(HttpResponse(data, content_type=XLSX_CONTENT_TYPE), f"{stem}.xlsx")
        return offer_as_download(
            StreamingHttpResponse(csv_chunks(header, rows), content_type="text/csv; charset=utf-8"), f"{stem}.csv"
        )


class AllCoursesView(AttendanceView):
    @extend_schema(
        summary="List your courses, and those shared with you, with their attendance",
        description="Courses shared with you (as a co-teacher, the unit's Convenor or the tutorial's tutor) carry "
        "`owner`; your own are exactly the seed's objects.",
        request=inline_serializer("AttendanceAllCourses", _auth_fields()),
        responses={
            200: inline_serializer("AttendanceCourses", {"courses": CourseObjectSerializer(many=True)}),
            401: NO_TOKEN,
        },
    )
    def post(self, request):
        courses = list(selectors.courses_visible_to(request.user))
        return Response({"courses": selectors.courses_as_objects(courses=courses, viewer=request.user)})

    get = post


# --- Routes teachers need beyond the seed ----------------------------------------------------------------


class AddStudentsView(AttendanceView):
    @extend_schema(
        summary="Add students to a course, or rename those already on it",
        request={
            "multipart/form-data": inline_serializer(
                "AttendanceAddStudents", {**_course_key_fields(), "file": _roster_file(), **_auth_fields()}
            )
        },
        responses={
            200: inline_serializer(
                "AttendanceStudentsAdded",
                {
                    "message": serializers.CharField(),
                    "added": serializers.ListField(child=serializers.CharField(), help_text="Roll numbers added."),
                    "renamed": serializers.ListField(child=serializers.CharField(), help_text="Roll numbers renamed."),
                    "course": CourseObjectSerializer(),
                },
            ),
            400: BAD_REQUEST,
            401: NO_TOKEN,
            404: NOT_YOURS,
            413: TOO_LARGE,
        },
    )
    def post(self, request):
        course = _course_from_fields(request, UPLOAD_ATTENDANCE)
        upload = uploaded_file(request)
        roster = _service(services.read_roster, name=upload.name, data=upload.data)
        changes = _service(services.add_students, course=course, roster=roster)
        return Response(
            {
                "message": f"Added {len(changes.added)} students, renamed {len(changes.renamed)}, "
                f"{len(changes.unchanged)} unchanged.",
                "added": changes.added,
                "renamed": changes.renamed,
                "course": _course_object(course, request.user),
            }
        )


class RemoveStudentView(AttendanceView):
    @extend_schema(
        summary="Remove a student and their attendance from a course",
        request=inline_serializer(
            "AttendanceRemoveStudent",
            {
                **_course_key_fields(),
                "roll": serializers.CharField(help_text="Roll number to remove."),
                **_auth_fields(),
            },
        ),
        responses={200: CourseChangedSerializer, 400: BAD_REQUEST, 401: NO_TOKEN, 404: NOT_YOURS},
    )
    def post(self, request):
        course = _course_from_fields(request, UPLOAD_ATTENDANCE)
        roll = _required(request, "roll")
        _service(services.remove_student, course=course, roll=roll)
        return Response({"message": f"Removed roll {roll} and their attendance from {course}.", "course": _course_object(course, request.user)})


class DeleteDateView(AttendanceView):
    @extend_schema(
        summary="Delete the attendance recorded for one session (a date, and its start time when it has several)",
        request=inline_serializer(
            "AttendanceDeleteDate",
            {
                **_course_key_fields(),
                "date": serializers.DateField(help_text="YYYY-MM-DD."),
                "start_time": _start_time_field(),
                **_auth_fields(),
            },
        ),
        responses={200: CourseChangedSerializer, 400: BAD_REQUEST, 401: NO_TOKEN, 404: NOT_YOURS},
    )
    def post(self, request):
        course = _course_from_fields(request, UPLOAD_ATTENDANCE)
        date = _date(_required(request, "date"))
        start_time = _start_time(_value(request, "start_time"))
        _service(services.delete_date, course=course, date=date, start_time=start_time)
        at = f" at {start_time:%H:%M}" if start_time else ""
        return Response({"message": f"Deleted the attendance of {date:%Y-%m-%d}{at} from {course}.", "course": _course_object(course, request.user)})

# --- Courses that follow a unit ------------------------------------------------------------------------


def _checked_course_id(value: str) -> str:
    try:
        return _course_id(value.strip())
    except BadRequest as error:
        raise serializers.ValidationError(str(error.detail)) from None


class UnitCourseSerializer(serializers.Serializer):
    """`POST /add_course_from_unit`: what it reads, validated here and documented from here."""

    course_id = serializers.CharField(
        max_length=64, help_text="Course ID, such as CS402 (no quotes, backslashes or control characters)."
    )
    course_name = serializers.CharField(max_length=200)
    batch = serializers.IntegerField(min_value=1000, max_value=9999, help_text="Batch: the year, such as 2026.")
    unit_id = serializers.CharField(help_text="The unit's id (as in /api/units/).")
    stream = serializers.CharField(
        required=False, allow_blank=True, help_text="A tutorial stream's abbreviation: the course follows that stream."
    )
    tutorial = serializers.CharField(
        required=False, allow_blank=True, help_text="A tutorial's abbreviation: the course follows that tutorial."
    )
    token = serializers.CharField(required=False, help_text="The token from /api_signup or /api/auth.")
    api = serializers.CharField(required=False, help_text='"1" for API usage.')

    def validate_course_id(self, value):
        return _checked_course_id(value)

    def validate(self, attrs):
        pk = parse_id(attrs["unit_id"].strip())
        unit = Unit.objects.filter(pk=pk).first() if pk is not None else None
        if unit is None:
            raise NotFound(f"There is no unit with the id '{attrs['unit_id'].strip()}'.")
        attrs["unit"] = unit
        attrs["stream"] = _in_unit(TutorialStream, unit, "stream", attrs.get("stream"))
        attrs["tutorial"] = _in_unit(Tutorial, unit, "tutorial", attrs.get("tutorial"))
        return attrs


def _in_unit(model, unit, field_name: str, abbreviation: str | None):
    """The stream or tutorial of ``unit`` named by ``abbreviation`` (None for blank), or a 400 naming the field."""
    if not abbreviation or not abbreviation.strip():
        return None
    found = model.objects.filter(unit=unit, abbreviation__iexact=abbreviation.strip()).first()
    if found is None:
        kind = "tutorial stream" if field_name == "stream" else "tutorial"
        raise serializers.ValidationError({field_name: f"{unit.code} has no {kind} '{abbreviation.strip()}'."})
    return found


def _linked(call, **kwargs) -> Course:
    """Run a service that links a course to a unit: its refusal is a 403, any other problem a 400."""
    try:
        return call(**kwargs)
    except services.CourseLinkRefused as error:
        raise PermissionDenied(error.message) from None
    except services.AttendanceError as error:
        raise BadRequest(error.message) from None


class AddCourseFromUnitView(AttendanceView):
    @extend_schema(
        summary="Add a course whose roster is a unit's students (the whole unit, one stream or one tutorial)",
        description="The roster follows the unit from now on: students enrolled later are added, those who withdraw "
        "or move to another tutorial are marked withdrawn (their history stays). Roll: the student ID, else the "
        "username. The unit's Convenors may link the unit, a stream or a tutorial; a tutor, only their own tutorials.",
        request=UnitCourseSerializer,
        responses={
            200: inline_serializer("AttendanceUnitCourseAdded", {"course": CourseObjectSerializer()}),
            400: BAD_REQUEST,
            401: NO_TOKEN,
            403: OpenApiResponse(ErrorSerializer, description="You may not link a course to this unit, stream or tutorial."),
            404: OpenApiResponse(ErrorSerializer, description="There is no unit with this id."),
        },
    )
    def post(self, request):
        form = UnitCourseSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        course = _linked(
            services.create_course_from_unit,
            owner=request.user,
            course_id=data["course_id"],
            course_name=data["course_name"].strip(),
            batch=data["batch"],
            unit=data["unit"],
            stream=data["stream"],
            tutorial=data["tutorial"],
        )
        return Response({"course": _course_object(course, request.user)})


# --- A student's own attendance ---------------------------------------------------------------------------


class MySessionSerializer(serializers.Serializer):
    date = serializers.DateField()
    start_time = serializers.TimeField(format="%H:%M")
    status = serializers.CharField(
        source="status_label", allow_null=True,
        help_text="Present, Late, Excused or Absent; null before they were on the roster.",
    )
    minutes = serializers.IntegerField(allow_null=True, help_text="Whole minutes attended; null when the report gives none.")
    flagged = serializers.BooleanField(help_text="Marked absent by the teacher whatever the report said.")


class MyCourseSerializer(serializers.Serializer):
    course_id = serializers.CharField(source="course.course_id")
    course_name = serializers.CharField(source="course.course_name")
    batch = serializers.IntegerField(source="course.batch")
    unit = serializers.CharField(source="course.unit.code", allow_null=True, default=None)
    teacher = serializers.CharField(source="course.owner.full_name")
    roll = serializers.CharField()
    name = serializers.CharField()
    withdrawn = serializers.BooleanField()
    sessions = MySessionSerializer(many=True)
    attended = serializers.IntegerField(help_text="Sessions Present or Late.")
    held = serializers.IntegerField(help_text="Sessions held while on the roster (Excused ones included).")
    excused = serializers.IntegerField(source="standing.excused")
    percentage = serializers.SerializerMethodField(
        help_text="(Present + Late) / (held - Excused) × 100, rounded down to one decimal; null with nothing to judge."
    )
    remaining = serializers.IntegerField(
        source="standing.remaining", allow_null=True,
        help_text="Planned classes still to come; null when the course plans none.",
    )
    needed = serializers.IntegerField(
        allow_null=True,
        help_text="The fewest remaining classes to attend to finish at 75 % or above; null without planned classes, "
        "or when even all of them are not enough (then cannot_reach is true).",
    )
    cannot_reach = serializers.BooleanField(source="standing.cannot_reach")

    def get_percentage(self, attendance) -> float | None:
        text = selectors.percent_text(attendance.percentage)
        return float(text) if text else None


class MyAttendanceView(APIView):
    """`GET /api/my_attendance`: the signed-in person's own attendance, on every course that follows a unit they are
    in (sessions, minutes, status, percentage). Nothing of anyone else's."""

    authentication_classes = [
        HeaderTokenAuthentication,
        BearerTokenAuthentication,
        FormTokenAuthentication,
        SessionAuthentication,
    ]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Your own attendance, course by course",
        responses={200: inline_serializer("MyAttendance", {"courses": MyCourseSerializer(many=True)}), 401: NO_TOKEN},
    )
    def get(self, request):
        return Response({"courses": MyCourseSerializer(selectors.my_attendance(request.user), many=True).data})


# --- REST resource ------------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "nullable": True})
class AbbreviationField(serializers.Field):
    """A stream or tutorial named by abbreviation; `CourseSerializer.validate` finds it in the body's unit."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value.abbreviation

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError("Give an abbreviation (text) or null.")
        return data.strip() or None


class CourseSerializer(serializers.ModelSerializer):
    students = serializers.SerializerMethodField()
    dates = serializers.SerializerMethodField()
    owner = serializers.CharField(source="owner.username", read_only=True)
    unit = IdRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True,
        help_text="Set on creation only: the unit whose enrolled students are the roster, which then follows them.",
    )
    stream = AbbreviationField(help_text="With `unit`: only the students in a tutorial of this stream.")
    tutorial = AbbreviationField(help_text="With `unit`: only the students in this tutorial.")
    co_teachers = serializers.SerializerMethodField(
        help_text="Usernames of the teachers the owner shares the course with (POST /api/courses/<id>/co_teachers/)."
    )

    class Meta:
        model = Course
        fields = [
            "id", "course_id", "course_name", "batch", "created_at", "owner", "unit", "stream", "tutorial",
            "co_teachers", "late_allowance_minutes", "dates", "students",
        ]
        read_only_fields = ["id", "created_at", "dates", "students"]
        extra_kwargs = {
            "late_allowance_minutes": {
                "help_text": "Minutes after a session's start after which a first join is Late; null (the default): "
                "nobody is marked Late. Applies to uploads from then on."
            }
        }

    def get_students(self, course) -> list[dict]:
        students = sorted(course.students.all(), key=lambda s: selectors.natural_roll_key(s.roll))
        return [
            {"roll": s.roll, "name": s.name, "email": s.email, "username": s.username, "withdrawn": s.withdrawn}
            for s in students
        ]

    def get_dates(self, course) -> list[str]:
        return session_headings(sorted((session.date, session.start_time) for session in course.sessions.all()))

    def get_co_teachers(self, course) -> list[str]:
        return sorted(person.username for person in course.co_teachers.all())

    def validate_course_id(self, value):
        return _checked_course_id(value)

    def validate(self, attrs):
        link = {name: attrs.pop(name) for name in ("unit", "stream", "tutorial") if name in attrs}
        if self.instance is not None:
            current = {"unit": self.instance.unit, "stream": self.instance.stream, "tutorial": self.instance.tutorial}
            for name, value in link.items():
                now = current[name]
                same = now is None if value is None else (
                    now is not None and (now == value if name == "unit" else now.abbreviation.casefold() == value.casefold())
                )
                if not same:
                    raise serializers.ValidationError(
                        {name: "A course is linked to a unit when it is created; make a new course to follow another."}
                    )
            return attrs
        unit = link.get("unit")
        if unit is None and (link.get("stream") or link.get("tutorial")):
            raise serializers.ValidationError({"unit": "Name the unit of the stream or tutorial."})
        attrs["link"] = None
        if unit is not None:
            attrs["link"] = {
                "unit": unit,
                "stream": _in_unit(TutorialStream, unit, "stream", link.get("stream")),
                "tutorial": _in_unit(Tutorial, unit, "tutorial", link.get("tutorial")),
            }
        return attrs


class CoTeacherSerializer(serializers.Serializer):
    user = serializers.CharField(help_text="The teacher's username or e-mail.")


# Which course action each REST action needs (attendance.permissions).
_REST_ACTIONS = {
    "retrieve": VIEW_COURSE,
    "update": MANAGE_COURSE,
    "partial_update": MANAGE_COURSE,
    "destroy": MANAGE_COURSE,
    "co_teachers": MANAGE_COURSE,
    "remove_co_teacher": MANAGE_COURSE,
    # Correcting a cell and changing the plan are part of taking attendance: whoever records it may.
    "corrections": UPLOAD_ATTENDANCE,
    "generate_planned_classes": UPLOAD_ATTENDANCE,
    "remove_planned_classes": UPLOAD_ATTENDANCE,
}
# Actions that only read when the method is GET (the list of planned classes), and change otherwise.
_REST_WRITES_UNLESS_GET = {"planned_classes": UPLOAD_ATTENDANCE}


@extend_schema_view(
    list=extend_schema(summary="List your courses and those shared with you"),
    create=extend_schema(
        summary="Create a course: an empty roster, or one that follows a unit (`unit`, and `stream` or `tutorial`)"
    ),
    retrieve=extend_schema(summary="Show one of your courses (or one shared with you)"),
    update=extend_schema(summary="Change a course's id, name or batch (its owner only)"),
    partial_update=extend_schema(summary="Change some of a course's id, name or batch (its owner only)"),
    destroy=extend_schema(summary="Delete a course with its roster and all its attendance (its owner only)"),
)
class CourseViewSet(
    CourseCellsMixin,
    CoursePlanMixin,
    CourseStandingMixin,
    StrictIds,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet,
):
    """The attendance courses the caller may see (attendance.permissions: their own, those shared with them, the
    courses of units they convene and of tutorials they tutor), with roster and recorded dates. Others' are not
    found; changing or deleting a course, or sharing it, is for its owner (403 for the others who see it)."""

    serializer_class = CourseSerializer
    authentication_classes = [
        HeaderTokenAuthentication,
        BearerTokenAuthentication,
        FormTokenAuthentication,
        SessionAuthentication,
    ]
    permission_classes = [IsAuthenticated]
    filterset_fields = ["course_id", "batch"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation runs as AnonymousUser, who owns nothing
            return Course.objects.none()
        courses = selectors.courses_visible_to(self.request.user).select_related("unit", "stream", "tutorial")
        if self.action in CourseCellsMixin.ACTIONS | CoursePlanMixin.ACTIONS | CourseStandingMixin.ACTIONS:
            return courses  # the actions read what they need; the course's fields need its roster and dates
        return courses.prefetch_related("students", "sessions", "co_teachers")

    def get_object(self):
        # Raised as DRF's NotFound so the answer is the usual {"error": ...} body.
        try:
            course = super().get_object()
        except Http404:
            raise NotFound("You have no course with this id.") from None
        try:
            action = _REST_ACTIONS.get(self.action, VIEW_COURSE)
            if self.request.method != "GET":
                action = _REST_WRITES_UNLESS_GET.get(self.action, action)
            selectors.course_for_pk(self.request.user, course.pk, action=action)
        except permissions.CourseRefused as error:
            raise _refused(error) from None
        return course

    def perform_create(self, serializer):
        data = serializer.validated_data
        fields = {
            "owner": self.request.user,
            "course_id": data["course_id"],
            "course_name": data["course_name"],
            "batch": data["batch"],
        }
        if data.get("link"):
            serializer.instance = _linked(
                services.create_course_from_unit, **fields, **data["link"],
                late_allowance_minutes=data.get("late_allowance_minutes"),
            )
        else:
            serializer.instance = _service(
                services.create_course, **fields, roster=[], late_allowance_minutes=data.get("late_allowance_minutes")
            )

    def perform_update(self, serializer):
        data = serializer.validated_data
        serializer.instance = _service(services.update_course, course=serializer.instance, **data)

    def perform_destroy(self, instance):
        services.delete_course(course=instance)

    def _fresh(self, course):
        return self.get_serializer(self.get_queryset().get(pk=course.pk)).data

    @extend_schema(
        summary="Share a course with a co-teacher (its owner only)",
        description="Co-teachers see the course and record attendance for it; they cannot rename, delete or share it.",
        request=CoTeacherSerializer,
        responses={200: CourseSerializer, 400: BAD_REQUEST, 403: REFUSED, 404: NOT_YOURS},
    )
    @action(detail=True, methods=["post"])
    def co_teachers(self, request, pk=None):
        course = self.get_object()
        form = CoTeacherSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        person = _service(services.find_teacher, form.validated_data["user"])
        _service(services.add_co_teacher, course=course, person=person)
        return Response(self._fresh(course))

    @extend_schema(
        summary="Stop sharing a course with a co-teacher (its owner only)",
        responses={200: CourseSerializer, 400: BAD_REQUEST, 403: REFUSED, 404: NOT_YOURS},
    )
    @action(detail=True, methods=["delete"], url_path=r"co_teachers/(?P<user>[^/]+)")
    def remove_co_teacher(self, request, pk=None, user=None):
        course = self.get_object()
        person = _service(services.find_teacher, user)
        _service(services.remove_co_teacher, course=course, person=person)
        return Response(self._fresh(course))


router = SimpleRouter()
router.register("api/courses", CourseViewSet, basename="attendance-course")

urlpatterns = [
    path("api_signup", SignUpView.as_view(), name="attendance-signup"),
    path("add_course", AddCourseView.as_view(), name="attendance-add-course"),
    path("delete_course", DeleteCourseView.as_view(), name="attendance-delete-course"),
    path("upload_attendance", UploadAttendanceView.as_view(), name="attendance-upload"),
    path("download_attendance", DownloadAttendanceView.as_view(), name="attendance-download"),
    path("get_all_courses", AllCoursesView.as_view(), name="attendance-all-courses"),
    path("add_students", AddStudentsView.as_view(), name="attendance-add-students"),
    path("remove_student", RemoveStudentView.as_view(), name="attendance-remove-student"),
    path("delete_date", DeleteDateView.as_view(), name="attendance-delete-date"),
    path("add_course_from_unit", AddCourseFromUnitView.as_view(), name="attendance-add-course-from-unit"),
    path("api/my_attendance", MyAttendanceView.as_view(), name="my-attendance"),
    path("", include(router.urls)),
]
