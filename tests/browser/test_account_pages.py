"""The account pages everyone uses, reached from the menu as a person would."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from tests.browser.conftest import expect_problem, field, sign_in
from tests.factories.partners import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_account_menu_pages_are_accessible_and_explain_mistakes(page, live_server, axe):
    person = UserFactory(email="sam@museum.example")
    sign_in(page, live_server, person.email, password=PASSWORD)

    page.get_by_role("button", name="Your account").click()
    page.get_by_role("link", name="Email addresses").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Email addresses")
    expect(page.get_by_role("radio", name="sam@museum.example")).to_be_checked()
    axe(page)

    page.get_by_role("button", name="Your account").click()
    page.get_by_role("link", name="Email preferences").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Email preferences")
    choice = page.get_by_label("Email me when my organisation opens a call for applications")
    expect(choice).to_be_checked()
    choice.uncheck()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Saved: you will not be emailed when your organisation opens a call."
    )
    expect(choice).not_to_be_checked()
    axe(page)

    page.get_by_role("button", name="Your account").click()
    page.get_by_role("link", name="Change password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change password")
    field(page, "Current password").fill("not my password")
    field(page, "New password").fill("a new long passphrase")
    field(page, "New password (again)").fill("a new long passphrase")
    page.get_by_role("button", name="Change password").click()
    expect_problem(page, "Please type your current password.")
    expect(field(page, "Current password")).to_have_attribute("aria-invalid", "true")
    axe(page)

    page.get_by_role("button", name="Your account").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Knowledge Exchange")
    expect(page.get_by_role("status")).to_contain_text("You have signed out.")


def test_forgotten_password_journey_is_accessible(page, live_server, axe):
    person = UserFactory(email="hannah@museum.example")
    page.goto(f"{live_server.url}/accounts/login/")

    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Password reset")
    axe(page)
    field(page, "Email").fill(person.email)
    page.get_by_role("button", name="Reset my password").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Password reset")
    expect(page.get_by_role("main")).to_contain_text("We have sent you an email")
    assert [m.to for m in mail.outbox] == [[person.email]]
    axe(page)
