"""Site-wide pages: the public front page, each person's dashboard, the health check."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from evaluations.selectors import public_findings, published_testimonials
from partners.permissions import is_programme_manager
from partners.selectors import (
    memberships_for_user,
    partnerships_for_coordinator,
    public_programme,
    years_hosted_for_coordinator,
)
from placements.selectors import placements_for_person


class HomeView(TemplateView):
    """The public programme page: what the programme is, this year's and past partners,
    what participants found (small groups withheld) and their published testimonials."""

    template_name = "knowledge_exchange/home.html"

    def get_context_data(self, **kwargs):
        current_year, past_years = public_programme()
        return super().get_context_data(
            current_year=current_year,
            past_years=past_years,
            testimonials=published_testimonials(),
            findings=public_findings(),
            **kwargs,
        )


class DashboardView(LoginRequiredMixin, TemplateView):
    """One page for everyone signed in, with a part for each role the person holds."""

    template_name = "knowledge_exchange/dashboard.html"

    def get_context_data(self, **kwargs):
        memberships = list(memberships_for_user(user=self.request.user))
        coordinator_memberships = [m for m in memberships if m.is_coordinator]
        if coordinator_memberships:
            # The latest partnership of each organisation the person coordinates.
            today = timezone.localdate()
            latest = {}
            for partnership in partnerships_for_coordinator(user=self.request.user):
                latest.setdefault(partnership.organisation_id, partnership)
            hosted = {}
            for year in years_hosted_for_coordinator(user=self.request.user):
                hosted.setdefault(year.host_id, year)
            for membership in coordinator_memberships:
                membership.latest_partnership = latest.get(membership.organisation_id)
                membership.hosted_year = hosted.get(membership.organisation_id)
                if membership.hosted_year:
                    membership.hosted_next = membership.hosted_year.next_step(
                        today, confirmed_count=membership.hosted_year.confirmed_count
                    )
                if membership.latest_partnership:
                    membership.expected_next = membership.latest_partnership.next_step(today)
        return super().get_context_data(
            is_manager=is_programme_manager(self.request.user),
            coordinator_memberships=coordinator_memberships,
            memberships=memberships,
            placements=placements_for_person(user=self.request.user),
            **kwargs,
        )


@never_cache
@require_safe
def health(request: HttpRequest) -> HttpResponse:
    """For load balancers and docker-compose: the app answers and reaches its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")
