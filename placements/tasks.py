"""Placements' periodic work: a thin door onto the services."""

import logging

from celery import shared_task

from placements.services import daily_sweep as sweep

logger = logging.getLogger(__name__)


@shared_task
def daily_sweep() -> int:
    """Complete finished placements, queue the reminders due today and apply the
    retention schedule."""
    completed, lapsed, reminders, retention = sweep()  # see placements.services.Swept
    logger.info(
        "Completed %d finished placement(s); %d place(s) not accepted in time; "
        "queued %d reminder(s); the retention schedule changed %d record(s)",
        len(completed),
        len(lapsed),
        sum(reminders.values()),
        sum(step["count"] for step in retention),
    )
    return len(completed)
