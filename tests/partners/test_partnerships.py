"""The rules of programme years and partnerships: in the services, and in the database."""

import datetime
import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from partners import services
from partners.models import Partnership, PartnershipStatusChange, ProgrammeYear
from partners.progress import YearFacts, facts_of, with_year_facts
from tests.concurrency import in_thread
from tests.factories.applications import open_call
from tests.factories.partners import (
    OrganisationFactory,
    PartnershipFactory,
    ProgrammeYearFactory,
    coordinator_of,
    programme_manager,
)

CONFIRMED = Partnership.Status.CONFIRMED


def _year_with_four_confirmed_and_two_invited():
    year = ProgrammeYearFactory(year=2030)
    for _ in range(4):
        PartnershipFactory(year=year, confirmed=True)
    fifth, sixth = PartnershipFactory(year=year), PartnershipFactory(year=year)
    return year, fifth, sixth


def _confirmed_count(year) -> int:
    return Partnership.objects.filter(year=year, status=CONFIRMED).count()


# --- The services -----------------------------------------------------------------


@pytest.mark.django_db
def test_confirm_records_who_when_and_emails_the_coordinators(django_capture_on_commit_callbacks):
    manager = programme_manager(full_name="Morgan Manager")
    partnership = PartnershipFactory(organisation__name="Storiel")
    coordinator = coordinator_of(partnership.organisation, user__email="gwen@storiel.example")
    coordinator_of(OrganisationFactory(), user__email="someone@elsewhere.example")

    with django_capture_on_commit_callbacks(execute=True):
        services.partnership_confirm(partnership=partnership, by=manager)

    partnership.refresh_from_db()
    assert (partnership.status, partnership.confirmed_by) == (CONFIRMED, manager)
    assert partnership.confirmed_at is not None
    change = partnership.status_changes.last()
    assert (change.from_status, change.to_status, change.by) == ("invited", "confirmed", manager)
    assert [message.to for message in mail.outbox] == [[coordinator.email]]
    assert mail.outbox[0].subject == (
        f"Storiel is confirmed as a Knowledge Exchange partner for {partnership.year.year}"
    )
    assert partnership.get_absolute_url() in mail.outbox[0].body


@pytest.mark.django_db
def test_confirm_emails_only_the_chosen_coordinators_when_there_are_some(
    django_capture_on_commit_callbacks,
):
    partnership = PartnershipFactory()
    chosen = coordinator_of(partnership.organisation)
    coordinator_of(partnership.organisation)
    partnership.coordinators.set([chosen])

    with django_capture_on_commit_callbacks(execute=True):
        services.partnership_confirm(partnership=partnership, by=None)

    assert [message.to for message in mail.outbox] == [[chosen.email]]


@pytest.mark.django_db
def test_confirm_refuses_a_sixth_partner_naming_the_year_target_and_count(
    django_capture_on_commit_callbacks,
):
    year, fifth, sixth = _year_with_four_confirmed_and_two_invited()
    services.partnership_confirm(partnership=fifth, by=None)

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(services.PartnershipError) as refused,
    ):
        services.partnership_confirm(partnership=sixth, by=None)

    assert str(refused.value) == (
        "2030 already has 5 confirmed partners, which is its target of 5. Withdraw a "
        "partner, or raise the target, before confirming another."
    )
    sixth.refresh_from_db()
    assert sixth.status == Partnership.Status.INVITED
    assert _confirmed_count(year) == 5
    assert mail.outbox == []


@pytest.mark.django_db
def test_confirm_respects_a_target_other_than_five():
    year = ProgrammeYearFactory(partner_target=1)
    first, second = PartnershipFactory(year=year), PartnershipFactory(year=year)
    services.partnership_confirm(partnership=first, by=None)

    with pytest.raises(services.PartnershipError, match="its target of 1"):
        services.partnership_confirm(partnership=second, by=None)


@pytest.mark.django_db
def test_confirm_refuses_a_partnership_that_is_not_an_invitation():
    partnership = PartnershipFactory(status=Partnership.Status.DECLINED)

    with pytest.raises(services.PartnershipError, match="is declined, so it cannot become"):
        services.partnership_confirm(partnership=partnership, by=None)


@pytest.mark.django_db
def test_invite_refuses_the_host_as_its_own_partner():
    year = ProgrammeYearFactory(year=2030, host__name="British Museum")

    with pytest.raises(services.PartnershipError) as refused:
        services.partnership_invite(year=year, organisation=year.host, by=None)

    assert str(refused.value) == (
        "British Museum hosts 2030, so it cannot also be one of its partners."
    )
    assert not Partnership.objects.exists()


@pytest.mark.django_db
def test_invite_refuses_a_second_partnership_in_a_year():
    existing = PartnershipFactory(year__year=2030, organisation__name="Storiel")

    with pytest.raises(services.PartnershipError) as refused:
        services.partnership_invite(year=existing.year, organisation=existing.organisation, by=None)

    assert str(refused.value) == "Storiel already has a partnership in 2030 (invited)."


@pytest.mark.django_db
def test_invite_records_who_invited():
    manager = programme_manager()
    year = ProgrammeYearFactory()

    partnership = services.partnership_invite(
        year=year, organisation=OrganisationFactory(), by=manager
    )

    assert (partnership.status, partnership.invited_by) == ("invited", manager)
    assert list(partnership.status_changes.values_list("from_status", "to_status", "by")) == [
        ("", "invited", manager.pk)
    ]


@pytest.mark.django_db
def test_withdraw_needs_a_reason_frees_the_place_and_tells_the_coordinators(
    django_capture_on_commit_callbacks,
):
    year, fifth, sixth = _year_with_four_confirmed_and_two_invited()
    services.partnership_confirm(partnership=fifth, by=None)
    coordinator_of(fifth.organisation)

    with pytest.raises(services.PartnershipError, match="Say why"):
        services.partnership_withdraw(partnership=fifth, by=None, note="  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.partnership_withdraw(partnership=fifth, by=None, note="Building works.")
        services.partnership_confirm(partnership=sixth, by=None)

    fifth.refresh_from_db()
    assert (fifth.status, fifth.confirmed_at) == (Partnership.Status.WITHDRAWN, None)
    assert fifth.status_changes.last().note == "Building works."
    assert "Building works." in mail.outbox[0].body
    assert _confirmed_count(year) == 5


@pytest.mark.django_db
def test_decline_and_invite_again_are_recorded():
    partnership = PartnershipFactory()

    services.partnership_decline(partnership=partnership, by=None, note="Not this year.")
    services.partnership_reinvite(partnership=partnership, by=None)

    assert list(
        partnership.status_changes.order_by("pk").values_list("from_status", "to_status", "note")
    ) == [
        ("", "invited", ""),
        ("invited", "declined", "Not this year."),
        ("declined", "invited", ""),
    ]


@pytest.mark.django_db
def test_every_change_to_a_year_or_partnership_is_in_its_history():
    partnership = PartnershipFactory()
    partnership.year.budget = 45000
    partnership.year.save()

    services.partnership_confirm(partnership=partnership, by=None)

    assert partnership.year.history.count() == 2
    assert list(partnership.history.order_by("history_id").values_list("status", flat=True)) == [
        "invited",
        "confirmed",
    ]


# --- The year's own rules -------------------------------------------------------------


@pytest.mark.django_db
def test_year_dates_out_of_order_are_tied_to_the_field_to_change():
    year = ProgrammeYearFactory.build(
        year=2030,
        host=OrganisationFactory(can_host=True),
        calls_open_on=datetime.date(2030, 5, 1),
        calls_close_on=datetime.date(2030, 4, 1),
        placements_end_on=datetime.date(2031, 1, 10),
    )

    with pytest.raises(ValidationError) as invalid:
        year.full_clean()

    assert invalid.value.message_dict == {
        "calls_close_on": ["Calls close must be on or after calls open (1 May 2030)."],
        "placements_end_on": [
            "Placements take place within 2030: choose a date from 1 January to 31 December 2030."
        ],
    }


@pytest.mark.django_db
def test_database_refuses_a_placement_window_past_the_end_of_the_year():
    with pytest.raises(IntegrityError):
        ProgrammeYearFactory(
            year=2030,
            placements_end_on=datetime.date(2031, 1, 2),
            evaluations_due_on=datetime.date(2031, 1, 29),
        )


@pytest.mark.django_db
def test_database_refuses_dates_out_of_order():
    with pytest.raises(IntegrityError):
        ProgrammeYearFactory(
            calls_open_on=datetime.date(2030, 5, 1), calls_close_on=datetime.date(2030, 4, 1)
        )


@pytest.mark.parametrize(
    ("today", "facts", "stage", "reason"),
    [
        (
            "2030-01-10",
            YearFacts(confirmed=4),
            "planning",
            "4 of 5 partners are confirmed; the deadline for confirming them is 31 January "
            "2030. Calls open on 1 March 2030.",
        ),
        # The new year: no partner and no call, although the call dates came.
        (
            "2030-03-02",
            YearFacts(),
            "planning",
            "0 of 5 partners are confirmed; the deadline for confirming them is 31 January "
            "2030. No call is open yet, although calls were due to open on 1 March 2030.",
        ),
        (
            "2030-02-10",
            YearFacts(confirmed=5, calls=6),
            "partners_confirmed",
            "5 of 5 partners are confirmed and 6 calls are made, waiting to open.",
        ),
        # The demo's next year: calls open before the dates the year planned.
        (
            "2030-01-10",
            YearFacts(confirmed=5, calls=6, calls_open=6),
            "calls_open",
            "6 of the 6 calls expected are open. Calls are due to close on 15 April 2030.",
        ),
        # Counted of the calls expected, as the board counts them: two not made yet.
        (
            "2030-01-10",
            YearFacts(confirmed=4, calls=3, calls_open=1, calls_closed=2),
            "calls_open",
            "1 of the 5 calls expected is open. 2 have closed. Calls are due to close on 15 "
            "April 2030.",
        ),
        # A call still open keeps the year there, whatever was decided early.
        (
            "2030-04-10",
            YearFacts(confirmed=5, calls=6, calls_open=1, calls_closed=5, placements=2),
            "calls_open",
            "1 of the 6 calls expected is open. 5 have closed. Calls are due to close on 15 "
            "April 2030.",
        ),
        (
            "2030-04-16",
            YearFacts(confirmed=5, calls=6, calls_closed=6, selected=9),
            "selection",
            "6 calls have closed and 9 people are selected; placements begin on 1 June 2030.",
        ),
        (
            "2030-06-01",
            YearFacts(confirmed=5, calls=6, calls_closed=6, placements=9, placements_completed=2),
            "placements",
            "2 of 9 confirmed placements are completed; placements end by 18 December 2030.",
        ),
        (
            "2030-09-01",
            YearFacts(confirmed=5, calls=6, calls_closed=6, placements=9, placements_completed=9),
            "evaluation",
            "All 9 of its placements are completed. Evaluations are due by",
        ),
        (
            "2030-12-19",
            YearFacts(),
            "evaluation",
            "The placement window closed on 18 December 2030.",
        ),
        ("2031-07-01", YearFacts(), "closed", "The follow-up date, 30 June 2031, has passed."),
    ],
)
def test_stage_follows_from_what_has_happened(today, facts, stage, reason):
    year = ProgrammeYearFactory.build(year=2030)

    found, why = year.stage_on(datetime.date.fromisoformat(today), facts)

    assert found == stage
    assert why.startswith(reason)


def test_stage_is_partners_confirmed_once_the_target_is_met_before_calls_open():
    year = ProgrammeYearFactory.build(year=2030)

    assert year.stage_on(datetime.date(2030, 2, 1), YearFacts(confirmed=5)) == (
        "partners_confirmed",
        "All 5 partners are confirmed. Calls open on 1 March 2030.",
    )


@pytest.mark.django_db
def test_a_years_facts_are_counted_from_its_records():
    year = ProgrammeYearFactory(year=2031)
    PartnershipFactory(year=year, confirmed=True)
    open_call(year=year, organisation=year.host)

    years = with_year_facts(ProgrammeYear.objects.filter(pk=year.pk))

    assert facts_of(years.get()) == YearFacts(confirmed=1, calls=1, calls_open=1)


# --- The database, whatever code writes to it (PostgreSQL triggers) ---------------------


@pytest.mark.django_db
def test_database_refuses_a_sixth_confirmed_partner(postgresql):
    _year, fifth, sixth = _year_with_four_confirmed_and_two_invited()
    Partnership.objects.filter(pk=fifth.pk).update(status=CONFIRMED, confirmed_at=timezone.now())

    with pytest.raises(IntegrityError, match="already has 5 confirmed partners"):
        Partnership.objects.filter(pk=sixth.pk).update(
            status=CONFIRMED, confirmed_at=timezone.now()
        )


@pytest.mark.django_db
def test_database_refuses_a_sixth_partner_created_confirmed(postgresql):
    year, _fifth, _sixth = _year_with_four_confirmed_and_two_invited()
    PartnershipFactory(year=year, confirmed=True)

    with pytest.raises(IntegrityError, match="already has 5 confirmed partners"):
        PartnershipFactory(year=year, confirmed=True)


@pytest.mark.django_db
def test_database_refuses_a_target_below_the_confirmed_count(postgresql):
    year, _fifth, _sixth = _year_with_four_confirmed_and_two_invited()

    with pytest.raises(IntegrityError, match="more than a target of 3"):
        ProgrammeYear.objects.filter(pk=year.pk).update(partner_target=3)


@pytest.mark.django_db
def test_database_refuses_the_host_as_its_own_partner(postgresql):
    year = ProgrammeYearFactory()

    with pytest.raises(IntegrityError, match="cannot also be one of its partners"):
        Partnership.objects.create(year=year, organisation=year.host)


@pytest.mark.django_db
def test_database_refuses_a_partner_becoming_the_host(postgresql):
    partnership = PartnershipFactory()

    with pytest.raises(IntegrityError, match="cannot also be one of its partners"):
        ProgrammeYear.objects.filter(pk=partnership.year_id).update(host=partnership.organisation)


@pytest.mark.django_db
def test_database_refuses_a_second_partnership_in_a_year():
    existing = PartnershipFactory()

    with pytest.raises(IntegrityError):
        Partnership.objects.create(year=existing.year, organisation=existing.organisation)


@pytest.mark.django_db
def test_database_refuses_to_delete_a_confirmed_partner(postgresql):
    confirmed = PartnershipFactory(confirmed=True)
    invitation = PartnershipFactory(year=confirmed.year)

    with pytest.raises(IntegrityError, match="withdraw it instead"), transaction.atomic():
        Partnership.objects.filter(year=confirmed.year).delete()

    invitation.delete()
    assert list(Partnership.objects.all()) == [confirmed]


# --- Two people at the same moment -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_managers_confirming_at_once_leave_exactly_the_target(postgresql):
    year, fifth, sixth = _year_with_four_confirmed_and_two_invited()
    first_holds_lock = threading.Event()
    results = {}

    def first():
        # Confirm, then keep the transaction open while the second one starts.
        with transaction.atomic():
            services.partnership_confirm(partnership=fifth, by=None)
            first_holds_lock.set()
            threading.Event().wait(0.5)
        return "confirmed"

    def second():
        first_holds_lock.wait(5)
        services.partnership_confirm(partnership=sixth, by=None)
        return "confirmed"

    threads = [in_thread(first, results, "first"), in_thread(second, results, "second")]
    for thread in threads:
        thread.join(10)

    assert results["first"] == "confirmed"
    # The second waited for the first's lock, then counted five: a readable refusal.
    assert isinstance(results["second"], services.PartnershipError), results["second"]
    assert "already has 5 confirmed partners" in str(results["second"])
    assert _confirmed_count(year) == 5


@pytest.mark.django_db(transaction=True)
def test_two_writers_bypassing_the_service_still_leave_exactly_the_target(postgresql):
    year, fifth, sixth = _year_with_four_confirmed_and_two_invited()
    first_wrote = threading.Event()
    results = {}

    def confirm_directly(partnership):
        return Partnership.objects.filter(pk=partnership.pk).update(
            status=CONFIRMED, confirmed_at=timezone.now()
        )

    def first():
        with transaction.atomic():
            confirm_directly(fifth)
            first_wrote.set()
            threading.Event().wait(0.5)
        return "confirmed"

    def second():
        first_wrote.wait(5)
        with transaction.atomic():
            return confirm_directly(sixth)

    threads = [in_thread(first, results, "first"), in_thread(second, results, "second")]
    for thread in threads:
        thread.join(10)

    assert results["first"] == "confirmed"
    assert isinstance(results["second"], IntegrityError), results["second"]
    assert _confirmed_count(year) == 5
    assert (
        PartnershipStatusChange.objects.filter(partnership=sixth, to_status=CONFIRMED).count() == 0
    )


@pytest.mark.django_db(transaction=True)
def test_two_managers_confirming_in_the_admin_at_once_get_answers_not_errors(postgresql):
    year, fifth, sixth = _year_with_four_confirmed_and_two_invited()
    url = reverse("admin:partners_programmeyear_overview", args=[year.pk])
    clients = []
    for name in ("Morgan", "Georgia"):
        client = Client()
        client.force_login(programme_manager(full_name=name))
        clients.append(client)
    start = threading.Barrier(2)
    results = {}

    def confirm(client, partnership):
        def post():
            start.wait(5)
            return client.post(url, {"partnerships": [partnership.pk]}).status_code

        return post

    threads = [
        in_thread(confirm(clients[0], fifth), results, "first"),
        in_thread(confirm(clients[1], sixth), results, "second"),
    ]
    for thread in threads:
        thread.join(10)

    assert results == {"first": 302, "second": 302}
    assert _confirmed_count(year) == 5
