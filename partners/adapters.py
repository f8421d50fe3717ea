"""How allauth fits this site: its emails go through our queue like every other, and
name the programme and its address."""

from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from core.mail import queue_message


def programme_site() -> SimpleNamespace:
    """What allauth's emails call the site: the programme's name and the address people
    reach it at (settings.SITE_URL), whichever host the request came in by."""
    return SimpleNamespace(name=settings.PROGRAMME_NAME, domain=urlsplit(settings.SITE_URL).netloc)


class AccountAdapter(DefaultAccountAdapter):
    def format_email_subject(self, subject) -> str:
        return f"{settings.PROGRAMME_NAME}: {subject}"

    def send_mail(self, template_prefix, email, context):
        # Rendered here, where the request is, and sent by a worker after commit,
        # so a slow mail server never holds up signing in.
        context = {"email": email, "current_site": programme_site(), **context}
        queue_message(self.render_mail(template_prefix, email, context))
