from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Organisations and people")

    def ready(self) -> None:
        from partners import panels, personal_data, receivers, reminders  # noqa: F401 (registers reminders, page sections, personal data)

        receivers.connect()
