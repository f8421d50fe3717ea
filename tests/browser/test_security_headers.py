"""The strict Content-Security-Policy holds: no page needs inline script or style,
and nothing is loaded from anywhere but this site."""

from playwright.sync_api import expect

from partners import demo
from tests.browser.conftest import field

# Every test here has its database through live_server (see tests/browser/conftest.py).

PAGES = ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
SIGNED_IN_PAGES = ["/dashboard/", "/accounts/email/", "/accounts/password/change/"]


def test_pages_work_under_the_content_security_policy(browser, live_server, demo_programme):
    context = browser.new_context()  # no bypass_csp: the policy is enforced
    page = context.new_page()
    page.set_default_timeout(5_000)
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    requested = []
    page.on("request", lambda request: requested.append(request.url))

    for path in PAGES:
        response = page.goto(live_server.url + path)
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
    page.goto(live_server.url + "/accounts/login/")
    field(page, "Email").fill(demo.MANAGER[0])
    field(page, "Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    for path in SIGNED_IN_PAGES:
        page.goto(live_server.url + path)
    # Bootstrap's JavaScript runs: the account menu opens.
    page.get_by_role("button", name="Your account").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    context.close()

    assert refused == []
    assert [url for url in requested if not url.startswith(live_server.url)] == []
