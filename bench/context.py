"""What every case shares: the sizes of this run, the signed-in admin, HTTP clients, and built fixtures."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client


@dataclass(frozen=True)
class Sizes:
    users: int
    enrol: int
    enrol_small: int
    task_definitions_per_unit: int
    assessments: int
    task_definition_import: int
    teams_events: int
    teams_participants: int
    roster: int
    report_students: int
    report_dates: int
    load_seconds: float
    load_clients: int
    load_roster: int  # the mixed load case's attendance course


FULL = Sizes(
    users=20_000,
    enrol=2_000,
    enrol_small=200,
    task_definitions_per_unit=50,
    assessments=200_000,
    task_definition_import=200,
    teams_events=50_000,
    teams_participants=1_000,
    roster=1_000,
    report_students=1_000,
    report_dates=60,
    load_seconds=20.0,
    load_clients=16,
    load_roster=200,
)
QUICK = Sizes(
    users=2_000,
    enrol=300,
    enrol_small=50,
    task_definitions_per_unit=10,
    assessments=10_000,
    task_definition_import=50,
    teams_events=5_000,
    teams_participants=100,
    roster=100,
    report_students=100,
    report_dates=10,
    load_seconds=3.0,
    load_clients=4,
    load_roster=50,
)


class Bench:
    def __init__(self, *, sizes: Sizes, quick: bool, database: str, database_url: str):
        self.sizes = sizes
        self.quick = quick
        self.database = database  # "sqlite" or "postgresql"
        self.database_url = database_url
        self.admin = None
        self.token = None
        self.shared: dict = {}  # fixtures one case builds and a later one reads (the enrolled unit, ...)

    def doubtfire_client(self) -> Client:
        """A test client signed in the way Doubtfire's scripts are: Username + Auth_Token headers."""
        return Client(HTTP_USERNAME=self.admin.username, HTTP_AUTH_TOKEN=self.token)

    def attendance_client(self) -> Client:
        """A test client signed in the way the attendance scripts can be: Authorization: Token."""
        return Client(HTTP_AUTHORIZATION=f"Token {self.token}")

    @staticmethod
    def upload(name: str, data: bytes, content_type: str = "text/csv") -> SimpleUploadedFile:
        return SimpleUploadedFile(name, data, content_type=content_type)


def consume(response) -> int:
    """Bytes of a response body; a streaming response is iterated to its end, as a client would."""
    if response.streaming:
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


class UnexpectedResponse(Exception):
    pass


def expect(response, status: int):
    if response.status_code != status:
        body = b"" if response.streaming else response.content[:300]
        raise UnexpectedResponse(f"HTTP {response.status_code} (expected {status}): {body!r}")
    return response
