"""Pages of the teacher dashboard, mounted at the site root."""

from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.help_page, name="help"),
    # Accounts
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", views.SignOutView.as_view(), name="logout"),
    path("accounts/signup/", views.sign_up, name="signup"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # Units
    path("units/", views.unit_list, name="units"),
    path("units/users/upload/", views.users_upload, name="users_upload"),
    path("units/<int:unit_id>/", views.unit_detail, name="unit"),
    path("units/<int:unit_id>/tasks/", views.unit_tasks, name="unit_tasks"),
    path("units/<int:unit_id>/upload/<slug:kind>/", views.unit_upload, name="unit_upload"),
]
