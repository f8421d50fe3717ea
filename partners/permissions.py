"""Who may do what, asked the same way by views, templates, selectors and the admin.

Permissions are plain predicates, one per question, in each app's permissions.py;
selectors filter lists by the same facts, so a list never shows what its detail page
would refuse."""

from partners.models import PROGRAMME_MANAGERS_GROUP, Membership, User


def is_programme_manager(user: User) -> bool:
    if not user.is_authenticated or not user.is_active or not user.is_staff:
        return False
    # Asked several times a page (navigation, dashboard, views): remember it.
    if not hasattr(user, "_is_programme_manager"):
        user._is_programme_manager = user.groups.filter(name=PROGRAMME_MANAGERS_GROUP).exists()
    return user._is_programme_manager


def coordinated_organisation_ids(user: User) -> set[int]:
    """The organisations the person coordinates (remembered for the request)."""
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_coordinated_organisation_ids"):
        user._coordinated_organisation_ids = set(
            user.memberships.filter(role=Membership.Role.COORDINATOR).values_list(
                "organisation_id", flat=True
            )
        )
    return user._coordinated_organisation_ids
