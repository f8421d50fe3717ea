"""Decisions are drafted while a call is open or after, and released to applicants
together once it has closed, from a preview of the emails; shortlisting is internal;
selecting someone without an endorsement asks for confirmation and records it."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from applications import services
from applications.models import Application
from applications.selectors import host_responses_waiting
from applications.services import ApplicationError
from placements.services import PlacementError, placement_propose
from tests.factories.applications import submitted
from tests.factories.partners import staff_of
from tests.factories.placements import FIRST_MONDAY, select

pytestmark = pytest.mark.shared_cast

Status = Application.Status


def _after_close(call, minutes: int = 5):
    return time_machine.travel(call.closes_at + datetime.timedelta(minutes=minutes))


def _three_decisions(cast, applications=None):
    """A's call with three more applicants: one declined, one selected without an
    endorsement and one on the reserve list, all drafted while the call is open; the
    cast's own applicant shortlisted."""
    declined, selected, reserve = applications or _three_applicants(cast)
    services.application_shortlist(application=cast.application_a, by=cast.coordinator)
    services.application_decline(application=declined, by=cast.coordinator, reason="Few places.")
    services.application_select(
        application=selected, by=cast.coordinator, destination=cast.host, without_endorsement=True
    )
    services.application_reserve(application=reserve, by=cast.coordinator)
    return declined, selected, reserve


def _three_applicants(cast):
    cast.call_a.places = 2
    cast.call_a.save()
    return [submitted(call=cast.call_a, applicant=staff_of(cast.organisation_a)) for _ in "abc"]


@pytest.mark.django_db
def test_decisions_are_drafts_until_released_then_everyone_decided_is_emailed_together(
    cast, client, django_capture_on_commit_callbacks
):
    applicants = _three_applicants(cast)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        declined, selected, reserve = _three_decisions(cast, applicants)
    assert mail.outbox == []

    # The applicants still read that their applications are being considered.
    client.force_login(declined.applicant)
    page = client.get(declined.get_absolute_url()).content.decode()
    assert "Submitted" in page and "Few places." not in page and "Not selected" not in page
    # Nor does the host hear of the selection, or a placement get proposed.
    client.force_login(cast.host_coordinator)
    assert client.get(reverse("applications:hosting_list")).context["applications"] == []
    with pytest.raises(PlacementError, match="has not been released yet"):
        placement_propose(
            application=selected,
            by=cast.coordinator,
            supervisor=cast.supervisor,
            start_on=FIRST_MONDAY,
        )
    with pytest.raises(ApplicationError, match="Decisions are released together after it closes"):
        services.call_release_decisions(call=cast.call_a, by=cast.coordinator)

    with _after_close(cast.call_a), django_capture_on_commit_callbacks(execute=True):
        told = services.call_release_decisions(call=cast.call_a, by=cast.coordinator)

    assert {application.pk for application in told} == {declined.pk, selected.pk, reserve.pk}
    subject = "Your application to the Ashmolean Test Museum call for 2031: "
    assert sorted((m.to[0], m.subject) for m in mail.outbox) == sorted(
        [
            (declined.applicant.email, subject + "not selected"),
            (selected.applicant.email, subject + "selected"),
            (reserve.applicant.email, subject + "on the reserve list"),
            (cast.host_coordinator.email, f"{selected.applicant} has been selected to come to you"),
        ]
    )
    assert "Few places." in next(m for m in mail.outbox if m.to == [declined.applicant.email]).body
    cast.call_a.refresh_from_db()
    assert (
        cast.call_a.decisions_released_by,
        cast.call_a.history.first().history_change_reason,
    ) == (
        cast.coordinator,
        "Decisions released by Cora Coordinator",
    )
    # The shortlisted applicant is still being considered, and hears when decided.
    client.force_login(cast.staff)
    assert "Submitted" in client.get(cast.application_a.get_absolute_url()).content.decode()
    client.force_login(declined.applicant)
    page = client.get(declined.get_absolute_url()).content.decode()
    assert "Not selected" in page and "Few places." in page
    with pytest.raises(ApplicationError, match="These decisions were released on"):
        services.call_release_decisions(call=cast.call_a, by=cast.coordinator)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_decline(
            application=cast.application_a, by=cast.coordinator, reason="Another year."
        )
    assert [m.to for m in mail.outbox] == [[cast.staff.email]]


@pytest.mark.django_db
def test_a_draft_decision_can_be_changed_for_another_until_it_is_released(cast):
    application = cast.application_a
    services.application_decline(application=application, by=cast.coordinator, reason="Few.")
    services.application_select(
        application=application,
        by=cast.coordinator,
        destination=cast.host,
        without_endorsement=True,
    )
    application.refresh_from_db()
    assert (application.status, application.decision_reason, application.destination) == (
        Status.SELECTED,
        "",
        cast.host,
    )
    services.application_reserve(application=application, by=cast.coordinator)
    application.refresh_from_db()
    assert (application.status, application.destination) == (Status.RESERVE, None)
    assert not application.selected_without_endorsement

    with _after_close(cast.call_a):
        services.call_release_decisions(call=cast.call_a, by=cast.coordinator)
    application.refresh_from_db()
    # Once told, only the programme's own moves: a reserve may still be selected, but
    # not go back to the shortlist.
    assert not application.can_transition_to(Status.SHORTLISTED)
    assert application.can_transition_to(Status.SELECTED)


@pytest.mark.django_db
def test_selecting_without_an_endorsement_asks_for_confirmation_and_records_it(cast, client):
    client.force_login(cast.coordinator)
    url = reverse("applications:application_review", args=[cast.application_a.pk])

    response = client.post(url, {"decision": "selected", "destination": cast.host.pk})

    assert response.status_code == 200
    assert response.context["form"].errors["without_endorsement"] == [
        "Alex Applicant's line manager has not endorsed this application. Confirm that you "
        "are selecting them without an endorsement, or wait for it."
    ]
    response = client.post(
        url, {"decision": "selected", "destination": cast.host.pk, "without_endorsement": "on"}
    )
    assert response.status_code == 302
    cast.application_a.refresh_from_db()
    assert cast.application_a.selected_without_endorsement
    change = cast.application_a.status_changes.last()
    assert (change.to_status, change.note) == (
        "selected",
        "Selected without an endorsement from the line manager.",
    )
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [
        "Alex Applicant: selected, as a draft. Applicants hear together when you release the "
        "call's decisions, after it closes."
    ]

    endorsed = submitted(call=cast.call_a, applicant=staff_of(cast.organisation_a))
    services.endorsement_give(
        token=endorsed.endorsement_request.token, endorsed=True, comment="Yes."
    )
    page = client.get(reverse("applications:application_review", args=[endorsed.pk]))
    assert "without_endorsement" not in page.context["form"].fields


@pytest.mark.django_db
def test_the_release_page_previews_each_email_then_releases(cast, client):
    _three_decisions(cast)
    client.force_login(cast.coordinator)
    url = reverse("applications:call_release", args=[cast.call_a.pk])

    page = client.get(url).content.decode()
    assert "The call closes on" in page and "Release 3 decisions" not in page

    with _after_close(cast.call_a):
        client.force_login(cast.coordinator)  # a session from before would have expired
        response = client.get(url)
        page = response.content.decode()
        assert response.context["counts"] == {
            "selected": 1,
            "reserve": 1,
            "declined": 1,
            "undecided": 1,
        }
        assert [email.subject for _, email in response.context["samples"]] == [
            "Your application to the Ashmolean Test Museum call for 2031: not selected",
            "Your application to the Ashmolean Test Museum call for 2031: on the reserve list",
            "Your application to the Ashmolean Test Museum call for 2031: selected",
        ]
        assert "Release 3 decisions and email each applicant" in page
        assert "1 application is not decided yet." in page
        assert "Few places." in page
        response = client.post(url)

    assert response.status_code == 302
    assert response.url == reverse("applications:call_review", args=[cast.call_a.pk])
    cast.call_a.refresh_from_db()
    assert cast.call_a.decisions_released
    page = client.get(url).content.decode()
    assert "These decisions were released on" in page and "Release 3" not in page


@pytest.mark.django_db
def test_the_release_page_refuses_with_a_message_when_there_is_nothing_to_release(cast, client):
    client.force_login(cast.coordinator)
    url = reverse("applications:call_release", args=[cast.call_a.pk])

    with _after_close(cast.call_a):
        client.force_login(cast.coordinator)
        response = client.post(url)

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "There is no decision to release yet: select, reserve or decline first."
    ]
    assert not client.get(url).context["call"].decisions_released


@pytest.mark.parametrize("extra", [0, 6])
@pytest.mark.django_db
def test_release_page_queries_do_not_grow(cast, client, django_assert_num_queries, extra):
    _three_decisions(cast)
    cast.call_a.places = extra + 2
    cast.call_a.save()
    for _ in range(extra):
        services.application_decline(
            application=submitted(call=cast.call_a, applicant=staff_of(cast.organisation_a)),
            by=cast.coordinator,
            reason="Few places.",
        )
    client.force_login(cast.coordinator)

    # session user, the organisations coordinated, the call, its destinations, the
    # counts, the samples (ids, then rows), the page's count, its ids, then its rows
    with _after_close(cast.call_a):
        client.force_login(cast.coordinator)
        with django_assert_num_queries(10):
            response = client.get(reverse("applications:call_release", args=[cast.call_a.pk]))
    assert len(response.context["applications"]) == 3 + extra


@pytest.mark.django_db
def test_a_coordinator_is_asked_to_release_once_the_call_has_closed(cast, client):
    _three_decisions(cast)
    client.force_login(cast.coordinator)

    assert "Release the decisions" not in client.get(reverse("dashboard")).content.decode()
    with _after_close(cast.call_a):
        client.force_login(cast.coordinator)
        page = client.get(reverse("dashboard")).content.decode()
        assert "Release the decisions of Ashmolean Test Museum&#x27;s call" in page
        assert "3 decisions are drafted" in page
        services.call_release_decisions(call=cast.call_a, by=cast.coordinator)
        assert "Release the decisions" not in client.get(reverse("dashboard")).content.decode()


def test_people_selected_to_come_stop_being_work_once_their_years_placements_end(cast, client):
    """The host's to-do counts those it has not answered for, this year; a past year's
    are history, and its list says so."""
    select(cast.application_a, by=cast.coordinator, destination=cast.host)
    client.force_login(cast.host_coordinator)
    url = reverse("applications:hosting_list")
    assert host_responses_waiting(user=cast.host_coordinator) == 1
    assert "Waiting for your answer" in client.get(url).content.decode()
    with time_machine.travel(datetime.datetime(2031, 12, 19, 12, 0, tzinfo=datetime.UTC)):
        assert host_responses_waiting(user=cast.host_coordinator) == 0
        page = client.get(url).content.decode()
    assert "Not answered" in page
    assert "Waiting for your answer" not in page
