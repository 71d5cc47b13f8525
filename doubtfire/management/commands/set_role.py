"""Give a user a system role: how a signed-up teacher becomes a Convenor (signing up only makes a Tutor)."""

from django.core.management.base import BaseCommand, CommandError

from doubtfire.models import Role, User
from doubtfire.services import set_system_role


class Command(BaseCommand):
    help = "Set a user's system role (Student, Tutor, Convenor or Admin), e.g. `set_role asha@uni.edu Convenor`."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The user's username (any case).")
        parser.add_argument("role", help="Student, Tutor, Convenor or Admin (any case).")

    def handle(self, *args, username, role, **options):
        wanted = next((value for value in Role.values if value.lower() == role.strip().lower()), None)
        if wanted is None:
            raise CommandError(f"Unknown role '{role}': use Student, Tutor, Convenor or Admin.")
        user = User.objects.filter(username__iexact=username.strip()).first()
        if user is None:
            raise CommandError(f"There is no user called {username}.")
        before = user.role
        set_system_role(user=user, role=wanted)
        self.stdout.write(f"{user.username}: {before} -> {user.role}.")
