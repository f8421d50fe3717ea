"""Applications' sections of other pages: the year overview's calls."""

from django.db.models import OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from applications import selectors
from applications.models import NOT_YET_ACCEPTED, Application, Call
from core import todo
from core.dates import long_date, long_datetime
from core.panels import YEAR_OVERVIEW
from core.queries import SubqueryCount
from partners import progress
from partners.permissions import coordinated_organisation_ids, is_programme_manager


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
def _year_calls(organisations, **when):
    calls = Call.objects.filter(year=OuterRef("pk"), **when)
    if organisations is not None:
        calls = calls.filter(organisation__in=organisations)
    return SubqueryCount(calls)


def _selected(now, organisations):
    selected = Application.objects.filter(
        call__year=OuterRef("pk"), status=Application.Status.SELECTED
    )
    if organisations is not None:
        selected = selected.filter(call__organisation__in=organisations)
    return SubqueryCount(selected)


progress.register("calls", lambda now, organisations: _year_calls(organisations))
progress.register(
    "calls_open",
    lambda now, organisations: _year_calls(organisations, opens_at__lte=now, closes_at__gt=now),
)
progress.register(
    "calls_closed", lambda now, organisations: _year_calls(organisations, closes_at__lte=now)
)
progress.register("selected", _selected)


# --- The dashboard's to-do list (core.todo) ----------------------------------------


def _manager_calls(request, user):
    if not is_programme_manager(user):
        return []
    return [
        todo.Item(
            link=ngettext(
                "%(count)s call to open for %(year)s",
                "%(count)s calls to open for %(year)s",
                missing,
            )
            % {"count": missing, "year": year.year},
            url=f"{reverse('admin:applications_call_for_year')}?year={year.pk}",
            detail=_("The host and each confirmed partner open a call to their staff."),
            due=year.calls_open_on,
        )
        for year, missing in selectors.years_missing_calls()
    ]


def _coordinator_applications(request, user):
    if not coordinated_organisation_ids(user):  # the manager sees all, but is not asked
        return []
    items = []
    for call in selectors.calls_to_decide(user=user):
        detail = _("%(organisation)s's call for %(year)s closes on %(closes)s.")
        if call.has_closed():
            detail = _("%(organisation)s's call for %(year)s closed on %(closes)s.")
        detail %= {
            "organisation": call.organisation.name,
            "year": call.year.year,
            "closes": long_datetime(call.closes_at),
        }
        if call.unendorsed:
            detail += " " + ngettext(
                "%(count)s of them has no endorsement from a line manager yet.",
                "%(count)s of them have no endorsement from a line manager yet.",
                call.unendorsed,
            ) % {"count": call.unendorsed}
        items.append(
            todo.Item(
                link=ngettext(
                    "%(count)s application to decide",
                    "%(count)s applications to decide",
                    call.to_decide,
                )
                % {"count": call.to_decide},
                url=reverse("applications:call_review", args=[call.pk]),
                detail=detail,
                # What applicants were told when the call closed.
                due=call.year.decisions_by,
            )
        )
    for call in selectors.calls_to_release(user=user):
        detail = ngettext(
            "%(count)s decision is drafted for %(organisation)s's call for %(year)s, which "
            "closed on %(closes)s. Applicants expect to hear by %(decisions_by)s.",
            "%(count)s decisions are drafted for %(organisation)s's call for %(year)s, which "
            "closed on %(closes)s. Applicants expect to hear by %(decisions_by)s.",
            call.drafted,
        ) % {
            "count": call.drafted,
            "organisation": call.organisation.name,
            "year": call.year.year,
            "closes": long_datetime(call.closes_at),
            "decisions_by": long_date(call.year.decisions_by),
        }
        items.append(
            todo.Item(
                link=_("Release the decisions of %(organisation)s's call")
                % {"organisation": call.organisation.name},
                url=reverse("applications:call_release", args=[call.pk]),
                detail=detail,
                due=call.year.decisions_by,
            )
        )
    for call in selectors.places_waiting(user=user):
        items.append(
            todo.Item(
                link=ngettext(
                    "%(count)s person selected has not yet accepted their place",
                    "%(count)s people selected have not yet accepted their place",
                    call.waiting,
                )
                % {"count": call.waiting},
                url=reverse("applications:call_review", args=[call.pk])
                + f"?status={NOT_YET_ACCEPTED}",
                detail=_(
                    "%(organisation)s's call for %(year)s. A place not accepted by its "
                    "deadline is offered to the reserve list."
                )
                % {"organisation": call.organisation.name, "year": call.year.year},
                due=timezone.localtime(call.soonest).date(),
            )
        )
    if waiting := selectors.host_responses_waiting(user=user):
        items.append(
            todo.Item(
                link=ngettext(
                    "%(count)s person selected to come to you",
                    "%(count)s people selected to come to you",
                    waiting,
                )
                % {"count": waiting},
                url=reverse("applications:hosting_list"),
                detail=_("Agree to host each of them, or raise a concern."),
            )
        )
    return items


def _staff_applications(request, user):
    items = [
        todo.Item(
            link=_("Apply to %(organisation)s's call for %(year)s")
            % {"organisation": call.organisation.name, "year": call.year.year},
            url=reverse("applications:call_detail", args=[call.pk]),
            detail=_("Open until %(closes)s (UK time).")
            % {"closes": long_datetime(call.closes_at)},
            due=timezone.localtime(call.closes_at).date(),
        )
        for call in selectors.calls_for_staff(user=user)
    ]
    for application in selectors.applications_in_progress(user=user):
        if application.place_to_answer:
            items.append(
                todo.Item(
                    link=_("Accept or decline your place at %(destination)s")
                    % {"destination": application.destination},
                    url=reverse("applications:application_place", args=[application.pk]),
                    detail=_(
                        "Answer by %(accept_by)s (UK time), or the place goes to the reserve list."
                    )
                    % {"accept_by": long_datetime(application.accept_by)},
                    due=timezone.localtime(application.accept_by).date(),
                )
            )
        elif application.is_draft:
            items.append(
                todo.Item(
                    link=_("Finish your draft application to %(organisation)s's call")
                    % {"organisation": application.call.organisation.name},
                    url=reverse("applications:application_update", args=[application.pk]),
                    detail=_("Submit it before %(closes)s (UK time).")
                    % {"closes": long_datetime(application.call.closes_at)},
                    due=timezone.localtime(application.call.closes_at).date(),
                )
            )
        else:
            items.append(
                todo.Item(
                    link=_("Your application for %(year)s") % {"year": application.call.year.year},
                    url=application.get_absolute_url(),
                    detail=application.next_step(),
                )
            )
    return items


def _reader_applications(request, user):
    """The applications given to the person to read and not yet scored and submitted,
    counted by call."""
    return [
        todo.Item(
            link=ngettext(
                "%(count)s application to read",
                "%(count)s applications to read",
                call.to_read,
            )
            % {"count": call.to_read},
            url=reverse("applications:reading_list"),
            detail=_("For %(organisation)s's call for %(year)s. %(step)s")
            % {
                "organisation": call.organisation.name,
                "year": call.year.year,
                "step": _("Say whether you have a conflict with each applicant, then score.")
                if call.undeclared
                else _("Score each one and submit your scores."),
            },
        )
        for call in selectors.calls_to_read(user=user)
    ]


todo.register(todo.MANAGER, _manager_calls, order=20)
todo.register(todo.READER, _reader_applications, order=20)
todo.register(todo.COORDINATOR, _coordinator_applications, order=20)
todo.register(todo.STAFF, _staff_applications, order=20)
