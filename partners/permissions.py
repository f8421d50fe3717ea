"""Who may do what, asked the same way by views, templates and the admin."""

import rules

from partners.models import PROGRAMME_MANAGERS_GROUP, User


@rules.predicate
def is_programme_manager(user: User) -> bool:
    if not user.is_authenticated or not user.is_active or not user.is_staff:
        return False
    # Asked several times a page (navigation, dashboard, views): remember it.
    if not hasattr(user, "_is_programme_manager"):
        user._is_programme_manager = user.groups.filter(name=PROGRAMME_MANAGERS_GROUP).exists()
    return user._is_programme_manager
