"""Every page each role can reach, in Chromium: every URL pattern the role-by-URL
access table says a role gets (200), and the admin's pages for the manager, each
checked with axe-core (WCAG 2.2 AA tags), for sideways scroll at 320 px, and, all
together at the end, with the Nu HTML checker on the HTML the server sent.

The browser's requests are answered in-process by Django's test client (a Playwright
route), so each page sees the records the access table makes for it, in a savepoint
rolled back after it, exactly as tests/access/test_role_url_access.py does; the
journeys in the other modules use a real server."""

import contextvars
import copy
import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.staticfiles import finders
from django.db import transaction
from django.test import Client
from django.urls import resolve, reverse

from tests.access.test_admin_access import _custom_admin_pages
from tests.access.test_role_url_access import ACCESS, OK, ROLES
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.shared_cast

ORIGIN = "http://testserver"
VNU = Path(settings.BASE_DIR) / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
NARROW = 320
# Each title seen, with the URL patterns whose pages had it (one each, or two pages
# are told apart by nothing a screen reader says first).
TITLES: dict[str, set[str]] = {}


class _InProcess:
    """Answers the browser's requests with the test client (signed in as whoever the
    test says) and static files from the finders."""

    def __init__(self, page):
        self.client = Client()
        self.sent: dict[str, str] = {}  # the HTML of each page, as sent
        # Playwright calls the handler in a greenlet of its own, with its own context
        # variables, where Django would open another database connection (outside
        # the test's transaction): run it with the test's.
        self._context = contextvars.copy_context()
        page.route(f"{ORIGIN}/**", lambda route: self._context.copy().run(self._answer, route))

    def _answer(self, route):
        url = urlsplit(route.request.url)
        if url.path.startswith(settings.STATIC_URL):
            found = finders.find(url.path.removeprefix(settings.STATIC_URL))
            if found:
                route.fulfill(path=found)
            else:
                route.fulfill(status=404, body="")
            return
        response = self.client.get(url.path + (f"?{url.query}" if url.query else ""))
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if response.get("Content-Type", "").startswith("text/html"):
            self.sent[route.request.url] = body.decode()
        route.fulfill(
            status=response.status_code,
            headers={key: value for key, value in response.items()},
            body=body,
        )


def _check(page, axe, in_process, path: str, pages: dict[str, str], label: str) -> None:
    """(See _look.) Also note the page's title, under the name of its URL pattern."""
    _look(page, axe, in_process, path, pages, label)
    TITLES.setdefault(page.title(), set()).add(resolve(urlsplit(page.url).path).view_name)


def _look(page, axe, in_process, path: str, pages: dict[str, str], label: str) -> None:
    """Open `path` as the browser would; check it at desktop width with axe and for
    sideways scroll at 320 px; keep what the server sent for the Nu checker."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(ORIGIN + path)
    axe(page)
    page.set_viewport_size({"width": NARROW, "height": 700})
    overflow = page.evaluate(
        """() => {
            const root = document.documentElement;
            if (root.scrollWidth <= root.clientWidth) return null;
            // Name what sticks out, so the failure says where to look.
            const scrolls = e => {
                for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) {
                    if (getComputedStyle(a).overflowX !== 'visible') return true;
                }
                return false;
            };
            const wide = [...document.querySelectorAll('body *')].filter(e => {
                const box = e.getBoundingClientRect();
                return box.right > root.clientWidth + 1 && !scrolls(e);
            });
            const named = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                (typeof e.className === 'string' && e.className
                    ? '.' + e.className.split(' ').join('.') : '');
            return {scrollWidth: root.scrollWidth, wide: wide.slice(0, 5).map(named)};
        }"""
    )
    assert overflow is None, f"{label} ({path}) scrolls sideways at {NARROW} px: {overflow}"
    pages[label] = in_process.sent[page.url]


@pytest.fixture
def in_process(page):
    return _InProcess(page)


@pytest.fixture(scope="module")
def nu_pages(tmp_path_factory):
    """Every page's HTML, as sent, checked together by the Nu HTML checker once the
    module's tests have run (Java starts slowly)."""
    collected: dict[str, str] = {}
    yield collected
    if not collected:
        return
    _nu_check(collected, tmp_path_factory.mktemp("nu"))


def _nu_check(pages: dict[str, str], folder: Path) -> None:
    java = shutil.which("java")
    if java is None or not VNU.exists():
        skip_or_fail(f"the Nu HTML checker needs Java and {VNU} (npm ci)")
        return
    names = {}
    for number, (label, html) in enumerate(sorted(pages.items())):
        path = folder / f"page-{number}.html"
        path.write_text(html)
        names[path.name] = label
    finished = subprocess.run(  # the checker the npm lock pins
        [
            java,
            "-jar",
            str(VNU),
            "--format",
            "json",
            "--exit-zero-always",
            *map(str, folder.glob("*.html")),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    messages = json.loads(finished.stderr or finished.stdout)["messages"]
    errors = [
        f"- {names.get(m.get('url', '').rsplit('/', 1)[-1], m.get('url'))}, line "
        f"{m.get('lastLine')}: {m['message']} [{m.get('extract', '').strip()}]"
        for m in messages
        if m.get("type") == "error"
    ]
    assert errors == [], "The Nu HTML checker found errors:\n" + "\n".join(errors)


@pytest.fixture(scope="module", autouse=True)
def _titles_are_unique():
    TITLES.clear()
    yield
    shared = {title: sorted(names) for title, names in TITLES.items() if len(names) > 1}
    assert shared == {}, f"Different pages share a title: {shared}"


def _reachable(role: str) -> list[str]:
    return [name for name, (_kwargs, expected) in ACCESS.items() if expected[role] == OK]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_reaches_passes_axe_and_fits_320_px(
    page, axe, in_process, nu_pages, _module_cast, db, role
):
    checked, problems = 0, []
    for name in _reachable(role):
        kwargs, _expected = ACCESS[name]
        savepoint = transaction.savepoint()
        try:
            cast = copy.deepcopy(_module_cast.cast)
            made = kwargs(cast) if callable(kwargs) else kwargs
            path = reverse(name, kwargs=made)
            in_process.client.logout()
            if role != "anonymous":
                in_process.client.force_login(getattr(cast, role))
            response = in_process.client.get(path)
            if not response.get("Content-Type", "").startswith("text/html"):
                continue  # a file (a calendar, a receipt, a CSV): no page to check
            try:
                _check(page, axe, in_process, path, nu_pages, f"{name} as {role}")
            except AssertionError as problem:
                problems.append(str(problem).split("\nassert")[0])
            checked += 1
        finally:
            transaction.savepoint_rollback(savepoint)
    assert checked > 0
    assert problems == [], "\n\n".join(problems)


def _admin_paths(cast) -> list[str]:
    """The admin's index, every list, every add form the manager may use, the change,
    history and delete pages of one record of each list, and the admin pages of our
    own."""
    paths = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        if meta.app_label not in {"partners", "applications", "placements", "evaluations", "core"}:
            continue
        paths.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        request = type("R", (), {"user": cast.manager})()
        if model_admin.has_add_permission(request):
            paths.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            for page_of in ("change", "history"):
                paths.append(
                    reverse(f"admin:{meta.app_label}_{meta.model_name}_{page_of}", args=[first.pk])
                )
            if model_admin.has_delete_permission(request, first):
                paths.append(
                    reverse(f"admin:{meta.app_label}_{meta.model_name}_delete", args=[first.pk])
                )
    return paths + _custom_admin_pages(cast)


def test_every_admin_page_the_manager_uses_passes_axe_and_fits_320_px(
    page, axe, in_process, nu_pages, cast
):
    in_process.client.force_login(cast.manager)
    problems = []
    for path in _admin_paths(cast):
        response = in_process.client.get(path)
        assert response.status_code == OK, path
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        try:
            _check(page, axe, in_process, path, nu_pages, f"admin {path}")
        except AssertionError as problem:
            problems.append(str(problem).split("\nassert")[0])
    assert problems == [], "\n\n".join(problems)
