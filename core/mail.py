"""Emails are rendered when they are asked for and written to the outbox in the
transaction that asked for them; core.outbox sends them once it has committed."""

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils.html import strip_tags

from core import outbox


# The task of the release before the outbox, kept so that messages it queued are
# still sent: each becomes an outbox row and is sent from there.
@shared_task(name="knowledge_exchange.tasks.send_email")
def send_email(
    *,
    subject: str,
    body: str,
    to: list[str],
    html: str | None = None,
    from_email: str | None = None,
) -> None:
    message = EmailMultiAlternatives(subject=subject, body=body, to=to, from_email=from_email)
    if html:
        message.attach_alternative(html, "text/html")
    queue_message(message)


def absolute_url(path: str) -> str:
    """A link for an email, which is read outside the site (SITE_URL + path)."""
    return settings.SITE_URL.rstrip("/") + path


def queue_message(
    message: EmailMessage, *, template: str = "", forget_when_done: bool = False
) -> None:
    """Put a built message in the outbox, to be sent once the current transaction
    commits (nothing is sent if it rolls back)."""
    if not isinstance(message, EmailMultiAlternatives):
        plain = EmailMultiAlternatives(
            subject=message.subject, body=message.body, to=message.to, from_email=message.from_email
        )
        if message.content_subtype == "html":
            plain.body = strip_tags(str(message.body))
            plain.attach_alternative(str(message.body), "text/html")
        message = plain
    outbox.write(message, template=template, forget_when_done=forget_when_done)


def queue_templated_email(
    *, template: str, to: list[str], context: dict, forget_when_done: bool = False
) -> None:
    """Render templates/emails/<template>_subject.txt, .txt and .html and queue the message.

    Nothing is sent if `to` is empty or the current transaction rolls back.
    """
    if not to:
        return
    queue_message(
        render_templated_email(template=template, to=to, context=context),
        template=template,
        forget_when_done=forget_when_done,
    )


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
