"""Reminders, one test per kind with the clock moved: each is sent on its day, to the
people it is for and nobody else, once; a second sweep, or two at the same moment,
sends nothing more."""

import datetime
import threading
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone

from applications.models import Endorsement
from core import outbox
from core.models import Email, Reminder
from core.reminders import KINDS, reminders_send_due
from evaluations.models import Instrument
from evaluations.services import response_save
from placements import services as placement_services
from placements.services import daily_sweep
from tests.factories.applications import draft
from tests.factories.partners import staff_of
from tests.factories.placements import claim, confirm, confirmed_a, propose, select

pytestmark = pytest.mark.shared_cast

LONDON = zoneinfo.ZoneInfo("Europe/London")
RATINGS = {"knowledge_sharing": 4, "confidence": 4, "reflection": 4, "motivation": 4}
AIMS = {"aim_knowledge": 4, "aim_relationships": 4, "aim_insight": 4, "aim_sustainable": 4}


def _morning(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(6), tzinfo=LONDON)


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """Run the daily sweep at 06:00 on a day, twice; return [(to, subject)] it sent
    (the second run must send nothing)."""

    def run(day: datetime.date) -> list[tuple[str, str]]:
        before = len(mail.outbox)
        with time_machine.travel(_morning(day), tick=False):
            with django_capture_on_commit_callbacks(execute=True):
                daily_sweep()
            sent = len(mail.outbox)
            # The same morning again (beat running twice): nothing more.
            with django_capture_on_commit_callbacks(execute=True):
                daily_sweep()
            assert len(mail.outbox) == sent, "a second sweep sent again"
        return sorted((m.to[0], m.subject) for m in mail.outbox[before:])

    return run


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@pytest.fixture
def confirmed(cast):
    confirmed = confirmed_a(cast)
    mail.outbox.clear()
    return confirmed


@pytest.mark.django_db
def test_the_partner_deadline_near_with_too_few_partners_reminds_the_manager(cast, sweep):
    deadline = cast.year.partners_confirmed_by  # 31 January 2031; 2 of 5 confirmed

    assert sweep(deadline - _days(15)) == []
    assert sweep(deadline - _days(14)) == [
        (cast.manager.email, "2031: 2 of 5 partners confirmed, deadline 31 January 2031")
    ]
    assert sweep(deadline - _days(13)) == []
    assert sweep(deadline) == []


@pytest.mark.django_db
def test_the_deadline_reminder_is_not_sent_once_the_target_is_reached(cast, sweep):
    cast.year.partner_target = 2
    cast.year.save()

    assert sweep(cast.year.partners_confirmed_by - _days(7)) == []


@pytest.mark.django_db
def test_a_call_closing_reminds_staff_with_a_draft_at_7_days_and_at_1_day(cast, sweep):
    # Closing at 17:00, after the 06:00 sweep of its last day, whenever the test runs
    # (a call closing before 06:00 has closed by that sweep, and its applicants hear).
    cast.call_a.closes_at = datetime.datetime.combine(
        _local_date(cast.call_a.closes_at), datetime.time(17), tzinfo=LONDON
    )
    cast.call_a.save(update_fields=["closes_at"])
    drafter = staff_of(cast.organisation_a)
    draft(call=cast.call_a, applicant=drafter)
    closes = _local_date(cast.call_a.closes_at)
    subject = (
        f"Your application to the {cast.organisation_a.name} call: it closes on "
        f"{timezone.localtime(cast.call_a.closes_at):%-d %B %Y, %H:%M}"
    )

    assert sweep(closes - _days(8)) == []
    # Only the draft's author: Alex, who has submitted, hears nothing.
    assert sweep(closes - _days(7)) == [(drafter.email, subject)]
    assert sweep(closes - _days(3)) == []
    assert sweep(closes - _days(1)) == [(drafter.email, subject)]
    assert sweep(closes) == []
    occasions = Reminder.objects.filter(kind="call_closing").values_list("occasion", flat=True)
    assert sorted(occasions) == ["1-days", "7-days"]


@pytest.mark.django_db
def test_decisions_waiting_after_a_call_closed_remind_its_coordinators(cast, sweep):
    closed = _local_date(cast.call_a.closes_at)
    # The applicant is told when decisions come (tests/applications/test_call_emails.py).
    assert [to for to, _subject in sweep(closed + _days(1))] == [cast.staff.email]

    assert sweep(closed + _days(6)) == []
    assert sweep(closed + _days(8)) == [
        (
            cast.coordinator.email,
            f"Applications to the {cast.organisation_a.name} call are waiting for your decision",
        )
    ]
    assert sweep(closed + _days(9)) == []


@pytest.mark.django_db
def test_a_line_manager_is_reminded_once_more_with_a_new_link(client, cast, sweep):
    first = Endorsement.objects.get(application=cast.application_a)
    asked = _local_date(first.sent_at)

    assert sweep(asked + _days(4)) == []
    assert sweep(asked + _days(5)) == [
        (first.line_manager_email, "Please endorse Alex Applicant's application")
    ]
    assert sweep(asked + _days(10)) == []  # once more, and only once

    first.refresh_from_db()
    assert first.superseded_at is not None  # the first link no longer works
    link = mail.outbox[-1].body.split("/endorse/")[1].split("/")[0]
    assert client.get(reverse("applications:endorse", args=[link])).status_code == 200


@pytest.mark.django_db
def test_an_approval_waiting_5_days_reminds_only_the_coordinator_who_has_not_acted(cast, sweep):
    placement = propose(
        select(cast.application_a, by=cast.coordinator, destination=cast.host),
        by=cast.coordinator,
        supervisor=cast.supervisor,
    )
    proposed = _local_date(placement.proposed_at)

    assert sweep(proposed + _days(4)) == []
    assert sweep(proposed + _days(5)) == [
        (
            cast.host_coordinator.email,
            "Placement of Alex Applicant at Host Test Museum: waiting for your approval",
        )
    ]
    assert sweep(proposed + _days(6)) == []


@pytest.mark.django_db
def test_a_placement_starting_in_7_days_reminds_participant_and_supervisor_with_plan_and_ics(
    cast, confirmed, sweep
):
    day_one = confirmed.days.get(number=1)
    placement_services.plan_session_add(
        placement=confirmed,
        by=cast.supervisor,
        day=day_one,
        data={
            "starts_at": datetime.time(9, 30),
            "ends_at": datetime.time(10, 30),
            "activity": "Welcome and tour",
            "department": "",
            "contact": "",
        },
    )

    assert sweep(confirmed.start_on - _days(8)) == []
    assert sweep(confirmed.start_on - _days(7)) == sorted(
        [
            (cast.supervisor.email, "Alex Applicant's placement with you starts on 2 June 2031"),
            (cast.staff.email, "Your placement at Host Test Museum starts on 2 June 2031"),
        ]
    )
    message = next(m for m in mail.outbox if m.to == [cast.staff.email])
    assert "09:30 Welcome and tour" in message.body
    (name, content, mimetype) = message.attachments[0]
    assert (name, mimetype) == ("placement.ics", "text/calendar")
    assert "DTSTART;VALUE=DATE:20310602" in content
    assert sweep(confirmed.start_on - _days(1)) == []


@pytest.mark.django_db
def test_completion_makes_the_evaluation_and_host_feedback_due_and_14_days_overdue(
    cast, confirmed, sweep
):
    completed_on = confirmed.end_on + _days(1)  # the sweep completes it that morning

    assert sweep(confirmed.end_on) == []
    assert sweep(completed_on) == sorted(
        [
            (cast.supervisor.email, "Your feedback on Alex Applicant's placement"),
            (cast.staff.email, "Your evaluation of your placement at Host Test Museum is open"),
        ]
    )
    assert sweep(completed_on + _days(13)) == []
    assert sweep(completed_on + _days(14)) == [
        (cast.staff.email, "A reminder: your evaluation of your placement at Host Test Museum")
    ]


@pytest.mark.django_db
def test_an_evaluation_answered_is_never_overdue(cast, confirmed, sweep):
    completed_on = confirmed.end_on + _days(1)
    sweep(completed_on)
    confirmed.refresh_from_db()
    with time_machine.travel(_morning(completed_on + _days(2))):
        response_save(
            placement=confirmed,
            instrument=Instrument.POST_EXCHANGE,
            by=cast.staff,
            data={**RATINGS, **AIMS},
            submit=True,
        )

    assert sweep(completed_on + _days(14)) == []


@pytest.mark.django_db
def test_the_follow_up_is_due_months_after_the_last_day(cast, confirmed, sweep, settings):
    sweep(confirmed.end_on + _days(1))

    assert sweep(datetime.date(2031, 12, 5)) == []
    assert sweep(datetime.date(2031, 12, 6)) == [
        (cast.staff.email, "Some months on: your follow-up on your placement at Host Test Museum")
    ]
    assert sweep(datetime.date(2031, 12, 7)) == []


@pytest.mark.django_db
def test_expense_claims_waiting_remind_the_manager_once_a_week(cast, confirmed, sweep):
    claimed = _local_date(claim(confirmed).submitted_at)
    subject = "Expense claims waiting for approval in 2031"

    assert sweep(claimed + _days(4)) == []
    sent = sweep(claimed + _days(5))
    assert sent == [(cast.manager.email, subject)]
    monday = claimed + _days(5 + 7 - (claimed + _days(5)).weekday())
    assert sweep(monday - _days(1)) in ([], sent)  # the same week: nothing new
    assert sweep(monday) == [(cast.manager.email, subject)]
    assert sweep(monday + _days(1)) == []


@pytest.mark.django_db
def test_a_kind_switched_off_for_the_year_is_not_sent(cast, confirmed, sweep):
    cast.year.reminders_off = ["placement_starting"]
    cast.year.save()

    assert sweep(confirmed.start_on - _days(7)) == []


@pytest.mark.django_db
def test_a_missed_day_is_caught_up_but_old_reminders_never_go(cast, confirmed, sweep, settings):
    completed_on = confirmed.end_on + _days(1)

    # The sweep did not run for three days: the evaluation is still asked for.
    assert (cast.staff.email, "Your evaluation of your placement at Host Test Museum is open") in (
        sweep(completed_on + _days(3))
    )
    # Years later, nothing of then is sent.
    assert sweep(datetime.date(2034, 6, 7)) == []


@pytest.mark.django_db
def test_the_command_runs_the_same_sweep_and_prints_what_it_sent(
    cast, confirmed, capsys, django_capture_on_commit_callbacks
):
    with (
        time_machine.travel(_morning(confirmed.start_on - _days(7)), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        call_command("daily_sweep")

    out = capsys.readouterr().out
    assert "2  Placement starting in 7 days (participant and supervisor)" in out
    assert "0 placement(s) completed; 0 place(s) not accepted in time; 2 reminder(s) sent." in out
    assert Reminder.objects.filter(sent_at__isnull=False).count() == 2


@pytest.mark.django_db
def test_the_command_sends_what_the_outbox_holds_that_is_due(capsys, settings):
    settings.EMAIL_BACKEND = "tests.core.test_reminders.BrokenBackend"
    email = outbox.write(
        EmailMultiAlternatives("Your claim is approved", "Body", to=["a@example.org"])
    )
    outbox.relay()  # the mail server is down: it waits a minute to try again
    email.refresh_from_db()
    assert email.state == "pending"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=2)):
        call_command("daily_sweep")

    sent = Email.objects.filter(state="sent").count()  # the cast's emails go too
    out = capsys.readouterr().out
    assert f"Outbox: {sent} sent" in out
    assert "     1  email: sent" in out  # written without a template: by kind, "email"
    assert "Your claim is approved" in [m.subject for m in mail.outbox]


@pytest.mark.django_db
def test_a_relay_pass_stops_after_three_failures_in_a_row(settings):
    Email.objects.all().delete()  # only this test's emails
    settings.EMAIL_BACKEND = "tests.core.test_reminders.BrokenBackend"
    for number in range(5):
        outbox.write(EmailMultiAlternatives("Hello", "Body", to=[f"p{number}@example.org"]))

    assert outbox.relay() == {"pending": 3}
    assert sorted(Email.objects.values_list("attempts", flat=True)) == [0, 0, 1, 1, 1]


@pytest.mark.django_db
def test_the_wait_between_attempts_is_five_minutes_at_most(settings):
    settings.EMAIL_BACKEND = "tests.core.test_reminders.BrokenBackend"
    email = outbox.write(EmailMultiAlternatives("Hello", "Body", to=["a@example.org"]))
    waits = []
    for _ in range(6):
        Email.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now())
        before = timezone.now()
        outbox.deliver(email.pk)
        email.refresh_from_db()
        waits.append(round((email.next_attempt_at - before).total_seconds() / 60))

    assert waits == [1, 2, 4, 5, 5, 5]


@pytest.mark.django_db
def test_an_email_given_up_on_is_logged_at_error_for_the_administrators(caplog, settings):
    Email.objects.all().delete()  # only this test's email (the cast's may expire with it)
    settings.EMAIL_BACKEND = "tests.core.test_reminders.BrokenBackend"
    email = outbox.write(EmailMultiAlternatives("Your claim", "Body", to=["a@example.org"]))
    expires = email.expires_at

    with time_machine.travel(expires - datetime.timedelta(seconds=30)):
        outbox.relay()

    email.refresh_from_db()
    assert email.state == "failed"
    assert "ConnectionRefusedError" in email.last_error
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert record.name == "core.outbox"
    assert "Gave up sending email" in record.getMessage()


def test_every_kind_has_its_emails_and_a_label():
    assert len(KINDS) == 14
    for key, kind in KINDS.items():
        assert kind.label
        for suffix in ("_subject.txt", ".txt", ".html"):
            get_template(f"emails/reminder_{key}{suffix}")


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_the_same_moment_send_each_reminder_once(cast, postgresql):
    placement = propose(
        select(cast.application_a, by=cast.coordinator, destination=cast.host),
        by=cast.coordinator,
        supervisor=cast.supervisor,
    )
    confirm(placement, home_coordinator=cast.coordinator, host_coordinator=cast.host_coordinator)
    mail.outbox.clear()
    barrier = threading.Barrier(2)
    results = []

    def sweep_once():
        try:
            barrier.wait()
            with time_machine.travel(_morning(placement.start_on - _days(7)), tick=False):
                results.append(reminders_send_due())
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(sum(counts.values()) for counts in results) == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([cast.staff.email, cast.supervisor.email])
    assert Reminder.objects.filter(sent_at__isnull=False).count() == 2


@pytest.mark.django_db
def test_a_reminder_task_delivered_twice_sends_once(cast, confirmed):
    with time_machine.travel(_morning(confirmed.start_on - _days(7)), tick=False):
        reminders_send_due()  # queued: this test's transaction never commits
        email = Email.objects.get(reminder__email=cast.staff.email)

        assert outbox.deliver(email.pk) is True
        assert outbox.deliver(email.pk) is False
    assert [m.to for m in mail.outbox] == [[cast.staff.email]]
    assert mail.outbox[0].extra_headers["Message-ID"] == email.message_id
    email.reminder.refresh_from_db()
    assert email.reminder.subject == "Your placement at Host Test Museum starts on 2 June 2031"


@pytest.mark.django_db
def test_a_reminder_that_failed_to_send_is_sent_by_the_relay_after_its_back_off(
    cast, confirmed, sweep, settings
):
    settings.EMAIL_BACKEND = "tests.core.test_reminders.BrokenBackend"
    assert sweep(confirmed.start_on - _days(7)) == []
    failed = Email.objects.filter(stream=Email.Stream.REMINDERS)
    assert [(e.state, e.attempts, e.last_error) for e in failed] == [
        ("pending", 1, "ConnectionRefusedError: the mail server is down")
    ] * 2
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    # Not before the back-off of a minute; then each is sent, once.
    reminders = Email.objects.filter(stream=Email.Stream.REMINDERS)
    moment = _morning(confirmed.start_on - _days(7))
    with time_machine.travel(moment + datetime.timedelta(seconds=30), tick=False):
        outbox.relay()
        assert set(reminders.values_list("state", flat=True)) == {"pending"}
    with time_machine.travel(moment + datetime.timedelta(minutes=1), tick=False):
        assert outbox.relay()["sent"] == 2
        assert outbox.relay()["sent"] == 0
    assert set(reminders.values_list("state", flat=True)) == {"sent"}
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == sorted(
        [
            (cast.supervisor.email, "Alex Applicant's placement with you starts on 2 June 2031"),
            (cast.staff.email, "Your placement at Host Test Museum starts on 2 June 2031"),
        ]
    )
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0


@pytest.mark.django_db
def test_a_reminder_whose_placement_was_cancelled_before_it_went_is_not_sent(
    cast, confirmed, sweep, settings
):
    settings.EMAIL_BACKEND = "tests.core.test_reminders.BrokenBackend"
    sweep(confirmed.start_on - _days(7))  # the mail server is down: both wait
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    moment = _morning(confirmed.start_on - _days(7))
    with time_machine.travel(moment + datetime.timedelta(minutes=30), tick=False):
        placement_services.placement_cancel(
            placement=confirmed, by=cast.manager, reason="The host has had a flood."
        )
        mail.outbox.clear()

        relay = outbox.relay()

    # What the relay sent is the news of the cancellation, not the reminders.
    decisions = Email.objects.filter(stream=Email.Stream.DECISIONS, state="sent")
    assert relay["sent"] == len(mail.outbox) == decisions.count() > 0
    assert all("starts on" not in message.subject for message in mail.outbox)
    reminders = Email.objects.filter(stream=Email.Stream.REMINDERS)
    assert list(reminders.values_list("state", flat=True)) == ["expired", "expired"]
    assert Reminder.objects.filter(sent_at__isnull=False).count() == 0


class BrokenBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the mail server is down")
