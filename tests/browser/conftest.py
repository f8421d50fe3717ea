import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from partners import demo
from tests.conftest import NEXT_ITEM


@pytest.fixture
def page(page):
    # Pages here answer in milliseconds; fail fast rather than after 30 s.
    page.set_default_timeout(5_000)
    return page


class _Demo:
    loaded = False


@pytest.fixture
def demo_programme(transactional_db):
    """The demo programme, for tests that sign in and read it. It is committed once
    and kept for the next such test (they run one after another: see
    pytest_collection_modifyitems); after the last of them the database is emptied,
    as after any test that commits."""
    if not _Demo.loaded:
        call_command("load_demo_data", verbosity=0)
        _Demo.loaded = True


@pytest.fixture
def transactional_db(request, django_db_setup, django_db_blocker):
    """pytest-django's, except between tests that read the demo programme: the
    database is not emptied after one of them when the next one reads it too."""
    if "demo_programme" not in request.fixturenames:
        yield request.getfixturevalue("_django_db_helper")
        return
    if request.node.get_closest_marker("django_db"):
        pytest.fail(
            "A test that reads the demo programme has its database from live_server: "
            "a django_db mark would empty it after the test.",
            pytrace=False,
        )
    with django_db_blocker.unblock():
        yield
        next_item = request.node.stash.get(NEXT_ITEM, None)
        if next_item is None or "demo_programme" not in next_item.fixturenames:
            call_command("flush", interactive=False, verbosity=0)
            _Demo.loaded = False


def field(page, label: str):
    """A form field by its visible label; required fields' labels end in an asterisk."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def expect_problem(page, message: str) -> None:
    """After a failed submit: the error summary at the top is focused and gives
    `message`, which the page shows again where the problem is (by its field, or above
    the form)."""
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(message)
    expect(page.get_by_text(message)).to_have_count(2)


def sign_in(page, live_server, email: str, password: str = demo.DEMO_PASSWORD) -> None:
    page.goto(live_server.url)
    page.get_by_role("link", name="Sign in", exact=True).first.click()
    field(page, "Email").fill(email)
    field(page, "Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
