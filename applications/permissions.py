"""Who may do what to which call or application, asked the same way by views,
templates, selectors and the admin (each predicate beside its scope: see
partners/permissions.py)."""

from django.db.models import Q

from applications.models import Application, selected_and_released
from partners.models import User
from partners.permissions import (
    coordinated_organisation_ids,
    is_programme_manager,
    managed_or_coordinated_by,
)

Status = Application.Status


def reviewable_by(user: User) -> Q:
    """Submitted applications to the calls of the organisations the person coordinates
    (every call, for the programme manager); drafts stay private."""
    return ~Q(status=Status.DRAFT) & managed_or_coordinated_by(user, "call__organisation")


def coming_to(user: User) -> Q:
    """People selected to come to an organisation the person coordinates (anywhere,
    for the programme manager), once the selection is released."""
    return selected_and_released() & managed_or_coordinated_by(user, "destination")


def can_read_access_requirements(user: User, application: Application) -> bool:
    """The applicant, the coordinators concerned (home, and the destination once
    selected) and the programme manager; nobody else."""
    if not user.is_authenticated:
        return False
    coordinated = coordinated_organisation_ids(user)
    return (
        user.pk == application.applicant_id
        or is_programme_manager(user)
        or application.call.organisation_id in coordinated
        or (
            application.status == Status.SELECTED
            and application.call.decisions_released
            and application.destination_id in coordinated
        )
    )
