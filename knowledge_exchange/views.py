"""Site-wide pages: the public front page, each person's dashboard, the health check."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from core import todo
from core.panels import DASHBOARD
from evaluations import tasks
from evaluations.selectors import public_findings, published_testimonials
from partners.permissions import coordinated_organisation_ids, is_programme_manager
from partners.selectors import organisations_board, public_programme, year_boards


class HomeView(TemplateView):
    """The public programme page: what the programme is, this year's and past partners,
    what participants found (small groups withheld) and their published testimonials."""

    template_name = "knowledge_exchange/home.html"

    def get_context_data(self, **kwargs):
        current_year, past_years = public_programme()
        findings = public_findings()
        if findings is None:  # not counted yet (a new site, an emptied cache)
            tasks.queue_refresh(once=True)
            findings = public_findings()  # counted already, where tasks run inline
        return super().get_context_data(
            current_year=current_year,
            past_years=past_years,
            testimonials=published_testimonials(),
            findings=findings,
            **kwargs,
        )


class DashboardView(LoginRequiredMixin, TemplateView):
    """One page for everyone signed in: what needs them now, role by role (core.todo),
    the year's progress for the manager and each coordinator (partners.progress), then
    a section from each app for each role the person holds (core.panels.DASHBOARD)."""

    template_name = "knowledge_exchange/dashboard.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        boards = year_boards() if is_programme_manager(user) else []
        organisation_ids = coordinated_organisation_ids(user)
        if organisation_ids and (board := organisations_board(organisation_ids=organisation_ids)):
            boards.append(board)
        return super().get_context_data(
            todo=todo.items_for(self.request, user),
            boards=boards,
            sections=DASHBOARD.render(self.request, user),
            **kwargs,
        )


@never_cache
@require_safe
def health(request: HttpRequest) -> HttpResponse:
    """For load balancers and docker-compose: the app answers and reaches its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
