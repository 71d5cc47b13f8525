"""A teacher's first day, in a real browser: sign up, add a course, upload a Teams log, check the
preview, confirm, read the grid, download the report."""

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "attendance"

# Test2.csv by hand, meeting ending 13/2/2021 11:00 AM, threshold 1800 s, roll 3 flagged
# (see test_views_attendance.py for the arithmetic): 1 → 1081 s absent, 2 → 2058 s present,
# 3 → 4770 s but flagged so absent, 4 → 4514 s present.
EXPECTED = {"1": ("1081", "Absent"), "2": ("2058", "Present"), "3": ("4770", "Absent (flagged)"), "4": ("4514", "Present")}


def test_sign_up_create_course_upload_preview_confirm_and_download(page):
    page.goto("/accounts/signup/")
    page.snap("sign-up")
    page.get_by_label("Your name").fill("Asha Rao")
    page.get_by_label("Email").fill("asha@uni.edu")
    page.locator("#id_password").fill("a long passphrase")
    page.get_by_label("Password again").fill("a long passphrase")
    page.get_by_role("button", name="Create my account").click()
    page.get_by_role("heading", name="My courses").wait_for()
    assert "Welcome, Asha" in page.locator("#messages").inner_text()
    page.snap("my-courses-empty")

    page.get_by_role("link", name="Add a course").first.click()
    page.get_by_label("Course ID").fill("CS402")
    page.get_by_label("Course name").fill("Networks")
    page.get_by_label("Batch (starting year)").fill("2017")
    page.get_by_label("Roster (CSV or XLSX)").set_input_files(str(FIXTURES / "students.csv"))
    page.snap("add-course")
    page.get_by_role("button", name="Create the course").click()
    page.get_by_text("Course CS402-2017 created with 4 students.").wait_for()
    page.snap("course-new")

    page.locator("#id_files").set_input_files(str(FIXTURES / "Test2.csv"))
    page.get_by_label("Threshold (seconds)").fill("1800")
    page.get_by_label("Meeting end time (optional)").fill("13/2/2021, 11:00 AM")
    page.get_by_label("Flagged roll numbers (optional)").fill("3")
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("heading", name="Check before saving").wait_for()
    page.snap("preview")
    table = page.locator("table.preview-table[data-date='2021-02-13']")
    for roll, (seconds, result) in EXPECTED.items():
        row = table.locator(f"tr[data-roll='{roll}'] td")
        assert row.nth(1).inner_text() == seconds, roll
        assert row.nth(2).inner_text() == result, roll

    page.get_by_role("button", name="Confirm and save").click()
    page.get_by_text("Attendance recorded for 2021-02-13.").wait_for()
    page.snap("course-grid")
    grid = page.locator("table.attendance-grid")
    # text_content includes the flag that only screen readers hear; the eye sees the dashed outline.
    marks = {roll: grid.locator(f"tr[data-roll='{roll}'] td").nth(1).text_content().strip() for roll in EXPECTED}
    assert marks == {"1": "A", "2": "P", "3": "A (flagged)", "4": "P"}
    assert grid.locator("tr.defaulter").count() == 2  # rolls 1 and 3: 0 % of one date

    page.get_by_label("Complete report", exact=True).check()
    page.get_by_label("CSV", exact=True).check()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download").click()
    download = download_info.value
    assert download.suggested_filename == "CS402_2017_asOf_2021-02-13.csv"
    content = Path(download.path()).read_text(encoding="utf-8").splitlines()
    assert content == [
        "Sl. No.,Roll Number,Name,2021-02-13,Attended,Held,Excused,Percentage",
        "1,1,Shreya,Absent,0,1,0,0.00",
        "2,2,Riya,Present,1,1,0,100.00",
        "3,3,Ranesha,Absent,0,1,0,0.00",
        "4,4,Ritwik,Present,1,1,0,100.00",
    ]

    page.goto("/")
    page.snap("my-courses")
    card = page.locator(".card").first
    assert "CS402 · 2017" in card.inner_text()
    assert "50.0 %" in card.inner_text()  # two of four present
