from django.apps import AppConfig


class DoubtfireConfig(AppConfig):
    name = "doubtfire"
    verbose_name = "Units"
    default_auto_field = "django.db.models.BigAutoField"
