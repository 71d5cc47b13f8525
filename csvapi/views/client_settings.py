"""`GET /api/settings`: what Doubtfire's web client reads at start-up to name the product and choose features
(reference §1.2). Public, as upstream's is: the client asks before anyone signs in, without its auth headers.
"""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from csvapi.views.auth import PublicView


class ClientSettingsSerializer(serializers.Serializer):
    # camelCase, as upstream sends these three (unlike the rest of its API).
    externalName = serializers.CharField(help_text="The product's name, shown by the client (PRODUCT_NAME).")
    overseerEnabled = serializers.BooleanField(help_text="Automated task checking (Overseer): not offered here.")
    tiiEnabled = serializers.BooleanField(help_text="Turnitin similarity checks: not offered here.")


class ClientSettingsView(PublicView):
    """The product's name (setting PRODUCT_NAME) and the optional upstream features, none of which is offered."""

    @extend_schema(responses={200: ClientSettingsSerializer}, summary="Settings doubtfire-web reads at start-up")
    def get(self, request):
        return Response(
            ClientSettingsSerializer(
                {"externalName": settings.PRODUCT_NAME, "overseerEnabled": False, "tiiEnabled": False}
            ).data
        )
