"""Applications' sections of other pages: the year overview's calls."""

from django.db.models import OuterRef

from applications import selectors
from applications.models import Application, Call
from core.panels import YEAR_OVERVIEW
from core.queries import SubqueryCount
from partners import progress


def _year_overview_calls(request, year) -> dict:
    """The year overview's section: each institution's call with its applications counted."""
    return {
        "programme_year": year,
        "calls": selectors.year_call_counts(year=year),
        "statuses": Application.Status,
    }


YEAR_OVERVIEW.register(
    "admin/applications/_year_overview_calls.html", order=20, context=_year_overview_calls
)


# What the year's stage is worked out from (partners.progress).
def _year_calls(now, **when):
    return SubqueryCount(Call.objects.filter(year=OuterRef("pk"), **when))


progress.register("calls", lambda now: _year_calls(now))
progress.register("calls_open", lambda now: _year_calls(now, opens_at__lte=now, closes_at__gt=now))
progress.register("calls_closed", lambda now: _year_calls(now, closes_at__lte=now))
progress.register(
    "selected",
    lambda now: SubqueryCount(
        Application.objects.filter(call__year=OuterRef("pk"), status=Application.Status.SELECTED)
    ),
)
