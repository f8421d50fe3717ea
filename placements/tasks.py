"""Placements' periodic work: a thin door onto the services."""

import logging

from celery import shared_task

from placements.services import placements_complete_finished

logger = logging.getLogger(__name__)


@shared_task
def daily_sweep() -> int:
    """Complete every confirmed placement whose last day has passed."""
    completed = placements_complete_finished()
    logger.info("Completed %d finished placement(s)", len(completed))
    return len(completed)
