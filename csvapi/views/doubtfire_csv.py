"""The nine `/api/csv/...` routes of Doubtfire (seed `doubtfire-csv-api.md`), and the unit's attendance download.

Thin: check the request in SPEC §2's order — token (419), parameters (400), unit (404), permission
(403), file type (403) — then hand the work to the Resource of the file, which calls one service or
selector. Downloads stream; uploads answer 201 `{"success", "ignored", "errors"}`.
"""

import re

from django.http import StreamingHttpResponse
from django.urls import re_path
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from attendance.selectors import unit_attendance_table
from csvapi.jobs import job_status, refuse_unreadable_kind, start_job_response
from csvapi.downloads import offer_as_download
from csvapi.uploads import UploadRejected, read_uploaded_table, uploaded_file
from doubtfire import resources
from doubtfire.ids import parse_id
from doubtfire.models import Unit
from doubtfire.permissions import (
    DOWNLOAD_STATS,
    DOWNLOAD_SYSTEM_CSV,
    DOWNLOAD_UNIT_CSV,
    UPLOAD_CSV,
    UPLOAD_USERS_CSV,
    may_in_system,
    may_in_unit,
)
from spreadsheets import FileFormatError, csv_chunks

UNIT_NOT_FOUND = "Unable to find requested Unit"
# What Grape's Integer type accepts: ASCII digits with an optional sign (`str.isdigit()` also took `²`).
GRAPE_INTEGER = re.compile(r"[+-]?[0-9]+")


class BadParameter(APIException):
    status_code = status.HTTP_400_BAD_REQUEST

ImportResultSerializer = inline_serializer(
    "CsvImportResult",
    {
        "success": serializers.ListField(child=serializers.DictField()),
        "ignored": serializers.ListField(child=serializers.DictField()),
        "errors": serializers.ListField(child=serializers.DictField()),
    },
)
UploadSerializer = inline_serializer("CsvUpload", {"file": serializers.FileField()})
TaskUploadSerializer = inline_serializer(
    "CsvTaskUpload", {"file": serializers.FileField(), "unit_id": serializers.IntegerField()}
)
CSV_RESPONSE = {(200, "text/csv"): bytes}


class DoubtfireCsvView(APIView):
    auth_failure_status = 419  # Doubtfire's clients expect 419 for every authentication failure
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    def perform_content_negotiation(self, request, force=False):
        # The seed's scripts send `Accept: application/octet-stream`; answer them rather than 406.
        return super().perform_content_negotiation(request, force=True)

    # --- the checks, in order --------------------------------------------------------------------------
    @staticmethod
    def unit_or_404(unit_id) -> Unit:
        # Whatever is not an id (`test`, `-1`, `²`, a number past 64 bits) names no unit: 404, as upstream.
        pk = parse_id(unit_id)
        unit = Unit.objects.filter(pk=pk).first() if pk is not None else None
        if unit is None:
            raise NotFound(UNIT_NOT_FOUND)
        return unit

    @staticmethod
    def require_unit(user, action, unit, message):
        if not may_in_unit(user, action, unit):
            raise PermissionDenied(message)

    @staticmethod
    def table_of(upload, resource):
        # 403 for a file of the wrong kind, as Doubtfire's clients expect; 400 for a damaged one or one without
        # the resource's headings (refused as soon as its heading row is read).
        return read_uploaded_table(
            upload, required=resource.required_headings(), unsupported_status=status.HTTP_403_FORBIDDEN
        )

    # --- the two kinds of answer --------------------------------------------------------------------
    @staticmethod
    def download(request, resource, *, job_kind: str | None = None, newest_client_expects_job: bool = False):
        """Stream the CSV, or (asked for, or CSV_JOBS=always where the newest client expects it) answer with a job
        whose result will be the same CSV text."""
        if job_kind is not None:
            answer = job_status(request, newest_client_expects_job=newest_client_expects_job, method_status=200)
            if answer is not None:
                return start_job_response(
                    request, kind=job_kind, answer_status=answer, parameters={"unit_id": resource.unit.pk},
                    lock_key=f"{job_kind}:unit:{resource.unit.pk}",
                )
        return DoubtfireCsvView.stream(resource.export_table())

    @staticmethod
    def stream(exported):
        """An ExportTable as a streamed CSV download."""
        response = StreamingHttpResponse(
            csv_chunks(exported.header, exported.rows), content_type="text/csv; charset=utf-8"
        )
        return offer_as_download(response, exported.filename)

    def upload_result(self, request, resource, upload, *, job_kind: str, newest_client_expects_job: bool = False):
        """Import the file and answer 201 with `{success, ignored, errors}`, or answer with a job that will."""
        answer = job_status(request, newest_client_expects_job=newest_client_expects_job, method_status=201)
        if answer is not None:
            refuse_unreadable_kind(upload, unsupported_status=status.HTTP_403_FORBIDDEN)
            scope = f"unit:{resource.unit.pk}" if resource.unit is not None else f"user:{request.user.pk}"
            return start_job_response(
                request, kind=job_kind, answer_status=answer, lock_key=f"{job_kind}:{scope}",
                parameters={"unit_id": resource.unit.pk if resource.unit is not None else None},
                files=[(upload.name, upload.data)],
            )
        table = self.table_of(upload, resource)
        try:
            outcome = resource.import_table(table, actor=request.user)
        except FileFormatError as error:
            raise UploadRejected(str(error)) from None
        return Response(outcome.as_dict(), status=status.HTTP_201_CREATED)


class UsersCsvView(DoubtfireCsvView):
    @extend_schema(summary="Download CSV of all users", responses=CSV_RESPONSE)
    def get(self, request):
        if not may_in_system(request.user, DOWNLOAD_SYSTEM_CSV):
            raise PermissionDenied("Not authorised to download CSV of all users")
        return self.download(request, resources.UserResource())

    @extend_schema(summary="Upload CSV of users", request=UploadSerializer, responses={201: ImportResultSerializer})
    def post(self, request):
        upload = uploaded_file(request)
        if not may_in_system(request.user, UPLOAD_USERS_CSV):
            raise PermissionDenied("Not authorised to upload CSV of users")
        resource = resources.UserResource(actor=request.user)
        return self.upload_result(request, resource, upload, job_kind="import_users")


class UnitStudentsCsvView(DoubtfireCsvView):
    @extend_schema(summary="Download CSV of all students in this unit", responses=CSV_RESPONSE)
    def get(self, request, unit_id):
        unit = self.unit_or_404(unit_id)
        self.require_unit(
            request.user, DOWNLOAD_UNIT_CSV, unit, f"Not authorised to download CSV of students enrolled in {unit.code}"
        )
        return self.download(request, resources.UnitStudentResource(unit=unit))

    @extend_schema(
        summary="Upload CSV of all the students in a unit", request=UploadSerializer, responses={201: ImportResultSerializer}
    )
    def post(self, request, unit_id):
        upload = uploaded_file(request)
        unit = self.unit_or_404(unit_id)
        self.require_unit(request.user, UPLOAD_CSV, unit, f"Not authorised to upload CSV of students to {unit.code}")
        resource = resources.UnitStudentResource(actor=request.user, unit=unit)
        return self.upload_result(request, resource, upload, job_kind="import_students", newest_client_expects_job=True)


class WithdrawCsvView(DoubtfireCsvView):
    @extend_schema(
        summary="Upload CSV with the students to un-enrol from the unit",
        request=UploadSerializer,
        responses={201: ImportResultSerializer},
    )
    def post(self, request, unit_id):
        upload = uploaded_file(request)
        unit = self.unit_or_404(unit_id)
        self.require_unit(request.user, UPLOAD_CSV, unit, f"Not authorised to upload CSV of students to {unit.code}")
        resource = resources.WithdrawStudentResource(actor=request.user, unit=unit)
        return self.upload_result(request, resource, upload, job_kind="withdraw_students")


class TaskCompletionCsvView(DoubtfireCsvView):
    @extend_schema(summary="Download CSV of all student tasks in this unit", responses=CSV_RESPONSE)
    def get(self, request, unit_id):
        unit = self.unit_or_404(unit_id)
        self.require_unit(
            request.user, DOWNLOAD_UNIT_CSV, unit, f"Not authorised to download CSV of student tasks in {unit.code}"
        )
        return self.download(
            request, resources.TaskCompletionResource(unit=unit), job_kind="export_task_completion",
            newest_client_expects_job=True,
        )


class TutorAssessmentsCsvView(DoubtfireCsvView):
    @extend_schema(summary="Download the number of tasks assessed by each tutor", responses=CSV_RESPONSE)
    def get(self, request, unit_id):
        unit = self.unit_or_404(unit_id)
        self.require_unit(
            request.user, DOWNLOAD_STATS, unit, f"Not authorised to download stats of statistics for {unit.code}"
        )
        return self.download(
            request, resources.TutorAssessmentResource(unit=unit), job_kind="export_tutor_assessments",
            newest_client_expects_job=True,
        )


class UnitAttendanceCsvView(DoubtfireCsvView):
    @extend_schema(
        summary="Download CSV of every enrolled student's attendance in the courses that follow this unit",
        description="`<CODE>-Attendance.csv`: unit_code, username, student_id, first_name, last_name, email, then one "
        "column per attendance course linked to the unit that you may see (`<course_id>-<batch>`) with the student's "
        "percentage (present / held, rounded down to one decimal; blank when not on that course's roster or nothing "
        "is held yet), then `Needed` (blank until courses have planned classes). One row per enrolled student, by "
        "username.",
        responses=CSV_RESPONSE,
    )
    def get(self, request, unit_id):
        unit = self.unit_or_404(unit_id)
        self.require_unit(
            request.user, DOWNLOAD_UNIT_CSV, unit, f"Not authorised to download CSV of attendance in {unit.code}"
        )
        return self.stream(unit_attendance_table(unit=unit, viewer=request.user))


class TaskDefinitionsCsvView(DoubtfireCsvView):
    @staticmethod
    def unit_id_parameter(source):
        """Grape's `requires :unit_id, type: Integer`: absent → 400 missing; not an integer (`1e3`, `0x10`,
        `²`, `٣`) → 400 invalid. Blank passes (Grape makes it nil) and so does an integer that is no id
        (`-1`, 23 digits): `unit_or_404` then answers 404, as upstream's `Unit.find` does."""
        value = source.get("unit_id")
        if value is None:
            raise BadParameter("unit_id is missing")
        if not isinstance(value, str):
            raise BadParameter("unit_id is invalid")
        if value.strip() and not GRAPE_INTEGER.fullmatch(value.strip()):
            raise BadParameter("unit_id is invalid")
        return value

    @classmethod
    def upload_unit_id(cls, request):
        """The upload's unit_id from the form or the query string: Doubtfire's web client puts it in the query
        with the file in the body (`POST /api/csv/task_definitions?unit_id=1`), as upstream's Grape reads both;
        the seed's scripts send it in the form. Sent in both with two values → 400."""
        in_query, in_form = request.query_params.get("unit_id"), request.data.get("unit_id")
        if isinstance(in_query, str) and isinstance(in_form, str) and in_query.strip() != in_form.strip():
            raise BadParameter(
                f"unit_id is sent twice with two values (query string {in_query.strip()!r}, form {in_form.strip()!r}); "
                "send it once."
            )
        return cls.unit_id_parameter(request.data if in_form is not None else request.query_params)

    @extend_schema(
        summary="Download CSV of all task definitions for the given unit",
        parameters=[OpenApiParameter("unit_id", int, required=True)],
        responses=CSV_RESPONSE,
    )
    def get(self, request):
        unit = self.unit_or_404(self.unit_id_parameter(request.query_params))
        self.require_unit(request.user, DOWNLOAD_UNIT_CSV, unit, "Not authorised to download CSV of tasks")
        return self.download(request, resources.TaskDefinitionResource(unit=unit))

    @extend_schema(
        summary="Upload CSV of task definitions to the provided unit",
        request=TaskUploadSerializer,
        responses={201: ImportResultSerializer},
    )
    def post(self, request):
        upload = uploaded_file(request)
        unit = self.unit_or_404(self.upload_unit_id(request))
        self.require_unit(request.user, UPLOAD_CSV, unit, "Not authorised to upload CSV of tasks")
        resource = resources.TaskDefinitionResource(actor=request.user, unit=unit)
        return self.upload_result(request, resource, upload, job_kind="import_task_definitions")


# Included by csvapi/urls.py. Paths exactly as the seed (no trailing slash). `[^/]*` lets `/units/test` and `/units//withdraw`
# reach the view, which answers 404 as upstream does. `.json` is accepted where the web client uses it.
urlpatterns = [
    re_path(r"^api/csv/users$", UsersCsvView.as_view(), name="csv-users"),
    re_path(r"^api/csv/units/(?P<unit_id>[^/]*)/withdraw$", WithdrawCsvView.as_view(), name="csv-unit-withdraw"),
    re_path(
        r"^api/csv/units/(?P<unit_id>[^/]*)/task_completion(?:\.json)?$",
        TaskCompletionCsvView.as_view(),
        name="csv-unit-task-completion",
    ),
    re_path(
        r"^api/csv/units/(?P<unit_id>[^/]*)/tutor_assessments(?:\.json)?$",
        TutorAssessmentsCsvView.as_view(),
        name="csv-unit-tutor-assessments",
    ),
    re_path(
        r"^api/csv/units/(?P<unit_id>[^/]*)/attendance$", UnitAttendanceCsvView.as_view(), name="csv-unit-attendance"
    ),
    re_path(r"^api/csv/units/(?P<unit_id>[^/]*)$", UnitStudentsCsvView.as_view(), name="csv-unit-students"),
    re_path(r"^api/csv/task_definitions$", TaskDefinitionsCsvView.as_view(), name="csv-task-definitions"),
]
