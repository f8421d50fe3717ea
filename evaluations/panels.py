"""Evaluations' sections of other pages: the year overview's link to the report, and
the dashboard's evaluations to answer and overdue."""

from django.conf import settings
from django.db.models import OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import todo
from core.dates import long_date
from core.panels import YEAR_OVERVIEW_TOOLS
from core.queries import SubqueryCount
from evaluations import selectors
from evaluations.models import Instrument, Response
from evaluations.services import evaluations_of
from partners import progress
from partners.permissions import is_programme_manager

YEAR_OVERVIEW_TOOLS.register(
    "admin/evaluations/_year_overview_tools.html",
    order=30,
    context=lambda request, year: {"programme_year": year},
)

# --- The dashboard's to-do list (core.todo) ----------------------------------------

OVERDUE_NAMED = 3  # organisations named in the manager's item; the rest are counted


def _manager_overdue(request, user):
    if not is_programme_manager(user):
        return []
    rows = selectors.evaluations_overdue()
    if not rows:
        return []
    total = sum(row["count"] for row in rows)
    named = ", ".join(f"{row['home__name']} {row['count']}" for row in rows[:OVERDUE_NAMED])
    if len(rows) > OVERDUE_NAMED:
        named += " " + _("and %(count)s more organisations") % {"count": len(rows) - OVERDUE_NAMED}
    return [
        todo.Item(
            link=ngettext(
                "%(count)s post-exchange evaluation overdue",
                "%(count)s post-exchange evaluations overdue",
                total,
            )
            % {"count": total},
            url=f"{reverse('admin:placements_placement_changelist')}?status__exact=completed&year=all",
            detail=_("By home organisation: %(named)s. Each participant has had a reminder.")
            % {"named": named},
        )
    ]


def _to_answer(request, user, *, supervising: bool):
    """The instruments open now that the person answers and has not submitted, for their
    latest few placements."""
    items = []
    latest = todo.once(
        request,
        "to_evaluate",
        lambda: list(selectors.placements_to_evaluate(user=user)[: settings.DASHBOARD_ROWS]),
    )
    for placement in latest:
        if (placement.supervisor_id == user.pk) != supervising:
            continue
        for evaluation in evaluations_of(placement=placement, user=user):
            response, instrument = evaluation["response"], evaluation["instrument"]
            if evaluation["why_not_open"] or (response and response.is_submitted):
                continue
            items.append(
                todo.Item(
                    link=_("Answer the %(instrument)s") % {"instrument": instrument.label.lower()},
                    url=reverse("evaluations:response_form", args=[placement.pk, instrument]),
                    detail=_("For %(person)s's placement at %(host)s, %(start)s.")
                    % {
                        "person": placement.participant.full_name,
                        "host": placement.host.name,
                        "start": long_date(placement.start_on),
                    },
                    due=placement.start_on if instrument == Instrument.BASELINE else None,
                )
            )
    return items


todo.register(todo.MANAGER, _manager_overdue, order=40)
todo.register(
    todo.SUPERVISOR, lambda request, user: _to_answer(request, user, supervising=True), order=40
)
todo.register(
    todo.STAFF, lambda request, user: _to_answer(request, user, supervising=False), order=40
)


# What the year's stage and board count (partners.progress).
def _evaluations(now, organisations):
    responses = Response.objects.filter(
        placement__year=OuterRef("pk"),
        instrument=Instrument.POST_EXCHANGE,
        status=Response.Status.SUBMITTED,
    )
    if organisations is not None:
        responses = responses.filter(placement__home__in=organisations)
    return SubqueryCount(responses)


progress.register("evaluations", _evaluations)
