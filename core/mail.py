"""Emails are rendered when they are asked for and sent once the transaction that
asked for them has committed, by a Celery task (inline when no broker is set)."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


# The task keeps the name it had before the kernel moved to `core`, so messages
# queued by the previous release still find it.
@shared_task(
    name="knowledge_exchange.tasks.send_email",
    autoretry_for=(OSError,),
    retry_backoff=60,
    retry_kwargs={"max_retries": 5},
)
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


def absolute_url(path: str) -> str:
    """A link for an email, which is read outside the site (SITE_URL + path)."""
    return settings.SITE_URL.rstrip("/") + path


def queue_message(message: EmailMessage) -> None:
    """Queue an already built message to be sent after the current transaction commits."""
    html = None
    if isinstance(message, EmailMultiAlternatives):
        html = next(
            (content for content, mimetype in message.alternatives if mimetype == "text/html"),
            None,
        )
    send_email.delay_on_commit(  # type: ignore[attr-defined]  # DjangoTask, set in celery.py
        subject=message.subject,
        body=message.body,
        to=list(message.to),
        html=html,
        from_email=message.from_email,
    )


def queue_templated_email(*, template: str, to: list[str], context: dict) -> None:
    """Render templates/emails/<template>_subject.txt, .txt and .html and queue the message.

    Nothing is sent if `to` is empty or the current transaction rolls back.
    """
    if not to:
        return
    queue_message(render_templated_email(template=template, to=to, context=context))


def render_templated_email(
    *, template: str, to: list[str], context: dict
) -> EmailMultiAlternatives:
    """The message from templates/emails/<template>_subject.txt, .txt and .html."""
    context = {
        "PROGRAMME_NAME": settings.PROGRAMME_NAME,
        "PROGRAMME_MANAGER_NAME": settings.PROGRAMME_MANAGER_NAME,
        "PROGRAMME_MANAGER_EMAIL": settings.PROGRAMME_MANAGER_EMAIL,
        **context,
    }
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject, body=render_to_string(f"emails/{template}.txt", context), to=to
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    return message
