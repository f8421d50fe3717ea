"""An invitation to take part: emailed to the organisation's coordinators, answered
online (accepted for the manager to confirm, or declined with a reason)."""

import pytest
from django.core import mail
from django.urls import reverse

from partners import services
from partners.models import Partnership
from tests.factories.partners import (
    OrganisationFactory,
    PartnershipFactory,
    ProgrammeYearFactory,
    coordinator_of,
    programme_manager,
    staff_of,
)

Status = Partnership.Status


@pytest.fixture
def storiel(db):
    """Storiel with its coordinator Gwen, a member of staff, and the manager Morgan."""
    organisation = OrganisationFactory(name="Storiel", slug="storiel")
    return {
        "organisation": organisation,
        "gwen": coordinator_of(
            organisation, user__full_name="Gwen Jones", user__email="gwen@storiel.example"
        ),
        "staff": staff_of(organisation),
        "manager": programme_manager(full_name="Morgan Ellis", email="morgan@ke.example"),
        "year": ProgrammeYearFactory(year=2031, host__name="British Museum"),
    }


def _invite(storiel, capture):
    with capture(execute=True):
        return services.partnership_invite(
            year=storiel["year"], organisation=storiel["organisation"], by=storiel["manager"]
        )


def test_an_invitation_is_emailed_to_the_coordinators_with_the_page_to_answer_on(
    storiel, django_capture_on_commit_callbacks
):
    partnership = _invite(storiel, django_capture_on_commit_callbacks)

    assert [m.to for m in mail.outbox] == [["gwen@storiel.example"]]
    message = mail.outbox[0]
    assert message.subject == "Storiel is invited to be a Knowledge Exchange partner in 2031"
    body = " ".join(message.body.split())
    assert "with British Museum as the host" in body
    assert "Please accept or decline the invitation online by" in body
    assert reverse("partners:partnership_detail", args=[partnership.pk]) in body


def test_inviting_again_emails_the_invitation_again(storiel, django_capture_on_commit_callbacks):
    partnership = _invite(storiel, django_capture_on_commit_callbacks)
    services.partnership_decline(partnership=partnership, by=storiel["manager"], note="Not now")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.partnership_reinvite(partnership=partnership, by=storiel["manager"])

    assert [m.to for m in mail.outbox] == [["gwen@storiel.example"]]


def test_accepting_leaves_the_manager_to_confirm_and_tells_them(
    storiel, django_capture_on_commit_callbacks
):
    partnership = _invite(storiel, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        answered = services.partnership_answer(
            partnership=partnership, by=storiel["gwen"], accept=True, note="Delighted."
        )

    assert answered.status == Status.ACCEPTED
    change = answered.status_changes.last()
    assert (change.from_status, change.to_status, change.by, change.note) == (
        "invited",
        "accepted",
        storiel["gwen"],
        "Delighted.",
    )
    assert [m.to for m in mail.outbox] == [["morgan@ke.example"]]
    assert mail.outbox[0].subject == "Storiel accepts the invitation to 2031: please confirm"
    assert "Delighted." in mail.outbox[0].body
    assert (
        reverse("admin:partners_programmeyear_overview", args=[partnership.year_id])
        in mail.outbox[0].body
    )

    confirmed = services.partnership_confirm(partnership=answered, by=storiel["manager"])
    assert confirmed.status == Status.CONFIRMED


def test_declining_needs_a_reason_and_closes_the_invitation(
    storiel, django_capture_on_commit_callbacks
):
    partnership = _invite(storiel, django_capture_on_commit_callbacks)

    with pytest.raises(services.PartnershipError) as refused:
        services.partnership_answer(partnership=partnership, by=storiel["gwen"], accept=False)
    assert refused.value.field == "note"

    with django_capture_on_commit_callbacks(execute=True):
        declined = services.partnership_answer(
            partnership=partnership, by=storiel["gwen"], accept=False, note="Building works."
        )
    assert declined.status == Status.DECLINED
    assert mail.outbox[-1].subject == "Storiel declines the invitation to 2031"


def test_only_the_organisations_coordinator_answers_and_only_once(
    storiel, django_capture_on_commit_callbacks
):
    partnership = _invite(storiel, django_capture_on_commit_callbacks)
    other = coordinator_of(OrganisationFactory(name="The Hunterian"))

    for person in (other, storiel["staff"], storiel["manager"]):
        with pytest.raises(services.PartnershipError, match="Only a coordinator of Storiel"):
            services.partnership_answer(partnership=partnership, by=person, accept=True)

    services.partnership_answer(partnership=partnership, by=storiel["gwen"], accept=True)
    with pytest.raises(services.PartnershipError, match="already answered: accepted, to be"):
        services.partnership_answer(partnership=partnership, by=storiel["gwen"], accept=True)


# --- The page where it is answered ----------------------------------------------------


def test_the_coordinator_answers_on_the_partnership_page(client, storiel):
    partnership = PartnershipFactory(year=storiel["year"], organisation=storiel["organisation"])
    url = reverse("partners:partnership_detail", args=[partnership.pk])
    client.force_login(storiel["gwen"])

    page = client.get(url).content.decode()
    assert "Answer the invitation" in page

    refused = client.post(url, {"accept": "no", "note": "  "})
    assert refused.status_code == 200
    assert "Say why your organisation cannot take part" in refused.content.decode()
    partnership.refresh_from_db()
    assert partnership.status == Status.INVITED

    response = client.post(url, {"accept": "yes", "note": ""}, follow=True)
    assert "Thank you: you have accepted." in response.content.decode()
    assert "Answer the invitation" not in response.content.decode()
    assert "You have accepted the invitation to 2031." in response.content.decode()
    partnership.refresh_from_db()
    assert partnership.status == Status.ACCEPTED


def test_nobody_else_can_answer_on_the_page(client, storiel):
    partnership = PartnershipFactory(year=storiel["year"], organisation=storiel["organisation"])
    url = reverse("partners:partnership_detail", args=[partnership.pk])

    client.force_login(coordinator_of(OrganisationFactory(name="The Hunterian")))
    assert client.post(url, {"accept": "yes"}).status_code == 404
    client.force_login(storiel["staff"])
    assert client.post(url, {"accept": "yes"}).status_code == 404
    client.force_login(storiel["manager"])
    assert "Answer the invitation" not in client.get(url).content.decode()
    response = client.post(url, {"accept": "yes"}, follow=True)
    assert "This invitation is not waiting for your answer." in response.content.decode()

    partnership.refresh_from_db()
    assert partnership.status == Status.INVITED
