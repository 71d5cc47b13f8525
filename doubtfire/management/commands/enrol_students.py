"""Enrol students in a unit from a students CSV/XLSX, as POST /api/csv/units/<id> does."""

from doubtfire.resources import ResourceImportCommand, UnitStudentResource


class Command(ResourceImportCommand):
    help = "Enrol students in a unit from a students CSV/XLSX, as POST /api/csv/units/<id> does."
    resource_class = UnitStudentResource
    needs_unit = True
