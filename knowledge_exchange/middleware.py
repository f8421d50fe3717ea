"""Middleware of the site as a whole."""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from core import privacy
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
                        "%d place(s) not accepted in time, %d reminder(s) queued, "
                        "%d record(s) changed by the retention schedule",
                        len(swept.completed),
                        len(swept.lapsed),
                        sum(swept.reminders.values()),
                        sum(step["count"] for step in swept.retention),
                    )
        return response


NOTICE_CHANGED_SESSION_KEY = "privacy_notice_changed"
# Where a person shown a changed notice may still go: the notice itself, signing out,
# and what pages load (their files, the health check).
_NOTICE_FREE = ("/privacy/", "/accounts/logout/", "/static/", "/healthz/")


def notice_changed_at_sign_in(sender, request, user, **kwargs) -> None:
    """At sign-in: if the privacy notice has changed since the person last read it,
    they are shown it before anything else (PrivacyNoticeMiddleware)."""
    notice = privacy.notice_changed_for(user)
    if notice is not None:
        request.session[NOTICE_CHANGED_SESSION_KEY] = notice.version


class PrivacyNoticeMiddleware:
    """Sends a person whose privacy notice has changed to read it, from any page they
    open, until they say they have."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.method == "GET"
            and request.session.get(NOTICE_CHANGED_SESSION_KEY) is not None
            and not request.path.startswith(_NOTICE_FREE)
        ):
            return redirect(f"{reverse('privacy')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
