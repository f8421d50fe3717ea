"""Choosing a supervisor: the host's people with their job and department, searched;
someone without an account invited by email, chosen at once, joining through the link."""

import datetime
import re

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from partners.models import AccountInvitation, Membership, User
from placements import services
from placements.forms import SUPERVISORS_SHOWN
from placements.models import Placement
from tests.factories.partners import MembershipFactory, coordinator_of, staff_of
from tests.factories.placements import FIRST_MONDAY

pytestmark = pytest.mark.shared_cast


def _propose_url(application, **query):
    url = reverse("placements:placement_propose", args=[application.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _invite_url(application):
    return reverse("placements:supervisor_invite", args=[application.pk])


def _invite(client, cast, application, capture, **data):
    client.force_login(cast.coordinator)
    form = {
        "full_name": "Nia Newcomer",
        "email": f"nia@{cast.host.slug}.example",
        "job_title": "Assistant Curator",
        "department": "Prints and Drawings",
        **data,
    }
    with capture(execute=True):
        return client.post(_invite_url(application), form)


def _options(page: str) -> list[str]:
    """The people the supervisor list offers, as it names them."""
    return re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', page)


def _join_link(message) -> str:
    return re.search(r"http\S+(/join/\S+/)", message.body).group(1)


def test_the_chooser_shows_each_persons_job_and_department(client, cast, selected_a):
    MembershipFactory(
        organisation=cast.host,
        user__full_name="Elin Hughes",
        job_title="Learning Officer",
        department="Learning",
    )
    client.force_login(cast.coordinator)

    options = _options(client.get(_propose_url(selected_a)).content.decode())

    # Everyone at the host, by name (the cast's people have no job recorded there);
    # A's staff do not supervise at the host.
    assert options == ["Elin Hughes – Learning Officer, Learning", "Hana Host", "Sid Supervisor"]


def test_the_search_narrows_the_list_by_name_job_or_department(client, cast, selected_a):
    MembershipFactory(
        organisation=cast.host,
        user__full_name="Elin Hughes",
        job_title="Learning Officer",
        department="Learning and Families",
    )
    client.force_login(cast.coordinator)

    for search in ("elin", "families", "learning officer", "HUGHES"):
        page = client.get(_propose_url(selected_a, q=search)).content.decode()
        assert [option.split(" – ")[0] for option in _options(page)] == ["Elin Hughes"], search
    page = client.get(_propose_url(selected_a, q="nobody")).content.decode()
    assert "No one at Host Test Museum matches “nobody”." in page


def test_a_large_host_shows_the_first_people_and_asks_for_a_search(
    client, cast, selected_a, django_assert_num_queries
):
    client.force_login(cast.coordinator)
    client.get(_propose_url(selected_a))  # the session, warmed
    with django_assert_num_queries(4):
        client.get(_propose_url(selected_a))
    for _ in range(SUPERVISORS_SHOWN + 5):
        staff_of(cast.host)
    with django_assert_num_queries(4):
        page = client.get(_propose_url(selected_a)).content.decode()

    assert len(_options(page)) == SUPERVISORS_SHOWN
    assert f"The list shows the first {SUPERVISORS_SHOWN} people: search to find others." in page


def test_a_person_beyond_the_list_can_still_be_chosen(client, cast, selected_a):
    """The list is cut short, not the choice: whoever is sent (a person invited, say)
    is shown chosen and accepted."""
    for _ in range(SUPERVISORS_SHOWN + 1):
        staff_of(cast.host, user__full_name="Aaron Early")
    late = staff_of(cast.host, user__full_name="Zed Late")
    client.force_login(cast.coordinator)

    page = client.get(_propose_url(selected_a, supervisor=late.pk)).content.decode()
    assert re.search(rf'<option value="{late.pk}" selected>Zed Late', page)

    response = client.post(
        _propose_url(selected_a), {"supervisor": late.pk, "start_on": FIRST_MONDAY.isoformat()}
    )
    assert response.status_code == 302
    assert Placement.objects.get(application=selected_a).supervisor == late


def test_a_coordinator_invites_a_supervisor_who_has_no_account(
    client, cast, selected_a, django_capture_on_commit_callbacks
):
    response = _invite(client, cast, selected_a, django_capture_on_commit_callbacks)

    nia = User.objects.get(email=f"nia@{cast.host.slug}.example")
    assert response.status_code == 302
    assert response["Location"] == _propose_url(selected_a, supervisor=nia.pk)
    assert not nia.has_usable_password()
    membership = nia.memberships.get()
    assert (membership.organisation, membership.role) == (cast.host, Membership.Role.STAFF)
    assert (membership.job_title, membership.department) == (
        "Assistant Curator",
        "Prints and Drawings",
    )
    assert not EmailAddress.objects.get(user=nia).verified
    invitation = AccountInvitation.objects.get(user=nia)
    assert invitation.invited_by == cast.coordinator

    [message] = mail.outbox
    assert message.to == [nia.email]
    assert message.subject == (
        "Please join Knowledge Exchange to supervise Alex "
        "Applicant\N{RIGHT SINGLE QUOTATION MARK}s "
        "placement"
    )
    body = " ".join(message.body.split())
    assert "Cora Coordinator would like you to supervise Alex Applicant of" in body
    assert "at Host Test Museum" in body

    # Back on the proposal, Nia is chosen, said to be invited; proposing works at once.
    page = client.get(response["Location"]).content.decode()
    assert "We have emailed Nia Newcomer an invitation to join." in page
    assert re.search(
        rf'<option value="{nia.pk}" selected>Nia Newcomer – Assistant Curator, Prints and '
        r"Drawings \(invited, not joined yet\)",
        page,
    )
    response = client.post(
        _propose_url(selected_a), {"supervisor": nia.pk, "start_on": FIRST_MONDAY.isoformat()}
    )
    assert Placement.objects.get(application=selected_a).supervisor == nia


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("nia@gmail.example", "Use their Host Test Museum email address (ending in host.example)."),
        ("", "Enter the person&#x27;s email address."),
        ("not-an-address", "Enter an email address like name@museum.org.uk."),
    ],
)
def test_an_invitation_to_a_wrong_address_is_refused_and_keeps_what_was_typed(
    client, cast, selected_a, django_capture_on_commit_callbacks, email, message
):
    response = _invite(client, cast, selected_a, django_capture_on_commit_callbacks, email=email)

    page = response.content.decode()
    assert response.status_code == 200
    assert message in page
    assert 'value="Nia Newcomer"' in page and 'value="Assistant Curator"' in page
    assert not User.objects.filter(full_name="Nia Newcomer").exists()
    assert mail.outbox == []


def test_someone_with_an_account_is_chosen_not_invited(
    client, cast, selected_a, django_capture_on_commit_callbacks
):
    response = _invite(
        client, cast, selected_a, django_capture_on_commit_callbacks, email=cast.supervisor.email
    )
    assert "Sid Supervisor already has an account: choose them from the list instead." in (
        response.content.decode()
    )

    elsewhere = staff_of(cast.organisation_b, user__email="bea-staff@host.example")
    response = _invite(
        client, cast, selected_a, django_capture_on_commit_callbacks, email=elsewhere.email
    )
    assert "belongs to someone who is not on Host Test Museum&#x27;s staff here" in (
        response.content.decode()
    )
    assert not elsewhere.memberships.filter(organisation=cast.host).exists()
    assert mail.outbox == []


def test_inviting_again_sends_a_new_link_and_the_old_one_stops_working(
    client, cast, selected_a, django_capture_on_commit_callbacks
):
    _invite(client, cast, selected_a, django_capture_on_commit_callbacks)
    _invite(client, cast, selected_a, django_capture_on_commit_callbacks, job_title="Curator")

    first, second = (_join_link(message) for message in mail.outbox)
    assert first != second
    assert User.objects.filter(email=f"nia@{cast.host.slug}.example").count() == 1
    assert AccountInvitation.objects.filter(user__full_name="Nia Newcomer").count() == 1
    assert Membership.objects.get(user__full_name="Nia Newcomer").job_title == "Curator"
    client.logout()
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_only_the_two_coordinators_invite(client, cast, selected_a):
    client.force_login(cast.other_coordinator)
    assert client.get(_invite_url(selected_a)).status_code == 404
    with pytest.raises(services.PlacementError, match="Only the coordinators"):
        services.supervisor_invite(
            application=selected_a,
            by=cast.other_coordinator,
            full_name="Nia Newcomer",
            email="nia@host.example",
            job_title="Curator",
        )


def test_the_invited_person_joins_through_the_link_and_is_signed_in(
    client, cast, selected_a, django_capture_on_commit_callbacks
):
    _invite(client, cast, selected_a, django_capture_on_commit_callbacks)
    link = _join_link(mail.outbox[0])
    client.logout()

    page = client.get(link).content.decode()
    assert "Welcome, Nia Newcomer." in page
    assert f"nia@{cast.host.slug}.example" in page

    # A mismatch is refused, on the field; nothing changes.
    response = client.post(
        link, {"new_password1": "a long passphrase 42", "new_password2": "another one"}
    )
    assert (
        "The two password fields didn\N{RIGHT SINGLE QUOTATION MARK}t match."
        in response.content.decode()
    )
    nia = User.objects.get(full_name="Nia Newcomer")
    assert not nia.has_usable_password()

    response = client.post(
        link,
        {"new_password1": "a long passphrase 42", "new_password2": "a long passphrase 42"},
        follow=True,
    )
    nia.refresh_from_db()
    assert nia.check_password("a long passphrase 42")
    assert EmailAddress.objects.get(user=nia).verified
    assert response.context["user"] == nia
    assert "Welcome, Nia Newcomer: you have joined." in response.content.decode()
    assert AccountInvitation.objects.get(user=nia).accepted_at is not None

    # The link worked once.
    client.logout()
    response = client.get(link)
    assert response.status_code == 410
    assert "You have already joined with this link" in response.content.decode()


def test_an_expired_link_says_when_it_expired(
    client, cast, selected_a, django_capture_on_commit_callbacks
):
    _invite(client, cast, selected_a, django_capture_on_commit_callbacks)
    link = _join_link(mail.outbox[0])
    client.logout()

    with time_machine.travel(timezone.now() + datetime.timedelta(days=15)):
        response = client.get(link)
        posted = client.post(link, {"new_password1": "x" * 20, "new_password2": "x" * 20})

    assert response.status_code == posted.status_code == 410
    assert "This link expired on" in response.content.decode()
    assert not User.objects.get(full_name="Nia Newcomer").has_usable_password()


def test_a_persons_job_on_their_application_is_kept_on_their_membership(cast, selected_a):
    """Alex submitted as a Curator in a department: the host's chooser, and A's, show it."""
    membership = cast.staff.memberships.get(organisation=cast.organisation_a)
    assert membership.job_title == selected_a.job_title
    assert membership.department == selected_a.department


def test_an_invitation_expires_after_it_is_made_in_the_database(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        AccountInvitation.objects.create(
            user=coordinator_of(cast.host),
            organisation=cast.host,
            token_hash="x" * 64,
            expires_at=timezone.now() - datetime.timedelta(days=1),
        )
