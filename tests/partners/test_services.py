import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError

from partners.models import PROGRAMME_MANAGERS_GROUP, Membership, Organisation, User
from partners.services import membership_join_by_email_domain, programme_managers_group_sync
from tests.factories.partners import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_join_by_email_domain_makes_staff_of_matching_organisation():
    museum = OrganisationFactory(email_domains="museum.example, museum.ac.uk")
    OrganisationFactory(email_domains="other.example")
    person = UserFactory(email="sam@museum.ac.uk")

    joined = membership_join_by_email_domain(user=person, email="Sam@Museum.AC.UK")

    assert [(m.organisation, m.role) for m in joined] == [(museum, Membership.Role.STAFF)]


def test_join_by_email_domain_ignores_a_domain_that_only_contains_another():
    OrganisationFactory(email_domains="museum.example")
    person = UserFactory(email="sam@bigmuseum.example")

    assert membership_join_by_email_domain(user=person, email=person.email) == []
    assert Membership.objects.count() == 0


def test_join_by_email_domain_keeps_an_existing_coordinator_role():
    membership = MembershipFactory(role=Membership.Role.COORDINATOR)
    organisation = membership.organisation

    joined = membership_join_by_email_domain(
        user=membership.user, email=f"x@{organisation.domain_list()[0]}"
    )

    assert joined == []
    membership.refresh_from_db()
    assert membership.role == Membership.Role.COORDINATOR


def test_programme_managers_group_holds_programme_permissions_only():
    group = programme_managers_group_sync()

    codenames = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert ("partners", "change_organisation") in codenames
    assert ("partners", "add_membership") in codenames
    assert ("auth", "change_group") not in codenames
    assert ("auth", "change_permission") not in codenames
    assert Group.objects.filter(name=PROGRAMME_MANAGERS_GROUP).count() == 1


def test_database_refuses_a_second_membership_of_the_same_organisation():
    membership = MembershipFactory()

    with pytest.raises(IntegrityError):
        Membership.objects.create(
            user=membership.user, organisation=membership.organisation, role="staff"
        )


def test_database_refuses_an_unknown_role():
    with pytest.raises(IntegrityError):
        MembershipFactory(role="volunteer")


def test_database_refuses_the_same_email_in_another_case():
    UserFactory(email="sam@museum.example")

    with pytest.raises(IntegrityError):
        User.objects.create(email="SAM@museum.example", full_name="Sam again")


def test_database_refuses_two_organisations_with_the_same_name_in_another_case():
    OrganisationFactory(name="Tullie House")

    with pytest.raises(IntegrityError):
        Organisation.objects.create(
            name="TULLIE HOUSE", slug="tullie-2", kind="museum", nation="england", town="Carlisle"
        )
