"""The rules of placements: working days, conflicts, approval, completion; in the
services and in the database."""

import datetime
import threading

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from applications import services as application_services
from evaluations.models import Instrument, Response
from partners.models import ClosureDay, Membership
from placements import services
from placements.models import Placement, PlacementDay, PlacementError, PlacementStatusChange
from placements.working_days import working_days_from
from tests.concurrency import in_thread
from tests.factories.applications import open_call, submitted
from tests.factories.partners import MembershipFactory, staff_of
from tests.factories.placements import FIRST_MONDAY, confirm, propose, select

pytestmark = pytest.mark.shared_cast

Status = Placement.Status
Action = PlacementStatusChange.Action
date = datetime.date


# --- Working days ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("nation", "start", "days"),
    [
        # St Andrew's Day 2031 falls on a Sunday: Scotland takes Monday 1 December.
        ("scotland", date(2031, 11, 27), [27, 28, 2, 3, 4]),
        ("england", date(2031, 11, 27), [27, 28, 1, 2, 3]),
        # Good Friday everywhere; Easter Monday everywhere but Scotland.
        ("england", date(2031, 4, 10), [10, 15, 16, 17, 18]),
        ("wales", date(2031, 4, 10), [10, 15, 16, 17, 18]),
        ("northern_ireland", date(2031, 4, 10), [10, 15, 16, 17, 18]),
        ("scotland", date(2031, 4, 10), [10, 14, 15, 16, 17]),
        # The Twelfth falls on a Saturday in 2031: Northern Ireland takes Monday 14 July.
        ("northern_ireland", date(2031, 7, 10), [10, 11, 15, 16, 17]),
        ("england", date(2031, 7, 10), [10, 11, 14, 15, 16]),
        # On a weekday (Friday 12 July 2030) it is the day itself.
        ("northern_ireland", date(2030, 7, 11), [11, 15, 16, 17, 18]),
        # Scotland's summer bank holiday is the first Monday of August, England's the last.
        ("scotland", date(2031, 8, 1), [1, 5, 6, 7, 8]),
        ("england", date(2031, 8, 22), [22, 26, 27, 28, 29]),
        ("scotland", date(2031, 8, 22), [22, 25, 26, 27, 28]),
    ],
)
def test_five_working_days_skip_weekends_and_the_nations_bank_holidays(nation, start, days):
    assert [day.day for day in working_days_from(start, nation)] == days


@pytest.mark.django_db
def test_a_placement_in_scotland_skips_st_andrews_day(cast):
    scottish_host = cast.host
    scottish_host.nation = "scotland"
    scottish_host.save()
    year = cast.year
    year.placements_end_on = date(2031, 12, 31)
    year.save()
    application = select(cast.application_a, by=cast.coordinator, destination=scottish_host)

    placement = propose(
        application, by=cast.coordinator, supervisor=cast.supervisor, start_on=date(2031, 11, 27)
    )

    assert placement.end_on == date(2031, 12, 4)
    assert list(placement.days.values_list("date", flat=True)) == [
        date(2031, 11, 27),
        date(2031, 11, 28),
        date(2031, 12, 2),
        date(2031, 12, 3),
        date(2031, 12, 4),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("nation", "start", "message"),
    [
        ("england", date(2031, 6, 7), "7 June 2031 is a Saturday."),
        (
            "scotland",
            date(2031, 12, 1),
            "1 December 2031 is a bank holiday in Scotland (Saint Andrew's Day (observed)).",
        ),
        (
            "northern_ireland",
            date(2031, 7, 14),
            "14 July 2031 is a bank holiday in Northern Ireland (Battle of the Boyne (observed)).",
        ),
        ("england", date(2031, 8, 25), "25 August 2031 is a bank holiday in England"),
    ],
)
def test_a_start_that_is_not_a_working_day_is_refused(cast, nation, start, message):
    cast.host.nation = nation
    cast.host.save()
    application = select(cast.application_a, by=cast.coordinator, destination=cast.host)

    with pytest.raises(services.PlacementError) as refused:
        propose(application, by=cast.coordinator, supervisor=cast.supervisor, start_on=start)

    assert refused.value.field == "start_on"
    assert refused.value.message.startswith(message)
    assert not Placement.objects.exists()


@pytest.mark.django_db
def test_a_placement_running_past_31_december_is_refused(cast, selected_a):
    cast.year.placements_end_on = date(2031, 12, 31)
    cast.year.save()

    with pytest.raises(services.PlacementError) as refused:
        # Monday 29 December: 29, 30, 31, then 2 and 5 January 2032.
        propose(
            selected_a, by=cast.coordinator, supervisor=cast.supervisor, start_on=date(2031, 12, 29)
        )

    assert refused.value.message == (
        "Five working days from 29 December 2031 end on 5 January 2032, after 31 December "
        "2031: every placement is finished by the end of the year."
    )
    assert not Placement.objects.exists()


@pytest.mark.django_db
def test_a_placement_outside_the_window_is_refused(cast, selected_a):
    # The window closes on Thursday 18 December 2031.
    with pytest.raises(services.PlacementError) as refused:
        propose(
            selected_a, by=cast.coordinator, supervisor=cast.supervisor, start_on=date(2031, 12, 15)
        )

    assert refused.value.message == (
        "Five working days from 15 December 2031 end on 19 December 2031, outside the "
        "placement window of 2031 (1 June 2031 to 18 December 2031). Choose an earlier or "
        "later start."
    )


@pytest.mark.django_db
def test_the_database_refuses_a_placement_outside_the_window(cast, proposed_a, postgresql):
    with pytest.raises(IntegrityError, match="within"), transaction.atomic():
        Placement.objects.filter(pk=proposed_a.pk).update(
            start_on=date(2031, 12, 29), end_on=date(2032, 1, 5)
        )


# --- Conflicts ---------------------------------------------------------------------


@pytest.fixture
def alex_also_at_b(cast):
    """Alex works at B as well, and B's call selects Alex to go to the host too."""
    MembershipFactory(user=cast.staff, organisation=cast.organisation_b)
    call_b = open_call(year=cast.year, organisation=cast.organisation_b)
    return select(
        submitted(call=call_b, applicant=cast.staff),
        by=cast.other_coordinator,
        destination=cast.host,
    )


@pytest.mark.django_db
def test_a_person_in_two_overlapping_placements_is_refused(cast, proposed_a, alex_also_at_b):
    with pytest.raises(services.PlacementError) as refused:
        propose(
            alex_also_at_b,
            by=cast.other_coordinator,
            supervisor=cast.supervisor,
            start_on=FIRST_MONDAY + datetime.timedelta(days=2),
        )

    assert refused.value.field == "start_on"
    assert refused.value.message == (
        "Alex Applicant is already on a placement at Host Test Museum from 2 June 2031 to "
        "6 June 2031, which overlaps these dates (4 June 2031 to 10 June 2031)."
    )
    # The week after is free.
    later = propose(
        alex_also_at_b,
        by=cast.other_coordinator,
        supervisor=cast.supervisor,
        start_on=FIRST_MONDAY + datetime.timedelta(days=7),
    )
    assert later.start_on == date(2031, 6, 9)


@pytest.mark.django_db
def test_the_database_refuses_overlapping_placements_for_a_person(
    cast, proposed_a, alex_also_at_b, postgresql
):
    with pytest.raises(IntegrityError, match="two placements at once"), transaction.atomic():
        Placement.objects.create(
            application=alex_also_at_b,
            year=cast.year,
            participant=cast.staff,
            home=cast.organisation_b,
            host=cast.host,
            supervisor=cast.supervisor,
            start_on=date(2031, 6, 4),
            end_on=date(2031, 6, 10),
            proposed_at=proposed_a.proposed_at,
        )


@pytest.mark.django_db
def test_a_declined_placement_frees_its_dates(cast, proposed_a):
    services.placement_decline(placement=proposed_a, by=cast.host_coordinator, reason="Too soon")

    again = propose(proposed_a.application, by=cast.host_coordinator, supervisor=cast.supervisor)

    assert again.start_on == proposed_a.start_on
    assert again.status == Status.PROPOSED


@pytest.mark.django_db
def test_a_supervisor_must_work_at_the_host(cast, selected_a):
    with pytest.raises(services.PlacementError) as refused:
        propose(selected_a, by=cast.coordinator, supervisor=cast.coordinator)

    assert refused.value.field == "supervisor"
    assert refused.value.message == "The supervisor must work at Host Test Museum."


@pytest.mark.django_db
def test_a_supervisor_with_two_placements_at_once_is_a_warning_not_a_refusal(
    cast, proposed_a, client
):
    colleague = staff_of(cast.organisation_a, user__full_name="Casey Colleague")
    cast.call_a.places = 2
    cast.call_a.save()
    second = select(
        submitted(call=cast.call_a, applicant=colleague), by=cast.coordinator, destination=cast.host
    )
    client.force_login(cast.host_coordinator)

    response = client.post(
        f"/approvals/propose/{second.pk}/",
        {"supervisor": cast.supervisor.pk, "start_on": "2031-06-03"},
        follow=True,
    )

    placement = Placement.objects.get(application=second)
    assert placement.status == Status.PROPOSED
    assert services.supervisor_clashes(placement=placement) == [proposed_a]
    assert (
        "Sid Supervisor also supervises Alex Applicant from 2 June 2031 to 6 June 2031, at the "
        "same time." in response.content.decode()
    )


# --- Approval ----------------------------------------------------------------------


@pytest.mark.django_db
def test_proposing_is_the_proposers_approval_and_asks_only_the_other_side(
    cast, selected_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        placement = propose(selected_a, by=cast.coordinator, supervisor=cast.supervisor)

    assert placement.end_on == date(2031, 6, 6)
    assert placement.status == Status.PROPOSED
    assert (placement.home_approved_by, placement.host_approved_by) == (cast.coordinator, None)
    assert list(placement.status_changes.values_list("action", "by__full_name")) == [
        (Action.PROPOSED, "Cora Coordinator"),
        (Action.APPROVED_HOME, "Cora Coordinator"),
    ]
    assert [m.to for m in mail.outbox] == [[cast.host_coordinator.email]]
    assert (
        mail.outbox[0].subject == "Placement of Alex Applicant at Host Test Museum: please approve"
    )
    body = " ".join(mail.outbox[0].body.split())
    assert "and so approved it for Ashmolean Test Museum" in body
    assert "It is confirmed once Host Test Museum approves it too" in body
    assert f"/approvals/{placement.pk}/" in body


@pytest.mark.django_db
def test_a_proposal_by_the_host_waits_for_the_home_organisation(cast, selected_a):
    placement = propose(selected_a, by=cast.host_coordinator, supervisor=cast.supervisor)

    assert (placement.home_approved_by, placement.host_approved_by) == (
        None,
        cast.host_coordinator,
    )
    confirmed = services.placement_approve(placement=placement, by=cast.coordinator)
    assert confirmed.status == Status.CONFIRMED


@pytest.mark.django_db
def test_someone_coordinating_both_sides_confirms_by_proposing(
    cast, selected_a, django_capture_on_commit_callbacks
):
    MembershipFactory(
        user=cast.coordinator, organisation=cast.host, role=Membership.Role.COORDINATOR
    )

    with django_capture_on_commit_callbacks(execute=True):
        placement = propose(selected_a, by=cast.coordinator, supervisor=cast.supervisor)

    assert placement.status == Status.CONFIRMED
    assert {m.subject for m in mail.outbox} == {"Confirmed: Alex Applicant at Host Test Museum"}


@pytest.mark.django_db
def test_the_other_side_approving_confirms(cast, proposed_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        placement = services.placement_approve(placement=proposed_a, by=cast.host_coordinator)

    assert placement.status == Status.CONFIRMED
    assert list(placement.status_changes.values_list("action", "by__full_name")) == [
        (Action.PROPOSED, "Cora Coordinator"),
        (Action.APPROVED_HOME, "Cora Coordinator"),
        (Action.APPROVED_HOST, "Hana Host"),
        (Action.CONFIRMED, "Hana Host"),
    ]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [
            cast.coordinator.email,
            cast.host_coordinator.email,
            cast.staff.email,
            cast.supervisor.email,
        ]
    )
    assert {m.subject for m in mail.outbox} == {"Confirmed: Alex Applicant at Host Test Museum"}


@pytest.mark.django_db
def test_the_proposer_approving_again_is_refused(cast, proposed_a):
    with pytest.raises(services.PlacementError) as refused:
        services.placement_approve(placement=proposed_a, by=cast.coordinator)

    assert refused.value.message == "Ashmolean Test Museum has already approved this placement."
    proposed_a.refresh_from_db()
    assert proposed_a.status == Status.PROPOSED
    assert proposed_a.host_approved_at is None
    assert proposed_a.status_changes.filter(action=Action.APPROVED_HOME).count() == 1


@pytest.mark.django_db
def test_a_third_organisations_coordinator_cannot_approve(cast, proposed_a):
    with pytest.raises(services.PlacementError) as refused:
        services.placement_approve(placement=proposed_a, by=cast.other_coordinator)

    assert refused.value.message == (
        "Only the coordinators of Ashmolean Test Museum and Host Test Museum can do this."
    )


@pytest.mark.django_db
def test_the_database_refuses_a_confirmation_without_both_approvals(cast, proposed_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Placement.objects.filter(pk=proposed_a.pk).update(status=Status.CONFIRMED)


@pytest.mark.django_db(transaction=True)
def test_approving_while_the_proposer_is_asked_for_changes_does_one_or_the_other(cast, postgresql):
    selected = select(cast.application_a, by=cast.coordinator, destination=cast.host)
    placement = propose(selected, by=cast.coordinator, supervisor=cast.supervisor)
    start, results = threading.Event(), {}
    threads = [
        in_thread(
            lambda: services.placement_approve(placement=placement, by=cast.host_coordinator),
            results,
            "approve",
            start,
        ),
        in_thread(
            lambda: services.placement_request_changes(
                placement=placement, by=cast.host_coordinator, note="Another week"
            ),
            results,
            "changes",
            start,
        ),
    ]
    start.set()
    for thread in threads:
        thread.join(10)

    outcomes = sorted(type(result).__name__ for result in results.values())
    assert outcomes == ["Placement", "PlacementError"], results
    placement.refresh_from_db()
    winner = next(key for key, result in results.items() if isinstance(result, Placement))
    expected = {"approve": Status.CONFIRMED, "changes": Status.CHANGES_REQUESTED}[winner]
    assert placement.status == expected
    assert placement.status_changes.filter(action=Action.CONFIRMED).count() == (winner == "approve")


@pytest.mark.django_db(transaction=True)
def test_one_coordinator_approving_twice_at_the_same_moment_confirms_once(cast, postgresql):
    selected = select(cast.application_a, by=cast.coordinator, destination=cast.host)
    placement = propose(selected, by=cast.coordinator, supervisor=cast.supervisor)
    start, results = threading.Event(), {}

    threads = [
        in_thread(
            lambda: services.placement_approve(placement=placement, by=cast.host_coordinator),
            results,
            key,
            start,
        )
        for key in ("first", "second")
    ]
    start.set()
    for thread in threads:
        thread.join(10)

    outcomes = sorted(type(result).__name__ for result in results.values())
    assert outcomes == ["Placement", "PlacementError"], results
    assert placement.status_changes.filter(action=Action.APPROVED_HOST).count() == 1
    assert placement.status_changes.filter(action=Action.CONFIRMED).count() == 1


@pytest.mark.django_db
def test_asking_for_changes_goes_back_to_the_proposer_and_a_revision_starts_again(
    cast, proposed_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.placement_request_changes(
            placement=proposed_a, by=cast.host_coordinator, note="The week after, please."
        )

    assert [m.to for m in mail.outbox] == [[cast.coordinator.email]]
    assert "The week after, please." in mail.outbox[0].body
    assert f"/approvals/{proposed_a.pk}/revise/" in mail.outbox[0].body

    revised = services.placement_revise(
        placement=proposed_a,
        by=cast.coordinator,
        supervisor=cast.supervisor,
        start_on=date(2031, 6, 9),
    )

    assert revised.status == Status.PROPOSED
    assert (revised.start_on, revised.end_on) == (date(2031, 6, 9), date(2031, 6, 13))
    assert (revised.home_approved_by, revised.host_approved_at) == (cast.coordinator, None)
    assert list(PlacementDay.objects.filter(placement=revised).values_list("date", flat=True)) == [
        date(2031, 6, day) for day in (9, 10, 11, 12, 13)
    ]


@pytest.mark.django_db
def test_asking_for_changes_or_declining_needs_a_note(cast, proposed_a):
    with pytest.raises(services.PlacementError, match="Say what should change"):
        services.placement_request_changes(placement=proposed_a, by=cast.coordinator, note=" ")
    with pytest.raises(services.PlacementError, match="Say why the placement is declined"):
        services.placement_decline(placement=proposed_a, by=cast.coordinator, reason="")


@pytest.mark.django_db
def test_only_the_manager_cancels(cast, proposed_a, django_capture_on_commit_callbacks):
    with pytest.raises(services.PlacementError, match="Only the programme manager"):
        services.placement_cancel(placement=proposed_a, by=cast.coordinator, reason="No")

    with django_capture_on_commit_callbacks(execute=True):
        services.placement_cancel(placement=proposed_a, by=cast.manager, reason="Funding ended")

    proposed_a.refresh_from_db()
    assert proposed_a.status == Status.CANCELLED
    assert proposed_a.status_changes.last().by == cast.manager
    assert {m.to[0] for m in mail.outbox} == {
        cast.coordinator.email,
        cast.host_coordinator.email,
        cast.staff.email,
        cast.supervisor.email,
    }


# --- Completion --------------------------------------------------------------------


@pytest.mark.django_db
def test_the_daily_sweep_completes_confirmed_placements_after_their_last_day(cast, proposed_a):
    placement = confirm(
        proposed_a, home_coordinator=cast.coordinator, host_coordinator=cast.host_coordinator
    )
    colleague = staff_of(cast.organisation_b)
    call_b = open_call(year=cast.year, organisation=cast.organisation_b)
    other = select(
        submitted(call=call_b, applicant=colleague),
        by=cast.other_coordinator,
        destination=cast.host,
    )
    cancelled = propose(other, by=cast.other_coordinator, supervisor=cast.supervisor)
    services.placement_cancel(placement=cancelled, by=cast.manager, reason="Ill")

    # Just after midnight on 7 June in London (23:00 UTC on the 6th, in summer time).
    with time_machine.travel(datetime.datetime(2031, 6, 6, 23, 0, tzinfo=datetime.UTC)):
        assert [p.pk for p in services.placements_complete_finished()] == [placement.pk]

    placement.refresh_from_db()
    cancelled.refresh_from_db()
    assert placement.status == Status.COMPLETED
    assert placement.status_changes.last().action == Action.COMPLETED
    assert cancelled.status == Status.CANCELLED
    assert services.placements_complete_finished(today=date(2031, 7, 1)) == []


@pytest.mark.django_db
def test_the_sweep_leaves_a_placement_on_its_last_day(cast, proposed_a):
    confirmed = confirm(
        proposed_a, home_coordinator=cast.coordinator, host_coordinator=cast.host_coordinator
    )

    with time_machine.travel(datetime.datetime(2031, 6, 6, 22, 0, tzinfo=datetime.UTC)):
        assert services.placements_complete_finished() == []

    confirmed.refresh_from_db()
    assert confirmed.status == Status.CONFIRMED


@pytest.mark.django_db
def test_the_sweep_never_completes_a_proposal(cast, proposed_a):
    assert services.placements_complete_finished(today=date(2031, 12, 31)) == []

    proposed_a.refresh_from_db()
    assert proposed_a.status == Status.PROPOSED


@pytest.mark.django_db
def test_the_manager_completes_a_placement_from_its_first_day_with_a_reason(cast, proposed_a):
    placement = confirm(
        proposed_a, home_coordinator=cast.coordinator, host_coordinator=cast.host_coordinator
    )

    with pytest.raises(services.PlacementError, match="begins on 2 June 2031") as before:
        services.placement_complete(
            placement=placement, by=cast.manager, reason="Early", today=date(2031, 6, 1)
        )
    with pytest.raises(services.PlacementError, match="Say why you complete it now") as no_reason:
        services.placement_complete(placement=placement, by=cast.manager, reason=" ")
    with pytest.raises(services.PlacementError, match="Only the programme manager"):
        services.placement_complete(placement=placement, by=cast.coordinator, reason="Done")
    services.placement_complete(
        placement=placement,
        by=cast.manager,
        reason="The museum closed on Thursday; the week ended early.",
        today=date(2031, 6, 4),
    )

    placement.refresh_from_db()
    record = placement.status_changes.last()
    assert before.value.field is None and no_reason.value.field == "reason"
    assert placement.status == Status.COMPLETED
    assert (record.action, record.by, record.from_status, record.note) == (
        Action.COMPLETED,
        cast.manager,
        Status.CONFIRMED,
        "The museum closed on Thursday; the week ended early.",
    )


@pytest.mark.django_db
def test_the_manager_reopens_a_placement_completed_too_early(cast, proposed_a):
    placement = confirm(
        proposed_a, home_coordinator=cast.coordinator, host_coordinator=cast.host_coordinator
    )
    services.placement_complete(
        placement=placement, by=cast.manager, reason="By mistake", today=date(2031, 6, 3)
    )

    with pytest.raises(services.PlacementError, match="Its last day, 6 June 2031, has passed"):
        services.placement_reopen(
            placement=placement, by=cast.manager, reason="Oops", today=date(2031, 6, 7)
        )
    services.placement_reopen(
        placement=placement, by=cast.manager, reason="Completed by mistake.", today=date(2031, 6, 3)
    )

    placement.refresh_from_db()
    record = placement.status_changes.last()
    assert placement.status == Status.CONFIRMED
    assert (record.action, record.by, record.from_status, record.to_status) == (
        Action.REOPENED,
        cast.manager,
        Status.COMPLETED,
        Status.CONFIRMED,
    )


@pytest.mark.django_db
def test_a_placement_whose_week_is_being_evaluated_stays_completed(cast, proposed_a):
    placement = confirm(
        proposed_a, home_coordinator=cast.coordinator, host_coordinator=cast.host_coordinator
    )
    services.placement_complete(
        placement=placement, by=cast.manager, reason="Ended early", today=date(2031, 6, 3)
    )
    Response.objects.create(
        placement=placement, instrument=Instrument.POST_EXCHANGE, respondent=cast.staff
    )

    with pytest.raises(services.PlacementError, match="1 evaluation of the week has been started"):
        services.placement_reopen(
            placement=placement, by=cast.manager, reason="Oops", today=date(2031, 6, 3)
        )

    placement.refresh_from_db()
    assert placement.status == Status.COMPLETED


@pytest.mark.django_db
def test_withdrawing_cancels_the_placement_and_tells_everyone(
    cast, proposed_a, django_capture_on_commit_callbacks
):
    placement = confirm(
        proposed_a, home_coordinator=cast.coordinator, host_coordinator=cast.host_coordinator
    )

    with django_capture_on_commit_callbacks(execute=True):
        application_services.application_withdraw(
            application=placement.application, by=cast.staff, note="A family matter."
        )

    placement.refresh_from_db()
    assert placement.status == Status.CANCELLED
    assert placement.decision_note == "Alex Applicant withdrew from the programme."
    assert placement.status_changes.last().by == cast.staff
    cancelled = [m for m in mail.outbox if m.subject.startswith("Cancelled")]
    assert {m.to[0] for m in cancelled} == {
        cast.coordinator.email,
        cast.host_coordinator.email,
        cast.staff.email,
        cast.supervisor.email,
    }
    assert services.placements_complete_finished(today=date(2031, 7, 1)) == []


@pytest.mark.django_db
def test_a_later_change_elsewhere_never_blocks_approving_or_completing(cast, proposed_a):
    # The window is moved past the placement, and the supervisor leaves the host.
    cast.year.placements_start_on = date(2031, 7, 1)
    cast.year.save()
    cast.supervisor.memberships.all().delete()

    placement = confirm(
        proposed_a, home_coordinator=cast.coordinator, host_coordinator=cast.host_coordinator
    )
    [completed] = services.placements_complete_finished(today=date(2031, 6, 9))

    assert (placement.status, completed.status) == (Status.CONFIRMED, Status.COMPLETED)


# --- The host's own closure days ----------------------------------------------------


@pytest.mark.django_db
def test_the_hosts_closure_days_count_like_bank_holidays(cast, selected_a):
    ClosureDay.objects.create(
        organisation=cast.host, date=date(2031, 6, 4), reason="Staff training day"
    )

    with pytest.raises(services.PlacementError) as refused:
        propose(
            selected_a, by=cast.coordinator, supervisor=cast.supervisor, start_on=date(2031, 6, 4)
        )
    placement = propose(
        selected_a, by=cast.coordinator, supervisor=cast.supervisor, start_on=date(2031, 6, 2)
    )

    assert refused.value.field == "start_on"
    assert str(refused.value) == (
        "The host is closed on 4 June 2031 (Staff training day). A placement starts on a "
        "working day at Host Test Museum."
    )
    assert [day.date for day in placement.days.order_by("number")] == [
        date(2031, 6, 2),
        date(2031, 6, 3),
        date(2031, 6, 5),
        date(2031, 6, 6),
        date(2031, 6, 9),
    ]


@pytest.mark.django_db
def test_another_organisations_closure_days_do_not_count(cast, selected_a):
    ClosureDay.objects.create(
        organisation=cast.organisation_a, date=date(2031, 6, 4), reason="Closed for an event"
    )

    placement = propose(
        selected_a, by=cast.coordinator, supervisor=cast.supervisor, start_on=date(2031, 6, 4)
    )

    assert placement.end_on == date(2031, 6, 10)


@pytest.mark.django_db
def test_a_closure_day_needs_a_reason_and_comes_once(cast):
    ClosureDay.objects.create(
        organisation=cast.host, date=date(2031, 12, 24), reason="Christmas Eve"
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        ClosureDay.objects.create(organisation=cast.host, date=date(2031, 12, 24), reason="Again")
    with pytest.raises(IntegrityError), transaction.atomic():
        ClosureDay.objects.create(organisation=cast.host, date=date(2031, 12, 23), reason="")


@pytest.mark.django_db
def test_the_participant_accepts_the_dates_and_a_revision_asks_again(
    client, cast, proposed_a, django_capture_on_commit_callbacks
):
    client.force_login(cast.staff)
    assert (
        "Accept the dates of your placement at Host Test Museum"
        in client.get(reverse("dashboard")).content.decode()
    )
    url = reverse("placements:placement_accept_dates", args=[proposed_a.pk])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).url == proposed_a.get_absolute_url()
    proposed_a.refresh_from_db()
    assert proposed_a.dates_accepted_at is not None
    record = proposed_a.status_changes.last()
    assert (record.action, record.by) == ("dates_accepted", cast.staff)
    assert {m.subject for m in mail.outbox} == {
        f"{cast.staff.full_name} has accepted the placement's dates"
    }
    assert "You accepted these dates on" in client.post(url).content.decode()
    # Others cannot accept for them, nor open the page.
    client.force_login(cast.coordinator)
    assert client.get(url).status_code == 404
    with pytest.raises(PlacementError, match="Only the participant"):
        services.placement_accept_dates(placement=proposed_a, by=cast.coordinator)
    # New dates are accepted again.
    services.placement_request_changes(placement=proposed_a, by=cast.host_coordinator, note="Later")
    services.placement_revise(
        placement=proposed_a,
        by=cast.coordinator,
        supervisor=cast.supervisor,
        start_on=FIRST_MONDAY + datetime.timedelta(days=7),
    )
    proposed_a.refresh_from_db()
    assert proposed_a.dates_accepted_at is None
