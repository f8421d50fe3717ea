"""How allauth fits this site: its emails go through our queue like every other."""

from allauth.account.adapter import DefaultAccountAdapter

from core.mail import queue_message


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix, email, context):
        # Rendered here, where the request is, and sent by a worker after commit,
        # so a slow mail server never holds up signing in.
        queue_message(self.render_mail(template_prefix, email, context))
