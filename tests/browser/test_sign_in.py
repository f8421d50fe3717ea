"""Each demo role signs in as a person would and lands on their own dashboard."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from partners import demo
from tests.browser.conftest import expect_problem, field, sign_in
from tests.factories.partners import PASSWORD, UserFactory

# Every test here has its database through live_server (see tests/browser/conftest.py).

HOST = demo.HOST_SLUG


@pytest.mark.parametrize(
    ("email", "greeting", "part"),
    [
        (demo.MANAGER[0], "Welcome, Morgan", "Programme manager"),
        (demo.email_for("Priya Shah", HOST), "Welcome, Priya", "Coordinator for British Museum"),
        (demo.email_for("Sam Okafor", HOST), "Welcome, Sam", "Your organisation"),
    ],
    ids=["manager", "coordinator", "staff"],
)
def test_demo_role_signs_in_and_lands_on_their_dashboard(
    page, live_server, axe, demo_programme, email, greeting, part
):
    page.goto(live_server.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Knowledge Exchange")
    axe(page)

    page.get_by_role("link", name="Sign in", exact=True).first.click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    axe(page)
    field(page, "Email").fill(email)
    field(page, "Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(greeting)
    expect(page.get_by_role("heading", name=part, level=2)).to_be_visible()
    assert page.url == f"{live_server.url}/dashboard/"
    axe(page)


def test_manager_is_offered_the_administration_and_others_are_not(
    page, live_server, demo_programme
):
    sign_in(page, live_server, demo.MANAGER[0])
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation.get_by_role("link", name="Administration")).to_be_visible()

    page.get_by_role("button", name="Your account").click()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, demo.email_for("Priya Shah", HOST))

    expect(navigation.get_by_role("link", name="Administration")).to_have_count(0)


def test_wrong_password_is_refused_with_a_clear_message(page, live_server, axe, demo_programme):
    sign_in(page, live_server, demo.MANAGER[0], password="not-the-password")

    expect_problem(page, "The email address and/or password you specified are not correct.")
    expect(field(page, "Email")).to_have_value(demo.MANAGER[0])
    axe(page)


def test_unverified_email_is_sent_a_new_link_instead_of_signing_in(page, live_server, axe):
    person = UserFactory(verified=False)

    sign_in(page, live_server, person.email, password=PASSWORD)

    expect(page.get_by_role("heading", level=1)).to_have_text("Verify your email address")
    expect(page.get_by_role("main")).to_contain_text(
        "We have sent an email to you for verification"
    )
    assert [m.to for m in mail.outbox] == [[person.email]]
    axe(page)


def test_repeated_failures_are_rate_limited(page, live_server, axe):
    person = UserFactory()
    for _ in range(5):
        sign_in(page, live_server, person.email, password="wrong-password")

    sign_in(page, live_server, person.email, password=PASSWORD)

    expect_problem(page, "Too many failed login attempts. Try again later.")
    assert "/dashboard/" not in page.url
    axe(page)


def test_sign_up_mistakes_are_shown_against_their_fields_and_typing_is_kept(
    page, live_server, axe, transactional_db
):
    page.goto(live_server.url)
    page.get_by_role("link", name="Create an account").first.click()
    axe(page)
    field(page, "Full name").fill("Elin Hughes")
    field(page, "Email").fill("elin@storiel.example")
    field(page, "Password").fill("a long enough passphrase")
    field(page, "Password (again)").fill("a different passphrase")
    page.get_by_role("button", name="Sign up").click()

    expect_problem(page, "You must type the same password each time.")
    expect(field(page, "Full name")).to_have_value("Elin Hughes")
    expect(field(page, "Email")).to_have_value("elin@storiel.example")
    axe(page)

    field(page, "Password").fill("a long enough passphrase")
    field(page, "Password (again)").fill("a long enough passphrase")
    page.get_by_role("button", name="Sign up").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Verify your email address")
    assert [m.to for m in mail.outbox] == [["elin@storiel.example"]]
