"""Middleware of the site as a whole."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from placements.services import daily_sweep

logger = logging.getLogger(__name__)


class DailySweepMiddleware:
    """Where no Celery beat runs the daily sweep (the embedded default: no broker,
    settings.SWEEP_IN_WEB), the first request of each day runs it, after its own page is
    made: finished placements are completed, so their evaluations open, and the day's
    reminders go. The cache holds which day was swept; the sweep itself is safe to run
    twice (completed placements are not completed again, and each reminder is logged)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.swept_on = None  # this process's last day, so most requests ask nothing

    def __call__(self, request):
        response = self.get_response(request)
        today = timezone.localdate()
        if settings.SWEEP_IN_WEB and self.swept_on != today:
            self.swept_on = today
            if cache.add(f"daily-sweep:{today.isoformat()}", True, timeout=2 * 24 * 3600):
                try:
                    swept = daily_sweep(today=today)
                except Exception:  # the person's page is made; the next day tries again
                    logger.exception("The daily sweep in the web process failed")
                else:
                    logger.info(
                        "Daily sweep in the web process: %d placement(s) completed, "
                        "%d place(s) not accepted in time, %d reminder(s) queued",
                        len(swept.completed),
                        len(swept.lapsed),
                        sum(swept.reminders.values()),
                    )
        return response
