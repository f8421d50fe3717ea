"""Applications' sections of other pages: the year overview's calls."""

from applications import selectors
from applications.models import Application
from core.panels import YEAR_OVERVIEW


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
