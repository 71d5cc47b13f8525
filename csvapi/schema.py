"""Teaches drf-spectacular how our token authentication looks in the OpenAPI document."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class HeaderTokenScheme(OpenApiAuthenticationExtension):
    target_class = "csvapi.authentication.HeaderTokenAuthentication"
    name = ["Username", "AuthToken"]

    def get_security_definition(self, auto_schema):
        return [
            {"type": "apiKey", "in": "header", "name": "Username"},
            {"type": "apiKey", "in": "header", "name": "Auth-Token"},
        ]


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "csvapi.authentication.BearerTokenAuthentication"
    name = "TokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "Token <token>"}


class FormTokenScheme(OpenApiAuthenticationExtension):
    target_class = "csvapi.authentication.FormTokenAuthentication"
    name = "FormToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "query", "name": "token"}
