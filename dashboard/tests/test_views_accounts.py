"""Signing in and out, changing a password, the help page: through the test client, as a browser would."""

import pytest
from django.test import Client

from conftest import DEFAULT_PASSWORD
from doubtfire.models import AuthToken, Role
from doubtfire.services import issue_auth_token

pytestmark = pytest.mark.django_db


def test_the_home_page_sends_a_stranger_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_signing_in_with_the_right_password_opens_the_dashboard(client, make_user):
    make_user(Role.CONVENOR, username="teacher@uni.edu")
    response = client.post(
        "/accounts/login/", {"username": "Teacher@uni.edu", "password": DEFAULT_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/"
    assert response.context["user"].username == "teacher@uni.edu"
    assert b"Sign out" in response.content


def test_a_wrong_password_is_refused_with_a_message_next_to_the_form(client, make_user):
    make_user(Role.CONVENOR, username="teacher@uni.edu")
    response = client.post("/accounts/login/", {"username": "teacher@uni.edu", "password": "nope"})
    assert response.status_code == 200
    assert not response.context["user"].is_authenticated
    assert b"enter a correct" in response.content


def test_repeated_failures_lock_the_account_out(client, make_user):
    make_user(Role.CONVENOR, username="teacher@uni.edu")
    for _ in range(5):
        client.post("/accounts/login/", {"username": "teacher@uni.edu", "password": "nope"})
    response = client.post("/accounts/login/", {"username": "teacher@uni.edu", "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert not client.session.get("_auth_user_id")


def test_the_sign_in_form_needs_its_csrf_token():
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403


def test_sign_out_is_a_post_and_ends_the_session(client, make_user):
    user = make_user(Role.CONVENOR)
    client.force_login(user)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_changing_the_password_signs_scripts_out(client, make_user):
    user = make_user(Role.CONVENOR)
    issue_auth_token(user=user)
    client.force_login(user)
    assert client.get("/accounts/password/").status_code == 200
    response = client.post(
        "/accounts/password/",
        {"old_password": DEFAULT_PASSWORD, "new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/done/"
    user.refresh_from_db()
    assert user.check_password("a brand new passphrase")
    assert not AuthToken.objects.filter(user=user).exists()
    assert client.get("/accounts/password/done/").status_code == 200


def test_the_password_page_needs_a_signed_in_user(client):
    assert client.get("/accounts/password/")["Location"].startswith("/accounts/login/")


def test_the_help_page_explains_threshold_flags_and_the_defaulter_rule(client):
    response = client.get("/help/")
    assert response.status_code == 200
    text = response.content.decode()
    for needle in ("Present after (minutes)", "at least", "Flags", "below", "75 %", "Full Name,User Action,Timestamp",
                   "Your Roll Number", "Duration (Minutes)", "In-Meeting Duration", "Roll Number",
                   # issue 14: the percentage rule, statuses and corrections, planned classes, linked courses
                   "not counting classes they were excused from", "late allowance", "Correcting a mark", "Needed",
                   "cannot reach", "Add a course from a unit", "My attendance", "Google Meet", "Webex"):
        assert needle in text, needle


def test_every_page_has_a_live_region_for_messages_and_a_skip_link(client):
    text = client.get("/accounts/login/").content.decode()
    assert 'aria-live="polite"' in text
    assert 'href="#main"' in text
    assert '<label for="id_username">' in text
    assert '<label for="id_password">' in text
