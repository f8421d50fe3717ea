"""Testimonials: published only with recorded consent and the manager's approval;
withdrawing consent takes them down at once."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from evaluations import models, services
from placements import services as placement_services
from tests.factories.placements import confirmed_a

pytestmark = pytest.mark.shared_cast

WORDS = "Five days at the host changed how our team shares its collections."


@pytest.fixture
def completed(cast):
    placement = confirmed_a(cast)
    with time_machine.travel(datetime.datetime(2031, 6, 9, 9, tzinfo=datetime.UTC)):
        placement_services.placements_complete_finished()
    placement.refresh_from_db()
    return placement


def _offer(placement, person, *, consent=True, text=WORDS):
    return services.testimonial_offer(
        placement=placement, by=person, kind="quote", text=text, consent=consent
    )


@pytest.mark.django_db
def test_an_offered_testimonial_is_published_only_once_the_manager_approves(
    client, cast, completed, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks(execute=True):
        testimonial = _offer(completed, cast.staff)
    assert [m.to for m in mail.outbox] == [[settings.PROGRAMME_MANAGER_EMAIL]]
    assert testimonial.consent_statement.startswith("I agree that the programme may publish")
    assert WORDS not in client.get(reverse("home")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        services.testimonial_decide(testimonial=testimonial, by=cast.manager, publish=True)

    page = client.get(reverse("home")).content.decode()
    assert WORDS in page
    assert "Alex Applicant, Curator, Ashmolean Test Museum, on a placement at Host Test Museum" in (
        " ".join(page.split())
    )
    assert mail.outbox[-1].to == [cast.staff.email]
    assert mail.outbox[-1].subject == "Your words are published"


@pytest.mark.django_db
def test_withdrawing_consent_takes_it_down_at_once(client, cast, completed):
    testimonial = _offer(completed, cast.staff)
    services.testimonial_decide(testimonial=testimonial, by=cast.manager, publish=True)
    client.force_login(cast.staff)

    client.post(reverse("evaluations:testimonial_withdraw", args=[testimonial.pk]))

    testimonial.refresh_from_db()
    assert testimonial.status == models.Testimonial.Status.WITHDRAWN
    assert testimonial.consent_withdrawn_at is not None
    client.logout()
    assert WORDS not in client.get(reverse("home")).content.decode()
    with pytest.raises(services.EvaluationError):
        services.testimonial_decide(testimonial=testimonial, by=cast.manager, publish=True)


@pytest.mark.django_db
def test_without_consent_nothing_is_offered(client, cast, completed):
    client.force_login(cast.staff)

    response = client.post(
        reverse("evaluations:testimonial_create", args=[completed.pk]),
        {"kind": "quote", "text": WORDS},
    )

    assert response.context["form"].errors == {
        "consent": ["Tick the box to agree to publication: without it we cannot publish anything."]
    }
    assert WORDS in response.content.decode()
    assert not models.Testimonial.objects.exists()
    with pytest.raises(services.EvaluationError):
        _offer(completed, cast.staff, consent=False)


@pytest.mark.django_db
def test_not_publishing_needs_a_note_for_the_author(cast, completed):
    testimonial = _offer(completed, cast.staff)

    with pytest.raises(services.EvaluationError, match="Say why"):
        services.testimonial_decide(testimonial=testimonial, by=cast.manager, publish=False)
    with pytest.raises(services.EvaluationError, match="Only the programme manager"):
        services.testimonial_decide(testimonial=testimonial, by=cast.coordinator, publish=True)


@pytest.mark.django_db
def test_only_the_participant_of_a_completed_placement_offers(client, cast, completed):
    with pytest.raises(services.EvaluationError, match="Only the participant"):
        _offer(completed, cast.supervisor)
    for person in (cast.supervisor, cast.coordinator, cast.other_coordinator):
        client.force_login(person)
        url = reverse("evaluations:testimonial_create", args=[completed.pk])
        assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_the_database_refuses_publishing_without_consent(cast, completed):
    testimonial = _offer(completed, cast.staff)
    services.testimonial_withdraw_consent(testimonial=testimonial, by=cast.staff)

    with pytest.raises(IntegrityError), transaction.atomic():
        models.Testimonial.objects.filter(pk=testimonial.pk).update(status="published")
