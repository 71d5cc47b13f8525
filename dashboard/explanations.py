"""What the dashboard says when an upload is refused: the API's sentences are written for scripts ("send
replace=1", "File given is not a csv file - detected application/pdf"); a teacher gets the same facts in words
about what they did, and a button where there is something to do. The API keeps its own wording.

One table: each row recognises a problem (by its code, or by the API sentence it starts with) and says it again
for a person. A problem no row recognises is shown as the service wrote it: those sentences are already about
the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The kinds of file people upload by mistake, as the reader names them.
FILE_KINDS = {
    "application/pdf": "a PDF",
    "application/vnd.ms-excel": "an old Excel (.xls) workbook",
    "image/png": "a picture (PNG)",
    "image/jpeg": "a picture (JPEG)",
    "image/gif": "a picture (GIF)",
    "application/zip": "a zip archive",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "a Word document",
    "application/vnd.oasis.opendocument.spreadsheet": "an OpenDocument spreadsheet (.ods)",
    "application/octet-stream": "not text",
}


@dataclass(frozen=True)
class Explanation:
    sentence: str
    offer_replace: bool = False  # a "Replace it" button: record this report over the date already recorded
    offer_start: str = ""  # "HH:MM": an "Add it as another class at HH:MM" button (a second class that day)
    ask_date: bool = False  # the report has no date: the Class date field below is what to fill in


# "... starts at 14:00 and the recorded session at 09:00: send start_time=14:00 to record it as another session"
_ANOTHER_CLASS = re.compile(
    r"Attendance for (?P<date>\d{4}-\d{2}-\d{2}) \((?P<file>.*)\) has already been recorded\. .* starts at "
    r"(?P<start>\d{2}:\d{2}) and the recorded session at (?P<recorded>\d{2}:\d{2})"
)
_SEVERAL = re.compile(r"(?P<date>\d{4}-\d{2}-\d{2}) has sessions at (?P<starts>.+?); send start_time")


def _not_a_spreadsheet(kind: str) -> str:
    what = FILE_KINDS.get(kind, f"a file of type {kind}")
    return (f"This file is {what}, not a spreadsheet. Upload the CSV or Excel (.xlsx) file your meeting tool or "
            "spreadsheet exported; if you have it open in Excel, use File › Save As › CSV UTF-8.")


def explain(message: str, code: str | None = None) -> Explanation:
    """The teacher's version of a refusal. `message` is the service's sentence, `code` its kind when it has one."""
    if code == "date_recorded" and (another := _ANOTHER_CLASS.search(message)):
        return Explanation(
            f"A class on {another['date']} is already recorded: the one at {another['recorded']}. This report starts "
            f"at {another['start']}. If it is another class that day (a lab after the lecture), add it as another "
            "class; if it is the same class, replace what is recorded; otherwise discard this upload.",
            offer_replace=True, offer_start=another["start"],
        )
    if several := _SEVERAL.search(message):
        return Explanation(
            f"{several['date']} has several classes (at {several['starts']}). Say which one this report is for: type "
            "its start time in Class start time under \u201cChange how the reports are read\u201d below, or a new "
            "start time to add another class."
        )
    if "gives times without a date" in message:
        return Explanation(
            "This report gives times but no date, and its file name does not start with one. Type the class's date "
            "in Class date under \u201cChange how the reports are read\u201d below.",
            ask_date=True,
        )
    if code == "date_recorded":
        date = message.removeprefix("Attendance for ").split(" ", 1)[0] if message.startswith("Attendance for ") else ""
        when = f"for {date} " if date[:2].isdigit() else "for this date "
        return Explanation(
            f"Attendance {when}is already recorded. Replace it with this report, or discard this upload to keep "
            "what is recorded.",
            offer_replace=True,
        )
    text = message.split(": ", 1)[1] if ": " in message and message.split(": ", 1)[0].count(" ") == 0 else message
    if text.startswith("File given is not a csv file - detected "):
        return Explanation(_not_a_spreadsheet(text.removeprefix("File given is not a csv file - detected ").strip()))
    for kind, what in FILE_KINDS.items():
        if text.startswith(f"The file is {what}") or text.startswith(f"The file is of type {kind}"):
            return Explanation(_not_a_spreadsheet(kind))
    if "has no students; add them with /add_students first" in text:
        return Explanation("The course has no students yet. Add them on the Students tab first, then upload again.")
    if text.startswith("end_time: "):
        return Explanation(f"The meeting end time could not be read: {text.removeprefix('end_time: ')} Type it like "
                           "11:00, 11:00 AM or 2026-03-02 11:00.")
    if "after end_time" in text or "after the end time" in text:
        return Explanation(text.replace("end_time", "the meeting end time") + " Check the end time you typed.")
    if text.startswith("These flagged rolls are not enrolled"):
        return Explanation(text.replace("These flagged rolls", "These roll numbers you marked absent"))
    if "send replace=1" in text:
        return Explanation(text.replace("; send replace=1 to replace it.", ".") + " Replace it, or discard this "
                           "upload.", offer_replace=True)
    return Explanation(message)
