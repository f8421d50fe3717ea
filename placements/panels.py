"""Placements' sections of other pages: the dashboard's placements and the year
overview's money."""

import datetime

from django.conf import settings
from django.db.models import OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import todo
from core.dates import long_date
from core.panels import DASHBOARD, YEAR_OVERVIEW
from core.queries import SubqueryCount
from partners import progress
from partners.permissions import coordinated_organisation_ids, is_programme_manager
from placements import selectors
from placements.models import Placement


def _placements(request, user) -> dict | None:
    """The next few placements the person takes part in or supervises that have not
    ended; the placements page lists them all."""
    placements = list(selectors.placements_coming(user=user)[: settings.DASHBOARD_ROWS])
    return {"placements": placements} if placements else None


DASHBOARD.register("placements/_dashboard_placements.html", order=30, context=_placements)


def _year_overview_money(request, year) -> dict:
    """The year overview's section: its placements' budgets and spend by partner."""
    return {"programme_year": year, "money": selectors.year_money(year=year)}


YEAR_OVERVIEW.register(
    "admin/placements/_year_overview_money.html", order=30, context=_year_overview_money
)


# What the year's stage is worked out from (partners.progress).
def _year_placements(organisations, *statuses):
    placements = Placement.objects.filter(year=OuterRef("pk"), status__in=statuses)
    if organisations is not None:
        placements = placements.filter(Q(home__in=organisations) | Q(host__in=organisations))
    return SubqueryCount(placements)


Status = Placement.Status
progress.register(
    "placements",
    lambda now, organisations: _year_placements(organisations, Status.CONFIRMED, Status.COMPLETED),
)
progress.register(
    "placements_completed",
    lambda now, organisations: _year_placements(organisations, Status.COMPLETED),
)


# --- The dashboard's to-do list (core.todo) ----------------------------------------

ARRIVING_DAYS = 30


def _manager_placements(request, user):
    if not is_programme_manager(user):
        return []
    waiting = selectors.waiting_for_manager()
    items = []
    if waiting["claims"]:
        oldest = timezone.localtime(waiting["oldest_claim"]).date()
        items.append(
            todo.Item(
                link=ngettext(
                    "%(count)s expense claim to decide",
                    "%(count)s expense claims to decide",
                    waiting["claims"],
                )
                % {"count": waiting["claims"]},
                url=reverse("admin:placements_expenseclaim_changelist")
                + "?status__exact=submitted&year=all",
                detail=_("The oldest was sent on %(date)s.") % {"date": long_date(oldest)},
                due=oldest + datetime.timedelta(days=settings.REMINDER_CLAIMS_DAYS),
            )
        )
    if waiting["proposals"]:
        items.append(
            todo.Item(
                link=ngettext(
                    "%(count)s placement waiting for approval",
                    "%(count)s placements waiting for approval",
                    waiting["proposals"],
                )
                % {"count": waiting["proposals"]},
                url=reverse("admin:placements_placement_changelist")
                + "?status__exact=proposed&year=all",
                detail=_("Both coordinators approve each placement; you can follow them here."),
            )
        )
    return items


def _coordinator_placements(request, user):
    if not coordinated_organisation_ids(user):  # the manager sees all, but is not asked
        return []
    items = []
    if to_place := selectors.people_to_place(user=user):
        items.append(
            todo.Item(
                link=ngettext(
                    "%(count)s selected person to propose a placement for",
                    "%(count)s selected people to propose placements for",
                    to_place,
                )
                % {"count": to_place},
                url=reverse("placements:approval_queue"),
                detail=_("Agree five working days with the other organisation."),
            )
        )
    if to_approve := selectors.placements_to_approve(user=user):
        items.append(
            todo.Item(
                link=ngettext(
                    "%(count)s placement to approve",
                    "%(count)s placements to approve",
                    to_approve,
                )
                % {"count": to_approve},
                url=reverse("placements:approval_queue"),
                detail=_("Each is confirmed once both coordinators approve it."),
            )
        )
    if coming := selectors.arriving(user=user, days=ARRIVING_DAYS):
        items.append(
            todo.Item(
                link=ngettext(
                    "%(count)s person arriving in the next %(days)s days",
                    "%(count)s people arriving in the next %(days)s days",
                    len(coming),
                )
                % {"count": len(coming), "days": ARRIVING_DAYS},
                url=reverse("placements:calendar"),
                detail=_("The first arrives on %(date)s.")
                % {"date": long_date(coming[0].start_on)},
                due=coming[0].start_on,
            )
        )
    return items


def _plans(request, user, *, supervising: bool):
    items = []
    for placement in todo.once(request, "plans", lambda: selectors.plans_to_make(user=user)):
        if (placement.supervisor_id == user.pk) != supervising:
            continue
        sessions = ngettext(
            "%(count)s session planned so far.",
            "%(count)s sessions planned so far.",
            placement.session_count,
        ) % {"count": placement.session_count}
        if supervising:
            link = _("Plan %(person)s's days at %(host)s") % {
                "person": placement.participant.full_name,
                "host": placement.host.name,
            }
        else:
            link = _("Plan your days at %(host)s with %(supervisor)s") % {
                "host": placement.host.name,
                "supervisor": placement.supervisor.full_name,
            }
        items.append(
            todo.Item(
                link=link,
                url=reverse("placements:placement_plan", args=[placement.pk]),
                detail=_("From %(start)s. %(sessions)s")
                % {"start": long_date(placement.start_on), "sessions": sessions},
                due=placement.start_on,
            )
        )
    return items


def _staff_placements(request, user):
    items = [
        todo.Item(
            link=_("Accept the dates of your placement at %(host)s")
            % {"host": placement.host.name},
            url=reverse("placements:placement_accept_dates", args=[placement.pk]),
            detail=_("From %(start)s to %(end)s, or tell your coordinator if they do not suit you.")
            % {"start": long_date(placement.start_on), "end": long_date(placement.end_on)},
            due=placement.start_on,
        )
        for placement in selectors.dates_to_accept(user=user)
    ]
    items += _plans(request, user, supervising=False)
    for claim in selectors.queried_claims(user=user):
        items.append(
            todo.Item(
                link=_("Answer the question about your claim for %(what)s")
                % {"what": claim.description},
                url=reverse("placements:expenseclaim_update", args=[claim.pk]),
                detail=claim.query_note,
            )
        )
    return items


todo.register(todo.MANAGER, _manager_placements, order=30)
todo.register(todo.COORDINATOR, _coordinator_placements, order=30)
todo.register(
    todo.SUPERVISOR, lambda request, user: _plans(request, user, supervising=True), order=30
)
todo.register(todo.STAFF, _staff_placements, order=30)
