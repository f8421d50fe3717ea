from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Organisations and people")

    def ready(self) -> None:
        from django.apps import apps

        from partners import receivers, reminders  # noqa: F401 (reminders registers kinds)

        receivers.connect()
        # Permissions exist only once migrate has reached every app, so the
        # programme managers' group is brought up to date after the last one.
        post_migrate.connect(
            receivers.sync_programme_managers_group,
            sender=apps.get_app_config("evaluations"),
            dispatch_uid="partners.sync_programme_managers_group",
        )
