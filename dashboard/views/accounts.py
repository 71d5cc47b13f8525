"""Accounts and help: signing in, out and up, changing one's password, the help page."""

import math

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.http import require_http_methods
from rest_framework.throttling import ScopedRateThrottle

from attendance import services as attendance_services
from dashboard.forms import SignInForm, SignUpForm
from dashboard.views.access import bound
from doubtfire import services as unit_services

# --- Signing in and out ----------------------------------------------------------------------------


class SignInView(auth_views.LoginView):
    # django-axes hooks into authenticate(), which AuthenticationForm calls with the request.
    template_name = "registration/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    # POST only (Django's LogoutView refuses GET), so no page can sign a teacher out behind their back.
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("dashboard:password_change_done")
    extra_context = {"nav": "account"}

    def form_valid(self, form):
        response = super().form_valid(form)
        # Scripts signed in with the old password should not keep working after a change.
        unit_services.revoke_all_auth_tokens(user=form.user)
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"
    extra_context = {"nav": "account"}


# --- Help ------------------------------------------------------------------------------------------


def help_page(request):
    return render(request, "dashboard/help.html", {"nav": "help"})


# --- Signing up ------------------------------------------------------------------------------------


class _SignUpThrottleScope:
    # DRF's throttle reads its scope from the view it guards. Naming /api_signup's scope here makes the
    # page and the API one budget per address (same rate setting, same cache key), not two.
    throttle_scope = "sign_up"


def _sign_up_wait(request) -> int | None:
    """None when this client address may try to sign up now (the attempt is counted), else the seconds
    to wait. The same ScopedRateThrottle as `/api_signup`, so addresses behind proxies are read alike."""
    throttle = ScopedRateThrottle()
    if throttle.allow_request(request, _SignUpThrottleScope()):
        return None
    return max(1, math.ceil(throttle.wait() or 1))


@require_http_methods(["GET", "POST"])
def sign_up(request):
    """Create a teacher account with the same service as `/api_signup`, then sign them in.

    Every POST counts against the `sign_up` rate of the address it comes from, as on the API.
    """
    if request.user.is_authenticated:
        return redirect("dashboard:home")
    if request.method == "POST" and (wait := _sign_up_wait(request)) is not None:
        minutes = math.ceil(wait / 60)
        response = render(request, "registration/signup_throttled.html", {"minutes": minutes}, status=429)
        response["Retry-After"] = str(wait)
        return response
    form = bound(request, SignUpForm)
    if request.method == "POST" and form.is_valid():
        try:
            user = attendance_services.sign_up_teacher(
                name=form.cleaned_data["name"], email=form.cleaned_data["email"], password=form.cleaned_data["password"]
            )
        except attendance_services.AttendanceError as error:
            form.add_error(None, error.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome, {user.first_name}. Add your first course below.")
            return redirect("dashboard:home")
    status = 400 if request.method == "POST" else 200
    return render(request, "registration/signup.html", {"form": form}, status=status)


