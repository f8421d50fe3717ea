from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The shared kernel below every domain app: email, reminders, the rule error,
    the transition-and-record mechanism, dates, tokens and shared mixins. It imports
    none of the apps above it."""

    name = "core"
    verbose_name = _("Programme records")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from core.privacy import ensure_notice

        # After migrate, and after a flush (which tests run), as Django makes permissions.
        post_migrate.connect(ensure_notice, sender=self, dispatch_uid="core.privacy_notice")
