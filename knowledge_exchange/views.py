"""Site-wide pages: the public front page, each person's dashboard, the health check."""

from typing import cast

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import FormView, TemplateView

from core import erasure, privacy, todo
from core.models import AccountClosure, PrivacyAcknowledgement, PrivacyNotice
from core.panels import DASHBOARD
from core.views import ServiceFormMixin
from evaluations import tasks
from evaluations.selectors import public_findings, published_testimonials
from knowledge_exchange.forms import AccountCloseForm
from knowledge_exchange.middleware import NOTICE_CHANGED_SESSION_KEY
from partners.models import User
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


class PrivacyNoticeView(TemplateView):
    """The privacy notice, as it stands (or an earlier version, by `?version=`). A
    person shown it again because it changed says they have read it here."""

    template_name = "knowledge_exchange/privacy.html"

    def get_notice(self):
        version = self.request.GET.get("version", "")
        if version.isdigit():
            return get_object_or_404(PrivacyNotice, version=int(version))
        notice = privacy.current_notice()
        if notice is None:
            raise Http404("No privacy notice is published")
        return notice

    def get_context_data(self, **kwargs):
        notice = self.get_notice()
        current = privacy.current_notice()
        return super().get_context_data(
            notice=notice,
            notice_html=privacy.notice_html(notice),
            is_current=current is not None and current.pk == notice.pk,
            versions=PrivacyNotice.objects.only("version", "published_at")[:20],
            changed=self.request.session.get(NOTICE_CHANGED_SESSION_KEY) is not None,
            next_url=self._next_url(),
            **kwargs,
        )

    def _next_url(self) -> str:
        wanted = self.request.GET.get("next") or self.request.POST.get("next") or ""
        if url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        ):
            return wanted
        return reverse("dashboard")

    def post(self, request, *args, **kwargs):
        """The person has read the current notice: recorded, and they go on."""
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        notice = privacy.current_notice()
        if notice is not None:
            privacy.notice_acknowledge(
                user=request.user, notice=notice, occasion=PrivacyAcknowledgement.Occasion.SIGN_IN
            )
        request.session.pop(NOTICE_CHANGED_SESSION_KEY, None)
        messages.success(request, _("Thank you for reading the privacy notice."))
        return redirect(self._next_url())


class AccountCloseView(LoginRequiredMixin, ServiceFormMixin, FormView):
    """The person asks to close their account (the programme manager erases it), or
    withdraws the request they made."""

    template_name = "knowledge_exchange/account_close.html"
    form_class = AccountCloseForm
    success_message = _lazy(
        "Your request has been sent. The programme manager will close your account "
        "within a month and email you when it is done."
    )

    def open_request(self) -> AccountClosure | None:
        user = cast(User, self.request.user)  # signed in: LoginRequiredMixin
        return AccountClosure.objects.filter(
            user=user, status=AccountClosure.Status.REQUESTED
        ).first()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            closure=self.open_request(),
            waits=erasure.erasure_plan(self.request.user).waits,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if "withdraw" in request.POST:
            closure = self.open_request()
            if closure is not None:
                erasure.closure_withdraw(closure=closure)
                messages.success(request, _("Your request is withdrawn: your account stays open."))
            return redirect("account_close")
        if self.open_request() is not None:
            return redirect("account_close")
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        return erasure.closure_request(user=self.request.user, reason=form.cleaned_data["reason"])

    def get_success_url(self) -> str:
        return reverse("account_close")


class PersonalDataView(LoginRequiredMixin, TemplateView):
    """The person downloads everything the product holds about them, in one archive."""

    template_name = "knowledge_exchange/personal_data.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(sections=privacy.SECTIONS.values(), **kwargs)

    def post(self, request, *args, **kwargs):
        return privacy.archive_response(request.user)
