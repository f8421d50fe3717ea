"""Fixtures for the whole suite, and the rules for which services a run needs.

With CI (or REQUIRE_SERVICES) set, PostgreSQL, the Redis broker, Chromium and
axe-core are required: a missing one fails the run. Otherwise tests that need
them are skipped with a reason that says what is missing.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

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


# What the run really used, reported at the end (see pytest_terminal_summary).
SERVICE_EVIDENCE: list[str] = []


def pytest_terminal_summary(terminalreporter):
    passed = terminalreporter.stats.get("passed", [])
    browser_passed = sum(1 for report in passed if "tests/browser/" in report.nodeid)
    terminalreporter.section("services used")
    terminalreporter.write_line(
        f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}"
    )
    terminalreporter.write_line(f"browser tests passed in {_chromium_version()}: {browser_passed}")
    for line in SERVICE_EVIDENCE:
        terminalreporter.write_line(line)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


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


@pytest.fixture
def axe():
    """Check the page with axe-core; fail listing every violation found."""
    if not AXE_PATH.exists():
        skip_or_fail(f"axe-core not found at {AXE_PATH}; run `npm ci`")

    def check(page) -> None:
        page.add_script_tag(path=str(AXE_PATH))
        result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        violations = result["violations"]
        report = "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']}\n    "
            + "\n    ".join(", ".join(node["target"]) for node in v["nodes"])
            for v in violations
        )
        assert violations == [], f"axe-core found violations on {page.url}:\n{report}"

    return check


# --- The cast: two organisations, so every denial has data that could leak ----


@pytest.fixture
def cast(db):
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
