"""Create users from a users CSV/XLSX, as POST /api/csv/users does."""

from doubtfire.resources import ResourceImportCommand, UserResource


class Command(ResourceImportCommand):
    help = "Create users from a users CSV/XLSX, as POST /api/csv/users does."
    resource_class = UserResource
    needs_unit = False
