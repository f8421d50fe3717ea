"""The kernel's Celery tasks, found here by autodiscovery: each is a thin door defined
beside the service it calls, so that queueing a task never needs an import cycle."""

from core.mail import send_email
from core.reminders import send_reminder

__all__ = ["send_email", "send_reminder"]
