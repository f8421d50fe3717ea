"""Placements' periodic work: a thin door onto the services."""

import logging

from celery import shared_task

from placements.services import daily_sweep as sweep

logger = logging.getLogger(__name__)


@shared_task
def daily_sweep() -> int:
    """Complete finished placements and queue the reminders due today."""
    completed, lapsed, reminders = sweep()  # see placements.services.Swept
    logger.info(
        "Completed %d finished placement(s); %d place(s) not accepted in time; "
        "queued %d reminder(s)",
        len(completed),
        len(lapsed),
        sum(reminders.values()),
    )
    return len(completed)
