"""Accepting the place: a person selected and told accepts or declines it by the call's
deadline; a decline, or a deadline missed (the daily sweep), offers it to the first on
the reserve list, who is emailed; a reminder goes before the deadline; the
coordinators see who has not yet accepted; a placement is planned only once accepted."""

import datetime
import threading
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from applications import selectors, services
from applications.models import NOT_YET_ACCEPTED, Application
from applications.services import ApplicationError
from placements.services import PlacementError, daily_sweep, placement_propose
from tests.concurrency import in_thread
from tests.factories.applications import submitted
from tests.factories.partners import staff_of
from tests.factories.placements import FIRST_MONDAY, release, select

pytestmark = pytest.mark.shared_cast

Status = Application.Status
Answer = Application.PlaceAnswer
LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.fixture
def offered(cast):
    """Alex (A's applicant) selected to go to the host and told, not yet answered; two
    colleagues on the reserve list, Rae first."""
    cast.reserve_1 = submitted(
        call=cast.call_a,
        applicant=staff_of(
            cast.organisation_a, user__full_name="Rae Reserve", user__email="rae@a.example"
        ),
    )
    cast.reserve_2 = submitted(
        call=cast.call_a, applicant=staff_of(cast.organisation_a, user__full_name="Sam Second")
    )
    with time_machine.travel(timezone.now() - datetime.timedelta(hours=1)):
        services.application_reserve(application=cast.reserve_1, by=cast.coordinator)
    services.application_reserve(application=cast.reserve_2, by=cast.coordinator)
    cast.application_a = select(
        cast.application_a, by=cast.coordinator, destination=cast.host, accept=False
    )
    mail.outbox.clear()
    return cast


def _refreshed(*applications):
    for application in applications:
        application.refresh_from_db()
    return applications


@pytest.mark.django_db
def test_release_sets_the_deadline_from_the_calls_days_and_the_email_says_it(
    cast, django_capture_on_commit_callbacks
):
    cast.call_a.accept_within_days = 10
    cast.call_a.save()
    services.application_select(
        application=cast.application_a,
        by=cast.coordinator,
        destination=cast.host,
        without_endorsement=True,
    )
    moment = datetime.datetime(2031, 5, 20, 9, tzinfo=LONDON)  # after the call closes
    cast.call_a.closes_at = moment - datetime.timedelta(days=1)
    cast.call_a.opens_at = moment - datetime.timedelta(days=20)
    cast.call_a.save()
    with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.call_release_decisions(call=cast.call_a, by=cast.coordinator)

    (application,) = _refreshed(cast.application_a)
    assert timezone.localtime(application.accept_by) == datetime.datetime(
        2031, 5, 30, 23, 59, tzinfo=LONDON
    )
    email = next(m for m in mail.outbox if m.to == [cast.staff.email])
    assert "Please accept or decline the place by 30 May 2031, 23:59" in email.body
    assert application.place_to_answer


@pytest.mark.django_db
def test_the_person_accepts_on_their_page_and_the_coordinators_hear(
    client, offered, django_capture_on_commit_callbacks
):
    client.force_login(offered.staff)
    detail = client.get(offered.application_a.get_absolute_url()).content.decode()
    assert "Accept or decline your place" in detail
    url = reverse("applications:application_place", args=[offered.application_a.pk])
    page = client.get(url).content.decode()
    assert "Will you take the place?" in page

    refused = client.post(url, {"note": "Thinking it over"})
    assert "Choose whether you accept or decline the place." in refused.content.decode()
    assert "Thinking it over" in refused.content.decode()  # kept

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"answer": "accept"})
    assert response.url == offered.application_a.get_absolute_url()
    (application,) = _refreshed(offered.application_a)
    assert (application.status, application.place_answer) == (Status.SELECTED, Answer.ACCEPTED)
    latest = application.history.first()
    assert (latest.history_user, latest.history_change_reason) == (offered.staff, "Place accepted")
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([offered.coordinator.email], f"{offered.staff.full_name} has accepted their place")
    ]
    assert (
        "You accepted the place on" in client.get(application.get_absolute_url()).content.decode()
    )
    # Once answered, it cannot be answered again.
    with pytest.raises(ApplicationError, match="You accepted this place on"):
        services.place_decline(application=application, by=offered.staff)


@pytest.mark.django_db
def test_only_the_person_selected_answers_and_only_a_place_offered(offered):
    with pytest.raises(ApplicationError, match="Only the person selected"):
        services.place_accept(application=offered.application_a, by=offered.coordinator)
    with pytest.raises(ApplicationError, match="there is no place to answer"):
        services.place_accept(application=offered.reserve_1, by=offered.reserve_1.applicant)


@pytest.mark.django_db
def test_a_decline_offers_the_place_to_the_first_reserve_who_is_emailed(
    client, offered, django_capture_on_commit_callbacks
):
    client.force_login(offered.staff)
    url = reverse("applications:application_place", args=[offered.application_a.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"answer": "decline", "note": "My team is short that month"})

    declined, first, second = _refreshed(
        offered.application_a, offered.reserve_1, offered.reserve_2
    )
    assert (declined.status, declined.place_answer) == (Status.WITHDRAWN, Answer.DECLINED)
    assert declined.status_changes.last().note == "My team is short that month"
    assert (first.status, first.destination, first.place_answer) == (
        Status.SELECTED,
        offered.host,
        "",
    )
    assert first.accept_by > timezone.now() + datetime.timedelta(days=13)
    assert second.status == Status.RESERVE
    subjects = {m.to[0]: m for m in mail.outbox}
    assert subjects[offered.staff.email].subject == "You have declined your place"
    assert "a place has come free" in subjects["rae@a.example"].body
    assert "Please accept or decline the place by" in subjects["rae@a.example"].body
    coordinator = subjects[offered.coordinator.email]
    assert coordinator.subject == f"{offered.staff.full_name} has declined their place"
    assert "Their place has been offered to Rae Reserve" in coordinator.body
    assert "My team is short that month" in coordinator.body


@pytest.mark.django_db
def test_a_missed_deadline_lapses_the_place_in_the_daily_sweep_and_offers_it_on(
    offered, django_capture_on_commit_callbacks
):
    deadline = offered.application_a.accept_by
    with time_machine.travel(deadline - datetime.timedelta(minutes=1), tick=False):
        assert daily_sweep()[1] == []  # not yet
    with time_machine.travel(deadline + datetime.timedelta(minutes=1), tick=False):
        with pytest.raises(ApplicationError, match="The place had to be accepted by"):
            services.place_accept(application=offered.application_a, by=offered.staff)
        with django_capture_on_commit_callbacks(execute=True):
            lapsed = daily_sweep().lapsed

    assert [application.pk for application in lapsed] == [offered.application_a.pk]
    lapsed_one, first = _refreshed(offered.application_a, offered.reserve_1)
    assert (lapsed_one.status, lapsed_one.place_answer) == (Status.WITHDRAWN, Answer.LAPSED)
    change = lapsed_one.status_changes.last()
    assert change.by is None and change.note.startswith("The place was not accepted by")
    assert first.status == Status.SELECTED
    subjects = sorted(m.subject for m in mail.outbox if m.to == [offered.staff.email])
    assert subjects == ["Your place was not accepted in time"]


@pytest.mark.django_db
def test_a_reminder_goes_before_the_deadline_once(offered, django_capture_on_commit_callbacks):
    deadline = timezone.localtime(offered.application_a.accept_by)

    def sweep_on(day):
        before = len(mail.outbox)
        morning = datetime.datetime.combine(day, datetime.time(6), tzinfo=LONDON)
        with (
            time_machine.travel(morning, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            daily_sweep()
        return [(m.to[0], m.subject) for m in mail.outbox[before:]]

    assert sweep_on(deadline.date() - datetime.timedelta(days=4)) == []
    three_before = sweep_on(deadline.date() - datetime.timedelta(days=3))
    assert three_before == [
        (
            offered.staff.email,
            f"Please accept or decline your place by {deadline:%-d %B %Y}, 23:59",
        )
    ]
    assert sweep_on(deadline.date() - datetime.timedelta(days=2)) == []


@pytest.mark.django_db
def test_coordinators_see_who_has_not_yet_accepted(client, offered, django_assert_num_queries):
    client.force_login(offered.coordinator)
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "1 person selected has not yet accepted their place" in dashboard
    review = reverse("applications:call_review", args=[offered.call_a.pk])
    page = client.get(review, {"status": NOT_YET_ACCEPTED})
    assert [a.pk for a in page.context["applications"]] == [offered.application_a.pk]
    assert "Not yet accepted: answer by" in page.content.decode()
    assert "Places at each destination" in page.content.decode()
    services.place_accept(application=offered.application_a, by=offered.staff)
    assert list(client.get(review, {"status": NOT_YET_ACCEPTED}).context["applications"]) == []
    assert "Place accepted" in client.get(review).content.decode()
    assert selectors.places_waiting(user=offered.coordinator) == []


@pytest.mark.django_db
def test_the_review_page_shows_each_destinations_places(offered):
    (row,) = selectors.destination_capacity(call=offered.call_a)
    assert (row["destination"], row["taken"], row["can_host"]) == (
        offered.host,
        1,
        offered.call_a.places,
    )


@pytest.mark.django_db
def test_a_placement_is_planned_only_once_the_place_is_accepted(offered):
    with pytest.raises(PlacementError, match="has not accepted their place yet"):
        placement_propose(
            application=offered.application_a,
            by=offered.coordinator,
            supervisor=offered.supervisor,
            start_on=FIRST_MONDAY,
        )


@pytest.mark.django_db
def test_the_database_keeps_an_answer_with_its_status(offered, postgresql):
    application = offered.application_a
    with pytest.raises(IntegrityError, match="place_answer_fits_status"), transaction.atomic():
        Application.objects.filter(pk=application.pk).update(
            place_answer=Answer.DECLINED, place_answered_at=timezone.now()
        )
    with pytest.raises(IntegrityError, match="place_answer_has_date"), transaction.atomic():
        Application.objects.filter(pk=application.pk).update(place_answer=Answer.ACCEPTED)
    with pytest.raises(IntegrityError, match="accept_within_days"), transaction.atomic():
        type(offered.call_a).objects.filter(pk=offered.call_a.pk).update(accept_within_days=0)


# --- At the same moment, on PostgreSQL ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_decline_and_the_sweep_at_once_give_the_last_place_to_one_reserve(offered, postgresql):
    """Both lock the call's row first: the place is given up once, and only the first
    reserve takes it; the call never has more selected than places."""
    release(offered.call_a, by=offered.coordinator)
    deadline = offered.application_a.accept_by
    start, results = threading.Barrier(2), {}

    with time_machine.travel(deadline + datetime.timedelta(minutes=1), tick=False):
        threads = [
            in_thread(
                lambda: services.place_decline(application=offered.application_a, by=offered.staff),
                results,
                "decline",
                start,
            ),
            in_thread(services.places_lapse, results, "sweep", start),
        ]
        for thread in threads:
            thread.join(20)

    declined = isinstance(results["decline"], Application)
    lapsed = results["sweep"]
    # Exactly one of the two gave the place up.
    assert declined != bool(lapsed), results
    if not declined:
        assert isinstance(results["decline"], ApplicationError)
    first, second = _refreshed(offered.reserve_1, offered.reserve_2)
    assert (first.status, second.status) == (Status.SELECTED, Status.RESERVE)
    selected = Application.objects.filter(call=offered.call_a, status=Status.SELECTED).count()
    assert selected == 1 <= offered.call_a.places
