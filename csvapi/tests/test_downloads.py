"""Download file names (`csvapi.downloads`): upstream's bare `filename=` for ordinary names, and one safe
parameter for any other name, whatever a unit code stored before codes were checked holds."""

from email.message import Message

import pytest

from csvapi.downloads import attachment_disposition
from doubtfire.models import Unit

pytestmark = pytest.mark.django_db

INJECTION = 'x.html; filename="evil.html"; x='
LINE_BREAK = "COS\r\n10001"


def parameters(header: str) -> tuple[list[str], str | None]:
    """The parameter names of a Content-Disposition value and the file name, read as a client reads them."""
    message = Message()
    message["Content-Disposition"] = header
    names = [name for name, _ in message.get_params(header="content-disposition")[1:]]
    return names, message.get_filename()


@pytest.mark.parametrize(
    "filename, header",
    [
        ("COS10001-Students.csv", "attachment; filename=COS10001-Students.csv"),
        ("doubtfire_users.csv", "attachment; filename=doubtfire_users.csv"),
        ("CS402_2021_asOf_2021-02-13.csv", "attachment; filename=CS402_2021_asOf_2021-02-13.csv"),
        # Not tokens: quoted, as Django's content_disposition_header does.
        ("A/B-Students.csv", 'attachment; filename="A/B-Students.csv"'),
        ("SIT COS-Tasks.csv", 'attachment; filename="SIT COS-Tasks.csv"'),
        ("CS402_2017_asOf_2021-02-13(Defaulter).csv", 'attachment; filename="CS402_2017_asOf_2021-02-13(Defaulter).csv"'),
        ("José-Students.csv", "attachment; filename*=utf-8''Jos%C3%A9-Students.csv"),
    ],
)
def test_ordinary_names_are_bare_as_upstream_and_others_are_quoted_or_encoded(filename, header):
    assert attachment_disposition(filename) == header
    assert parameters(header) == (["filename"], filename)


@pytest.mark.parametrize("filename", [f"{INJECTION}-Students.csv", f"{LINE_BREAK}-Students.csv", 'a\\b"c.csv', "\x00.csv"])
def test_any_name_is_exactly_one_parameter_and_reads_back_unchanged(filename):
    header = attachment_disposition(filename)
    assert not set(header) & {"\r", "\n", "\x00"}
    assert parameters(header) == (["filename"], filename)


UNIT_DOWNLOADS = [
    ("/api/csv/units/{pk}", "Students"),
    ("/api/csv/units/{pk}/task_completion", "TaskCompletion"),
    ("/api/csv/units/{pk}/tutor_assessments", "TutorAssessments"),
    ("/api/csv/task_definitions?unit_id={pk}", "Tasks"),
]


@pytest.mark.parametrize("code", [INJECTION, LINE_BREAK, "COS 10001/SIT;1"], ids=["injection", "CR-LF", "space-slash-semicolon"])
@pytest.mark.parametrize("path, kind", UNIT_DOWNLOADS, ids=[kind for _, kind in UNIT_DOWNLOADS])
def test_a_stored_unit_code_cannot_add_a_parameter_or_break_a_download(admin_account, token_client, code, path, kind):
    # Stored directly, as data from before unit codes were checked may be: the validator would refuse it.
    unit = Unit.objects.create(code=code, name="Old data", start_date="2026-03-02", end_date="2026-06-26")
    response = token_client(admin_account).get(path.format(pk=unit.pk))
    assert response.status_code == 200
    header = response["Content-Disposition"]
    assert not set(header) & {"\r", "\n"}
    assert parameters(header) == (["filename"], f"{code}-{kind}.csv")
    assert response["Access-Control-Expose-Headers"] == "Content-Disposition"
    b"".join(response.streaming_content)
