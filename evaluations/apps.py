from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationsConfig(AppConfig):
    name = "evaluations"
    verbose_name = _("Evaluations")

    def ready(self) -> None:
        from evaluations import panels, personal_data, receivers, reminders  # noqa: F401 (registers reminders, page sections, personal data)

        receivers.connect()
