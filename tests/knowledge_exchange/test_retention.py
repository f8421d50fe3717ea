"""The retention schedule (settings.RETENTION), applied by the daily sweep: with the
clock moved to the day before and the day after each period, it removes exactly what
the schedule says; a dry run prints it first and changes nothing."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from applications.models import Application
from core.models import Email, RetentionRun
from placements import services as placement_services
from tests.factories.applications import draft, submitted
from tests.factories.partners import staff_of
from tests.factories.placements import claim, confirmed_a

pytestmark = pytest.mark.shared_cast

# The cast's year, 2031: its placement window closes on 18 December; the cast's
# placement runs 2 to 6 June.


def _at(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(6)), tick=False)


def _sweep(day: datetime.date) -> dict[str, int]:
    with _at(day):
        swept = placement_services.daily_sweep()
    return {step["key"]: step["count"] for step in swept.retention}


@pytest.mark.django_db
def test_drafts_are_deleted_and_unplaced_applications_anonymised_a_year_after_the_window(cast):
    never_sent = draft(call=cast.call_a, applicant=staff_of(cast.organisation_a))
    not_chosen = submitted(call=cast.call_a, applicant=staff_of(cast.organisation_a))
    placed = confirmed_a(cast).application

    before = _sweep(datetime.date(2032, 12, 18))
    assert (before["draft_applications"], before["unplaced_applications"]) == (0, 0)
    after = _sweep(datetime.date(2032, 12, 19))
    assert (after["draft_applications"], after["unplaced_applications"]) == (1, 1)

    assert not Application.objects.filter(pk=never_sent.pk).exists()
    not_chosen.refresh_from_db()
    assert not_chosen.anonymised_at is not None
    assert (not_chosen.learning_goals, not_chosen.access_requirements) == ("", "")
    assert not_chosen.specialism and not_chosen.status == "submitted"  # still counted
    assert not not_chosen.history.exclude(learning_goals="").exists()
    placed.refresh_from_db()
    assert placed.anonymised_at is None and placed.learning_goals
    # Once anonymised, not again.
    assert _sweep(datetime.date(2032, 12, 20))["unplaced_applications"] == 0


@pytest.mark.django_db
def test_access_requirements_go_a_month_after_the_follow_up_opens(cast):
    placement = confirmed_a(cast)
    with _at(datetime.date(2031, 6, 9)):
        placement_services.placements_complete_finished()
    # Follow-up opens 6 months after 6 June 2031, so on 6 December; a month on, 6 January.
    assert _sweep(datetime.date(2032, 1, 6))["access_requirements"] == 0
    assert _sweep(datetime.date(2032, 1, 7))["access_requirements"] == 1
    application = Application.objects.get(pk=placement.application_id)
    assert application.access_requirements == ""
    assert application.learning_goals  # nothing else is removed
    assert not application.history.exclude(access_requirements="").exists()


@pytest.mark.django_db
def test_receipts_go_six_years_after_the_claim_was_decided_and_the_claim_stays(
    cast, django_capture_on_commit_callbacks
):
    placement = confirmed_a(cast)
    with _at(datetime.date(2031, 6, 3)):
        lunch = claim(placement)
        placement_services.expense_claim_approve(claim=lunch, by=cast.manager)
    lunch.refresh_from_db()
    storage, name = lunch.receipt.storage, lunch.receipt.name
    assert storage.exists(name)

    assert _sweep(datetime.date(2037, 6, 3))["receipts"] == 0
    with django_capture_on_commit_callbacks(execute=True):  # files go once committed
        assert _sweep(datetime.date(2037, 6, 4))["receipts"] == 1
    lunch.refresh_from_db()
    assert (lunch.receipt.name, str(lunch.amount), lunch.status) == ("", "12.50", "approved")
    assert lunch.receipt_removed_at is not None
    assert not storage.exists(name)
    assert _sweep(datetime.date(2037, 6, 5))["receipts"] == 0


@pytest.mark.django_db
def test_the_outbox_copy_of_an_email_goes_two_years_after_it_was_written(cast):
    with _at(datetime.date(2031, 1, 10)):
        sent = Email.objects.create(
            to=["a@example.org"],
            subject="Sent",
            message_id="<sent@test>",
            state=Email.State.SENT,
            sent_at=timezone.now(),
            expires_at=timezone.now(),
        )
        waiting = Email.objects.create(
            to=["b@example.org"],
            subject="Waiting",
            message_id="<waiting@test>",
            expires_at=timezone.now(),
        )
    assert _sweep(datetime.date(2033, 1, 10))["sent_emails"] == 0
    assert _sweep(datetime.date(2033, 1, 11))["sent_emails"] == 1
    assert not Email.objects.filter(pk=sent.pk).exists()
    assert Email.objects.filter(pk=waiting.pk).exists()  # never sent: the outbox's to give up


@pytest.mark.django_db
def test_a_dry_run_prints_what_would_go_and_changes_nothing_then_the_run_is_recorded(cast):
    # The cast's own application to A's call, and one more: neither placed.
    not_chosen = submitted(call=cast.call_a, applicant=staff_of(cast.organisation_a))
    out = io.StringIO()
    with _at(datetime.date(2033, 1, 10)):
        call_command("retention_sweep", "--dry-run", stdout=out)
    printed = out.getvalue()
    assert (
        "     2  Anonymised: Applications that led to no placement, months after their year's "
        "placements ended (12 months)"
    ) in printed
    assert "Dry run:" in printed
    not_chosen.refresh_from_db()
    assert not_chosen.anonymised_at is None and not RetentionRun.objects.exists()

    out = io.StringIO()
    with _at(datetime.date(2033, 1, 10)):
        call_command("retention_sweep", stdout=out)
    not_chosen.refresh_from_db()
    assert not_chosen.anonymised_at is not None
    (run,) = RetentionRun.objects.all()
    assert {step["key"]: step["count"] for step in run.outcome}["unplaced_applications"] == 2
