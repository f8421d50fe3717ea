from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "applications"
    verbose_name = _("Open calls and applications")

    def ready(self) -> None:
        from applications import panels, reminders  # noqa: F401 (registers reminders and page sections)
