"""Create or update a unit's task definitions from a tasks CSV/XLSX, as POST /api/csv/task_definitions does."""

from doubtfire.resources import ResourceImportCommand, TaskDefinitionResource


class Command(ResourceImportCommand):
    help = "Create or update a unit's task definitions from a tasks CSV/XLSX, as POST /api/csv/task_definitions does."
    resource_class = TaskDefinitionResource
    needs_unit = True
