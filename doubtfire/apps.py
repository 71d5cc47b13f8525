from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def create_cache_table(using, **kwargs):
    """Throttle counters live in the database cache (settings.CACHES), so `migrate` creates its table: no
    deployment can forget `createcachetable`, and switching CACHE_URL back to the database needs no extra
    step. It does nothing when the table exists or the cache is not the database."""
    call_command("createcachetable", database=using, verbosity=0)


class DoubtfireConfig(AppConfig):
    name = "doubtfire"
    verbose_name = "Units"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # The project package's app, so the signal is sent once per `migrate` (only apps with models get it).
        post_migrate.connect(create_cache_table, sender=self)
