"""Write <CODE>-TaskCompletion.csv of a unit, as GET /api/csv/units/<id>/task_completion does."""

from doubtfire.resources import ResourceExportCommand, TaskCompletionResource


class Command(ResourceExportCommand):
    help = "Write <CODE>-TaskCompletion.csv of a unit, as GET /api/csv/units/<id>/task_completion does."
    resource_class = TaskCompletionResource
    needs_unit = True
