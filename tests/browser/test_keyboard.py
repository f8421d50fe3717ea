"""With the keyboard alone: a coordinator approves a placement and a participant
submits an evaluation, each first told what is missing by an error summary that takes
the focus and links to the field (applying is in test_applications.py); and the
signed-in header still works with text at 200%."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.factories.partners import PASSWORD
from tests.factories.placements import confirmed_a, propose, select

pytestmark = pytest.mark.django_db(transaction=True)


def _tab_to(page, locator, presses: int = 80) -> None:
    """Press Tab until `locator` has the focus."""
    for _press in range(presses):
        page.keyboard.press("Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached {locator}")


def _follow_the_summary_to_its_field(page) -> None:
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    first = summary.get_by_role("link").first
    page.keyboard.press("Tab")
    expect(first).to_be_focused()
    page.keyboard.press("Enter")
    target = page.locator(first.get_attribute("href"))
    expect(target).to_be_focused()


def test_a_coordinator_approves_a_placement_with_the_keyboard_alone(page, live_server, axe, cast):
    propose(
        select(cast.application_a, by=cast.coordinator, destination=cast.host),
        by=cast.coordinator,
        supervisor=cast.supervisor,
    )
    sign_in(page, live_server, cast.host_coordinator.email, password=PASSWORD)

    _tab_to(page, page.get_by_role("link", name="Placements to propose and approve").first)
    page.keyboard.press("Enter")
    _tab_to(page, page.get_by_role("link", name="Alex Applicant"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Alex Applicant")

    # Recording nothing: the summary says so, and leads to the choice.
    _tab_to(page, page.get_by_role("button", name="Record the decision"))
    page.keyboard.press("Enter")
    _follow_the_summary_to_its_field(page)
    axe(page)
    page.keyboard.press("Space")  # the first choice, "Approve"
    expect(page.get_by_role("radio", name="Approve")).to_be_checked()
    _tab_to(page, page.get_by_role("button", name="Record the decision"))
    page.keyboard.press("Enter")
    expect(
        page.get_by_text("Approved: the placement is confirmed, and everyone has been told.")
    ).to_be_visible()
    axe(page)


def test_a_participant_submits_an_evaluation_with_the_keyboard_alone(page, live_server, axe, cast):
    confirmed_a(cast)
    sign_in(page, live_server, cast.staff.email, password=PASSWORD)
    _tab_to(page, page.get_by_role("link", name="Your evaluations"))
    page.keyboard.press("Enter")
    _tab_to(page, page.get_by_role("link", name=re.compile(r"^Start\W+Baseline survey")))
    page.keyboard.press("Enter")

    # Submitting with nothing answered: the summary leads to the first question.
    _tab_to(page, page.get_by_role("button", name="Submit"))
    page.keyboard.press("Enter")
    _follow_the_summary_to_its_field(page)
    axe(page)

    # Each question: Tab into its choices, Space for the first, arrows to move on.
    groups = page.get_by_role("group").filter(has=page.get_by_role("radio"))
    for number in range(groups.count()):
        group = groups.nth(number)
        first = group.get_by_role("radio").first
        if not first.evaluate("element => element === document.activeElement"):
            _tab_to(page, first)
        page.keyboard.press("Space")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")  # the third: "3: moderate"
        expect(group.get_by_role("radio").nth(2)).to_be_checked()
    _tab_to(page, page.get_by_role("button", name="Submit"))
    page.keyboard.press("Enter")
    expect(page.get_by_text("Thank you: your answers are submitted.")).to_be_visible()
    axe(page)


@pytest.mark.parametrize("who", ["staff", "coordinator", "manager"])
def test_the_signed_in_header_works_with_text_at_200_percent(page, live_server, cast, who):
    sign_in(page, live_server, getattr(cast, who).email, password=PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.add_style_tag(content="html { font-size: 200% !important; }")

    header = page.get_by_role("banner")
    wide = page.evaluate(
        """() => [...document.querySelectorAll('header *, main *')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth)
            .slice(0, 8)
            .map(e => e.tagName + '.' + e.className + ' ' + e.textContent.trim().slice(0, 30))"""
    )
    assert wide == [], f"at 200% text these run off the side: {wide}"
    account = header.get_by_role("button", name="Your account")
    if not account.is_visible():  # the menu folded away: open it, by keyboard
        toggle = header.get_by_role("button", name="Show or hide the menu")
        _tab_to(page, toggle)
        page.keyboard.press("Enter")
    expect(account).to_be_visible()
    box = account.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, box
    _tab_to(page, account)
    page.keyboard.press("Enter")
    expect(header.get_by_role("link", name="Email preferences")).to_be_visible()
