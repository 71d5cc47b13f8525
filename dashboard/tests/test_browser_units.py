"""A Convenor in a real browser: sign in, enrol students from a CSV, read the three result tables,
download the unit's Students CSV."""

from pathlib import Path

import pytest

from conftest import DEFAULT_PASSWORD
from doubtfire.models import Role, UnitRole
from doubtfire.tests.factories import UnitFactory, UnitRoleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_enrol_from_a_csv_then_download_the_students(page, tmp_path):
    unit = UnitFactory(code="COS10001", name="Intro to Programming")
    convenor = UserFactory(username="conv", role=Role.CONVENOR)
    UnitRoleFactory(user=convenor, unit=unit, role=UnitRole.Kind.CONVENOR)
    enrolments = tmp_path / "enrol.csv"
    enrolments.write_text(
        "unit_code,username,email,first_name,last_name,tutorial\n"
        "COS10001,zed,zed@uni.edu,Zed,Zee,\n"
        "WRONG,yan,yan@uni.edu,Yan,Why,\n"
        "COS10001,,nobody@uni.edu,No,Body,\n",
        encoding="utf-8",
    )

    page.goto("/accounts/login/")
    page.get_by_label("Email or username").fill("conv")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="My courses").wait_for()

    page.get_by_role("link", name="Units").click()
    page.snap("my-units")
    page.get_by_role("link", name="COS10001").click()
    page.snap("unit")
    page.get_by_role("link", name="Enrol students").click()
    page.get_by_label("Spreadsheet (CSV or XLSX)").set_input_files(str(enrolments))
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("heading", name="Result").wait_for()
    page.snap("enrol-result")

    def row_numbers(kind):
        return page.locator(f"table[data-result='{kind}'] tbody th").all_inner_texts()

    assert row_numbers("ok") == ["2"]
    assert row_numbers("warn") == ["3"]
    assert row_numbers("bad") == ["4"]

    page.get_by_role("link", name="COS10001 Intro to Programming").click()
    assert page.locator("tbody th", has_text="zed").count() == 1
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Students (CSV)").click()
    download = download_info.value
    assert download.suggested_filename == "COS10001-Students.csv"
    lines = Path(download.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("unit_code,campus,username,student_id")
    assert [line.split(",")[2] for line in lines[1:]] == ["zed"]
