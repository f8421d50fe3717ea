"""Who may do what to which placement, asked the same way by views, templates and
the admin."""

from partners.models import User
from partners.permissions import coordinated_organisation_ids, is_programme_manager
from placements.models import Placement


def coordinates_placement(user: User, placement: Placement) -> bool:
    """A coordinator of the home or the host organisation."""
    coordinated = coordinated_organisation_ids(user)
    return placement.home_id in coordinated or placement.host_id in coordinated


def can_view_placement(user: User, placement: Placement) -> bool:
    return user.is_authenticated and (
        user.pk == placement.participant_id
        or user.pk == placement.supervisor_id
        or coordinates_placement(user, placement)
        or is_programme_manager(user)
    )


def can_edit_plan(user: User, placement: Placement) -> bool:
    """The participant and the host supervisor, while the placement is still to come."""
    return placement.plan_is_editable and user.pk in (
        placement.participant_id,
        placement.supervisor_id,
    )


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
