"""Partners' reminder: the partner confirmation deadline is near and the year has
fewer confirmed partners than its target (to the programme manager)."""

import datetime

from django.conf import settings
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from knowledge_exchange.mail import absolute_url
from knowledge_exchange.reminders import Due, Kind, register
from partners.models import Partnership, ProgrammeYear, long_date
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


register(
    Kind(
        key="partners_short",
        label=_("Partner deadline near, target not reached (programme manager)"),
        find=_partners_short,
    )
)
