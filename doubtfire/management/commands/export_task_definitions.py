"""Write <CODE>-Tasks.csv of a unit, as GET /api/csv/task_definitions does."""

from doubtfire.resources import ResourceExportCommand, TaskDefinitionResource


class Command(ResourceExportCommand):
    help = "Write <CODE>-Tasks.csv of a unit, as GET /api/csv/task_definitions does."
    resource_class = TaskDefinitionResource
    needs_unit = True
