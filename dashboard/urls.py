"""Pages of the teacher dashboard."""

urlpatterns: list = []
