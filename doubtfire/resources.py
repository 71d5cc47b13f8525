"""django-import-export Resources: one per Doubtfire CSV, the round-trip contract of each file.

A Resource declares its columns and is the one entry point used by the API route, the admin's
import/export buttons and the management commands. Its rows never go through django-import-export's
row-by-row machinery: `export` reads the selector (constant queries) and `import_data` hands the whole
table to the bulk service, so every path gives the same `{success, ignored, errors}` and the same speed.

Files are read by the shared reader (`spreadsheets.read_table`) on every path, including the
admin, whose import format `SpreadsheetFormat` wraps it.
"""

import json
import sys

import tablib
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from import_export import resources
from import_export.admin import ImportExportMixin, ImportMixin
from import_export.formats.base_formats import Format
from import_export.forms import ConfirmImportForm, ExportForm, ImportForm
from import_export.results import Error, Result, RowResult

from doubtfire import selectors, services
from doubtfire.models import Project, Role, TaskDefinition, Unit, User
from spreadsheets import (
    FileFormatError,
    ReadBudget,
    Row,
    Table,
    UnsupportedFileType,
    csv_bytes,
    csv_lines,
    normalise_header,
    read_table,
)


class SpreadsheetFormat(Format):
    """The admin's import format: CSV (any encoding/delimiter) or XLSX, read by the shared reader.

    The parsed Table rides along on the dataset so that row numbers survive into the result.
    """

    def __init__(self, encoding=None):
        self.encoding = encoding

    def get_title(self):
        return "csv or xlsx"

    def create_dataset(self, in_stream):
        data = in_stream if isinstance(in_stream, bytes) else in_stream.encode("utf-8")
        table = read_table(data, budget=ReadBudget.from_settings(settings))
        dataset = tablib.Dataset(*[[row.values[name] for name in table.headers] for row in table.rows], headers=table.headers)
        dataset.source_table = table
        return dataset

    def get_extension(self):
        return "csv"

    def can_import(self):
        return True


def table_from_dataset(dataset: tablib.Dataset) -> Table:
    """A Table for a dataset: the one the shared reader made, else one built from a tablib dataset."""
    table = getattr(dataset, "source_table", None)
    if table is not None:
        return table
    headers = [normalise_header(str(name)) for name in dataset.headers or []]
    rows = [
        Row(number=number, values={name: "" if value is None else str(value).strip() for name, value in zip(headers, values)})
        for number, values in enumerate(dataset, start=2)
    ]
    return Table(headers=headers, original_headers=list(dataset.headers or []), rows=rows, kind="text/csv")


class DoubtfireCsvResource(resources.Resource):
    """Base: `export_table()` → selector, `import_table(table)` → service; DIE hooks call those."""

    columns: list[str] = []

    def __init__(self, *, actor: User | None = None, unit: Unit | None = None, **kwargs):
        super().__init__(**kwargs)
        self.actor = actor
        self.unit = unit

    # --- the contract --------------------------------------------------------------------------------
    def export_table(self) -> selectors.ExportTable:
        raise NotImplementedError

    def import_table(self, table: Table, *, actor: User | None = None, progress=None) -> services.ImportResult:
        """Import through the file's service; `progress(stage, done, total)` hears how far it has got."""
        raise NotImplementedError

    def required_headings(self) -> tuple[str, ...]:
        """Headings an upload must have; the reader refuses a file without them as soon as it has read the
        heading row, before the rest of the sheet is parsed (the service checks them again)."""
        return ()

    def read(self, data: bytes) -> Table:
        """``data`` read by the shared reader with this file's required headings and the configured budget."""
        return read_table(data, required=self.required_headings(), budget=ReadBudget.from_settings(settings))

    # --- django-import-export hooks ------------------------------------------------------------------
    @classmethod
    def get_display_name(cls):
        return cls.__name__.removesuffix("Resource")

    def get_export_headers(self, selected_fields=None):
        return list(self.export_table().header)

    def get_user_visible_fields(self):
        return []

    def export(self, queryset=None, **kwargs):
        exported = self.export_table()
        return tablib.Dataset(*[list(row) for row in exported.rows], headers=exported.header)

    def import_data(
        self,
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=None,
        collect_failed_rows=False,
        rollback_on_validation_errors=False,
        **kwargs,
    ):
        """Run the bulk service on the whole dataset and describe the outcome as a DIE `Result`.

        A dry run (the admin's preview) runs the service in a transaction that is rolled back.
        """
        actor = kwargs.get("user") or self.actor
        table = table_from_dataset(dataset)
        result = Result()
        result.diff_headers = list(table.headers) + ["message"]
        result.add_dataset_headers(list(table.headers))
        with transaction.atomic():
            try:
                outcome = self.import_table(table, actor=actor)
            except FileFormatError as error:
                if raise_errors:
                    raise
                result.append_base_error(Error(error))
                transaction.set_rollback(True)
                return result
            if dry_run or (rollback_on_validation_errors and outcome.errors):
                transaction.set_rollback(True)
        self._describe(result, outcome)
        return result

    @staticmethod
    def _describe(result: Result, outcome: services.ImportResult) -> None:
        for import_type, entries in (
            (RowResult.IMPORT_TYPE_NEW, outcome.success),
            (RowResult.IMPORT_TYPE_SKIP, outcome.ignored),
        ):
            for entry in entries:
                row_result = RowResult()
                row_result.import_type = import_type
                row_result.row_values = entry["row"]
                row_result.diff = [*entry["row"].values(), entry["message"]]
                row_result.object_repr = entry["message"]
                result.append_row_result(row_result)
                result.increment_row_result_total(row_result)
        for entry in outcome.errors:
            values = {**entry["row"], "message": entry["message"]}
            result.append_invalid_row(entry["row_number"], values, ValidationError(entry["message"]))
            result.totals[RowResult.IMPORT_TYPE_INVALID] += 1
        result.total_rows = len(outcome.success) + len(outcome.ignored) + len(outcome.errors)


class UserResource(DoubtfireCsvResource):
    """`doubtfire_users.csv` — columns selectors.USER_COLUMNS; import creates new users only."""

    columns = selectors.USER_COLUMNS

    class Meta:
        model = User

    def export_table(self):
        return selectors.users_table()

    def import_table(self, table, *, actor=None, progress=None):
        return services.import_users_from_table(actor=actor or self.actor, table=table, progress=progress)

    def required_headings(self):
        return services.USER_REQUIRED_HEADINGS


class UnitResource(DoubtfireCsvResource):
    """Base for the per-unit files: the unit comes from the caller (route id, command option, admin form)."""

    def _unit(self) -> Unit:
        if self.unit is None:
            raise FileFormatError("Choose the unit to import into.")
        return self.unit


class UnitStudentResource(UnitResource):
    """`<CODE>-Students.csv` — selectors.STUDENT_COLUMNS + tutorial/stream columns; import enrols."""

    columns = selectors.STUDENT_COLUMNS

    class Meta:
        model = Project

    def export_table(self):
        return selectors.unit_students_table(self._unit())

    def import_table(self, table, *, actor=None, progress=None):
        return services.enrol_students_from_table(actor=actor or self.actor, unit=self._unit(), table=table, progress=progress)

    def required_headings(self):
        return services.ENROLMENT_REQUIRED_HEADINGS + tuple(services.enrolment_tutorial_headings(self._unit()))


class WithdrawStudentResource(UnitResource):
    """The withdraw upload: reads unit_code and username of any students file."""

    columns = ["unit_code", "username"]

    class Meta:
        model = Project

    def export_table(self):
        return selectors.unit_students_table(self._unit())

    def import_table(self, table, *, actor=None, progress=None):
        return services.withdraw_students_from_table(actor=actor or self.actor, unit=self._unit(), table=table, progress=progress)

    def required_headings(self):
        return services.WITHDRAW_REQUIRED_HEADINGS


class TaskCompletionResource(UnitResource):
    """`<CODE>-TaskCompletion.csv` (download only)."""

    class Meta:
        model = Project

    def export_table(self):
        return selectors.task_completion_table(self._unit())


class TutorAssessmentResource(UnitResource):
    """`<CODE>-TutorAssessments.csv` (download only)."""

    columns = selectors.TUTOR_ASSESSMENT_COLUMNS

    class Meta:
        model = Project

    def export_table(self):
        return selectors.tutor_assessments_table(self._unit())


class TaskDefinitionResource(UnitResource):
    """`<CODE>-Tasks.csv` — selectors.TASK_DEFINITION_COLUMNS; import creates/updates definitions."""

    columns = selectors.TASK_DEFINITION_COLUMNS

    class Meta:
        model = TaskDefinition

    def export_table(self):
        return selectors.task_definitions_table(self._unit())

    def import_table(self, table, *, actor=None, progress=None):
        return services.import_task_definitions_from_table(actor=actor or self.actor, unit=self._unit(), table=table, progress=progress)

    def required_headings(self):
        return services.TASK_REQUIRED_HEADINGS


# --- Management commands --------------------------------------------------------------------------
# The `import_*`/`enrol_students`/`withdraw_students` and `export_*` commands (cron jobs) are these two
# classes bound to a Resource: they read the file with the shared reader and call the same service, or
# write the same selector's rows with the shared CSV writer.


def _unit_from_option(unit_id) -> Unit:
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise CommandError(f"There is no unit with id {unit_id}.")
    return unit


class ResourceImportCommand(BaseCommand):
    resource_class: type[DoubtfireCsvResource]
    needs_unit = True

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV or XLSX file to import ('-' reads standard input).")
        if self.needs_unit:
            parser.add_argument("--unit", type=int, required=True, help="Id of the unit.")
        parser.add_argument(
            "--actor",
            help="Username to act as (its permissions apply, e.g. a Convenor may only add Students and Tutors). "
            "Without it the command acts as an Admin.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would happen, write nothing.")

    def handle(self, *args, **options):
        unit = _unit_from_option(options["unit"]) if self.needs_unit else None
        if options["actor"]:
            actor = User.objects.filter(username__iexact=options["actor"]).first()
            if actor is None:
                raise CommandError(f"There is no user called {options['actor']}.")
        else:
            actor = User(username="manage.py", role=Role.ADMIN)  # the operator already has full access
        path = options["file"]
        try:
            if path == "-":
                data = sys.stdin.buffer.read()
            else:
                with open(path, "rb") as handle:
                    data = handle.read()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        try:
            table = self.resource_class(actor=actor, unit=unit).read(data)
            with transaction.atomic():
                outcome = self.resource_class(actor=actor, unit=unit).import_table(table, actor=actor)
                if options["dry_run"]:
                    transaction.set_rollback(True)
        except UnsupportedFileType as error:
            raise CommandError(str(error)) from None
        except FileFormatError as error:
            raise CommandError(f"{path}: {error}") from None
        self.stdout.write(json.dumps(outcome.as_dict(), indent=2, ensure_ascii=False))
        self.stderr.write(
            f"{len(outcome.success)} success, {len(outcome.ignored)} ignored, {len(outcome.errors)} errors"
            + (" (dry run: nothing written)" if options["dry_run"] else "")
        )


class ResourceExportCommand(BaseCommand):
    resource_class: type[DoubtfireCsvResource]
    needs_unit = True

    def add_arguments(self, parser):
        if self.needs_unit:
            parser.add_argument("--unit", type=int, required=True, help="Id of the unit.")
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")

    def handle(self, *args, **options):
        unit = _unit_from_option(options["unit"]) if self.needs_unit else None
        exported = self.resource_class(unit=unit).export_table()
        lines = csv_lines(exported.header, exported.rows)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8", newline="") as handle:
                handle.writelines(lines)
            self.stderr.write(f"Wrote {options['output']}")
        else:
            for line in lines:
                self.stdout.write(line, ending="")


# --- Admin import/export buttons ------------------------------------------------------------------


class SpreadsheetCsvExportFormat(Format):
    """The admin's export format: the shared CSV writer (formula neutralising), never tablib's."""

    def __init__(self, encoding=None):
        self.encoding = encoding

    def get_title(self):
        return "csv"

    def export_data(self, dataset, **kwargs):
        return csv_bytes(dataset.headers or [], list(dataset))

    def get_extension(self):
        return "csv"

    def get_content_type(self):
        return "text/csv; charset=utf-8"

    def can_export(self):
        return True


class UsersCsvAdminMixin(ImportExportMixin):
    """Import/export buttons of the User admin: doubtfire_users.csv through UserResource."""

    resource_classes = [UserResource]
    import_formats = [SpreadsheetFormat]
    export_formats = [SpreadsheetCsvExportFormat]
    export_form_class = ExportForm

    def get_import_resource_kwargs(self, request, **kwargs):
        return {"actor": request.user}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {"actor": request.user}


class UnitImportForm(ImportForm):
    unit = forms.ModelChoiceField(queryset=Unit.objects.all(), help_text="The unit the file is for.")


class UnitConfirmImportForm(ConfirmImportForm):
    unit = forms.ModelChoiceField(queryset=Unit.objects.all(), widget=forms.HiddenInput())


class UnitCsvImportAdminMixin(ImportMixin):
    """Import button for per-unit files (students, task definitions): the form asks for the unit."""

    import_formats = [SpreadsheetFormat]
    import_form_class = UnitImportForm
    confirm_form_class = UnitConfirmImportForm

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        unit = getattr(form, "cleaned_data", {}).get("unit") if form is not None else None
        return {"actor": request.user, "unit": unit}

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["unit"] = import_form.cleaned_data["unit"].pk
        return initial


class StudentsCsvAdminMixin(UnitCsvImportAdminMixin):
    resource_classes = [UnitStudentResource]


class TaskDefinitionsCsvAdminMixin(UnitCsvImportAdminMixin):
    resource_classes = [TaskDefinitionResource]
