from django.conf import settings
from django.utils.functional import SimpleLazyObject

from partners.permissions import is_programme_manager


def programme(request):
    """What every page's header and footer need: the programme's name and contact, the role."""
    return {
        "PROGRAMME_NAME": settings.PROGRAMME_NAME,
        "PROGRAMME_MANAGER_NAME": settings.PROGRAMME_MANAGER_NAME,
        "PROGRAMME_MANAGER_EMAIL": settings.PROGRAMME_MANAGER_EMAIL,
        "user_is_programme_manager": SimpleLazyObject(
            lambda: is_programme_manager(request.user) if hasattr(request, "user") else False
        ),
    }
