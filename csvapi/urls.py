"""Every API route. Each views module owns its part; this file only puts them together."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from csvapi.views.auth import AuthTokenView

urlpatterns = [
    path("api/auth", AuthTokenView.as_view(), name="api-auth"),
    path("", include("csvapi.views.doubtfire_csv")),
    path("", include("csvapi.views.jobs")),
    path("", include("csvapi.views.attendance")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("csvapi.views.resources")),
    path("api-auth/", include("rest_framework.urls")),
]
