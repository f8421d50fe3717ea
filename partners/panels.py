"""Partners' sections of other pages: the dashboard's coordinator and staff parts."""

from django.db.models import OuterRef
from django.utils import timezone

from core.panels import DASHBOARD
from core.queries import SubqueryCount
from partners import progress
from partners.models import Partnership, ProgrammeYear
from partners.selectors import (
    facts_by_year,
    memberships_for_user,
    partnerships_for_coordinator,
    years_hosted_for_coordinator,
)


def memberships_of(request) -> list:
    """The signed-in person's memberships, read once a request for every section."""
    if not hasattr(request, "_memberships"):
        request._memberships = list(memberships_for_user(user=request.user))
    return request._memberships


def coordinator_context(request, user) -> dict | None:
    """Each organisation the person coordinates, with its latest partnership, the year it
    hosts and what is expected next."""
    coordinator_memberships = [m for m in memberships_of(request) if m.is_coordinator]
    if not coordinator_memberships:
        return None
    today = timezone.localdate()
    latest: dict[int, Partnership] = {}
    for partnership in partnerships_for_coordinator(user=user):
        latest.setdefault(partnership.organisation_id, partnership)
    facts = facts_by_year({p.year_id for p in latest.values()})
    hosted: dict[int, ProgrammeYear] = {}
    for year in years_hosted_for_coordinator(user=user):
        hosted.setdefault(year.host_id, year)
    for membership in coordinator_memberships:
        membership.latest_partnership = latest.get(membership.organisation_id)
        membership.hosted_year = hosted.get(membership.organisation_id)
        if membership.hosted_year:
            membership.hosted_next = membership.hosted_year.next_step(
                today, progress.facts_of(membership.hosted_year)
            )
        if membership.latest_partnership:
            membership.expected_next = membership.latest_partnership.next_step(
                today, facts[membership.latest_partnership.year_id]
            )
    return {"coordinator_memberships": coordinator_memberships}


DASHBOARD.register("partners/_dashboard_coordinator.html", order=20, context=coordinator_context)
DASHBOARD.register(
    "partners/_dashboard_staff.html",
    order=40,
    context=lambda request, user: {"memberships": memberships_of(request)},
)


progress.register(
    "confirmed",
    lambda now: SubqueryCount(
        Partnership.objects.filter(year=OuterRef("pk"), status=Partnership.Status.CONFIRMED)
    ),
)
