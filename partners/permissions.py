"""Who may do what, asked the same way by views, templates and the admin."""

import rules

from partners.models import PROGRAMME_MANAGERS_GROUP, Membership, Organisation, User


@rules.predicate
def is_programme_manager(user: User) -> bool:
    if not user.is_authenticated or not user.is_active or not user.is_staff:
        return False
    # Asked several times a page (navigation, dashboard, views): remember it.
    if not hasattr(user, "_is_programme_manager"):
        user._is_programme_manager = user.groups.filter(name=PROGRAMME_MANAGERS_GROUP).exists()
    return user._is_programme_manager


@rules.predicate
def is_coordinator_of(user: User, organisation: Organisation) -> bool:
    if not user.is_authenticated or organisation is None:
        return False
    return Membership.objects.filter(
        user=user, organisation=organisation, role=Membership.Role.COORDINATOR
    ).exists()


@rules.predicate
def is_member_of(user: User, organisation: Organisation) -> bool:
    if not user.is_authenticated or organisation is None:
        return False
    return Membership.objects.filter(user=user, organisation=organisation).exists()


rules.add_perm("partners.coordinate_organisation", is_coordinator_of | is_programme_manager)
rules.add_perm("partners.view_organisation_staff_area", is_member_of | is_programme_manager)
