"""Signing up, verifying an email address, signing in: allauth as configured here."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from partners.models import Membership, User
from tests.factories.partners import PASSWORD, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _link_in(message) -> str:
    return re.search(r"https?://testserver(/\S+)", message.body).group(1)


def test_sign_up_verify_and_join_organisation_by_work_email(
    client, django_capture_on_commit_callbacks
):
    museum = OrganisationFactory(name="Storiel", email_domains="storiel.example")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {
                "full_name": "Elin Hughes",
                "email": "elin.hughes@storiel.example",
                "password1": "a long enough passphrase",
                "password2": "a long enough passphrase",
            },
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    person = User.objects.get(email="elin.hughes@storiel.example")
    assert person.full_name == "Elin Hughes"
    assert person.call_emails is False  # not asked for: consent is given, never assumed
    assert not person.consents.exists()
    assert Membership.objects.filter(user=person).count() == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["elin.hughes@storiel.example"]
    # The first email a new person gets names the programme and its address.
    assert mail.outbox[0].subject.startswith("Knowledge Exchange: Please ")
    assert mail.outbox[0].body.startswith("Hello from Knowledge Exchange!")
    assert "to register an account on 127.0.0.1:8000." in mail.outbox[0].body
    assert "Thank you for using Knowledge Exchange!\n127.0.0.1:8000" in mail.outbox[0].body

    confirm_url = _link_in(mail.outbox[0])
    client.post(confirm_url)

    assert EmailAddress.objects.get(user=person).verified is True
    membership = Membership.objects.get(user=person)
    assert (membership.organisation, membership.role) == (museum, Membership.Role.STAFF)


def test_sign_in_with_an_unverified_email_sends_a_new_verification_instead(
    client, django_capture_on_commit_callbacks
):
    person = UserFactory(verified=False)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_login"), {"login": person.email, "password": PASSWORD}
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert [m.to for m in mail.outbox] == [[person.email]]


def test_sign_in_with_a_wrong_password_says_so_and_keeps_the_email(client):
    person = UserFactory()

    response = client.post(
        reverse("account_login"), {"login": person.email, "password": "not the password"}
    )

    assert response.status_code == 200
    assert "The email address and/or password you specified are not correct." in (
        response.content.decode()
    )
    assert f'value="{person.email}"' in response.content.decode()


def test_sign_in_is_rate_limited_after_repeated_failures(client):
    person = UserFactory()
    for _ in range(5):
        client.post(reverse("account_login"), {"login": person.email, "password": "wrong"})

    response = client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})

    assert "Too many failed login attempts. Try again later." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_admin_sign_in_shares_the_rate_limit(client):
    person = UserFactory(is_staff=True)
    for _ in range(5):
        client.post(reverse("account_login"), {"login": person.email, "password": "wrong"})

    response = client.get(reverse("admin:login"))

    # The admin's own form is replaced by allauth's, with its limits.
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_password_reset_sends_a_link_that_sets_a_new_password(
    client, django_capture_on_commit_callbacks
):
    person = UserFactory()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": person.email})
    reset_url = _link_in(mail.outbox[0])
    form_url = client.get(reset_url)["Location"]
    response = client.post(
        form_url, {"password1": "a brand new passphrase", "password2": "a brand new passphrase"}
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password("a brand new passphrase")


def test_a_person_who_ticks_the_call_emails_box_at_sign_up_has_the_consent_recorded(client):
    client.post(
        reverse("account_signup"),
        {
            "full_name": "Owain Lloyd",
            "email": "owain.lloyd@storiel.example",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
            "call_emails": "on",
        },
    )
    person = User.objects.get(email="owain.lloyd@storiel.example")
    (consent,) = person.consents.all()
    assert person.call_emails is True
    assert consent.statement.startswith("Email me when my organisation opens a call")
    assert consent.withdrawn_at is None
