from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class KnowledgeExchangeConfig(AppConfig):
    """The project package as an app, above every domain app: site-wide pages, the
    dashboard, and commands that span apps (demo data, benchmarks)."""

    name = "knowledge_exchange"
    verbose_name = _("Knowledge Exchange")

    def ready(self) -> None:
        from knowledge_exchange import panels  # noqa: F401 (registers its dashboard section)
        from partners.receivers import sync_programme_managers_group

        # Permissions exist only once migrate has reached every app; this app is
        # the last installed, so the programme managers' group is brought up to
        # date after it.
        post_migrate.connect(
            sync_programme_managers_group,
            sender=self,
            dispatch_uid="partners.sync_programme_managers_group",
        )
