"""The site's own section of the dashboard: the programme manager's way in."""

from core.panels import DASHBOARD
from partners.permissions import is_programme_manager

DASHBOARD.register(
    "knowledge_exchange/_dashboard_manager.html",
    order=10,
    context=lambda request, user: {} if is_programme_manager(user) else None,
)
