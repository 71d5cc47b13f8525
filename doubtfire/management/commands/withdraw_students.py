"""Withdraw the students listed in a CSV/XLSX from a unit, as POST /api/csv/units/<id>/withdraw does."""

from doubtfire.resources import ResourceImportCommand, WithdrawStudentResource


class Command(ResourceImportCommand):
    help = "Withdraw the students listed in a CSV/XLSX from a unit, as POST /api/csv/units/<id>/withdraw does."
    resource_class = WithdrawStudentResource
    needs_unit = True
