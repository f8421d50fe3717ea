"""Emails are rendered when they are asked for and sent once the transaction that
asked for them has committed, by a Celery task (inline when no broker is set)."""

from django.core.mail import EmailMessage, EmailMultiAlternatives

from knowledge_exchange.tasks import send_email


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
