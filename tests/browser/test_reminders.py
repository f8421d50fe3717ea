"""Reminders, in the browser: the manager reads what the sweep sent in the admin, and
switches a kind off for a year."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from playwright.sync_api import expect

from partners.models import ProgrammeYear
from placements.services import daily_sweep
from tests.browser.conftest import sign_in
from tests.factories.partners import PASSWORD
from tests.factories.placements import confirmed_a

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_manager_reads_the_reminders_sent_and_switches_a_kind_off(page, live_server, axe, cast):
    placement = confirmed_a(cast)
    morning = datetime.datetime.combine(
        placement.start_on - datetime.timedelta(days=7),
        datetime.time(6),
        tzinfo=zoneinfo.ZoneInfo("Europe/London"),
    )
    with time_machine.travel(morning, tick=False):
        daily_sweep()  # committed: the reminders go inline, to the test outbox

    sign_in(page, live_server, cast.manager.email, password=PASSWORD)
    page.goto(f"{live_server.url}/admin/")
    page.get_by_role("link", name="Reminders").click()
    expect(page.get_by_role("heading", name=re.compile("Select reminder"))).to_be_visible()
    rows = page.get_by_role("row").filter(has_text="Placement starting in 7 days")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text=cast.staff.email)).to_have_count(1)
    axe(page)
    rows.filter(has_text=cast.supervisor.email).get_by_role("link").first.click()
    expect(
        page.get_by_text("Alex Applicant's placement with you starts on 2 June 2031")
    ).to_be_visible()
    axe(page)

    # The manager switches "placement starting" off for 2031.
    page.goto(f"{live_server.url}/admin/partners/programmeyear/{cast.year.pk}/change/")
    page.get_by_label(re.compile("Placement starting in 7 days")).check()
    axe(page)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(re.compile("was changed successfully"))).to_be_visible()
    assert ProgrammeYear.objects.get(pk=cast.year.pk).reminders_off == ["placement_starting"]
