import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_not_found_page_is_accessible_and_leads_home(page, live_server, axe):
    response = page.goto(f"{live_server.url}/no-such-page/")

    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    axe(page)
    page.get_by_role("link", name="Go to the programme's front page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Knowledge Exchange")
