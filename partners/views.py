"""Pages about programme years and partnerships: public year pages, coordinators' pages."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, FormView, ListView

from core.lists import BoundedListMixin
from core.tokens import hash_token
from core.views import ServiceFormMixin
from partners import selectors, services
from partners.forms import EmailPreferencesForm, JoinForm, PartnershipAnswerForm
from partners.models import InvitationError, Partnership, ProgrammeYear
from partners.permissions import coordinated_organisation_ids, coordinates_any, is_programme_manager
from partners.progress import facts_of


class CoordinatorMixin(LoginRequiredMixin):
    """A page for coordinators (and the programme manager) only; to anyone else signed
    in, it does not exist."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not coordinates_any(request.user):
            raise Http404("Not a coordinator")
        return super().dispatch(request, *args, **kwargs)


class ProgrammeYearDetailView(DetailView):
    """A year's public page: its host, its confirmed partners and its key dates."""

    template_name = "partners/programmeyear_detail.html"
    context_object_name = "programme_year"

    def get_object(self, queryset=None):
        return selectors.programme_year_for_public(year=self.kwargs["year"])


class YearListMixin(BoundedListMixin):
    """A bounded list of records that belong to a programme year (at `year_path`),
    offering every year; a view offers fewer by overriding `get_years`."""

    year_path = "year"

    def get_years(self):
        return selectors.year_numbers()

    def filter_year(self, queryset, year):
        # By the year's id, found first: an index on the year can serve the list.
        return queryset.filter(**{f"{self.year_path}_id": selectors.year_id(year)})


class PartnershipListView(LoginRequiredMixin, YearListMixin, ListView):
    """The partnerships of the organisations a coordinator coordinates (every one, for
    the manager), and the years it hosts: a year at a time."""

    template_name = "partners/partnership_list.html"
    context_object_name = "partnerships"
    search_fields = ("organisation__name",)

    def get_queryset(self):
        if is_programme_manager(self.request.user):
            partnerships = selectors.partnerships_with_details().order_by(
                "-year__year", "organisation__name"
            )
        else:
            partnerships = selectors.partnerships_for_coordinator(user=self.request.user)
        return self.narrow(partnerships)

    def get(self, request, *args, **kwargs):
        # Only coordinators (and the manager) have partnerships to see; to
        # anyone else the page does not exist.
        if not coordinates_any(request.user):
            raise Http404("Not a coordinator")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        context = super().get_context_data(**kwargs)
        # The next step depends only on the year and the partnership's status: a page
        # of a year's partnerships has a sentence or two to write, not one a row.
        steps: dict[tuple[int, str], str] = {}
        years: dict[int, ProgrammeYear] = {}
        facts = selectors.facts_by_year({p.year_id for p in context["partnerships"]})
        for partnership in context["partnerships"]:
            # One year read for the rows of that year, its dates formatted once.
            partnership.year = years.setdefault(partnership.year_id, partnership.year)
            key = (partnership.year_id, partnership.status)
            if key not in steps:
                steps[key] = partnership.next_step(today, facts[partnership.year_id])
            partnership.expected_next = steps[key]
        hosted = selectors.years_hosted_for_coordinator(user=self.request.user)
        hosted_years = list(hosted.filter(year=self.chosen["year"]))
        for year in hosted_years:
            year.expected_next = year.next_step(today, facts_of(year))
        context["hosted_years"] = hosted_years
        return context


class PartnershipDetailView(LoginRequiredMixin, ServiceFormMixin, FormView):
    """One partnership: the year's dates, what is expected next, the year's other
    partners; while it is an invitation, the coordinator's answer to it."""

    template_name = "partners/partnership_detail.html"
    form_class = PartnershipAnswerForm

    @cached_property
    def object(self):
        return selectors.partnership_for_coordinator(user=self.request.user, pk=self.kwargs["pk"])

    @cached_property
    def can_answer(self):
        return self.object.status == Partnership.Status.INVITED and (
            self.object.organisation_id in coordinated_organisation_ids(self.request.user)
        )

    def post(self, request, *args, **kwargs):
        if not self.can_answer:
            messages.info(request, _("This invitation is not waiting for your answer."))
            return redirect(self.object.get_absolute_url())
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        return services.partnership_answer(
            partnership=self.object, by=self.request.user, **form.cleaned_data
        )

    def get_success_message(self) -> str:
        if self.result.status == Partnership.Status.ACCEPTED:
            return _(
                "Thank you: you have accepted. The programme manager has been told and will "
                "confirm it."
            )
        return _("You have declined the invitation; the programme manager has been told.")

    def get_success_url(self) -> str:
        return self.object.get_absolute_url()

    def get_context_data(self, **kwargs):
        partnership = self.object
        today = timezone.localdate()
        partners = list(selectors.partners_of_year(year=partnership.year))
        facts = selectors.facts_by_year([partnership.year_id])[partnership.year_id]
        stage, stage_reason = partnership.year.stage_on(today, facts)
        return super().get_context_data(
            expected_next=partnership.next_step(today, facts),
            stage=stage,
            stage_reason=stage_reason,
            partners=partners,
            coordinators=selectors.partnership_coordinators(partnership=partnership),
            partnership=partnership,
            can_answer=self.can_answer,
            **kwargs,
        )


class EmailPreferencesView(LoginRequiredMixin, ServiceFormMixin, FormView):
    """The emails a signed-in person may choose not to get: only their own choice."""

    template_name = "partners/email_preferences.html"
    form_class = EmailPreferencesForm

    def get_initial(self):
        return {"call_emails": self.request.user.call_emails}

    def perform(self, form):
        return services.email_preferences_set(user=self.request.user, **form.cleaned_data)

    def get_success_message(self) -> str:
        if self.result.call_emails:
            return _("Saved: you will be emailed when your organisation opens a call.")
        return _("Saved: you will not be emailed when your organisation opens a call.")

    def get_success_url(self) -> str:
        return reverse("partners:email_preferences")


@method_decorator(never_cache, name="dispatch")
class JoinView(FormView):
    """Someone invited without an account (a supervisor, say) chooses a password,
    through the emailed link alone, and is signed in."""

    template_name = "partners/join.html"
    form_class = JoinForm

    @cached_property
    def invitation(self):
        return selectors.invitation_for_token(token_hash=hash_token(self.kwargs["token"]))

    def dispatch(self, request, *args, **kwargs):
        try:
            services.invitation_refuse_unusable(self.invitation)
        except InvitationError as error:
            return self.render_to_response(
                {"refusal": error.message}, status=404 if self.invitation is None else 410
            )
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.invitation.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(invitation=self.invitation, **kwargs)

    def form_valid(self, form):
        try:
            user = services.invitation_accept(
                token=self.kwargs["token"], password=form.cleaned_data["new_password1"]
            )
        except InvitationError as error:
            return self.render_to_response({"refusal": error.message}, status=410)
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            self.request,
            _("Welcome, %(name)s: you have joined. Sign in next time with %(email)s.")
            % {"name": user.full_name, "email": user.email},
        )
        return redirect(settings.LOGIN_REDIRECT_URL)
