"""Fixtures for the whole suite, and the rules for which services a run needs.

With CI (or REQUIRE_SERVICES) set, PostgreSQL, the Redis broker, Chromium and
axe-core are required: a missing one fails the run. Otherwise tests that need
them are skipped with a reason that says what is missing.
"""

import copy
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make alongside it are safe (the live server has its own thread).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SERVICES_REQUIRED = bool(os.environ.get("CI") or os.environ.get("REQUIRE_SERVICES"))
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
AXE_PATH = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"


def skip_or_fail(reason: str) -> None:
    """Skip a test that needs something missing, or fail when CI requires it."""
    if SERVICES_REQUIRED:
        pytest.fail(f"{reason} (required because CI or REQUIRE_SERVICES is set)", pytrace=False)
    pytest.skip(reason)


def _chromium_version() -> str:
    if not Path(CHROMIUM_PATH).exists():
        return f"not found at {CHROMIUM_PATH}"
    result = subprocess.run(
        [CHROMIUM_PATH, "--version"], capture_output=True, text=True, check=False, timeout=30
    )
    return f"{result.stdout.strip()} at {CHROMIUM_PATH}"


def pytest_addoption(parser):
    parser.addoption(
        "--fuzz-rounds",
        type=int,
        default=24,
        help="random submissions of each form in tests/access/test_forms_fuzz.py",
    )
    parser.addoption("--fuzz-seed", type=int, default=2026, help="the fuzz test's seed")


def pytest_report_header(config):
    database = settings.DATABASES["default"]
    broker = settings.CELERY_BROKER_URL or "none (tasks run inline)"
    return [
        f"database: {database['ENGINE'].rsplit('.', 1)[-1]} "
        f"{database.get('HOST') or ''} {database['NAME']}".replace("  ", " "),
        f"cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}; broker: {broker}",
        f"browser: {_chromium_version()}; axe-core: "
        f"{'found' if AXE_PATH.exists() else 'not found (run npm ci)'}",
        f"services required: {'yes' if SERVICES_REQUIRED else 'no'}",
    ]


@pytest.fixture
def service_evidence(record_property):
    """Say what a test showed of the real services, for the summary at the end. Kept
    with the test's report, so it reaches the summary from pytest-xdist's workers too."""

    def record(line: str) -> None:
        record_property("service_evidence", line)

    return record


def pytest_terminal_summary(terminalreporter):
    passed = terminalreporter.stats.get("passed", [])
    browser_passed = sum(1 for report in passed if "tests/browser/" in report.nodeid)
    terminalreporter.section("services used")
    terminalreporter.write_line(
        f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}"
    )
    terminalreporter.write_line(f"browser tests passed in {_chromium_version()}: {browser_passed}")
    for report in passed:
        for name, line in report.user_properties:
            if name == "service_evidence":
                terminalreporter.write_line(line)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
    # pytest-django has put database tests first; within each module's run of them,
    # those that read the cast go first, so a module's shared cast serves them all
    # before a test that needs an empty database closes it.
    start = 0
    for end in range(1, len(items) + 1):
        if end == len(items) or items[end].path != items[start].path:
            items[start:end] = sorted(
                items[start:end], key=lambda i: "_module_cast" not in i.fixturenames
            )
            start = end
    # Tests that read the demo programme run one after another, so it is loaded once
    # for them all (see demo_programme in tests/browser/conftest.py).
    readers = [item for item in items if "demo_programme" in item.fixturenames]
    if readers:
        first = items.index(readers[0])
        rest = [item for item in items if "demo_programme" not in item.fixturenames]
        items[:] = rest[:first] + readers + rest[first:]


NEXT_ITEM = pytest.StashKey["pytest.Item | None"]()


def pytest_runtest_protocol(item, nextitem):
    """Let a test's fixtures know which test this process runs next."""
    item.stash[NEXT_ITEM] = nextitem


@pytest.fixture
def postgresql():
    """For tests of what only PostgreSQL enforces (triggers, row locks)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate limits and cached pages from one test never leak into the next."""
    cache.clear()
    yield
    cache.clear()


# --- Real-browser tests: Playwright driving Chromium ---------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM_PATH).exists():
        skip_or_fail(f"Chromium not found at {CHROMIUM_PATH}; install it or set CHROMIUM_PATH")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM_PATH,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # axe-core is injected as a script, which the site's strict CSP would block.
    # tests/browser/test_security_headers.py checks the CSP with it in force.
    return {
        **browser_context_args,
        "bypass_csp": True,
        "locale": "en-GB",
        "timezone_id": "Europe/London",
    }


# WCAG 2.2 AA, and axe's best practices (landmarks, headings) the site keeps too.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


@pytest.fixture
def axe():
    """Check the page with axe-core; fail listing every violation found."""
    if not AXE_PATH.exists():
        skip_or_fail(f"axe-core not found at {AXE_PATH}; run `npm ci`")

    def check(page) -> None:
        # A click that navigates returns once the new page is on its way: check the
        # page once it has loaded, not the document it replaces.
        page.wait_for_load_state("load")
        page.add_script_tag(url=settings.STATIC_URL + "test-tools/axe-core/axe.min.js")
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']})",
            AXE_TAGS,
        )
        violations = result["violations"]
        report = "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']}\n    "
            + "\n    ".join(", ".join(node["target"]) for node in v["nodes"])
            for v in violations
        )
        assert violations == [], f"axe-core found violations on {page.url}:\n{report}"

    return check


# --- The cast: two organisations, so every denial has data that could leak ----


def build_cast():
    """Organisation A and B, each a partner in 2031; A's staff member and coordinator,
    B's coordinator, the manager; A's open call, and the staff member's submitted
    application to it; the host's coordinator and a member of the host's staff who
    supervises placements."""
    from types import SimpleNamespace

    from tests.factories.partners import (
        OrganisationFactory,
        PartnershipFactory,
        ProgrammeYearFactory,
        coordinator_of,
        programme_manager,
        staff_of,
    )

    organisation_a = OrganisationFactory(name="Ashmolean Test Museum", slug="org-a")
    organisation_b = OrganisationFactory(
        name="Burrell Test Collection", slug="org-b", nation="scotland"
    )
    from tests.factories.applications import open_call, submitted

    # Both organisations are partners in a year hosted by a third, so each
    # coordinator has a partnership page the other must not see.
    year = ProgrammeYearFactory(year=2031, host__name="Host Test Museum", host__slug="host")
    partnership_a = PartnershipFactory(year=year, organisation=organisation_a, confirmed=True)
    partnership_b = PartnershipFactory(year=year, organisation=organisation_b, confirmed=True)
    staff = staff_of(organisation_a, user__full_name="Alex Applicant", job_title="Curator")
    # A's call is open, and A's staff member has applied to it.
    call_a = open_call(year=year, organisation=organisation_a)
    return SimpleNamespace(
        year=year,
        partnership_a=partnership_a,
        partnership_b=partnership_b,
        organisation_a=organisation_a,
        organisation_b=organisation_b,
        staff=staff,
        coordinator=coordinator_of(organisation_a, user__full_name="Cora Coordinator"),
        other_coordinator=coordinator_of(organisation_b, user__full_name="Bea Otherorg"),
        manager=programme_manager(full_name="Morgan Manager"),
        call_a=call_a,
        application_a=submitted(call=call_a, applicant=staff),
        host=year.host,
        host_coordinator=coordinator_of(year.host, user__full_name="Hana Host"),
        supervisor=staff_of(year.host, user__full_name="Sid Supervisor"),
    )


class _SharedCast:
    """The cast built once for a test module, inside a transaction that is rolled
    back when the module is done. Each test runs in a savepoint inside it (the `db`
    fixture) and gets its own copy of the objects, so nothing one test does reaches
    another."""

    open_one: "_SharedCast | None" = None

    def __init__(self, django_db_blocker):
        self._unblocked = django_db_blocker.unblock()
        self._unblocked.__enter__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.cast = build_cast()
        _SharedCast.open_one = self

    def close(self) -> None:
        if _SharedCast.open_one is not self:
            return
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        self._unblocked.__exit__(None, None, None)
        _SharedCast.open_one = None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """A test that does not ask for the cast never sees a shared one. Closed before
    any of the test's fixtures is set up: closed from a fixture, it could come after
    pytest-django had opened the test's own transaction inside the cast's."""
    if "_module_cast" not in item.fixturenames and _SharedCast.open_one is not None:
        _SharedCast.open_one.close()


@pytest.fixture(scope="module")
def _module_cast(request, django_db_setup, django_db_blocker):
    """The shared cast, for modules marked `shared_cast` (every test of such a module
    sees the cast's records, whether or not it asks for them)."""
    if request.node.get_closest_marker("shared_cast") is None:
        yield None
        return
    shared = _SharedCast(django_db_blocker)
    yield shared
    shared.close()


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(
        (marker and marker.kwargs.get("transaction"))
        or {"transactional_db", "live_server"} & set(request.fixturenames)
    )


@pytest.fixture
def cast(request, _module_cast, db):
    """Organisation A and B and their people (see build_cast): built for each test, or
    in a module marked `shared_cast` once for the module and copied for each test
    (a test there that commits for real builds its own).

    `_module_cast` is module-scoped, so it is set up before `db` opens the test's
    savepoint inside it."""
    if _module_cast is None:
        return build_cast()
    if _is_transactional(request):
        # A module's shared cast cannot stay open under a test that commits.
        _module_cast.close()
        return build_cast()
    if _SharedCast.open_one is not _module_cast:
        return build_cast()
    return copy.deepcopy(_module_cast.cast)


@pytest.fixture
def broker_at(monkeypatch):
    """Point Celery at another Redis URL, with tasks really sent to the broker."""
    from knowledge_exchange.celery import app as celery_app

    saved = celery_app.conf.broker_url

    def point(url: str, *, eager: bool = False) -> None:
        # Celery reads CELERY_BROKER_URL from the environment before its settings.
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        celery_app.conf.task_always_eager = eager
        celery_app._after_fork()  # drop the pooled connections to the previous broker
        assert celery_app.conf.broker_url == url

    try:
        yield point
    finally:
        point(saved, eager=True)
