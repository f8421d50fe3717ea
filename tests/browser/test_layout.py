"""The layout works from the keyboard and on a phone."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_skip_link_is_first_visible_on_focus_and_moves_to_the_content(page, live_server):
    page.goto(live_server.url)

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()
    outline = skip_link.evaluate("element => getComputedStyle(element).outlineStyle")
    assert outline == "solid"
    page.keyboard.press("Enter")

    expect(page.locator("main")).to_be_focused()


def test_menu_opens_on_a_phone(page, live_server, axe):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(live_server.url)
    sign_in = page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")
    expect(sign_in).to_be_hidden()

    page.get_by_role("button", name="Show or hide the menu").click()

    expect(sign_in).to_be_visible()
    axe(page)
