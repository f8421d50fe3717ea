from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeExchangeConfig(AppConfig):
    """The project package as an app: site-wide pages, email, demo data."""

    name = "knowledge_exchange"
    verbose_name = _("Knowledge Exchange")
