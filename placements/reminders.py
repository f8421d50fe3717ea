"""Placements' reminders: an approval waiting for days (the coordinator who has not
acted), a placement starting soon (participant and supervisor, with the day plan and
the calendar file), and expense claims waiting (the programme manager, weekly)."""

import datetime

from django.conf import settings
from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from core.dates import long_date
from core.mail import absolute_url
from core.models import Reminder
from core.reminders import Due, Kind, catch_up_from, label_with_days, register
from partners.selectors import coordinators_of, programme_managers
from placements.ics import placements_calendar
from placements.models import ExpenseClaim, Placement
from placements.selectors import placement_with_plan


def _approval_waiting(today: datetime.date):
    """Proposals waiting REMINDER_APPROVAL_DAYS for one side: its coordinators. A
    revised proposal is a new occasion."""
    proposed_on = today - datetime.timedelta(days=settings.REMINDER_APPROVAL_DAYS)
    waiting = list(
        Placement.objects.filter(
            status=Placement.Status.PROPOSED,
            proposed_at__date__lte=proposed_on,
            proposed_at__date__gte=catch_up_from(proposed_on),
        ).select_related("participant", "home", "host")
    )
    organisations = {p.home_id for p in waiting} | {p.host_id for p in waiting}
    coordinators = coordinators_of(organisations) if waiting else {}
    for placement in waiting:
        for side in placement.unapproved_sides:
            organisation_id = getattr(placement, f"{side}_id")
            for coordinator in coordinators.get(organisation_id, []):
                yield Due.to(
                    coordinator,
                    about=placement,
                    occasion=f"proposed-{placement.proposed_at:%Y%m%d%H%M%S}",
                    year_id=placement.year_id,
                    participant=placement.participant.full_name,
                    host=placement.host.name,
                    proposed=long_date(timezone.localtime(placement.proposed_at).date()),
                    url=absolute_url(reverse("placements:placement_decide", args=[placement.pk])),
                )


def _starting(today: datetime.date):
    """Confirmed placements starting within REMINDER_STARTING_DAYS: the participant
    and the supervisor. New dates are a new occasion."""
    starting = Placement.objects.filter(
        status=Placement.Status.CONFIRMED,
        start_on__gt=today,
        start_on__lte=today + datetime.timedelta(days=settings.REMINDER_STARTING_DAYS),
    ).select_related("participant", "supervisor", "host")
    for placement in starting:
        for person in (placement.participant, placement.supervisor):
            yield Due.to(
                person,
                about=placement,
                occasion=f"start-{placement.start_on:%Y%m%d}",
                year_id=placement.year_id,
                is_participant=person.pk == placement.participant_id,
                participant=placement.participant.full_name,
                supervisor=placement.supervisor.full_name,
                host=placement.host.name,
                start=long_date(placement.start_on),
                end=long_date(placement.end_on),
                url=absolute_url(reverse("placements:placement_plan", args=[placement.pk])),
            )


def _still_proposed(reminder: Reminder) -> bool:
    """The same proposal still waits (not approved, declined or revised since)."""
    placement = Placement.objects.filter(pk=reminder.object_id).first()
    return (
        placement is not None
        and placement.status == Placement.Status.PROPOSED
        and reminder.occasion == f"proposed-{placement.proposed_at:%Y%m%d%H%M%S}"
    )


def _still_starting(reminder: Reminder) -> bool:
    """Still confirmed, on the same dates, and not started yet."""
    placement = Placement.objects.filter(pk=reminder.object_id).first()
    return (
        placement is not None
        and placement.status == Placement.Status.CONFIRMED
        and placement.start_on > timezone.localdate()
        and reminder.occasion == f"start-{placement.start_on:%Y%m%d}"
    )


def _claims_still_waiting(reminder: Reminder) -> bool:
    return ExpenseClaim.objects.filter(
        placement__year=reminder.object_id, status=ExpenseClaim.Status.SUBMITTED
    ).exists()


def _plan_and_calendar(reminder: Reminder) -> tuple[dict, list]:
    """The day plan as it stands when the email is sent, and the calendar file."""
    placement = placement_with_plan(pk=reminder.object_id)
    days = [
        {
            "date": date_format(day.date, "l j F"),
            "sessions": [
                f"{session.starts_at:%H:%M} {session.activity}"
                + (f" ({session.department})" if session.department else "")
                for session in day.sessions.all()
            ],
        }
        for day in placement.days.all()
    ]
    calendar = placements_calendar([placement], name=str(placement))
    return {"days": days}, [("placement.ics", calendar, "text/calendar")]


def _claims_waiting(today: datetime.date):
    """Once a week, while a year's claims have waited REMINDER_CLAIMS_DAYS or more: the
    programme manager, with how many and since when."""
    years = (
        ExpenseClaim.objects.filter(
            status=ExpenseClaim.Status.SUBMITTED,
            submitted_at__date__lte=today - datetime.timedelta(days=settings.REMINDER_CLAIMS_DAYS),
        )
        .values("placement__year", "placement__year__year")
        .annotate(count=Count("pk"), oldest=Min("submitted_at"))
        .order_by("placement__year__year")
    )
    if not years:
        return
    week = "{}-W{:02d}".format(*today.isocalendar()[:2])
    managers = programme_managers()
    for year in years:
        for manager in managers:
            yield Due(
                object_id=year["placement__year"],
                object_repr=str(
                    _("Expense claims waiting in %(year)s")
                    % {"year": year["placement__year__year"]}
                ),
                email=manager.email,
                recipient_id=manager.pk,
                occasion=week,
                year_id=year["placement__year"],
                context={
                    "name": manager.get_short_name(),
                    "year": year["placement__year__year"],
                    "count": year["count"],
                    "since": long_date(timezone.localtime(year["oldest"]).date()),
                    "url": absolute_url(
                        reverse("admin:placements_expenseclaim_changelist")
                        + f"?status__exact=submitted&year={year['placement__year__year']}"
                    ),
                },
            )


register(
    Kind(
        key="approval_waiting",
        label=label_with_days(
            _("Placement approval waiting for %(days)s (the coordinator who has not acted)"),
            "REMINDER_APPROVAL_DAYS",
        ),
        find=_approval_waiting,
        still_due=_still_proposed,
    )
)
register(
    Kind(
        key="placement_starting",
        label=label_with_days(
            _("Placement starting in %(days)s (participant and supervisor)"),
            "REMINDER_STARTING_DAYS",
        ),
        find=_starting,
        prepare=_plan_and_calendar,
        still_due=_still_starting,
    )
)
register(
    Kind(
        key="claims_waiting",
        label=_("Expense claims waiting for approval (programme manager, weekly)"),
        find=_claims_waiting,
        still_due=_claims_still_waiting,
    )
)
