"""The privacy notice, in the browser: the manager publishes a new version in the
admin; a member of staff who read the last one is shown it at sign-in, reads it and
goes on to their dashboard; anyone reads it from the footer."""

import json
import zipfile

import pytest
from playwright.sync_api import expect

from core import privacy
from core.models import PrivacyAcknowledgement
from tests.browser.conftest import field, sign_in
from tests.factories.partners import (
    PASSWORD,
    OrganisationFactory,
    programme_manager,
    staff_of,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_changed_notice_is_read_at_sign_in_then_the_dashboard(page, live_server, axe):
    manager = programme_manager(full_name="Morgan Manager")
    person = staff_of(OrganisationFactory(name="Ashmolean Test Museum"), user__full_name="Ana")
    privacy.notice_acknowledge(
        user=person,
        notice=privacy.current_notice(),
        occasion=PrivacyAcknowledgement.Occasion.APPLYING,
    )

    # Anyone reads it from the footer.
    page.goto(live_server.url)
    page.get_by_role("contentinfo").get_by_role("link", name="Privacy notice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")
    expect(page.get_by_role("heading", name="Your rights")).to_be_visible()
    axe(page)

    # The manager publishes a new version, starting from the current text.
    sign_in(page, live_server, manager.email, password=PASSWORD)
    page.get_by_role("link", name="Open the administration").click()
    page.get_by_role("link", name="Privacy notice versions").click()
    axe(page)
    page.get_by_role("link", name="Add privacy notice").click()
    expect(field(page, "Notice:")).to_contain_text("Who is responsible for your information")
    field(page, "What changed:").fill("Receipts are kept for six years.")
    axe(page)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was added successfully")).to_be_visible()

    # Ana signs in: the changed notice comes first, then her dashboard.
    page.context.clear_cookies()
    sign_in(page, live_server, person.email, password=PASSWORD)
    expect(page.get_by_text("This notice has changed since you last read it")).to_be_visible()
    expect(page.get_by_text("Receipts are kept for six years.")).to_be_visible()
    axe(page)
    page.get_by_role("button", name="I have read the privacy notice").click()
    expect(page.get_by_text("Thank you for reading the privacy notice.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ana")
    assert PrivacyAcknowledgement.objects.filter(
        user=person, notice__version=2, occasion="sign_in"
    ).exists()


def test_a_person_downloads_everything_held_about_them(page, live_server, axe):
    person = staff_of(OrganisationFactory(name="Ashmolean Test Museum"), user__full_name="Ana")
    sign_in(page, live_server, person.email, password=PASSWORD)
    page.get_by_role("button", name="Your account").click()
    page.get_by_role("link", name="Your information").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your information")
    expect(page.get_by_text("Who read your access requirements")).to_be_visible()
    axe(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download my information (.zip)").click()
    path = download.value.path()
    with zipfile.ZipFile(path) as archive:
        data = json.loads(archive.read("data.json"))
    assert data["account"]["records"][0]["full name"] == "Ana"
