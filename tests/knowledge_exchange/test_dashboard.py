import pytest
from django.core.management import call_command
from django.urls import reverse

from partners import demo
from partners.models import Membership, Organisation, User
from tests.factories.partners import MembershipFactory, PartnershipFactory, UserFactory

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

    # user, memberships with their organisations and head counts, the
    # organisations coordinated, partnerships with their years, years hosted, their
    # placements, the partnerships' years' facts
    with django_assert_num_queries(7):
        response = client.get(reverse("dashboard"))
    assert response.content.decode().count("Your partnership in") == organisations


def test_coordinator_sees_their_latest_partnership_and_what_to_do_next(client, cast):
    page = _dashboard(client, cast.coordinator)

    assert "Your partnership in 2031" in page
    assert "Your call to staff is open until" in page  # the cast's call is open
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
