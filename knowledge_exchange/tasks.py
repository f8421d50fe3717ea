"""Tasks that belong to the whole site rather than one domain app."""

import logging

from celery import shared_task
from django.core.mail import EmailMultiAlternatives

logger = logging.getLogger(__name__)


@shared_task(autoretry_for=(OSError,), retry_backoff=60, retry_kwargs={"max_retries": 5})
def send_email(
    *,
    subject: str,
    body: str,
    to: list[str],
    html: str | None = None,
    from_email: str | None = None,
) -> None:
    """Send one email that was rendered when it was queued.

    Retries with back-off when the mail server cannot be reached.
    """
    message = EmailMultiAlternatives(subject=subject, body=body, to=to, from_email=from_email)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
    logger.info("Sent %r to %d recipient(s)", subject, len(to))


@shared_task
def send_reminder(reminder_id: int) -> bool:
    """Send one reminder; a second delivery of the same task sends nothing. No retry
    with a countdown: a reminder that fails stays unsent, and the next daily sweep
    queues it again."""
    from knowledge_exchange.reminders import reminder_send

    return reminder_send(reminder_id=reminder_id)
