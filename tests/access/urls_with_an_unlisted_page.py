"""The project's URLs plus one that the access table does not list."""

from django.urls import path

from knowledge_exchange.urls import urlpatterns as project_urlpatterns
from knowledge_exchange.views import HomeView

urlpatterns = [
    *project_urlpatterns,
    path("unlisted/", HomeView.as_view(), name="unlisted_page"),
]
