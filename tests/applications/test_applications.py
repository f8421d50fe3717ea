"""The rules of calls and applications: in the services, the pages and the database."""

import datetime
import threading

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from applications import services
from applications.models import Application, Call, Endorsement
from tests.concurrency import in_thread
from tests.factories.applications import ANSWERS, draft, open_call, submitted
from tests.factories.partners import (
    PartnershipFactory,
    ProgrammeYearFactory,
    coordinator_of,
    staff_of,
)
from tests.factories.placements import select

pytestmark = pytest.mark.shared_cast

Status = Application.Status


def _url(name, obj):
    return reverse(f"applications:{name}", kwargs={"pk": obj.pk})


def _token_from_last_email() -> str:
    """The token in the latest endorsement request sent."""
    body = next(m.body for m in reversed(mail.outbox) if "/endorse/" in m.body)
    return body.split("/endorse/", 1)[1].split("/", 1)[0]


# --- Calls ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_calls_for_a_year_open_for_the_host_and_each_confirmed_partner():
    year = ProgrammeYearFactory(year=2033, host__name="Host Museum")
    first = PartnershipFactory(year=year, confirmed=True, organisation__name="Aberdeen Art")
    PartnershipFactory(
        year=year, confirmed=True, organisation__name="Bristol Museum", sends_to_host=2
    )
    PartnershipFactory(year=year, organisation__name="Invited Only")

    calls = services.calls_create_for_year(year=year, by=None)

    by_name = {call.organisation.name: call for call in calls}
    assert sorted(by_name) == ["Aberdeen Art", "Bristol Museum", "Host Museum"]
    host_call = by_name["Host Museum"]
    assert [o.name for o in host_call.destinations.order_by("name")] == [
        "Aberdeen Art",
        "Bristol Museum",
    ]
    assert host_call.places == 2  # each partner hosts one from the host
    assert [o.name for o in by_name["Bristol Museum"].destinations.all()] == ["Host Museum"]
    assert by_name["Bristol Museum"].places == 2
    assert timezone.localtime(host_call.opens_at) == timezone.make_aware(
        datetime.datetime(2033, 3, 1, 9, 0)
    )
    assert timezone.localtime(host_call.closes_at).hour == 17
    # A second run opens nothing more.
    assert services.calls_create_for_year(year=year, by=None) == []
    assert first.organisation.calls.count() == 1


@pytest.mark.django_db
def test_a_call_for_an_organisation_that_is_not_taking_part_is_refused():
    year = ProgrammeYearFactory(year=2033)
    invited = PartnershipFactory(year=year, organisation__name="Invited Only")

    with pytest.raises(services.ApplicationError) as refusal:
        services.call_create(year=year, organisation=invited.organisation, by=None)

    assert refusal.value.field == "organisation"
    assert refusal.value.message == (
        "Invited Only is neither the host nor a confirmed partner of 2033, so it cannot open "
        "a call."
    )


@pytest.mark.django_db
def test_a_call_must_close_before_placements_begin(cast):
    with pytest.raises(services.ApplicationError) as refusal:
        open_call(
            year=cast.year,
            organisation=cast.organisation_b,
            closes_at=timezone.make_aware(datetime.datetime(2031, 6, 2, 17)),
        )

    assert refusal.value.field == "closes_at"
    assert refusal.value.message == "The call must close before placements begin on 1 June 2031."


@pytest.mark.django_db
def test_the_database_refuses_a_call_for_a_partner_not_confirmed(postgresql):
    year = ProgrammeYearFactory(year=2033)
    invited = PartnershipFactory(year=year)
    now = timezone.now()

    with pytest.raises(IntegrityError, match="host or a confirmed partner"):
        Call.objects.create(
            year=year,
            organisation=invited.organisation,
            opens_at=now,
            closes_at=now + datetime.timedelta(days=1),
        )


@pytest.mark.django_db
def test_coordinator_edits_the_guidance_of_their_own_call_only(client, cast):
    client.force_login(cast.other_coordinator)
    url = _url("call_update", cast.call_a)
    response = client.post(url, {"eligibility": "Hacked", "guidance": "Hacked"})
    assert response.status_code == 404

    client.force_login(cast.coordinator)
    response = client.post(url, {"eligibility": "All paid staff.", "guidance": "Be specific."})

    assert response.status_code == 302
    cast.call_a.refresh_from_db()
    assert (cast.call_a.eligibility, cast.call_a.guidance) == ("All paid staff.", "Be specific.")
    assert cast.call_a.history.first().history_change_reason == (
        "Guidance edited by Cora Coordinator"
    )


# --- Applying ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_draft_is_saved_and_comes_back_with_nothing_lost(client, cast):
    person = staff_of(cast.organisation_a)
    client.force_login(person)

    response = client.post(_url("application_start", cast.call_a))
    application = Application.objects.get(applicant=person)
    assert response["Location"] == _url("application_update", application)
    response = client.post(
        _url("application_update", application),
        {
            "action": "save",
            "job_title": "Registrar",
            "learning_goals": "Half a thought",
            "access_requirements": "A quiet room.",
        },
    )

    assert response.status_code == 302
    page = client.get(_url("application_update", application))
    form = page.context["form"]
    assert (form["job_title"].value(), form["learning_goals"].value()) == (
        "Registrar",
        "Half a thought",
    )
    assert form["access_requirements"].value() == "A quiet room."
    application.refresh_from_db()
    assert application.status == Status.DRAFT


@pytest.mark.django_db
def test_submitting_an_incomplete_draft_marks_each_missing_answer_and_keeps_the_typing(
    client, cast
):
    person = staff_of(cast.organisation_a)
    application = services.application_start(call=cast.call_a, applicant=person)
    client.force_login(person)

    response = client.post(
        _url("application_update", application),
        {"action": "submit", "job_title": "Registrar", "learning_goals": "Typed, not lost"},
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["department"] == ["Answer this before you submit: department."]
    assert "job_title" not in form.errors
    assert form["learning_goals"].value() == "Typed, not lost"
    application.refresh_from_db()
    assert (application.status, application.learning_goals) == (Status.DRAFT, "")


@pytest.mark.django_db
def test_submit_records_emails_the_line_manager_and_the_applicant(
    cast, django_capture_on_commit_callbacks
):
    person = staff_of(cast.organisation_a, user__email="sam@org-a.example")
    application = draft(call=cast.call_a, applicant=person)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.application_submit(application=application, by=person)

    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    change = application.status_changes.last()
    assert (change.from_status, change.to_status, change.by) == ("draft", "submitted", person)
    assert sorted(message.to[0] for message in mail.outbox) == [
        "lina.manager@example.org",
        "sam@org-a.example",
    ]
    request = next(m for m in mail.outbox if m.to == ["lina.manager@example.org"])
    assert "/endorse/" in request.body
    assert "Step-free" not in request.body  # access requirements stay private


@pytest.mark.django_db
def test_submitting_after_the_deadline_is_refused_with_the_closing_time(client, cast):
    person = staff_of(cast.organisation_a)
    application = draft(call=cast.call_a, applicant=person)
    client.force_login(person)
    closes = timezone.localtime(cast.call_a.closes_at)

    with time_machine.travel(cast.call_a.closes_at + datetime.timedelta(minutes=1)):
        client.force_login(person)
        response = client.post(
            _url("application_update", application),
            {"action": "submit", "privacy_notice": "on", **_form(application)},
        )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        f"This call closed on {closes:%-d %B %Y, %H:%M}, so you can no longer change your "
        "application."
    ]
    application.refresh_from_db()
    assert application.status == Status.DRAFT
    with (
        time_machine.travel(cast.call_a.closes_at + datetime.timedelta(minutes=1)),
        pytest.raises(services.ApplicationError, match="no longer submit an application"),
    ):
        services.application_submit(application=application, by=person)


def _form(application) -> dict:
    return {
        **ANSWERS,
        "first_preference": application.call.destinations.get().pk,
    }


@pytest.mark.django_db
def test_applying_to_another_organisations_call_is_refused_with_the_reason(client, cast):
    person_of_b = staff_of(cast.organisation_b)
    client.force_login(person_of_b)

    response = client.post(_url("application_start", cast.call_a))

    assert response.status_code == 400
    assert response.context["refusal"] == (
        "This call is for staff of Ashmolean Test Museum. You can apply only to your own "
        "organisation's call."
    )
    assert not Application.objects.filter(applicant=person_of_b).exists()


@pytest.mark.django_db
def test_the_database_refuses_an_application_from_another_organisation(cast, postgresql):
    with pytest.raises(IntegrityError, match="own organisation"):
        Application.objects.create(call=cast.call_a, applicant=staff_of(cast.organisation_b))


@pytest.mark.django_db
def test_applying_twice_leads_back_to_the_first_application(client, cast):
    client.force_login(cast.staff)

    response = client.post(_url("application_start", cast.call_a), follow=True)

    assert response.redirect_chain == [(_url("application_detail", cast.application_a), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "You have already applied to this call."
    ]
    assert Application.objects.filter(applicant=cast.staff).count() == 1
    with pytest.raises(services.ApplicationError, match="already applied"):
        services.application_start(call=cast.call_a, applicant=cast.staff)


@pytest.mark.django_db
def test_editing_after_submission_is_refused_everywhere(client, cast, postgresql):
    client.force_login(cast.staff)

    response = client.post(
        _url("application_update", cast.application_a),
        {"action": "save", "job_title": "Changed"},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        "This application has been submitted, so it can no longer be changed."
    ]
    with pytest.raises(services.ApplicationError, match="can no longer be changed"):
        services.application_save_draft(
            application=cast.application_a, by=cast.staff, data={"job_title": "Changed"}
        )
    with pytest.raises(IntegrityError, match="cannot be edited"):
        Application.objects.filter(pk=cast.application_a.pk).update(job_title="Changed")


@pytest.mark.django_db
def test_an_applicant_cannot_open_anothers_application(client, cast):
    colleague = staff_of(cast.organisation_a)
    client.force_login(colleague)

    for name in ("application_detail", "application_withdraw", "endorsement_resend"):
        assert client.get(_url(name, cast.application_a)).status_code == 404, name
    response = client.post(_url("application_withdraw", cast.application_a))
    assert response.status_code == 404
    cast.application_a.refresh_from_db()
    assert cast.application_a.status == Status.SUBMITTED


# --- Endorsement ---------------------------------------------------------------------


@pytest.mark.django_db
def test_line_manager_endorses_once_without_an_account(
    client, cast, django_capture_on_commit_callbacks
):
    person = staff_of(cast.organisation_a, user__email="sam@org-a.example")
    with django_capture_on_commit_callbacks(execute=True):
        application = submitted(call=cast.call_a, applicant=person)
    url = reverse("applications:endorse", kwargs={"token": _token_from_last_email()})

    page = client.get(url)
    assert page.status_code == 200
    assert b"Step-free" not in page.content  # the line manager is not entitled
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"decision": "yes", "comment": "Well deserved."})

    assert response.status_code == 200
    endorsement = application.endorsements.get()
    assert (endorsement.decision, endorsement.comment) == ("endorsed", "Well deserved.")
    assert endorsement.decided_at is not None
    assert mail.outbox[-1].to == ["sam@org-a.example"]
    again = client.post(url, {"decision": "no", "comment": "Changed my mind"})
    assert again.status_code == 410
    assert again.context["refusal"].startswith("This link has already been used")
    endorsement.refresh_from_db()
    assert endorsement.decision == "endorsed"


@pytest.mark.django_db
def test_an_expired_endorsement_link_says_so(client, cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submitted(call=cast.call_a, applicant=staff_of(cast.organisation_a))
    url = reverse("applications:endorse", kwargs={"token": _token_from_last_email()})

    with time_machine.travel(timezone.now() + datetime.timedelta(days=15)):
        response = client.post(url, {"decision": "yes"})

    assert response.status_code == 410
    assert response.context["refusal"].startswith("This link expired on ")
    assert not Endorsement.objects.exclude(decision="").exists()


@pytest.mark.django_db
def test_a_forged_endorsement_link_is_not_found(client, cast):
    response = client.post(
        reverse("applications:endorse", kwargs={"token": "forged-token"}), {"decision": "yes"}
    )

    assert response.status_code == 404
    assert response.context["refusal"] == (
        "This endorsement link is not valid. Check that you opened the whole link."
    )


@pytest.mark.django_db
def test_resending_replaces_the_link_and_can_correct_the_address(
    client, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submitted(call=cast.call_a, applicant=(person := staff_of(cast.organisation_a)))
    old = reverse("applications:endorse", kwargs={"token": _token_from_last_email()})
    application = Application.objects.get(applicant=person)
    client.force_login(person)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            _url("endorsement_resend", application),
            {"line_manager_name": "Right Person", "line_manager_email": "right@example.org"},
        )

    assert mail.outbox[-1].to == ["right@example.org"]
    assert client.get(old).status_code == 410
    new = reverse("applications:endorse", kwargs={"token": _token_from_last_email()})
    assert client.get(new).status_code == 200
    application.refresh_from_db()
    assert application.line_manager_email == "right@example.org"


# --- Decisions -----------------------------------------------------------------------


@pytest.mark.django_db
def test_declining_needs_a_reason(client, cast):
    client.force_login(cast.coordinator)

    response = client.post(
        _url("application_review", cast.application_a), {"decision": "declined", "reason": " "}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == [
        "Say why the application is not selected: the applicant reads this."
    ]


@pytest.mark.django_db
def test_selecting_beyond_the_places_is_refused(client, cast):
    second = submitted(call=cast.call_a, applicant=staff_of(cast.organisation_a))
    host = cast.year.host
    services.application_select(
        application=cast.application_a,
        by=cast.coordinator,
        without_endorsement=True,
        destination=host,
    )
    client.force_login(cast.coordinator)

    response = client.post(
        _url("application_review", second),
        {"decision": "selected", "destination": host.pk, "without_endorsement": "on"},
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "This call's only place is taken. Put this application on the reserve list, or ask "
        "the programme manager for another place."
    ]
    second.refresh_from_db()
    assert second.status == Status.SUBMITTED


@pytest.mark.django_db
def test_the_database_refuses_selecting_beyond_the_places(cast, postgresql):
    second = submitted(call=cast.call_a, applicant=staff_of(cast.organisation_a))
    services.application_select(
        application=cast.application_a,
        by=cast.coordinator,
        without_endorsement=True,
        destination=cast.year.host,
    )

    with pytest.raises(IntegrityError, match="places of the call are taken"):
        Application.objects.filter(pk=second.pk).update(
            status=Status.SELECTED, destination=cast.year.host
        )


@pytest.mark.django_db(transaction=True)
def test_two_coordinators_selecting_at_once_fill_only_the_places(cast, postgresql):
    second = submitted(call=cast.call_a, applicant=staff_of(cast.organisation_a))
    other_coordinator_of_a = coordinator_of(cast.organisation_a)
    first_holds_lock = threading.Event()
    results = {}

    def first():
        with transaction.atomic():
            services.application_select(
                application=cast.application_a,
                by=cast.coordinator,
                without_endorsement=True,
                destination=cast.year.host,
            )
            first_holds_lock.set()
            threading.Event().wait(0.5)
        return "selected"

    def then():
        first_holds_lock.wait(5)
        services.application_select(
            application=second,
            by=other_coordinator_of_a,
            without_endorsement=True,
            destination=cast.year.host,
        )
        return "selected"

    threads = [in_thread(first, results, "first"), in_thread(then, results, "second")]
    for thread in threads:
        thread.join(10)

    assert results["first"] == "selected"
    assert isinstance(results["second"], services.ApplicationError), results["second"]
    assert Application.objects.filter(call=cast.call_a, status=Status.SELECTED).count() == 1


@pytest.mark.django_db
def test_another_organisations_coordinator_can_neither_open_nor_decide(client, cast):
    client.force_login(cast.other_coordinator)
    url = _url("application_review", cast.application_a)

    assert client.get(url).status_code == 404
    assert client.get(_url("call_review", cast.call_a)).status_code == 404
    response = client.post(url, {"decision": "declined", "reason": "Not mine to decide"})

    assert response.status_code == 404
    cast.application_a.refresh_from_db()
    assert cast.application_a.status == Status.SUBMITTED
    with pytest.raises(services.ApplicationError):
        services.application_decline(application=cast.application_a, by=None, reason="")


@pytest.mark.django_db
def test_a_selected_withdrawal_offers_the_place_to_the_first_reserve(
    cast, django_capture_on_commit_callbacks
):
    host = cast.year.host
    first_reserve = submitted(
        call=cast.call_a, applicant=staff_of(cast.organisation_a, user__email="r1@org-a.example")
    )
    second_reserve = submitted(call=cast.call_a, applicant=staff_of(cast.organisation_a))
    with time_machine.travel(timezone.now() - datetime.timedelta(hours=1)):
        services.application_reserve(application=first_reserve, by=cast.coordinator)
    services.application_reserve(application=second_reserve, by=cast.coordinator)
    select(cast.application_a, by=cast.coordinator, destination=host)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.application_withdraw(application=cast.application_a, by=cast.staff)

    first_reserve.refresh_from_db()
    second_reserve.refresh_from_db()
    assert (first_reserve.status, first_reserve.destination) == (Status.SELECTED, host)
    assert second_reserve.status == Status.RESERVE
    offer = first_reserve.status_changes.last()
    assert (offer.from_status, offer.by) == ("reserve", None)
    offered_mail = next(m for m in mail.outbox if m.to == ["r1@org-a.example"])
    assert "a place has come free" in offered_mail.body


@pytest.mark.django_db
def test_destination_coordinator_agrees_to_host_or_raises_a_concern(
    client, cast, django_capture_on_commit_callbacks
):
    cast.organisation_a.can_host = True
    cast.organisation_a.save()
    year = ProgrammeYearFactory(year=2032, host=cast.organisation_a)
    PartnershipFactory(year=year, organisation=cast.organisation_b, confirmed=True)
    application = submitted(
        call=open_call(year=year, organisation=cast.organisation_b),
        applicant=staff_of(cast.organisation_b),
    )
    select(application, by=cast.other_coordinator, destination=cast.organisation_a)
    client.force_login(cast.coordinator)
    url = _url("hosting_detail", application)

    page = client.get(url)
    assert b"Step-free access" in page.content  # the destination's coordinator needs it
    response = client.post(url, {"response": "concern", "note": ""})
    assert response.context["form"].errors["note"] == [
        "Say what the concern is, so the home coordinator can act on it."
    ]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"response": "concern", "note": "Our textiles store is closed in June."})

    application.refresh_from_db()
    assert (application.host_response, application.host_response_by) == (
        "concern",
        cast.coordinator,
    )
    assert mail.outbox[-1].to == [cast.other_coordinator.email]
    assert "Our textiles store is closed in June." in mail.outbox[-1].body


# --- Private access requirements -------------------------------------------------------


@pytest.mark.django_db
def test_access_requirements_are_read_only_by_those_entitled(client, cast):
    secret = ANSWERS["access_requirements"].encode()
    entitled = {
        cast.staff: _url("application_detail", cast.application_a),
        cast.coordinator: _url("application_review", cast.application_a),
        cast.manager: _url("application_review", cast.application_a),
    }
    for person, url in entitled.items():
        client.force_login(person)
        assert secret in client.get(url).content, person

    client.logout()
    for url in (_url("call_detail", cast.call_a), reverse("applications:call_list")):
        assert secret not in client.get(url).content
    for person in (staff_of(cast.organisation_a), cast.other_coordinator):
        client.force_login(person)
        for url in entitled.values():
            response = client.get(url)
            assert response.status_code == 404 and secret not in response.content
    # A coordinator's list shows no answers at all.
    client.force_login(cast.coordinator)
    assert secret not in client.get(_url("call_review", cast.call_a)).content


@pytest.mark.django_db
def test_the_database_keeps_two_choices_different(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=cast.application_a.pk).update(
            second_preference=cast.application_a.first_preference
        )


@pytest.mark.django_db
def test_the_line_manager_cannot_be_the_applicant(client, cast):
    person = staff_of(cast.organisation_a, user__email="me@org-a.example")
    application = services.application_start(call=cast.call_a, applicant=person)
    client.force_login(person)

    response = client.post(
        _url("application_update", application),
        {"action": "save", "line_manager_email": "ME@org-a.example"},
    )

    assert response.context["form"].errors["line_manager_email"] == [
        "Give your line manager's email address, not your own."
    ]


@pytest.mark.django_db
def test_a_second_choice_must_differ_from_the_first():
    year = ProgrammeYearFactory(year=2033)
    partners = [PartnershipFactory(year=year, confirmed=True) for _ in range(2)]
    call = open_call(year=year, organisation=year.host)
    person = staff_of(year.host)
    first = partners[0].organisation

    with pytest.raises(services.ApplicationError) as refusal:
        draft(call=call, applicant=person, first_preference=first, second_preference=first)

    assert (refusal.value.field, refusal.value.message) == (
        "second_preference",
        "Choose a different second choice, or none.",
    )


@pytest.mark.django_db
def test_host_staff_are_shared_among_partners_as_each_partnership_says():
    year = ProgrammeYearFactory(year=2033)
    storiel = PartnershipFactory(year=year, confirmed=True, organisation__name="Storiel")
    PartnershipFactory(year=year, confirmed=True)
    call = open_call(year=year, organisation=year.host, places=2)
    first, second = (submitted(call=call, applicant=staff_of(year.host)) for _ in range(2))
    services.application_select(
        application=first, by=None, without_endorsement=True, destination=storiel.organisation
    )

    with pytest.raises(services.ApplicationError) as refusal:
        services.application_select(
            application=second, by=None, without_endorsement=True, destination=storiel.organisation
        )

    assert refusal.value.field == "destination"
    assert refusal.value.message == (
        "Storiel hosts 1 person from the host this year, and that place is taken. Choose "
        "another destination, or the reserve list."
    )
