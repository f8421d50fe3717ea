"""Evaluations in the browser: each person's list of what to answer, and each form.

Each view fetches its placement through a guarded selector (someone else's is a 404),
and each POST hands its form's cleaned data to one service.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, ListView, TemplateView

from core.csv_export import csv_response
from core.views import ServiceFormMixin
from evaluations import permissions, selectors, services
from evaluations.forms import ReportFilterForm, ResponseForm, TestimonialForm
from evaluations.models import Instrument
from evaluations.reports import csv_rows
from partners.permissions import is_programme_manager
from partners.selectors import year_numbers
from partners.views import YearListMixin
from placements import selectors as placement_selectors


class EvaluationListView(LoginRequiredMixin, YearListMixin, ListView):
    """The evaluations a person answers, placement by placement, with what is open, a
    year at a time (this year's first)."""

    template_name = "evaluations/response_list.html"
    context_object_name = "placements"

    def get_years(self):
        return placement_selectors.placement_years_for_person(user=self.request.user)

    def get_queryset(self):
        return self.narrow(selectors.placements_to_evaluate(user=self.request.user))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        for placement in context["placements"]:
            placement.evaluations = services.evaluations_of(placement=placement, user=user)
        return context


class ResponseFormView(LoginRequiredMixin, ServiceFormMixin, FormView):
    """One instrument for one placement: saved as a draft as often as needed, then
    submitted; once submitted, shown as it was."""

    template_name = "evaluations/response_form.html"
    form_class = ResponseForm

    @cached_property
    def placement(self):
        return selectors.placement_to_evaluate(user=self.request.user, pk=self.kwargs["pk"])

    @cached_property
    def instrument(self) -> str:
        instrument = self.kwargs["instrument"]
        if instrument not in Instrument.values:
            raise Http404("No such evaluation")
        if not permissions.can_answer(self.request.user, self.placement, instrument):
            raise Http404("Someone else answers this evaluation")
        return instrument

    @cached_property
    def response(self):
        return selectors.response_to(placement=self.placement, instrument=self.instrument)

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.instrument  # noqa: B018 (a 404 before anything else)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["instrument"] = self.instrument
        kwargs["submitting"] = self.request.POST.get("action") == ResponseForm.SUBMIT
        if self.response:
            kwargs["instance"] = self.response
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            placement=self.placement,
            instrument=Instrument(self.instrument),
            response=self.response,
            why_not_open=services.why_not_open(
                placement=self.placement, instrument=self.instrument
            ),
            **kwargs,
        )

    success_url = reverse_lazy("evaluations:response_list")

    def perform(self, form):
        self.submitted = form.submitting
        return services.response_save(
            placement=self.placement,
            instrument=self.instrument,
            by=self.request.user,
            data=form.cleaned_data,
            submit=form.submitting,
        )

    def get_success_message(self):
        if self.submitted:
            return _("Thank you: your answers are submitted.")
        return _("Your answers are saved. Come back to finish and submit them.")


# --- Testimonials ------------------------------------------------------------------


class TestimonialListView(LoginRequiredMixin, TemplateView):
    """The person's testimonials with where each stands, and their completed placements
    they can write about."""

    template_name = "evaluations/testimonial_list.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            testimonials=selectors.testimonials_of(user=user),
            placements=selectors.completed_placements_of(user=user),
            **kwargs,
        )


class TestimonialCreateView(LoginRequiredMixin, ServiceFormMixin, FormView):
    """The participant offers a quote or case study, and agrees to its publication."""

    template_name = "evaluations/testimonial_form.html"
    form_class = TestimonialForm

    @cached_property
    def placement(self):
        return selectors.completed_placement_of(user=self.request.user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(placement=self.placement, **kwargs)

    success_url = reverse_lazy("evaluations:testimonial_list")
    success_message = gettext_lazy(
        "Thank you. The programme manager will read it before it is published."
    )

    def perform(self, form):
        return services.testimonial_offer(
            placement=self.placement, by=self.request.user, **form.cleaned_data
        )


class TestimonialWithdrawView(LoginRequiredMixin, TemplateView):
    """The author withdraws consent; a published testimonial comes down at once."""

    template_name = "evaluations/testimonial_withdraw.html"

    @cached_property
    def testimonial(self):
        return selectors.testimonial_of(user=self.request.user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(testimonial=self.testimonial, **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            services.testimonial_withdraw_consent(testimonial=self.testimonial, by=request.user)
        except services.EvaluationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("Your consent is withdrawn: your words are not on any public page.")
            )
        return redirect("evaluations:testimonial_list")


# --- Reports ---------------------------------------------------------------------------


class ReportMixin(LoginRequiredMixin):
    """The report the person asked for: the programme manager's on any year and any or
    every organisation; a coordinator's on their own organisations only, with small
    groups withheld. Anyone else, or another organisation, is a 404."""

    def get_report(self):
        user = self.request.user
        everyone = is_programme_manager(user)
        organisations = selectors.report_organisations(user=user)
        data = self.request.GET.copy()
        if not everyone and not data.get("organisation"):
            first = organisations.first()
            if first is None:
                raise Http404("No report for this person")
            data["organisation"] = first.pk
        form = ReportFilterForm(
            data, years=year_numbers(), organisations=organisations, everyone=everyone
        )
        if not form.is_valid():
            if "organisation" in form.errors:
                raise Http404("No such organisation for this person")
            return form, None
        if not permissions.can_read_report(user, form.cleaned_data["organisation"]):
            raise Http404("No report for this person")
        report = selectors.report(
            year=form.cleaned_data["year"],
            organisation=form.cleaned_data["organisation"],
            min_group=1 if everyone else settings.EVALUATION_MIN_GROUP,
        )
        return form, report


class ReportView(ReportMixin, TemplateView):
    template_name = "evaluations/report.html"

    def get_context_data(self, **kwargs):
        form, report = self.get_report()
        return super().get_context_data(form=form, report=report, **kwargs)


class ReportExportView(ReportMixin, TemplateView):
    """The same tables as the page, as CSV."""

    template_name = "evaluations/report.html"

    def get(self, request, *args, **kwargs):
        form, report = self.get_report()
        if report is None:
            return self.render_to_response({"form": form, "report": None}, status=400)
        year = form.cleaned_data["year"] or "all-years"
        organisation = form.cleaned_data["organisation"]
        name = f"evaluation-report-{year}-{organisation.slug if organisation else 'all'}.csv"
        return csv_response(filename=name, rows=csv_rows(report))
