"""Write doubtfire_users.csv, as GET /api/csv/users does."""

from doubtfire.resources import ResourceExportCommand, UserResource


class Command(ResourceExportCommand):
    help = "Write doubtfire_users.csv, as GET /api/csv/users does."
    resource_class = UserResource
    needs_unit = False
