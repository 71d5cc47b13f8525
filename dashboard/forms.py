"""The dashboard's forms: they check the shape of what a teacher typed; the rules live in services."""

import datetime

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password

from attendance.formats import TimestampError
from attendance.formats.timestamps import parse_timestamp
from attendance.models import Status
from attendance.schedule import WEEKDAYS
from attendance.services import REMARK_LIMIT
from doubtfire.models import TaskStatus, User


def checked_size(upload):
    """The upload itself, or a ValidationError when it is bigger than the API accepts too."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload is not None and upload.size > limit:
        raise forms.ValidationError(
            f"The file '{upload.name}' is {upload.size / 2**20:.1f} MiB; the largest file accepted is "
            f"{limit / 2**20:.1f} MiB."
        )
    return upload


class SignInForm(AuthenticationForm):
    """Django's sign-in form with a label that says what to type (teachers sign in with their email)."""

    username = forms.CharField(
        label="Email or username",
        max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "autocapitalize": "none"}),
    )


class SignUpForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=300, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password_again = forms.CharField(
        label="Password again", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        data = super().clean()
        password, again = data.get("password"), data.get("password_again")
        if password and again and password != again:
            self.add_error("password_again", "The two passwords are not the same.")
        if password and data.get("email"):
            # Checked here too so the teacher sees every problem at once, beside the field.
            probe = User(username=data["email"], email=data["email"], first_name=data.get("name", ""))
            try:
                validate_password(password, probe)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data


class SpreadsheetUploadForm(forms.Form):
    file = forms.FileField(
        label="Spreadsheet (CSV or XLSX)",
        help_text="A .csv or .xlsx file whose first row holds the column headings.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self):
        return checked_size(self.cleaned_data["file"])


class StudentFilterForm(forms.Form):
    """Filters of a unit's student list. Choices are filled in from the unit by the view."""

    tutorial = forms.ChoiceField(label="Tutorial", required=False)
    campus = forms.ChoiceField(label="Campus", required=False)
    status = forms.ChoiceField(
        label="Enrolment",
        required=False,
        choices=[("enrolled", "Enrolled"), ("withdrawn", "Withdrawn"), ("all", "Everyone")],
    )
    search = forms.CharField(label="Name or username", required=False, max_length=100)

    def __init__(self, *args, tutorials=(), campuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tutorial"].choices = [("", "All tutorials")] + [(t, t) for t in tutorials]
        self.fields["campus"].choices = [("", "All campuses")] + [(c, c) for c in campuses]


# --- Attendance ------------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented recipe); cleans to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".csv,.xlsx,.txt,text/csv"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        files = [single(item, initial) for item in data] if isinstance(data, (list, tuple)) else [single(data, initial)]
        files = [upload for upload in files if upload]
        if self.required and not files:  # the widget gives [] when no file was chosen: refuse it as FileField would
            raise forms.ValidationError("Choose at least one report file.", code="required")
        total = sum(upload.size for upload in files)
        if total > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                f"The files add up to {total / 2**20:.1f} MiB; at most {settings.UPLOAD_MAX_BYTES / 2**20:.1f} MiB "
                "may be sent at once."
            )
        return files


class CourseForm(forms.Form):
    course_id = forms.CharField(label="Course ID", max_length=64, help_text="For example CS402.")
    course_name = forms.CharField(label="Course name", max_length=200)
    batch = forms.IntegerField(
        label="Batch (starting year)", min_value=1000, max_value=9999, help_text="A four-digit year, such as 2024."
    )
    roster = forms.FileField(
        label="Roster (CSV or XLSX)",
        help_text="Columns Roll Number and Name, in any order.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_course_id(self):
        value = self.cleaned_data["course_id"].strip()
        if any(ord(char) < 32 or char in '"\\' for char in value):
            raise forms.ValidationError("The course ID cannot contain quotes, backslashes or control characters.")
        return value

    def clean_roster(self):
        return checked_size(self.cleaned_data["roster"])


class RosterUploadForm(forms.Form):
    roster = forms.FileField(
        label="More students (CSV or XLSX)",
        help_text="Columns Roll Number and Name. Students already enrolled get their name updated.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_roster(self):
        return checked_size(self.cleaned_data["roster"])


class StudentForm(forms.Form):
    roll = forms.CharField(label="Roll number", max_length=64)
    name = forms.CharField(label="Name", max_length=200)


class AttendanceChoicesForm(forms.Form):
    """How to read the reports: everything of an upload but the files, so a waiting upload's choices can be
    changed on its preview page without choosing the files again."""

    threshold_minutes = forms.IntegerField(
        label="Present after (minutes)",
        min_value=0,
        max_value=24 * 60,
        initial=0,
        help_text="A student connected for at least this many minutes is present; 0 counts anyone who joined. "
        "Remembered for this course.",
    )
    end_time = forms.CharField(
        label="Meeting end time (optional)",
        required=False,
        max_length=40,
        help_text="For lists that can leave people connected, such as the older Teams list: for example 11:00 AM. "
        "Without it, anyone still connected is counted to the list's last event and marked.",
    )
    flags = forms.CharField(
        label="Mark these roll numbers absent (optional)",
        required=False,
        max_length=2000,
        help_text="Separated by commas, for example 12, 15.",
    )
    start_time = forms.CharField(
        label="Class start time (optional)",
        required=False,
        max_length=8,
        help_text="For example 09:00 or 2:30 PM. Needed when a date has several classes (a lecture and a lab): it "
        "says which class the report is for, and lateness is counted from it. Without it, the report's own start is "
        "used.",
    )
    date = forms.CharField(
        label="Class date (optional)",
        required=False,
        max_length=10,
        help_text="YYYY-MM-DD. Only for reports that write no date (a Google Meet report whose file name has none).",
    )
    date_order = forms.ChoiceField(
        label="Dates in the report",
        choices=[("day-first", "Day first (13/2/2026)"), ("month-first", "Month first (2/13/2026)")],
        initial="day-first",
    )
    match_by = forms.ChoiceField(
        label="Match people by",
        choices=[("name", "Display name or roll number"), ("email", "Email (Teams and Zoom reports)")],
        initial="name",
    )

    def clean_start_time(self):
        # Kept as text ("HH:MM") with the waiting upload's other choices.
        text = self.cleaned_data["start_time"].strip()
        if not text:
            return ""
        try:
            return f"{parse_timestamp(f'2000-01-01 {text}'):%H:%M}"
        except TimestampError:
            raise forms.ValidationError(f"'{text}' is not a time of day: write it as 09:00 or 2:30 PM.") from None

    def clean_date(self):
        text = self.cleaned_data["date"].strip()
        if not text:
            return ""
        try:
            return datetime.date.fromisoformat(text).isoformat()
        except ValueError:
            raise forms.ValidationError(f"'{text}' is not a date: write it as YYYY-MM-DD, for example 2026-03-02.") from None

    def clean_flags(self):
        # Blanks between commas are ignored; a roll flagged twice counts once.
        rolls = (roll.strip() for roll in self.cleaned_data["flags"].split(","))
        return list(dict.fromkeys(roll for roll in rolls if roll))


class AttendanceUploadForm(AttendanceChoicesForm):
    files = MultipleFileField(
        label="Attendance reports",
        help_text="One file per class: Teams, Zoom or Google Form, CSV or Excel. You may choose several files. "
        "You will see what would be recorded before anything is saved.",
    )
    field_order = ["files", "threshold_minutes", "start_time", "end_time", "flags", "date", "date_order", "match_by"]


class ReportDownloadForm(forms.Form):
    report_type = forms.ChoiceField(
        label="Report", choices=[("1", "Complete report"), ("0", "Defaulters only")], widget=forms.RadioSelect, initial="1"
    )

    def __init__(self, *args, planned: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if planned:  # at risk needs the remaining classes
            self.fields["report_type"].choices = [*self.fields["report_type"].choices, ("2", "Students at risk")]
    report_format = forms.ChoiceField(
        label="Format", choices=[("0", "CSV"), ("1", "Excel (XLSX)")], widget=forms.RadioSelect, initial="0"
    )
    cutoff = forms.DecimalField(
        label="Defaulter cutoff (%)", min_value=0, max_value=100, initial=75, decimal_places=2,
        help_text="Below this attendance a student is a defaulter; exactly at it they are not.",
    )


class OverviewForm(forms.Form):
    """The course page's reading choices, kept in the address (Reload, Back and bookmarks keep them)."""

    show = forms.ChoiceField(
        label="Show", required=False,
        choices=[("all", "Everyone"), ("defaulters", "Defaulters"), ("at-risk", "At risk")],
    )
    sort = forms.ChoiceField(
        label="Sort by", required=False,
        choices=[("roll", "Roll number"), ("name", "Name"), ("percent", "Attendance, lowest first"),
                 ("-percent", "Attendance, highest first"), ("attended", "Classes attended")],
    )
    cutoff = forms.DecimalField(label="Defaulter below (%)", required=False, min_value=0, max_value=100,
                                decimal_places=2)


class CourseDefaultsForm(forms.Form):
    threshold_minutes = forms.IntegerField(
        label="Present after (minutes)", min_value=0, max_value=24 * 60,
        help_text="The threshold new uploads start with. 0 counts anyone who joined.",
    )
    cutoff = forms.DecimalField(
        label="Defaulter below (%)", min_value=0, max_value=100, decimal_places=2,
        help_text="Students below this attendance are defaulters on the course page; exactly at it they are not.",
    )
    late_allowance_minutes = forms.IntegerField(
        label="Late after (minutes, optional)", min_value=0, max_value=24 * 60, required=False,
        help_text="A student who first joins more than this many minutes after the class starts is Late (still "
        "attended). Empty: nobody is marked late. Applies to reports uploaded from now on.",
    )


class CoTeacherForm(forms.Form):
    person = forms.CharField(
        label="Username or e-mail", max_length=254,
        help_text="A teacher with an account here. They can see the course, upload and correct; only you can delete "
        "it or share it.",
    )


class CorrectionForm(forms.Form):
    status = forms.ChoiceField(label="Status", choices=Status.choices, widget=forms.RadioSelect)
    remark = forms.CharField(
        label="Why (kept in the history)", max_length=REMARK_LIMIT, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: doctor's certificate; joined from a colleague's laptop.",
    )


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"


WEEKDAY_CHOICES = [(str(number), name.capitalize()) for number, name in enumerate(WEEKDAYS)]


def _breaks(text: str) -> list[tuple[datetime.date, datetime.date]]:
    """Lines of `YYYY-MM-DD` or `YYYY-MM-DD to YYYY-MM-DD` as (first, last) ranges."""
    ranges = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = [part.strip() for part in line.replace("–", " to ").split(" to ") if part.strip()]
        if not parts:
            continue
        try:
            days = [datetime.date.fromisoformat(part) for part in parts]
        except ValueError:
            raise forms.ValidationError(
                f"Line {number} ('{line.strip()}') is not a date or a range: write 2026-04-06 or "
                "2026-04-06 to 2026-04-17."
            ) from None
        if len(days) > 2:
            raise forms.ValidationError(f"Line {number} has more than two dates: one break per line.")
        first, last = days[0], days[-1]
        if last < first:
            raise forms.ValidationError(f"Line {number}: the break ends before it starts.")
        ranges.append((first, last))
    return ranges


class PlanGenerateForm(forms.Form):
    weekday = forms.ChoiceField(label="Day", choices=WEEKDAY_CHOICES)
    time = forms.TimeField(label="Starts at", input_formats=["%H:%M"], widget=TimeInput(format="%H:%M"))
    start = forms.DateField(label="First week", widget=DateInput(format="%Y-%m-%d"))
    end = forms.DateField(label="Last day", widget=DateInput(format="%Y-%m-%d"))
    breaks = forms.CharField(
        label="Breaks (optional)", required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line: a date (2026-04-10) or a range (2026-04-06 to 2026-04-17). No class is planned in them.",
    )
    replace = forms.BooleanField(
        label="Replace the plan (remove planned classes not in this schedule)", required=False,
    )

    def clean_weekday(self):
        return int(self.cleaned_data["weekday"])

    def clean_breaks(self):
        return _breaks(self.cleaned_data["breaks"])

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The last day is before the first week.")
        return data


class PlanImportForm(forms.Form):
    file = forms.FileField(
        label="Planned classes (CSV or XLSX)", help_text="Columns Date and, optionally, Start Time (HH:MM).",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def clean_file(self):
        return checked_size(self.cleaned_data["file"])


class PlanBreakForm(forms.Form):
    first = forms.DateField(label="From", widget=DateInput(format="%Y-%m-%d"))
    last = forms.DateField(label="To (included)", widget=DateInput(format="%Y-%m-%d"))

    def clean(self):
        data = super().clean()
        if data.get("first") and data.get("last") and data["last"] < data["first"]:
            self.add_error("last", "The break ends before it starts.")
        return data


class CourseFromUnitForm(forms.Form):
    """A course whose roster follows a unit, a stream or a tutorial (attendance.selectors.link_choices)."""

    follows = forms.ChoiceField(label="Students of")
    course_id = forms.CharField(label="Course ID", max_length=64, help_text="For example COS10001-LA1.")
    course_name = forms.CharField(label="Course name", max_length=200)
    batch = forms.IntegerField(
        label="Batch (starting year)", min_value=1000, max_value=9999, help_text="A four-digit year, such as 2026."
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        groups = []
        for choice in choices:
            unit = choice.unit
            options = []
            if choice.whole_unit:
                options.append((f"unit:{unit.pk}", f"{unit.code} — every enrolled student"))
                options += [(f"stream:{stream.pk}", f"{unit.code} — stream {stream.abbreviation}") for stream in choice.streams]
            for tutorial in choice.tutorials:
                when = f" ({tutorial.meeting_day} {tutorial.meeting_time:%H:%M})" if tutorial.meeting_day and tutorial.meeting_time else ""
                options.append((f"tutorial:{tutorial.pk}", f"{unit.code} — tutorial {tutorial.abbreviation}{when}"))
            groups.append((f"{unit.code} {unit.name}", options))
        self.fields["follows"].choices = groups

    def clean_course_id(self):
        return CourseForm.clean_course_id(self)


class TaskStatusForm(forms.Form):
    status = forms.TypedChoiceField(label="Status", coerce=int, choices=TaskStatus.choices)


class MoodleDownloadForm(forms.Form):
    """The course page's "Moodle attendance import file" (attendance.selectors.moodle): which Moodle user field
    finds each student. ``unusable`` counts, per identifier, the students it cannot match
    (attendance.selectors.moodle_identifiers_unmatched); the first that matches everyone is chosen to start with."""

    LABELS = {"email": "E-mail address", "username": "Username", "roll": "Roll number (Moodle's ID number)"}

    moodle_user = forms.ChoiceField(label="Find students in Moodle by")

    def __init__(self, *args, unusable: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["moodle_user"].choices = [
            (key, label + (f" ({unusable[key]} student{'s' if unusable[key] > 1 else ''} cannot be matched)" if unusable[key] else ""))
            for key, label in self.LABELS.items()
        ]
        self.fields["moodle_user"].initial = next((key for key in self.LABELS if not unusable[key]), "email")
