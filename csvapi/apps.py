from django.apps import AppConfig


class CsvapiConfig(AppConfig):
    name = "csvapi"
    verbose_name = "HTTP API"

    def ready(self):
        # Registers the OpenAPI description of our token authentication with drf-spectacular.
        from csvapi import schema  # noqa: F401
