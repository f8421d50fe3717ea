"""Partners' sections of other pages: the dashboard's coordinator and staff parts."""

from django.db.models import OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import todo
from core.panels import DASHBOARD
from core.queries import SubqueryCount
from partners import progress
from partners.models import Partnership, ProgrammeYear
from partners.permissions import coordinated_organisation_ids, is_programme_manager
from partners.selectors import (
    facts_by_year,
    invitations_to_answer,
    memberships_for_user,
    partnerships_for_coordinator,
    years_hosted_for_coordinator,
    years_short_of_partners,
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


def staff_context(request, user) -> dict | None:
    """The person's organisations; a programme manager belonging to none is not asked to
    join one (they run the programme, not a call's application)."""
    memberships = memberships_of(request)
    if not memberships and is_programme_manager(user):
        return None
    return {"memberships": memberships}


DASHBOARD.register("partners/_dashboard_staff.html", order=40, context=staff_context)


def _confirmed(now, organisations):
    partnerships = Partnership.objects.filter(
        year=OuterRef("pk"), status=Partnership.Status.CONFIRMED
    )
    if organisations is not None:
        partnerships = partnerships.filter(organisation__in=organisations)
    return SubqueryCount(partnerships)


progress.register("confirmed", _confirmed)


# --- The dashboard's to-do list (core.todo) ----------------------------------------


def _manager_partners(request, user):
    if not is_programme_manager(user):
        return []
    items = []
    for year in years_short_of_partners():
        detail = ngettext(
            "%(count)s invitation is not confirmed yet.",
            "%(count)s invitations are not confirmed yet.",
            year.invited_count,
        ) % {"count": year.invited_count}
        if year.accepted_count:
            detail += " " + ngettext(
                "%(count)s has been accepted, waiting for you to confirm it.",
                "%(count)s have been accepted, waiting for you to confirm them.",
                year.accepted_count,
            ) % {"count": year.accepted_count}
        if not year.invited_count:
            detail = _("Invite another organisation to take part.")
        items.append(
            todo.Item(
                link=_("%(count)s of %(target)s partners confirmed for %(year)s")
                % {"count": year.confirmed_count, "target": year.partner_target, "year": year.year},
                url=reverse("admin:partners_programmeyear_overview", args=[year.pk]),
                detail=detail,
                due=year.partners_confirmed_by,
            )
        )
    return items


def _coordinator_invitations(request, user):
    if not coordinated_organisation_ids(user):  # the manager sees all, but is not asked
        return []
    return [
        todo.Item(
            link=_("Answer the invitation to %(year)s for %(organisation)s")
            % {"year": partnership.year.year, "organisation": partnership.organisation.name},
            url=partnership.get_absolute_url(),
            detail=_("Tell the programme manager whether your organisation can take part."),
            due=partnership.year.partners_confirmed_by,
        )
        for partnership in invitations_to_answer(user=user)
    ]


todo.register(todo.MANAGER, _manager_partners, order=10)
todo.register(todo.COORDINATOR, _coordinator_invitations, order=10)
