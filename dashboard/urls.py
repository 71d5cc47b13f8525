"""Pages of the teacher dashboard, mounted at the site root."""

from django.urls import path, register_converter

from dashboard import views
from doubtfire.ids import IdConverter

# `<id:...>`: ASCII digits within the database's range (`<id:...>` also took 23 digits to the database).
register_converter(IdConverter, "id")

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
    path("units/<id:unit_id>/", views.unit_detail, name="unit"),
    path("units/<id:unit_id>/tasks/", views.unit_tasks, name="unit_tasks"),
    path("units/<id:unit_id>/upload/<slug:kind>/", views.unit_upload, name="unit_upload"),
    # Attendance
    path("courses/new/", views.course_create, name="course_create"),
    path("courses/<id:pk>/", views.course_detail, name="course"),
    path("courses/<id:pk>/upload/", views.course_upload, name="course_upload"),
    path("courses/<id:pk>/upload/confirm/", views.course_upload_confirm, name="course_upload_confirm"),
    path("courses/<id:pk>/upload/cancel/", views.course_upload_cancel, name="course_upload_cancel"),
    path(
        "courses/<id:pk>/upload/ignore-unknown/",
        views.course_upload_ignore_unknown,
        name="course_upload_ignore_unknown",
    ),
    path("courses/<id:pk>/students/add/", views.course_add_students, name="course_add_students"),
    path("courses/<id:pk>/students/remove/", views.course_remove_student, name="course_remove_student"),
    path("courses/<id:pk>/dates/delete/", views.course_delete_date, name="course_delete_date"),
    path("courses/<id:pk>/delete/", views.course_delete, name="course_delete"),
    # Progress of long uploads (polled by dashboard.js)
    path("progress/", views.progress_start, name="progress_start"),
]
