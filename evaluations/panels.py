"""Evaluations' sections of other pages: the year overview's link to the report."""

from core.panels import YEAR_OVERVIEW_TOOLS

YEAR_OVERVIEW_TOOLS.register(
    "admin/evaluations/_year_overview_tools.html",
    order=30,
    context=lambda request, year: {"programme_year": year},
)
