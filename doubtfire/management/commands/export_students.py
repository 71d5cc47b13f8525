"""Write <CODE>-Students.csv of a unit, as GET /api/csv/units/<id> does."""

from doubtfire.resources import ResourceExportCommand, UnitStudentResource


class Command(ResourceExportCommand):
    help = "Write <CODE>-Students.csv of a unit, as GET /api/csv/units/<id> does."
    resource_class = UnitStudentResource
    needs_unit = True
