"""Evaluations' reminders: the post-exchange evaluation due at completion and overdue
after some days (participant), the host's feedback due (supervisor), and the follow-up
due (participant)."""

import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.dates import long_date
from core.mail import absolute_url
from core.models import Reminder
from core.reminders import Due, Kind, catch_up_from, label_with_days, register
from evaluations.models import Instrument, Response, follow_up_due_on
from evaluations.services import respondent
from placements.models import Placement

DAY = datetime.timedelta(days=1)


def _unanswered(instrument: str, **ended):
    """Completed placements whose last day is in the range given, with `instrument`
    not yet submitted."""
    submitted = Response.objects.filter(
        placement=OuterRef("pk"), instrument=instrument, status=Response.Status.SUBMITTED
    )
    return (
        Placement.objects.filter(status=Placement.Status.COMPLETED, **ended)
        .exclude(Exists(submitted))
        .select_related("participant", "supervisor", "host")
    )


def _due(placement: Placement, instrument: str, occasion: str, **context) -> Due:
    return Due.to(
        respondent(placement, instrument),
        about=placement,
        occasion=occasion,
        year_id=placement.year_id,
        participant=placement.participant.full_name,
        host=placement.host.name,
        start=long_date(placement.start_on),
        end=long_date(placement.end_on),
        url=absolute_url(reverse("evaluations:response_form", args=[placement.pk, instrument])),
        **context,
    )


def _completed_lately(today: datetime.date, days_after_end: int) -> dict:
    """The last day `days_after_end` days before today, or up to the catch-up days
    more (a placement is completed the day after its last day)."""
    latest = today - datetime.timedelta(days=days_after_end) - DAY
    return {"end_on__lte": latest, "end_on__gte": catch_up_from(latest)}


def _evaluation_due(today: datetime.date):
    for placement in _unanswered(Instrument.POST_EXCHANGE, **_completed_lately(today, 0)):
        yield _due(placement, Instrument.POST_EXCHANGE, "due")


def _evaluation_overdue(today: datetime.date):
    ended = _completed_lately(today, settings.REMINDER_EVALUATION_OVERDUE_DAYS)
    for placement in _unanswered(Instrument.POST_EXCHANGE, **ended):
        yield _due(placement, Instrument.POST_EXCHANGE, "overdue")


def _host_feedback_due(today: datetime.date):
    for placement in _unanswered(Instrument.HOST_FEEDBACK, **_completed_lately(today, 0)):
        yield _due(placement, Instrument.HOST_FEEDBACK, "due")


def _follow_up_due(today: datetime.date):
    """The follow-up opens FOLLOW_UP_MONTHS after the last day: due from that day."""
    months = relativedelta(months=settings.FOLLOW_UP_MONTHS)
    # A few days' margin either side, then the exact date in Python (months vary).
    ended = {
        "end_on__lte": today - months + 3 * DAY,
        "end_on__gte": catch_up_from(today) - months - 3 * DAY,
    }
    for placement in _unanswered(Instrument.FOLLOW_UP, **ended):
        if catch_up_from(today) <= follow_up_due_on(placement) <= today:
            yield _due(placement, Instrument.FOLLOW_UP, "due")


def _still_unanswered(instrument: str):
    """Whether the placement's `instrument` is still to be submitted."""

    def still_due(reminder: Reminder) -> bool:
        return _unanswered(instrument, pk=reminder.object_id).exists()

    return still_due


register(
    Kind(
        key="evaluation_due",
        label=_("Post-exchange evaluation due at completion (participant)"),
        find=_evaluation_due,
        still_due=_still_unanswered(Instrument.POST_EXCHANGE),
    )
)
register(
    Kind(
        key="evaluation_overdue",
        label=label_with_days(
            _("Post-exchange evaluation overdue after %(days)s (participant)"),
            "REMINDER_EVALUATION_OVERDUE_DAYS",
        ),
        find=_evaluation_overdue,
        still_due=_still_unanswered(Instrument.POST_EXCHANGE),
    )
)
register(
    Kind(
        key="host_feedback_due",
        label=_("Host supervisor's feedback due (supervisor)"),
        find=_host_feedback_due,
        still_due=_still_unanswered(Instrument.HOST_FEEDBACK),
    )
)
register(
    Kind(
        key="follow_up_due",
        label=_("Follow-up due (participant)"),
        find=_follow_up_due,
        still_due=_still_unanswered(Instrument.FOLLOW_UP),
    )
)
