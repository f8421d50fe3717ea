import html

import pytest
from django.core.management import call_command
from django.urls import reverse

from partners import demo
from partners.models import Membership, Organisation, User
from tests.factories.partners import MembershipFactory, PartnershipFactory, UserFactory, staff_of
from tests.factories.placements import confirmed_a, more_placements

pytestmark = [pytest.mark.shared_cast, pytest.mark.django_db]


def _dashboard(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def test_staff_member_sees_their_own_organisation_only(client, cast):
    page = _dashboard(client, cast.staff)

    assert "Ashmolean Test Museum" in page
    assert "Burrell Test Collection" not in page
    assert "Coordinator for" not in page
    assert "Programme manager" not in page


def test_coordinator_sees_their_organisation_not_another(client, cast):
    page = _dashboard(client, cast.coordinator)

    assert "Coordinator for Ashmolean Test Museum" in page
    assert "Burrell Test Collection" not in page


def test_manager_sees_the_administration(client, cast):
    page = _dashboard(client, cast.manager)

    assert "Programme manager" in page
    assert reverse("admin:index") in page
    assert "Coordinator for" not in page
    # The manager belongs to no organisation and is not asked to join one.
    assert "Your organisation" not in page
    assert "not linked to an organisation" not in page


def test_person_with_several_roles_sees_each_part(client, cast):
    MembershipFactory(user=cast.manager, organisation=cast.organisation_b, role="coordinator")

    page = _dashboard(client, cast.manager)

    assert "Programme manager" in page
    assert "Coordinator for Burrell Test Collection" in page


def test_person_without_an_organisation_is_told_how_to_join(client):
    page = _dashboard(client, UserFactory())

    assert "Your account is not linked to an organisation yet." in page


@pytest.mark.parametrize("organisations", [1, 6])
def test_dashboard_queries_do_not_grow_with_memberships(
    client, django_assert_num_queries, organisations
):
    person = UserFactory()
    for _ in range(organisations):
        membership = MembershipFactory(user=person, role=Membership.Role.COORDINATOR)
        PartnershipFactory(organisation=membership.organisation, confirmed=True)
    client.force_login(person)

    # user, the organisations coordinated, the progress board (its year with the
    # facts, the organisations' names), the to-do list's reads (invitations; calls to
    # decide; calls to release; places not yet accepted; host responses; calls to
    # read for; people to place; proposals to approve; people arriving; calls to
    # apply to; applications in progress; dates to accept; plans to make; claims
    # queried; evaluations to answer with their responses), memberships with their
    # organisations, partnerships with their years, years hosted, their placements,
    # the partnerships' years' facts: the same for one organisation or six
    with django_assert_num_queries(24):
        response = client.get(reverse("dashboard"))
    assert response.content.decode().count("Your partnership in") == organisations


def test_coordinator_sees_their_latest_partnership_and_what_to_do_next(client, cast):
    page = _dashboard(client, cast.coordinator)

    assert "Your partnership in 2031" in page
    assert "Calls to staff are open until" in page  # the cast's call is open
    assert cast.partnership_a.get_absolute_url() in page
    assert cast.partnership_b.get_absolute_url() not in page


def test_demo_data_loads_every_role_and_a_second_run_changes_nothing():
    call_command("load_demo_data", verbosity=0)
    counts = (User.objects.count(), Organisation.objects.count(), Membership.objects.count())

    call_command("load_demo_data", verbosity=0)

    assert (User.objects.count(), Organisation.objects.count(), Membership.objects.count()) == (
        counts
    )
    assert Organisation.objects.filter(can_host=True, slug=demo.HOST_SLUG).exists()
    assert set(Organisation.objects.values_list("nation", flat=True)) == set(
        Organisation.Nation.values
    )
    assert Organisation.objects.exclude(slug=demo.HOST_SLUG).count() >= 7
    coordinated = set(
        Membership.objects.filter(role="coordinator").values_list("organisation", flat=True)
    )
    assert coordinated == set(Organisation.objects.values_list("pk", flat=True))
    manager = User.objects.get(email=demo.MANAGER[0])
    assert manager.is_staff and not manager.is_superuser
    assert manager.check_password(demo.DEMO_PASSWORD)


def test_demo_data_keeps_changes_made_since_it_was_loaded():
    call_command("load_demo_data", verbosity=0)
    Organisation.objects.filter(slug="storiel").update(town="Caernarfon")

    call_command("load_demo_data", verbosity=0)

    assert Organisation.objects.get(slug="storiel").town == "Caernarfon"


# --- What needs each person now ---------------------------------------------------


def _todo(client, user) -> list[tuple[str, str, str]]:
    """The to-do list as (heading, link text, link address) rows."""
    client.force_login(user)
    todo = client.get(reverse("dashboard")).context["todo"]
    return [(heading, item.link, item.url) for heading, items in todo for item in items]


def test_a_coordinator_is_told_of_the_applications_to_decide_and_endorsements_missing(client, cast):
    client.force_login(cast.coordinator)
    page = html.unescape(" ".join(client.get(reverse("dashboard")).content.decode().split()))

    review = reverse("applications:call_review", args=[cast.call_a.pk])
    assert f'<a href="{review}">1 application to decide</a>' in page
    assert "Ashmolean Test Museum's call for 2031 closes on" in page
    assert "1 of them has no endorsement from a line manager yet." in page
    assert "Burrell" not in page.split("What needs you now")[1].split("</section>")[0]


def test_a_member_of_staff_is_told_of_the_open_call_then_of_their_application(client, cast):
    colleague = staff_of(cast.organisation_a)

    assert _todo(client, colleague) == [
        (
            "For your own placement",
            "Apply to Ashmolean Test Museum's call for 2031",
            reverse("applications:call_detail", args=[cast.call_a.pk]),
        )
    ]
    assert _todo(client, cast.staff) == [
        (
            "For your own placement",
            "Your application for 2031",
            cast.application_a.get_absolute_url(),
        )
    ]


def test_the_manager_is_told_of_partners_to_confirm_and_calls_to_open(client, cast):
    rows = _todo(client, cast.manager)

    overview = reverse("admin:partners_programmeyear_overview", args=[cast.year.pk])
    calls = f"{reverse('admin:applications_call_for_year')}?year={cast.year.pk}"
    assert rows == [
        ("As programme manager", "2 of 5 partners confirmed for 2031", overview),
        ("As programme manager", "2 calls to open for 2031", calls),
    ]


def test_the_supervisor_and_participant_are_told_to_plan_the_days(client, cast):
    placement = confirmed_a(cast)
    plan = reverse("placements:placement_plan", args=[placement.pk])

    assert (
        "As a host supervisor",
        "Plan Alex Applicant's days at Host Test Museum",
        plan,
    ) in _todo(client, cast.supervisor)
    assert (
        "For your own placement",
        "Plan your days at Host Test Museum with Sid Supervisor",
        plan,
    ) in _todo(client, cast.staff)
    host_rows = _todo(client, cast.host_coordinator)
    assert host_rows[0][:2] == ("As coordinator", "1 person selected to come to you")


def test_the_progress_boards_count_the_year_and_the_coordinators_part(client, cast):
    client.force_login(cast.manager)
    (year,) = client.get(reverse("dashboard")).context["boards"]
    client.force_login(cast.coordinator)
    (own,) = client.get(reverse("dashboard")).context["boards"]

    assert (year["year"], year["facts"].confirmed, year["facts"].calls_open) == (cast.year, 2, 1)
    assert year["expected"] == 3  # the host and two partners
    assert own["organisations"] == ["Ashmolean Test Museum"]
    assert (own["facts"].confirmed, own["facts"].calls_open, own["expected"]) == (1, 1, 1)


def test_nothing_to_do_is_said_plainly(client, cast):
    client.force_login(cast.other_coordinator)

    page = client.get(reverse("dashboard")).content.decode()

    assert "Nothing needs you just now." in page


@pytest.mark.parametrize("more", [0, 3])
def test_the_managers_dashboard_runs_the_same_queries_however_much_waits(
    client, cast, more, django_assert_num_queries
):
    confirmed_a(cast)
    more_placements(cast, more)
    client.force_login(cast.manager)

    # user, whether a manager, the organisations coordinated (none), the year boards,
    # then the to-do list's reads (years short of partners; years missing calls;
    # claims and proposals waiting (two); evaluations overdue; calls to read for;
    # calls to apply to;
    # applications in progress; dates to accept; plans to make; claims queried;
    # evaluations to answer),
    # memberships, placements to come
    with django_assert_num_queries(18):
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200
