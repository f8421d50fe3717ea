"""Reminders, in the browser: the manager reads what the sweep sent in the admin, and
switches a kind off for a year."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.core.mail import EmailMessage
from django.db import transaction
from playwright.sync_api import expect

from core.mail import queue_message
from core.models import Email
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


def test_the_manager_finds_a_failed_email_and_sends_it_again(page, live_server, axe, cast):
    with transaction.atomic():
        queue_message(EmailMessage("Your placement is confirmed", "Body", to=[cast.staff.email]))
    Email.objects.filter(subject="Your placement is confirmed").update(
        state=Email.State.FAILED,
        attempts=9,
        sent_at=None,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
    )

    sign_in(page, live_server, cast.manager.email, password=PASSWORD)
    page.goto(f"{live_server.url}/admin/")
    page.get_by_role("link", name="Emails").click()
    expect(page.get_by_role("heading", name=re.compile("Select email"))).to_be_visible()
    page.get_by_role("link", name="Failed").click()
    row = page.get_by_role("row").filter(has_text="Your placement is confirmed")
    expect(row).to_have_count(1)
    axe(page)
    row.get_by_role("link").first.click()
    expect(page.get_by_text("Connection unexpectedly closed")).to_be_visible()
    axe(page)

    page.go_back()
    row.get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option(label="Try again now")
    page.get_by_role("button", name="Go").click()
    expect(page.get_by_text("1 email will be sent again now.")).to_be_visible()
    axe(page)
    assert Email.objects.get(subject="Your placement is confirmed").state == Email.State.SENT
