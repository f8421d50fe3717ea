import re

import pytest
from django.core.management import call_command

from partners import demo


@pytest.fixture
def page(page):
    # Pages here answer in milliseconds; fail fast rather than after 30 s.
    page.set_default_timeout(5_000)
    return page


@pytest.fixture
def demo_programme(transactional_db):
    call_command("load_demo_data", verbosity=0)


def field(page, label: str):
    """A form field by its visible label; required fields' labels end in an asterisk."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def sign_in(page, live_server, email: str, password: str = demo.DEMO_PASSWORD) -> None:
    page.goto(live_server.url)
    page.get_by_role("link", name="Sign in", exact=True).first.click()
    field(page, "Email").fill(email)
    field(page, "Password").fill(password)
    page.get_by_role("button", name="Sign In").click()
