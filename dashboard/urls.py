"""Pages of the teacher dashboard, mounted at the site root."""

from django.urls import path, register_converter

from dashboard.views import accounts, courses, planning, progress, records, trash, units, uploads
from doubtfire.ids import IdConverter

# `<id:...>`: ASCII digits within the database's range (`<int:...>` also took 23 digits to the database).
register_converter(IdConverter, "id")

app_name = "dashboard"

urlpatterns = [
    path("", courses.home, name="home"),
    path("help/", accounts.help_page, name="help"),
    # Accounts
    path("accounts/login/", accounts.SignInView.as_view(), name="login"),
    path("accounts/logout/", accounts.SignOutView.as_view(), name="logout"),
    path("accounts/signup/", accounts.sign_up, name="signup"),
    path("accounts/password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", accounts.PasswordChangeDoneView.as_view(), name="password_change_done"),
    # Units
    path("units/", units.unit_list, name="units"),
    path("units/users/upload/", units.unit_upload, {"kind": "users"}, name="users_upload"),
    path("units/users/uploads/<uuid:upload>/", units.unit_staged, name="users_staged"),
    path("units/users/uploads/<uuid:upload>/confirm/", units.unit_staged_confirm, name="users_staged_confirm"),
    path("units/users/uploads/<uuid:upload>/discard/", units.unit_staged_discard, name="users_staged_discard"),
    path("units/<id:unit_id>/", units.unit_detail, name="unit"),
    path("units/<id:unit_id>/tasks/", units.unit_tasks, name="unit_tasks"),
    path("units/<id:unit_id>/tasks/<id:project_id>/<id:definition_id>/", units.unit_task_status, name="unit_task_status"),
    path("units/<id:unit_id>/upload/<slug:kind>/", units.unit_upload, name="unit_upload"),
    path("units/<id:unit_id>/uploads/<uuid:upload>/", units.unit_staged, name="unit_staged"),
    path("units/<id:unit_id>/uploads/<uuid:upload>/confirm/", units.unit_staged_confirm, name="unit_staged_confirm"),
    path("units/<id:unit_id>/uploads/<uuid:upload>/discard/", units.unit_staged_discard, name="unit_staged_discard"),
    # Attendance courses
    path("my-attendance/", records.my_attendance, name="my_attendance"),
    path("courses/new/", courses.course_create, name="course_create"),
    path("courses/new/from-unit/", courses.course_create_from_unit, name="course_create_from_unit"),
    path("courses/<id:pk>/", courses.course_detail, name="course"),
    path("courses/<id:pk>/students/", courses.course_students, name="course_students"),
    path("courses/<id:pk>/students/add/", courses.course_add_student, name="course_add_student"),
    path("courses/<id:pk>/students/add-file/", courses.course_add_students_file, name="course_add_students_file"),
    path("courses/<id:pk>/students/<id:student_pk>/", records.course_student, name="course_student"),
    path("courses/<id:pk>/cells/<id:session_pk>/<id:student_pk>/", records.course_cell, name="course_cell"),
    path("courses/<id:pk>/students/<id:student_pk>/rename/", courses.course_rename_student, name="course_rename_student"),
    path("courses/<id:pk>/students/<id:student_pk>/remove/", courses.course_remove_student, name="course_remove_student"),
    path("courses/<id:pk>/dates/", courses.course_dates, name="course_dates"),
    path("courses/<id:pk>/dates/<id:session_pk>/delete/", courses.course_delete_session, name="course_delete_session"),
    path("courses/<id:pk>/dates/plan/generate/", planning.plan_generate, name="plan_generate"),
    path("courses/<id:pk>/dates/plan/import/", planning.plan_import, name="plan_import"),
    path("courses/<id:pk>/dates/plan/remove-break/", planning.plan_remove_break, name="plan_remove_break"),
    path("courses/<id:pk>/dates/plan/remove-class/", planning.plan_remove_class, name="plan_remove_class"),
    path("courses/<id:pk>/settings/", courses.course_settings, name="course_settings"),
    path("courses/<id:pk>/settings/teachers/", courses.course_add_teacher, name="course_add_teacher"),
    path("courses/<id:pk>/settings/teachers/<id:user_pk>/remove/", courses.course_remove_teacher,
         name="course_remove_teacher"),
    path("courses/<id:pk>/delete/", courses.course_delete, name="course_delete"),
    # Uploading attendance: the upload waits at its own address until Confirm or Discard
    path("courses/<id:pk>/upload/", uploads.course_upload, name="course_upload"),
    path("courses/<id:pk>/uploads/<uuid:upload>/", uploads.course_staged, name="course_staged"),
    path("courses/<id:pk>/uploads/<uuid:upload>/confirm/", uploads.course_staged_confirm, name="course_staged_confirm"),
    path("courses/<id:pk>/uploads/<uuid:upload>/choices/", uploads.course_staged_choices, name="course_staged_choices"),
    path("courses/<id:pk>/uploads/<uuid:upload>/add-students/", uploads.course_staged_add_students,
         name="course_staged_add_students"),
    path("courses/<id:pk>/uploads/<uuid:upload>/discard/", uploads.course_staged_discard, name="course_staged_discard"),
    # Undo, and the progress of long uploads (polled by dashboard.js)
    path("undo/<uuid:pk>/", trash.undo, name="undo"),
    path("progress/", progress.progress_start, name="progress_start"),
]
