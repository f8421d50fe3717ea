from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Open calls and applications")

    def ready(self) -> None:
        from applications import panels, personal_data, reminders  # noqa: F401 (registers reminders, page sections, personal data)
        from applications.receivers import ensure_default_rubric

        # After migrate, and after a flush (which tests run), as Django makes permissions.
        post_migrate.connect(
            ensure_default_rubric, sender=self, dispatch_uid="applications.default_rubric"
        )
