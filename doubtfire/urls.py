"""Top-level routes: the admin, the API (csvapi) and the teacher dashboard."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Teaching data administration"
admin.site.site_title = "Teaching data"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("csvapi.urls")),
    path("", include("dashboard.urls")),
]
