"""The emails that start and end a call: its organisation's staff are told it has opened
(unless they opted out, on their email preferences page), and each applicant is told,
once it closes, by when they will hear."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from applications import services
from core import outbox
from core.models import Email, Reminder
from core.reminders import reminders_send_due
from partners.models import User
from partners.services import CALL_EMAILS_CONSENT
from tests.factories.applications import open_call, submitted
from tests.factories.partners import (
    OrganisationFactory,
    PartnershipFactory,
    ProgrammeYearFactory,
    coordinator_of,
    staff_of,
)


@pytest.fixture
def storiel(db):
    """Storiel, a partner in 2031, with its coordinator and three of its staff; a
    member of staff elsewhere."""
    year = ProgrammeYearFactory(year=2031, host__name="British Museum")
    organisation = OrganisationFactory(name="Storiel")
    PartnershipFactory(year=year, organisation=organisation, confirmed=True)
    return {
        "year": year,
        "organisation": organisation,
        "coordinator": coordinator_of(organisation, user__email="gwen@storiel.example"),
        "ffion": staff_of(organisation, user__email="ffion@storiel.example"),
        "owain": staff_of(organisation, user__email="owain@storiel.example"),
        "opted_out": staff_of(
            organisation, user__email="nia@storiel.example", user__call_emails=False
        ),
        "elsewhere": staff_of(year.host, user__email="sam@british-museum.example"),
    }


def _sweep(moment: datetime.datetime, capture) -> list[tuple[str, str]]:
    before = len(mail.outbox)
    with time_machine.travel(moment, tick=False), capture(execute=True):
        reminders_send_due()
    return sorted((m.to[0], m.subject) for m in mail.outbox[before:])


def test_a_call_opening_emails_its_staff_once_with_the_call_and_the_way_to_opt_out(
    storiel, django_capture_on_commit_callbacks
):
    call = open_call(year=storiel["year"], organisation=storiel["organisation"])
    subject = "The Storiel call for Knowledge Exchange 2031 is open"

    sent = _sweep(timezone.now(), django_capture_on_commit_callbacks)

    # Not the coordinator (who runs it), not Nia (opted out), not the host's staff.
    assert sent == [("ffion@storiel.example", subject), ("owain@storiel.example", subject)]
    body = " ".join(mail.outbox[-1].body.split())
    assert reverse("applications:call_detail", args=[call.pk]) in body
    assert "To stop these emails, change your email preferences" in body
    assert reverse("partners:email_preferences") in body
    # The next morning: nothing again.
    later = timezone.now() + datetime.timedelta(days=1)
    assert _sweep(later, django_capture_on_commit_callbacks) == []


def test_staff_who_have_started_an_application_are_not_told_the_call_opened(
    storiel, django_capture_on_commit_callbacks
):
    call = open_call(year=storiel["year"], organisation=storiel["organisation"])
    services.application_start(call=call, applicant=storiel["ffion"])

    sent = _sweep(timezone.now(), django_capture_on_commit_callbacks)

    assert [to for to, _subject in sent] == ["owain@storiel.example"]


def test_a_call_that_opened_long_ago_or_has_closed_is_not_announced(
    storiel, django_capture_on_commit_callbacks
):
    now = timezone.now()
    open_call(
        year=storiel["year"],
        organisation=storiel["organisation"],
        opens_at=now - datetime.timedelta(days=20),
    )

    assert _sweep(now, django_capture_on_commit_callbacks) == []


def test_opting_out_after_the_email_was_queued_stops_it(
    storiel, django_capture_on_commit_callbacks
):
    open_call(year=storiel["year"], organisation=storiel["organisation"])
    with django_capture_on_commit_callbacks(execute=False):
        reminders_send_due()
    User.objects.filter(email="owain@storiel.example").update(call_emails=False)

    outbox.relay()

    assert sorted(m.to[0] for m in mail.outbox) == ["ffion@storiel.example"]
    assert Email.objects.get(to=["owain@storiel.example"]).state == Email.State.EXPIRED


def test_when_a_call_closes_each_applicant_is_told_when_decisions_come(
    storiel, django_capture_on_commit_callbacks
):
    now = timezone.now()
    call = open_call(
        year=storiel["year"],
        organisation=storiel["organisation"],
        places=2,
        closes_at=now + datetime.timedelta(days=2),
    )
    submitted(call=call, applicant=storiel["ffion"])
    withdrawn = submitted(call=call, applicant=storiel["owain"])
    services.application_withdraw(application=withdrawn, by=storiel["owain"])
    Reminder.objects.all().delete()  # the call-opened emails are not this test's

    assert _sweep(now, django_capture_on_commit_callbacks) == []
    after_close = call.closes_at + datetime.timedelta(hours=13)
    sent = _sweep(after_close, django_capture_on_commit_callbacks)

    assert sent == [
        (
            "ffion@storiel.example",
            "Your application to the Storiel call: decisions by 8 May 2031",
        )
    ]
    body = " ".join(mail.outbox[-1].body.split())
    assert "everyone who applied hears the decision at the same time, by 8 May 2031" in body
    next_day = after_close + datetime.timedelta(days=1)
    assert _sweep(next_day, django_capture_on_commit_callbacks) == []


def test_a_person_opts_out_of_call_emails_and_the_choice_is_recorded(client, storiel):
    owain = storiel["owain"]
    client.force_login(owain)
    url = reverse("partners:email_preferences")

    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"]["call_emails"].value() is True

    response = client.post(url, {}, follow=True)

    assert "you will not be emailed when your organisation opens a call" in response.text
    owain.refresh_from_db()
    assert owain.call_emails is False
    assert owain.call_emails_changed_at is not None
    assert "You last changed this on" in response.text

    client.post(url, {"call_emails": "on"})
    owain.refresh_from_db()
    assert owain.call_emails is True

    # Each consent is kept with the words agreed to; the one withdrawn, with when.
    client.post(url, {})
    client.post(url, {"call_emails": "on"})
    withdrawn, standing = owain.consents.order_by("given_at", "pk")
    assert withdrawn.withdrawn_at is not None and standing.withdrawn_at is None
    assert standing.statement == str(CALL_EMAILS_CONSENT)


def test_the_preferences_page_needs_a_sign_in(client, db):
    response = client.get(reverse("partners:email_preferences"))

    assert response.status_code == 302
    assert reverse("account_login") in response.url
