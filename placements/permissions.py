"""Who may do what to which placement, asked the same way by views, templates,
selectors and the admin: a predicate for one placement, and beside it the scope that
picks out the same placements for a list (see partners/permissions.py)."""

from django.db.models import Q

from applications.models import selected_and_released
from partners.models import User
from partners.permissions import coordinated_organisation_ids, is_programme_manager
from placements.models import Placement


def coordinates_placement(user: User, placement: Placement) -> bool:
    """A coordinator of the home or the host organisation."""
    coordinated = coordinated_organisation_ids(user)
    return placement.home_id in coordinated or placement.host_id in coordinated


def coordinated_placements(user: User) -> Q:
    """Scope of `coordinates_placement`."""
    ids = coordinated_organisation_ids(user)
    return Q(home__in=ids) | Q(host__in=ids)


def takes_part(user: User, placement: Placement) -> bool:
    """The participant and the host supervisor."""
    return user.is_authenticated and user.pk in (placement.participant_id, placement.supervisor_id)


def taken_part_in(user: User) -> Q:
    """Scope of `takes_part`."""
    return Q(participant=user) | Q(supervisor=user)


def can_view_placement(user: User, placement: Placement) -> bool:
    return user.is_authenticated and (
        takes_part(user, placement)
        or coordinates_placement(user, placement)
        or is_programme_manager(user)
    )


def viewable_placements(user: User) -> Q:
    """Scope of `can_view_placement`."""
    if is_programme_manager(user):
        return Q()
    return taken_part_in(user) | coordinated_placements(user)


def in_calendar(user: User) -> Q:
    """The placements a person's calendar page shows: those of the organisations they
    coordinate (every one, for the programme manager)."""
    return Q() if is_programme_manager(user) else coordinated_placements(user)


def in_feed(user: User) -> Q:
    """The placements a person's calendar feed carries: those they take part in,
    supervise or coordinate (the feed is theirs, so the manager's role is not in it)."""
    return taken_part_in(user) | coordinated_placements(user)


def to_place_by(user: User) -> Q:
    """Selected applicants, told so, going from or coming to an organisation the
    person coordinates: the people they may propose a placement for."""
    ids = coordinated_organisation_ids(user)
    return selected_and_released() & (Q(call__organisation__in=ids) | Q(destination__in=ids))


def can_edit_plan(user: User, placement: Placement) -> bool:
    """The participant and the host supervisor, while the placement is still to come."""
    return placement.plan_is_editable and takes_part(user, placement)


def sides_waiting_for(user: User, placement: Placement) -> list[str]:
    """The sides ('home', 'host') this coordinator may still approve."""
    if placement.status != Placement.Status.PROPOSED:
        return []
    coordinated = coordinated_organisation_ids(user)
    return [
        side
        for side in placement.unapproved_sides
        if getattr(placement, f"{side}_id") in coordinated
    ]


def can_decide(user: User, placement: Placement) -> bool:
    """A coordinator of either side, while the proposal is open."""
    return placement.status == Placement.Status.PROPOSED and coordinates_placement(user, placement)


def can_revise(user: User, placement: Placement) -> bool:
    return placement.status == Placement.Status.CHANGES_REQUESTED and coordinates_placement(
        user, placement
    )


def can_read_access_requirements(user: User, placement: Placement) -> bool:
    """The participant, the host supervisor, the coordinators of both organisations and
    the programme manager; nobody else (not the host's other staff)."""
    return can_view_placement(user, placement)


def can_claim_expenses(user: User, placement: Placement) -> bool:
    return user.pk == placement.participant_id and placement.takes_claims


def receipts_readable_by(user: User) -> Q:
    """Expense claims whose receipt the person may download: their own, or any for the
    programme manager."""
    return Q() if is_programme_manager(user) else Q(placement__participant=user)
