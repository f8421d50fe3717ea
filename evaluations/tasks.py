"""The report's stored figures and the public findings, counted away from the pages
that show them."""

import logging

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from evaluations import figures, selectors
from partners.models import ProgrammeYear

logger = logging.getLogger(__name__)

# While a count is queued, the pages that found none do not queue another.
QUEUED_KEY = "evaluations:public-findings:queued"


@shared_task(name="evaluations.tasks.refresh_report_figures", ignore_result=True)
def refresh_report_figures(*, years: list[int] | None = None, every_year: bool = False) -> None:
    """Count again the stored figures of these years (by id), or of every year that
    can still change, or of every year; then the public findings from them."""
    today = timezone.localdate()
    if every_year:
        chosen = ProgrammeYear.objects.all()
    elif years is not None:
        chosen = ProgrammeYear.objects.filter(pk__in=years)
    else:
        chosen = figures.changing_years(today)
    figures.refresh(chosen, today=today)
    refresh_public_findings()


@shared_task(name="evaluations.tasks.refresh_public_findings", ignore_result=True)
def refresh_public_findings() -> None:
    """Count the public findings (from the stored figures of every year)."""
    try:
        selectors.count_public_findings()
    finally:
        cache.delete(QUEUED_KEY)


def queue_refresh(*, year_id: int | None = None, once: bool = False) -> None:
    """Ask a worker to count again: the year's figures and the public findings, or
    (with no year) the findings alone. Never raises: the schedule counts them anyway.
    With `once`, nothing is queued while an earlier request still waits (a page that
    found no findings asks once, not once per visitor)."""
    if once and not cache.add(QUEUED_KEY, True, timeout=300):
        return
    try:
        if year_id is None:
            refresh_public_findings.apply_async(retry=False)
        else:
            refresh_report_figures.apply_async(kwargs={"years": [year_id]}, retry=False)
    except Exception:
        logger.warning("Could not queue the public findings' count", exc_info=True)
