"""Emails are rendered when they are asked for and sent once the transaction that
asked for them has committed, by a Celery task (inline when no broker is set)."""

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.template.loader import render_to_string

from knowledge_exchange.tasks import send_email


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
    send_email.delay_on_commit(
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
