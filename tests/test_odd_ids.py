"""Every route × odd ids → never a 500 (issue 11 item 7: "every id/filter parsed with one strict helper").

The walker finds its cases itself, so a new route, filter or form field is tried without anyone adding it:

1. **Paths**: every URL pattern of the site (`get_resolver()`, walked recursively) with an id in it gets each
   odd id in that place, by every method the view answers.
2. **Query strings**: every filter of every REST viewset (from its `filterset_fields`/`filterset_class`,
   through the viewset's own filter backend), DRF's `page`, and every id-like query parameter the OpenAPI
   schema declares (`unit_id` of `/api/csv/task_definitions`).
3. **Bodies**: every id-like field of every API request body the OpenAPI schema declares (`unit_id`,
   `course_id`, `batch`, the REST resources' `unit`), sent with plausible values in the other fields.
4. **HTML forms**: every form on every dashboard and admin page reachable without a row id in its path (and the
   dashboard pages of one unit and one course), submitted with each odd value in each id-like field.

Id-like: a path capture other than the few with fixed values (`format`, `kind`, ...), and a parameter or field
named `id`, `*_id`, `unit`, `batch`, ... (`ID_LIKE`). An unknown capture name fails the test, so a new kind of
path parameter gets a decision. Each request goes as an Admin and as a student (the admin site: as the
Admin only; a student is sent to its sign-in page before any id is read). Every answer must not be a 500;
where SPEC or the resource promises a status (404 for a row id in a path, 400 for a filter, SPEC §2's
400/404 for `unit_id`), that status. The number of cases is asserted from below so that discovery cannot
quietly find nothing.

Left out: the admin changelists' bulk-action checkboxes (`_selected_action`). Django's own changelist answers
500 to an Admin who posts an action with a `_selected_action` that is not an integer; the pages never send one.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Callable
from urllib.parse import quote, urlencode, urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve
from django.utils.regex_helper import normalize
from django_filters import ModelChoiceFilter, NumberFilter
from drf_spectacular.generators import SchemaGenerator

from attendance.models import Course
from csvapi.filters import IdFilter, IdFilterBackend, StrictFilterSet, WholeNumberFilter
from doubtfire.services import issue_auth_token
from tests.test_authorisation_matrix import build_world

pytestmark = pytest.mark.django_db

ODD_IDS = ("²", "٣", "99999999999999999999999", "-1", "1e3", "0x10")

# Path captures that are not ids, with a value that routes: the DRF format suffix, the dashboard's upload
# kind, the admin's app index and its catch-all, a course's co-teacher (a username).
FIXED_CAPTURES = {
    "format": "json", "kind": "enrolments", "app_label": "doubtfire", "url": "no-such-page/", "user": "sstudent",
}
ID_CAPTURES = {"unit_id", "pk", "id", "object_id", "content_type_id", "job_id", "definition_id", "session_pk", "upload",
               "student_pk", "project_id", "user_pk"}
ID_LIKE = re.compile(r"(?:^|_)id$|^(?:unit|user|project|definition|tutorial|stream|campus|course|batch|page)$")
NUMBER_FILTERS = (IdFilter, WholeNumberFilter, NumberFilter, ModelChoiceFilter)

CSV_FILE = "username,email\nnobody,nobody@example.edu\n"
# Plausible values for the other fields of a body, so that the odd field is what the route reads.
PLAUSIBLE = {
    "course_id": "CS101", "batch": "2026", "course_name": "Odd", "down-course": "CS101-2026", "roll": "1",
    "date": "2026-02-13", "report_type": "1", "report_format": "0", "threshold": "0", "name": "Odd",
    "abbreviation": "ODD", "role": "Tutor", "user": "sstudent", "code": "ODD1", "start_date": "2026-07-06",
    "end_date": "2026-10-30",
}


# --- what the site has ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    template: str  # "/api/csv/units/%(unit_id)s", as django.utils.regex_helper.normalize spells it
    captures: tuple[str, ...]
    callback: Callable

    @property
    def is_admin_site(self) -> bool:
        return self.template.startswith("/admin/")

    @property
    def actions(self) -> dict:
        return getattr(self.callback, "actions", None) or {}

    @property
    def view_class(self):
        return getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)

    def methods(self) -> list[str]:
        if self.actions:
            return [method.upper() for method in self.actions]
        view_class = self.view_class
        if view_class is None:  # a function view: it may answer either
            return ["GET", "POST"]
        return [method for method in ("GET", "POST") if hasattr(view_class, method.lower())] or ["GET"]

    def path(self, value: str, fixed: dict | None = None) -> str:
        values = {**FIXED_CAPTURES, **(fixed or {})}
        return self.template % {name: quote(values.get(name, value), safe="/") for name in self.captures}

    @property
    def id_captures(self) -> list[str]:
        return [name for name in self.captures if name not in FIXED_CAPTURES]


def every_pattern() -> list[Pattern]:
    def walk(resolver, prefix):
        for entry in resolver.url_patterns:
            regex = entry.pattern.regex.pattern.removeprefix("^")
            if isinstance(entry, URLResolver):
                yield from walk(entry, prefix + regex)
            else:
                yield prefix + regex, entry.callback

    patterns = []
    for regex, callback in walk(get_resolver(), ""):
        template, captures = normalize("^" + regex)[0]
        patterns.append(Pattern("/" + template, tuple(captures), callback))
    return patterns


PATTERNS = every_pattern()


def openapi_operations() -> list[tuple[str, str, dict]]:
    """(path, method, operation) for every operation of the OpenAPI document, $refs resolved."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema.get("components", {}).get("schemas", {})

    def resolved(node):
        while isinstance(node, dict) and "$ref" in node:
            node = components[node["$ref"].rsplit("/", 1)[1]]
        return node

    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            body = {}
            for content_type, content in operation.get("requestBody", {}).get("content", {}).items():
                properties = resolved(content["schema"]).get("properties", {})
                body.setdefault("content_type", content_type)
                body.setdefault("properties", {name: resolved(spec) for name, spec in properties.items()})
            operations.append((path, method.upper(), {**operation, "body": body}))
    return operations


def viewset_filters(pattern: Pattern) -> dict:
    """name → filter of a viewset's list route, as the viewset's own filter backend builds them."""
    view_class = pattern.view_class
    backend = next(backend for backend in view_class.filter_backends)()
    model = view_class.serializer_class.Meta.model
    filterset = backend.get_filterset_class(view_class(**pattern.callback.initkwargs), model.objects.none())
    return dict(filterset.base_filters) if filterset is not None else {}


# --- the people and their clients ------------------------------------------------------------------


@dataclass
class Caller:
    name: str
    client: Client


def caller(name: str, user) -> Caller:
    token = issue_auth_token(user=user)
    # The Doubtfire headers for /api/csv and the REST resources, `Authorization: Token` for the attendance
    # routes, a session for the dashboard and the admin site: each route family finds its own credentials.
    client = Client(
        raise_request_exception=False,
        headers={"Username": user.username, "Auth-Token": token, "Authorization": f"Token {token}"},
    )
    client.force_login(user)
    return Caller(name, client)


@pytest.fixture
def world():
    world = build_world()
    course = Course.objects.create(owner=world.people["admin"], course_id="AD1", course_name="Admin's", batch=2026)
    world.ids["admin_course"] = course.pk
    return world


@pytest.fixture
def callers(world):
    return [caller("admin", world.people["admin"]), caller("student", world.people["student"])]


def csv_upload():
    handle = io.BytesIO(CSV_FILE.encode())
    handle.name = "odd.csv"
    return handle


def send(client: Client, method: str, path: str, data: dict | None = None, *, as_json=False):
    if method == "GET":
        return client.get(path, data or {})
    if as_json:
        return client.generic(method, path, json.dumps(data or {}), content_type="application/json")
    if method == "POST":
        return client.post(path, {"file": csv_upload(), **(data or {})})
    return client.generic(method, path, urlencode(data or {}), content_type="application/x-www-form-urlencoded")


class Findings:
    """The combinations tried and the answers that broke a promise, reported all at once."""

    def __init__(self):
        self.tried = 0
        self.broken: list[str] = []

    def check(self, label: str, response, expected: set[int] | None = None, *, json_error=False):
        self.tried += 1
        status = response.status_code
        if status >= 500 or (expected is not None and status not in expected):
            self.broken.append(f"{label} → {status} (expected {sorted(expected) if expected else 'not 5xx'})")
        elif json_error and status >= 400 and not _error_sentence(response):
            self.broken.append(f"{label} → {status} without an {{'error': ...}} body")

    def assert_clean(self, at_least: int):
        assert not self.broken, f"{len(self.broken)} of {self.tried} combinations:\n" + "\n".join(self.broken)
        assert self.tried >= at_least, f"only {self.tried} combinations tried: did discovery break?"


def _error_sentence(response) -> str | None:
    try:
        return response.json().get("error")
    except (ValueError, AttributeError):
        return None


# --- 1. ids in paths ----------------------------------------------------------------------------------


def promised_for_path(pattern: Pattern, method: str) -> tuple[set[int] | None, bool]:
    """(statuses SPEC or the resource promises for an odd id in this path, whether the body is {"error"})."""
    if pattern.template.startswith("/api/csv/units/"):
        return {404}, True  # SPEC §2: a non-numeric path id is "Unable to find requested Unit"
    if "retrieve" in pattern.actions.values():
        # The row is not found; a write may first be refused (403) or not offered (405). HEAD has no body.
        return ({404} if method in ("GET", "HEAD") else {403, 404, 405}), method != "HEAD"
    if pattern.callback.__module__.startswith("dashboard"):
        return {404}, False  # the <id:...> converter matches no route
    return None, False


def test_the_paths_of_every_route_know_every_capture():
    unknown = {name for pattern in PATTERNS for name in pattern.captures} - ID_CAPTURES - set(FIXED_CAPTURES)
    assert not unknown, f"new path captures: decide whether they are ids (ID_CAPTURES) or fixed: {unknown}"


def test_every_id_in_a_path_answers_odd_values_without_a_500(world, callers):
    findings = Findings()
    with_ids = [pattern for pattern in PATTERNS if pattern.id_captures]
    for pattern in with_ids:
        for who in callers:
            if pattern.is_admin_site and who.name != "admin":
                continue
            for method in pattern.methods():
                expected, json_error = promised_for_path(pattern, method)
                for odd in ODD_IDS:
                    path = pattern.path(odd)
                    response = send(who.client, method, path)
                    findings.check(f"{who.name} {method} {path}", response, expected, json_error=json_error)
    # ~130 patterns with an id × 6 values, most by two methods and two people (the admin site: the Admin only).
    assert len(with_ids) >= 120
    findings.assert_clean(at_least=2000)


def test_an_id_spelt_in_other_digits_or_forms_never_finds_the_row(world, callers):
    """`int()` reads `٣` as 3 and Python's literal rules read `0x2a` and `4_2`: none may reach a real row."""
    arabic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    ids = world.ids
    rows = {
        "/api/csv/units/{}": ids["unit"], "/units/{}/": ids["unit"], "/api/units/{}/": ids["unit"],
        "/api/users/{}/": ids["student"], "/api/campuses/{}/": ids["campus"], "/api/tutorials/{}/": ids["tutorial"],
        "/api/tutorial_streams/{}/": ids["stream"], "/api/unit_roles/{}/": ids["unit_role"],
        "/api/projects/{}/": ids["project"], "/api/tasks/{}/": ids["task"], "/api/courses/{}/": ids["admin_course"],
        "/courses/{}/": ids["admin_course"],
    }
    admin = callers[0].client
    for template, pk in rows.items():
        assert admin.get(template.format(pk)).status_code == 200, template
        for spelling in (str(pk).translate(arabic), hex(pk), f"{pk}e0", f"+{pk}", f"{pk}.0", f"0_{pk}"):
            path = template.format(quote(spelling))
            assert admin.get(path).status_code == 404, path


# --- 2. query strings ---------------------------------------------------------------------------------


def test_every_viewset_reads_its_filters_strictly():
    """Each REST viewset filters through IdFilterBackend, whose filtersets derive from StrictFilterSet."""
    for pattern in PATTERNS:
        if "list" in pattern.actions.values():
            assert pattern.view_class.filter_backends == [IdFilterBackend], pattern.template
            filterset = getattr(pattern.view_class, "filterset_class", None)
            assert filterset is None or issubclass(filterset, StrictFilterSet), pattern.template


def test_every_filter_and_id_query_parameter_answers_odd_values_without_a_500(world, callers):
    findings = Findings()
    covered = set()
    for pattern in PATTERNS:
        if "list" not in pattern.actions.values() or "format" in pattern.captures:
            continue
        path = pattern.path("")
        parameters = {**viewset_filters(pattern), "page": None}
        for name, filter_ in parameters.items():
            numeric = isinstance(filter_, NUMBER_FILTERS)
            for who in callers:
                for odd in ODD_IDS:
                    response = who.client.get(path, {name: odd})
                    label = f"{who.name} GET {path}?{name}={odd}"
                    findings.check(label, response, {400} if numeric else None, json_error=True)
                    names_it = (_error_sentence(response) or "").startswith(f"{name}: ")
                    if numeric and response.status_code == 400 and not names_it:
                        findings.broken.append(f"{label}: the error does not name the parameter")
            # The router's trailing slash is optional (doubtfire-web sends none): name the list with it.
            covered.add(f"{path.rstrip('/')}/?{name}=")

    for path, method, operation in openapi_operations():
        # The viewsets' lists were tried above, with their filters.
        if method != "GET" or "{" in path or "list" in (getattr(resolve(path).func, "actions", None) or {}).values():
            continue
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query" or not ID_LIKE.search(parameter["name"]):
                continue
            name = parameter["name"]
            for who in callers:
                for odd in ODD_IDS:
                    response = who.client.get(path, {name: odd})
                    label = f"{who.name} GET {path}?{name}={odd}"
                    findings.check(label, response, _promised_for_field(path, name, odd), json_error=True)
            covered.add(f"{path}?{name}=")

    must_cover = {
        "/api/tasks/?unit=", "/api/tasks/?project=", "/api/tasks/?definition=", "/api/projects/?unit=",
        "/api/projects/?campus=", "/api/tutorials/?unit=", "/api/tutorials/?stream=", "/api/tutorials/?campus=",
        "/api/unit_roles/?unit=", "/api/tutorial_streams/?unit=", "/api/courses/?batch=",
        "/api/csv/task_definitions?unit_id=", "/api/users/?page=",
    }
    # The REST router's slash is optional ("/?"), which the patterns spell without it: compare without.
    covered = {path.replace("/?", "?") for path in covered}
    must_cover = {path.replace("/?", "?") for path in must_cover}
    assert must_cover <= covered, must_cover - covered
    findings.assert_clean(at_least=350)


def _promised_for_field(path: str, name: str, odd: str) -> set[int] | None:
    if path == "/api/csv/task_definitions" and name == "unit_id":
        # SPEC §2: not an integer → 400 `unit_id is invalid`; an integer that is no unit → 404.
        return {404} if odd in ("-1", "99999999999999999999999") else {400}
    if name == "batch":
        return {400}  # the attendance routes: "batch must be a year such as 2021"
    return None


# --- 3. API request bodies ---------------------------------------------------------------------------


def test_every_id_field_of_an_api_body_answers_odd_values_without_a_500(world, callers):
    findings = Findings()
    covered = set()
    for path, method, operation in openapi_operations():
        properties = operation["body"].get("properties", {})
        targets = [name for name in properties if ID_LIKE.search(name) and not properties[name].get("readOnly")]
        if method not in ("POST", "PUT", "PATCH") or "{" in path or not targets:
            continue
        as_json = operation["body"]["content_type"] == "application/json"
        for target in targets:
            for who in callers:
                for odd in ODD_IDS:
                    body = {}
                    for name, spec in properties.items():
                        if name == target:
                            body[name] = odd
                        elif spec.get("format") == "binary" and not as_json:
                            body[name] = csv_upload()
                        elif name in PLAUSIBLE:
                            body[name] = PLAUSIBLE[name]
                    response = send(who.client, method, path, body, as_json=as_json)
                    label = f"{who.name} {method} {path} {target}={odd}"
                    findings.check(label, response, _promised_for_field(path, target, odd), json_error=True)
            covered.add(f"{method} {path} {target}")
    must_cover = {
        "POST /api/csv/task_definitions unit_id", "POST /add_course batch", "POST /add_course course_id",
        "POST /delete_course batch", "POST /upload_attendance batch", "POST /api/unit_roles/ unit",
        "POST /api/tutorials/ unit", "POST /api/courses/ batch",
    }
    assert must_cover <= covered, must_cover - covered
    findings.assert_clean(at_least=240)


# --- 4. HTML forms of the dashboard and the admin site ------------------------------------------------


class Forms(HTMLParser):
    """The forms of a page: action, method and their fields' names with default values (files as None)."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            method = (attrs.get("method") or "get").upper()
            self.forms.append({"action": attrs.get("action") or "", "method": method, "fields": {}})
        elif not self.forms or not attrs.get("name"):
            return
        elif tag == "input" and attrs.get("type") not in ("submit", "button", "checkbox", "radio"):
            self.forms[-1]["fields"][attrs["name"]] = None if attrs.get("type") == "file" else attrs.get("value", "")
        elif tag == "input" and "checked" in attrs:
            self.forms[-1]["fields"].setdefault(attrs["name"], attrs.get("value", "on"))
        elif tag in ("select", "textarea"):
            self.forms[-1]["fields"][attrs["name"]] = ""
            self._select = attrs["name"] if tag == "select" else None
        elif tag == "option" and self._select and not self.forms[-1]["fields"][self._select]:
            self.forms[-1]["fields"][self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def pages(world) -> list[str]:
    """Every page whose path the walker can fill: no id, or the dashboard's unit and the Admin's course."""
    fixed = {"unit_id": str(world.ids["unit"]), "pk": str(world.ids["admin_course"])}
    found = []
    for pattern in PATTERNS:
        if "GET" not in pattern.methods() or pattern.actions or pattern.template.endswith("/logout/"):
            continue
        if pattern.is_admin_site and pattern.id_captures:
            continue  # change pages: their inline forms name rows by position, not by an id field
        if pattern.id_captures and not set(pattern.id_captures) <= set(fixed) or "progress" in pattern.template:
            continue
        found.append(pattern.path("", fixed))
    return found


def test_every_id_field_of_a_dashboard_or_admin_form_answers_odd_values_without_a_500(world, callers):
    findings = Findings()
    covered = set()
    for who in callers:
        for page in pages(world):
            response = who.client.get(page)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            parser = Forms()
            parser.feed(response.content.decode())
            for form in parser.forms:
                action = urlsplit(urljoin(page, form["action"]))
                target = action.path + (f"?{action.query}" if action.query else "")
                for field in [name for name in form["fields"] if ID_LIKE.search(name)]:
                    for odd in ODD_IDS:
                        data = {
                            name: (csv_upload() if value is None else value) for name, value in form["fields"].items()
                        }
                        data[field] = odd
                        if form["method"] == "GET":
                            data = {name: value for name, value in data.items() if not hasattr(value, "read")}
                            reply = who.client.get(target, data)
                        else:
                            reply = who.client.post(target, data)
                        findings.check(f"{who.name} {form['method']} {target} {field}={odd} (form on {page})", reply)
                    covered.add(f"{form['method']} {action.path} {field}")
    must_cover = {
        "POST /courses/new/ batch", "POST /courses/new/ course_id", "GET /units/%d/ tutorial" % world.ids["unit"],
        "GET /units/%d/ campus" % world.ids["unit"], "POST /admin/doubtfire/unitrole/add/ unit",
        "POST /admin/doubtfire/project/import/ unit",
    }
    assert must_cover <= covered, must_cover - covered
    findings.assert_clean(at_least=160)
