from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django_celery_beat.models import PeriodicTask

from core.lists import BoundedPaginator
from knowledge_exchange import views

# The admin's sign-in goes through allauth, so it shares the same rate limits.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]
admin.site.site_header = _("Knowledge Exchange administration")
admin.site.site_title = _("Knowledge Exchange")
admin.site.index_title = _("Run the programme")
# Every changelist, the project's and the libraries', stays the same cost however big
# its table: a page of LIST_PAGE_SIZE, counted no further than LIST_MOST_ROWS (so no
# OFFSET goes past it either), and no second count of the whole table.
BOUNDED_CHANGELIST = {
    "paginator": BoundedPaginator,
    "list_per_page": settings.LIST_PAGE_SIZE,
    "show_full_result_count": False,
}
for model_admin in admin.site._registry.values():
    for name, value in BOUNDED_CHANGELIST.items():
        setattr(model_admin, name, value)
# The scheduler's handful of tasks need no drilling down by start date, which cost two
# queries of its table a view.
setattr(admin.site._registry[PeriodicTask], "date_hierarchy", None)  # noqa: B010  # a ClassVar to mypy

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("healthz/", views.health, name="health"),
    path("privacy/", views.PrivacyNoticeView.as_view(), name="privacy"),
    path("account/data/", views.PersonalDataView.as_view(), name="personal_data"),
    path("account/close/", views.AccountCloseView.as_view(), name="account_close"),
    path("", include("partners.urls")),
    path("", include("applications.urls")),
    path("", include("placements.urls")),
    path("", include("evaluations.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

if getattr(settings, "DEBUG_TOOLBAR", False):
    from debug_toolbar.toolbar import debug_toolbar_urls

    urlpatterns += debug_toolbar_urls()
