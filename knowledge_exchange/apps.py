from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class KnowledgeExchangeConfig(AppConfig):
    """The project package as an app, above every domain app: site-wide pages, the
    dashboard, and commands that span apps (demo data, benchmarks)."""

    name = "knowledge_exchange"
    verbose_name = _("Knowledge Exchange")

    def ready(self) -> None:
        from allauth.account.signals import user_logged_in

        from knowledge_exchange import panels  # noqa: F401 (registers its dashboard section)
        from knowledge_exchange.middleware import notice_changed_at_sign_in
        from partners.receivers import sync_programme_managers_group

        user_logged_in.connect(notice_changed_at_sign_in, dispatch_uid="privacy.notice_changed")

        # Permissions exist only once migrate has reached every app; this app is
        # the last installed, so the programme managers' group is brought up to
        # date after it.
        post_migrate.connect(
            sync_programme_managers_group,
            sender=self,
            dispatch_uid="partners.sync_programme_managers_group",
        )
