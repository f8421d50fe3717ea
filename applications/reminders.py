"""Applications' reminders: a call opening (its organisation's staff, unless they opted
out), a call closing soon (staff with a draft), a call closed (each applicant, told when
decisions come), decisions still waiting after a call closed (its coordinators), and a
line manager who has not endorsed after some days (once more, with a new link)."""

import datetime

from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import (
    DRAFTED_DECISIONS,
    UNDECIDED,
    Application,
    Call,
    Endorsement,
    waiting_to_hear,
)
from applications.services import endorsement_renew_link
from core.dates import long_date, long_datetime
from core.mail import absolute_url
from core.models import Reminder
from core.reminders import Due, Kind, catch_up_from, label_with_days, register
from partners.models import User
from partners.selectors import coordinators_of, staff_taking_call_emails

Status = Application.Status


def _days_before(today: datetime.date, moment: datetime.datetime) -> int:
    return (timezone.localtime(moment).date() - today).days


def _call_opened(today: datetime.date):
    """Calls open now that opened since the catch-up day: each of the organisation's
    staff who take these emails and have not started an application to it."""
    now = timezone.now()
    calls = list(
        Call.objects.filter(
            opens_at__lte=now, opens_at__date__gte=catch_up_from(today), closes_at__gt=now
        ).select_related("organisation", "year")
    )
    if not calls:
        return
    staff = staff_taking_call_emails({call.organisation_id for call in calls})
    applied = set(Application.objects.filter(call__in=calls).values_list("call_id", "applicant_id"))
    for call in calls:
        for person in staff.get(call.organisation_id, []):
            if (call.pk, person.pk) in applied:
                continue
            yield Due.to(
                person,
                about=call,
                occasion="opened",
                year_id=call.year_id,
                call=str(call.organisation),
                year=call.year.year,
                closes=long_datetime(call.closes_at),
                url=absolute_url(call.get_absolute_url()),
                preferences=absolute_url(reverse("partners:email_preferences")),
            )


def _call_closed(today: datetime.date):
    """Each application submitted to a call that closed since the catch-up day whose
    applicant has not heard a decision yet: when they will hear."""
    now = timezone.now()
    waiting = Application.objects.filter(
        waiting_to_hear(),
        call__closes_at__lte=now,
        call__closes_at__date__gte=catch_up_from(today),
    ).select_related("applicant", "call__organisation", "call__year")
    for application in waiting:
        call = application.call
        yield Due.to(
            application.applicant,
            about=application,
            occasion="closed",
            year_id=call.year_id,
            call=str(call.organisation),
            year=call.year.year,
            decisions_by=long_date(call.year.decisions_by),
            url=absolute_url(application.get_absolute_url()),
        )


def _call_closing(today: datetime.date):
    """Each draft of a call closing within the first interval: the reminder for the
    smallest interval at or above the days left (7 days, then 1 day)."""
    intervals = sorted(settings.REMINDER_CALL_CLOSING_DAYS)
    drafts = Application.objects.filter(
        status=Status.DRAFT,
        call__closes_at__gt=timezone.now(),
        call__closes_at__lt=timezone.now() + datetime.timedelta(days=intervals[-1] + 1),
    ).select_related("applicant", "call__organisation", "call__year")
    for draft in drafts:
        days_left = _days_before(today, draft.call.closes_at)
        interval = next((days for days in intervals if days_left <= days), None)
        if interval is None:
            continue
        yield Due.to(
            draft.applicant,
            about=draft,
            occasion=f"{interval}-days",
            year_id=draft.call.year_id,
            call=str(draft.call.organisation),
            year=draft.call.year.year,
            closes=long_datetime(draft.call.closes_at),
            url=absolute_url(reverse("applications:application_update", args=[draft.pk])),
        )


def _decisions_waiting(today: datetime.date):
    """Calls that closed REMINDER_DECISIONS_DAYS ago whose applicants are still waiting
    to hear: undecided applications, or decisions not yet released."""
    closed_on = today - datetime.timedelta(days=settings.REMINDER_DECISIONS_DAYS)
    calls = list(
        Call.objects.filter(
            closes_at__date__lte=closed_on, closes_at__date__gte=catch_up_from(closed_on)
        )
        .annotate(
            waiting=Count(
                "applications",
                filter=Q(applications__status__in=UNDECIDED)
                | Q(
                    applications__status__in=DRAFTED_DECISIONS,
                    decisions_released_at__isnull=True,
                ),
            )
        )
        .filter(waiting__gt=0)
        .select_related("organisation", "year")
    )
    coordinators = coordinators_of({call.organisation_id for call in calls}) if calls else {}
    for call in calls:
        for coordinator in coordinators.get(call.organisation_id, []):
            yield Due.to(
                coordinator,
                about=call,
                occasion="after-close",
                year_id=call.year_id,
                call=str(call.organisation),
                year=call.year.year,
                closed=long_datetime(call.closes_at),
                waiting=call.waiting,
                decisions_by=long_date(call.year.decisions_by),
                url=absolute_url(reverse("applications:call_review", args=[call.pk])),
            )


def _endorsement_waiting(today: datetime.date):
    """Line managers asked REMINDER_ENDORSEMENT_DAYS ago who have not answered, while
    the application is still under consideration: once more, per address."""
    asked_on = today - datetime.timedelta(days=settings.REMINDER_ENDORSEMENT_DAYS)
    waiting = Endorsement.objects.filter(
        decision="",
        superseded_at__isnull=True,
        expires_at__gt=timezone.now(),
        sent_at__date__lte=asked_on,
        sent_at__date__gte=catch_up_from(asked_on),
        application__status__in=UNDECIDED,
    ).select_related("application__applicant", "application__call__organisation")
    for endorsement in waiting:
        application = endorsement.application
        yield Due(
            object_id=application.pk,
            object_repr=str(application),
            email=endorsement.line_manager_email,
            occasion="once-more",
            year_id=application.call.year_id,
            context={
                "name": endorsement.line_manager_name,
                "applicant": application.applicant.full_name,
                "call": str(application.call.organisation),
                "asked": long_datetime(endorsement.sent_at),
            },
        )


def _place_to_accept(today: datetime.date):
    """Each person selected and told who has not answered, with the deadline to accept
    within REMINDER_ACCEPT_DAYS: once per deadline."""
    last_day = today + datetime.timedelta(days=settings.REMINDER_ACCEPT_DAYS)
    waiting = Application.objects.filter(
        status=Status.SELECTED,
        place_answer="",
        accept_by__gt=timezone.now(),
        accept_by__date__lte=last_day,
    ).select_related("applicant", "destination", "call__organisation", "call__year")
    for application in waiting:
        accept_by = timezone.localtime(application.accept_by)
        yield Due.to(
            application.applicant,
            about=application,
            occasion=f"by-{accept_by:%Y-%m-%d}",
            year_id=application.call.year_id,
            destination=str(application.destination),
            year=application.call.year.year,
            accept_by=long_datetime(accept_by),
            url=absolute_url(reverse("applications:application_place", args=[application.pk])),
        )


def _place_still_to_accept(reminder: Reminder) -> bool:
    return Application.objects.filter(
        pk=reminder.object_id,
        status=Status.SELECTED,
        place_answer="",
        accept_by__gt=timezone.now(),
    ).exists()


def _call_still_open_and_wanted(reminder: Reminder) -> bool:
    """The call is still open, and the person still takes these emails."""
    return (
        reminder.recipient_id is not None
        and Call.objects.filter(pk=reminder.object_id, closes_at__gt=timezone.now()).exists()
        and User.objects.filter(pk=reminder.recipient_id, call_emails=True).exists()
    )


def _still_waiting_to_hear(reminder: Reminder) -> bool:
    return Application.objects.filter(waiting_to_hear(), pk=reminder.object_id).exists()


def _still_a_draft(reminder: Reminder) -> bool:
    """Not submitted or withdrawn yet, and the call still open."""
    return Application.objects.filter(
        pk=reminder.object_id, status=Status.DRAFT, call__closes_at__gt=timezone.now()
    ).exists()


def _decisions_still_waiting(reminder: Reminder) -> bool:
    return Application.objects.filter(waiting_to_hear(), call=reminder.object_id).exists()


def _endorsement_still_waiting(reminder: Reminder) -> bool:
    """The line manager has still not answered, and the application is still open."""
    return Endorsement.objects.filter(
        application=reminder.object_id,
        line_manager_email=reminder.email,
        decision="",
        superseded_at__isnull=True,
        application__status__in=UNDECIDED,
    ).exists()


def _new_link(reminder: Reminder) -> tuple[dict, list]:
    """The first link's token is not kept (only its hash), so the reminder carries a
    new one; the first stops working."""
    url, expires = endorsement_renew_link(application_id=reminder.object_id)
    return {"url": url, "expires": expires}, []


register(
    Kind(
        key="call_opened",
        label=_("Call opened (the organisation's staff, unless they opted out)"),
        find=_call_opened,
        still_due=_call_still_open_and_wanted,
    )
)
register(
    Kind(
        key="call_closing",
        label=label_with_days(
            _("Call closing in %(days)s (staff with a draft)"), "REMINDER_CALL_CLOSING_DAYS"
        ),
        find=_call_closing,
        still_due=_still_a_draft,
    )
)
register(
    Kind(
        key="call_closed",
        label=_("Call closed: when decisions come (each applicant)"),
        find=_call_closed,
        still_due=_still_waiting_to_hear,
    )
)
register(
    Kind(
        key="decisions_waiting",
        label=_("Decisions still waiting after a call closed (coordinators)"),
        find=_decisions_waiting,
        still_due=_decisions_still_waiting,
    )
)
register(
    Kind(
        key="place_to_accept",
        label=label_with_days(
            _("Place not yet accepted, %(days)s before the deadline (the person selected)"),
            "REMINDER_ACCEPT_DAYS",
        ),
        find=_place_to_accept,
        still_due=_place_still_to_accept,
    )
)
register(
    Kind(
        key="endorsement_waiting",
        label=label_with_days(
            _("Endorsement not given after %(days)s (line manager, once more)"),
            "REMINDER_ENDORSEMENT_DAYS",
        ),
        find=_endorsement_waiting,
        prepare=_new_link,
        still_due=_endorsement_still_waiting,
    )
)
