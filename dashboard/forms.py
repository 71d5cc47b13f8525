"""The dashboard's forms: they check the shape of what a teacher typed; the rules live in services."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password

from doubtfire.models import User


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
