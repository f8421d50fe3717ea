"""Who may do what with evaluations, testimonials and reports, asked the same way by
views, services and selectors."""

from django.contrib.auth.models import AnonymousUser

from evaluations.models import ANSWERED_BY_SUPERVISOR
from partners.models import Organisation, User
from partners.permissions import is_programme_manager, manages_or_coordinates
from placements.models import Placement


def respondent_id(placement: Placement, instrument: str) -> int:
    """Who answers an instrument for a placement, without fetching the person."""
    if instrument in ANSWERED_BY_SUPERVISOR:
        return placement.supervisor_id
    return placement.participant_id


def can_answer(user: User | AnonymousUser, placement: Placement, instrument: str) -> bool:
    """The one person who answers this instrument for this placement."""
    return user.is_authenticated and user.pk == respondent_id(placement, instrument)


def can_read_report(user: User, organisation: Organisation | None) -> bool:
    """The programme manager reads every report; a coordinator, their own organisations'
    (`organisation` None means every organisation)."""
    if organisation is None:
        return is_programme_manager(user)
    return manages_or_coordinates(user, organisation)
