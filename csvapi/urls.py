"""Every API route. Each views module owns its part; this file only puts them together."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from csvapi.views.auth import AuthMethodView, AuthTokenView, SignOutUrlView
from csvapi.views.client_settings import ClientSettingsView

urlpatterns = [
    path("api/auth", AuthTokenView.as_view(), name="api-auth"),
    path("api/auth/method", AuthMethodView.as_view(), name="api-auth-method"),
    path("api/auth/signout_url", SignOutUrlView.as_view(), name="api-auth-signout-url"),
    path("api/settings", ClientSettingsView.as_view(), name="api-settings"),
    path("", include("csvapi.views.doubtfire_csv")),
    path("", include("csvapi.views.jobs")),
    path("", include("csvapi.views.attendance")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("csvapi.views.resources")),
    path("api-auth/", include("rest_framework.urls")),
]
