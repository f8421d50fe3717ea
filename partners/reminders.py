"""Partners' reminder: the partner confirmation deadline is near and the year has
fewer confirmed partners than its target (to the programme manager)."""

import datetime

from django.conf import settings
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.dates import long_date
from core.mail import absolute_url
from core.models import Reminder
from core.reminders import Due, Kind, register, register_switched_off
from partners.models import Partnership, ProgrammeYear
from partners.selectors import programme_managers


def _partners_short(today: datetime.date):
    years = (
        ProgrammeYear.objects.filter(
            partners_confirmed_by__gte=today,
            partners_confirmed_by__lte=today
            + datetime.timedelta(days=settings.REMINDER_PARTNERS_DAYS),
        )
        .annotate(
            confirmed=Count(
                "partnerships", filter=Q(partnerships__status=Partnership.Status.CONFIRMED)
            )
        )
        .filter(confirmed__lt=F("partner_target"))
    )
    managers = programme_managers() if years else []
    for year in years:
        for manager in managers:
            yield Due.to(
                manager,
                about=year,
                occasion="deadline",
                year_id=year.pk,
                year=year.year,
                confirmed=year.confirmed,
                target=year.partner_target,
                deadline=long_date(year.partners_confirmed_by),
                url=absolute_url(reverse("admin:partners_programmeyear_overview", args=[year.pk])),
            )


def _still_short(reminder: Reminder) -> bool:
    """The deadline has not passed and the target is still not reached."""
    return (
        ProgrammeYear.objects.filter(
            pk=reminder.object_id, partners_confirmed_by__gte=timezone.localdate()
        )
        .annotate(
            confirmed=Count(
                "partnerships", filter=Q(partnerships__status=Partnership.Status.CONFIRMED)
            )
        )
        .filter(confirmed__lt=F("partner_target"))
        .exists()
    )


register(
    Kind(
        key="partners_short",
        label=_("Partner deadline near, target not reached (programme manager)"),
        find=_partners_short,
        still_due=_still_short,
    )
)


def _switched_off() -> list[tuple[int, str]]:
    """The (year, kind) pairs the programme manager switched off, for every app's kinds."""
    return [
        (pk, kind)
        for pk, kinds in ProgrammeYear.objects.exclude(reminders_off=[]).values_list(
            "pk", "reminders_off"
        )
        for kind in kinds
    ]


register_switched_off(_switched_off)
