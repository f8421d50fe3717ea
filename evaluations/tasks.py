"""The public findings, counted away from the pages that show them."""

import logging

from celery import shared_task
from django.core.cache import cache

from evaluations import selectors

logger = logging.getLogger(__name__)

# While a count is queued, the pages that found none do not queue another.
QUEUED_KEY = "evaluations:public-findings:queued"


@shared_task(name="evaluations.tasks.refresh_public_findings", ignore_result=True)
def refresh_public_findings() -> None:
    """Count the public findings (on each submitted evaluation, and on a schedule)."""
    try:
        selectors.count_public_findings()
    finally:
        cache.delete(QUEUED_KEY)


def queue_refresh(*, once: bool = False) -> None:
    """Ask a worker to count the findings again. Never raises: the schedule counts them
    anyway. With `once`, nothing is queued while an earlier request still waits (a page
    that found no findings asks once, not once per visitor)."""
    if once and not cache.add(QUEUED_KEY, True, timeout=300):
        return
    try:
        refresh_public_findings.apply_async(retry=False)
    except Exception:
        logger.warning("Could not queue the public findings' count", exc_info=True)
