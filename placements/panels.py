"""Placements' sections of other pages: the dashboard's placements and the year
overview's money."""

from django.conf import settings
from django.db.models import OuterRef

from core.panels import DASHBOARD, YEAR_OVERVIEW
from core.queries import SubqueryCount
from partners import progress
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
def _year_placements(*statuses):
    return SubqueryCount(Placement.objects.filter(year=OuterRef("pk"), status__in=statuses))


Status = Placement.Status
progress.register("placements", lambda now: _year_placements(Status.CONFIRMED, Status.COMPLETED))
progress.register("placements_completed", lambda now: _year_placements(Status.COMPLETED))
