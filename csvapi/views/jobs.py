"""`GET /api/sidekiq/<id>` (Doubtfire's newest client) and its alias `GET /api/jobs/<id>`: how a job is doing.

Only the person who started a job may see it (403 for anyone else, as upstream); an id that is no job's is 404.
The dashboard polls the same route, with its session, while an upload runs.
"""

from django.urls import re_path
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from jobs.selectors import job_as_json, job_for

JobSerializer = inline_serializer(
    "Job",
    {
        "id": serializers.UUIDField(),
        "status": serializers.ChoiceField(choices=["queued", "working", "complete", "failed"]),
        "pct_complete": serializers.IntegerField(min_value=0, max_value=100),
        "message": serializers.CharField(),
        "processed_count": serializers.IntegerField(),
        "total_count": serializers.IntegerField(),
        "job_class": serializers.CharField(),
        "result": serializers.CharField(
            allow_null=True,
            help_text="Imports: the JSON text of {success, ignored, errors}. Downloads: the CSV text itself. "
            'A failed job: the JSON text of {"error": ...}.',
        ),
        "result_status": serializers.IntegerField(allow_null=True, help_text="The status the route would have given."),
        "stage": serializers.CharField(),
        "created_at": serializers.DateTimeField(),
        "updated_at": serializers.DateTimeField(),
    },
)


class JobView(APIView):
    auth_failure_status = 419  # a Doubtfire route: its clients expect 419 for every authentication failure
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="How a background job is doing, and its result once complete",
        responses={200: JobSerializer, 403: OpenApiResponse(description="Someone else's job."),
                   404: OpenApiResponse(description="No such job.")},
    )
    def get(self, request, job_id):
        job = job_for(job_id=job_id)
        if job is None:
            raise NotFound("There is no job with this id (finished jobs are kept for a day).")
        if job.owner_id != request.user.pk:
            raise PermissionDenied("You do not have permission to access this job")
        return Response(job_as_json(job))


urlpatterns = [
    re_path(r"^api/sidekiq/(?P<job_id>[0-9a-fA-F-]{1,64})$", JobView.as_view(), name="job-sidekiq"),
    re_path(r"^api/jobs/(?P<job_id>[0-9a-fA-F-]{1,64})$", JobView.as_view(), name="job-detail"),
]
