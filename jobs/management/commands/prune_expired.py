"""Delete what has expired now: finished jobs' results, uploads nobody confirmed, Undo copies. Every job worker
does this after each job; this command is for a deployment that runs no worker, or for a cron job."""

from django.core.management.base import BaseCommand

from jobs.services import prune_expired_jobs


class Command(BaseCommand):
    help = "Delete expired job results, waiting uploads and Undo copies (the job worker does it after every job)."

    def handle(self, *args, **options):
        deleted = prune_expired_jobs()
        self.stdout.write(f"Pruned {deleted} expired job{'s' if deleted != 1 else ''} and the other expired rows.")
