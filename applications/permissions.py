"""Who may do what to which call or application, asked the same way by views,
templates and the admin."""

from applications.models import Application
from partners.models import User
from partners.permissions import coordinated_organisation_ids, is_programme_manager


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
            application.status == Application.Status.SELECTED
            and application.destination_id in coordinated
        )
    )
