"""Who may do what, asked the same way by views, templates, selectors and the admin.

Permissions are plain predicates, one per question, in each app's permissions.py.
Beside a predicate that lists need stands its scope: a `Q` that picks out the rows the
predicate allows, so a list never shows what its detail page would refuse
(tests/access/test_scopes.py holds each pair to the same answers). Selectors filter
by these scopes and by nothing of their own about people."""

from django.db.models import Q

from partners.models import PROGRAMME_MANAGERS_GROUP, Membership, Organisation, User


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
            user.memberships.filter(role=Membership.Role.COORDINATOR)
            .order_by()
            .values_list("organisation_id", flat=True)
        )
    return user._coordinated_organisation_ids


def coordinates_any(user: User) -> bool:
    """Whether the person coordinates any organisation, or is the programme manager."""
    return is_programme_manager(user) or bool(coordinated_organisation_ids(user))


def is_member(user: User, organisation_id: int) -> bool:
    """Whether the person belongs to the organisation (as staff or coordinator)."""
    return (
        user.is_authenticated
        and Membership.objects.filter(user=user, organisation=organisation_id).exists()
    )


def member_of(user: User, path: str = "organisation") -> Q:
    """Scope of `is_member`: rows whose organisation at `path` the person belongs to
    (organisations themselves when `path` is empty)."""
    prefix = f"{path}__" if path else ""
    return Q(**{f"{prefix}memberships__user": user})


def coordinated_by(user: User, path: str = "organisation") -> Q:
    """Rows whose organisation at `path` the person coordinates
    (organisations themselves when `path` is empty). The organisations are named by
    id (asked once a request), so the database estimates a big organisation's rows
    from its statistics instead of guessing through a join of memberships."""
    return Q(**{f"{path or 'pk'}__in": coordinated_organisation_ids(user)})


def manages_or_coordinates(user: User, organisation: Organisation) -> bool:
    """The programme manager, for every organisation; a coordinator, for their own."""
    return is_programme_manager(user) or organisation.pk in coordinated_organisation_ids(user)


def managed_or_coordinated_by(user: User, path: str = "organisation") -> Q:
    """Scope of `manages_or_coordinates`."""
    return Q() if is_programme_manager(user) else coordinated_by(user, path)
