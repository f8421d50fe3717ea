from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacementsConfig(AppConfig):
    name = "placements"
    verbose_name = _("Placements")

    def ready(self) -> None:
        from placements import panels, personal_data, receivers, reminders  # noqa: F401 (registers reminders, page sections, personal data)

        receivers.connect()
