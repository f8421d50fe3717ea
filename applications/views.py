"""Calls, applications, endorsements and decisions in the browser.

Each view fetches its object through a guarded selector (someone else's record is a
404), and each POST hands its form's cleaned data to one service.
"""

from typing import cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.generic import DetailView, FormView, ListView, TemplateView, View

from applications import selectors, services
from applications.forms import (
    ApplicationForm,
    AssignForm,
    CallGuidanceForm,
    ConflictForm,
    DecisionForm,
    EndorsementForm,
    EndorsementResendForm,
    HostResponseForm,
    ModerateForm,
    PanelSettingsForm,
    PlaceForm,
    ReaderAddForm,
    ReviewFilterForm,
    RubricForm,
    ScoresForm,
    WithdrawForm,
)
from applications.models import APPLICANT_ANSWERS, Application
from applications.permissions import can_read_access_requirements
from applications.services import ApplicationError, EndorsementError
from core.csv_export import csv_response
from core.dates import long_datetime
from core.errors import refusals_on
from core.lists import PagedListMixin, PageFirstPaginator
from core.tokens import hash_token
from core.views import ServiceFormMixin
from partners.models import User
from partners.permissions import is_member
from partners.views import CoordinatorMixin, YearListMixin

Status = Application.Status


# --- Public pages ------------------------------------------------------------------


class CallListView(TemplateView):
    """The calls open now and opening soon, for anyone to read."""

    template_name = "applications/call_list.html"

    def get_context_data(self, **kwargs):
        open_calls, upcoming_calls = selectors.public_calls()
        return super().get_context_data(
            open_calls=open_calls, upcoming_calls=upcoming_calls, **kwargs
        )


class CallDetailView(DetailView):
    """One call: its dates, who may apply, where to, and how."""

    template_name = "applications/call_detail.html"
    context_object_name = "call"

    def get_object(self, queryset=None):
        return selectors.call_for_public(pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        user = self.request.user
        call = self.object
        own_application = member = None
        if user.is_authenticated:
            own_application = selectors.application_to(call=call, user=user)
            member = is_member(user, call.organisation_id)
        return super().get_context_data(own_application=own_application, is_member=member, **kwargs)


# --- The applicant ------------------------------------------------------------------


class ApplicationStartView(LoginRequiredMixin, DetailView):
    """Start an application: GET says what will happen, POST makes the draft."""

    template_name = "applications/application_start.html"
    context_object_name = "call"

    def get_object(self, queryset=None):
        return selectors.call_for_public(pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        existing = selectors.application_to(call=self.object, user=request.user)
        if existing:
            messages.info(request, _("You have already applied to this call: here it is."))
            return redirect(existing)
        if not is_member(request.user, self.object.organisation_id):
            return self._render(
                _(
                    "This call is for staff of %(organisation)s. You can apply only to your "
                    "own organisation's call."
                )
                % {"organisation": self.object.organisation},
                status=403,
            )
        if not self.object.is_open():
            return self._render(
                _("This call is not open: it runs from %(opens)s to %(closes)s.")
                % {
                    "opens": long_datetime(self.object.opens_at),
                    "closes": long_datetime(self.object.closes_at),
                }
            )
        return self._render(None)

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        try:
            application = services.application_start(call=self.object, applicant=request.user)
        except ApplicationError as error:
            existing = selectors.application_to(call=self.object, user=request.user)
            if existing:
                messages.info(request, error.message)
                return redirect(existing)
            return self._render(error.message, status=400)
        messages.success(
            request,
            _("Your draft is started. Save it as often as you like, and submit when ready."),
        )
        return redirect("applications:application_update", pk=application.pk)

    def _render(self, refusal: str | None, status: int = 200):
        context = self.get_context_data(object=self.object, refusal=refusal)
        return self.render_to_response(context, status=status)


class ApplicationListView(LoginRequiredMixin, ListView):
    """The applicant's dashboard: each application, its decision and what happens next,
    and their organisation's open calls they have not applied to."""

    template_name = "applications/application_list.html"
    context_object_name = "applications"

    def get_queryset(self):
        return selectors.applications_for_applicant(user=self.request.user)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            calls=list(selectors.calls_for_staff(user=self.request.user)), **kwargs
        )


def _access_requirements_shown(request, application: Application) -> bool:
    """Whether the page shows the applicant's access requirements; when it does, and
    they wrote some, who read them is recorded."""
    shown = can_read_access_requirements(request.user, application)
    if shown:
        services.access_requirements_read(
            application=application, reader=request.user, where=request.path
        )
    return shown


class ApplicantObjectMixin(LoginRequiredMixin):
    request: HttpRequest
    kwargs: dict

    @cached_property
    def application(self) -> Application:
        user = cast(User, self.request.user)  # signed in: LoginRequiredMixin
        return selectors.application_for_applicant(user=user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(application=self.application, **kwargs)


class ApplicationDetailView(ApplicantObjectMixin, TemplateView):
    """The applicant's own application: its status, decision, endorsement and answers."""

    template_name = "applications/application_detail.html"


class ApplicationUpdateView(ApplicantObjectMixin, ServiceFormMixin, FormView):
    """Edit a draft: save it as often as wanted, and submit when it is complete."""

    template_name = "applications/application_form.html"
    form_class = ApplicationForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.application.is_draft:
            messages.error(
                request,
                _("This application has been submitted, so it can no longer be changed."),
            )
            return redirect(self.application)
        return super().dispatch(request, *args, **kwargs)

    @property
    def submitting(self) -> bool:
        return self.request.POST.get("action") == ApplicationForm.SUBMIT

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instance": self.application,
            "submitting": self.submitting,
        }

    def perform(self, form):
        data = {name: form.cleaned_data[name] for name in APPLICANT_ANSWERS if name in form.fields}
        with transaction.atomic():
            application = services.application_save_draft(
                application=self.application, by=self.request.user, data=data
            )
            if self.submitting:
                services.application_submit(application=application, by=self.request.user)

    def get_success_message(self):
        if self.submitting:
            return _(
                "Your application is submitted. We have emailed your line manager to "
                "endorse it, and sent you a copy."
            )
        return _("Your draft is saved. You can come back to it at any time.")

    def get_success_url(self):
        if self.submitting:
            return self.application.get_absolute_url()
        return reverse("applications:application_update", kwargs={"pk": self.application.pk})

    def form_invalid(self, form):
        messages.error(
            self.request,
            _("Nothing was saved. Correct the answers marked below.")
            if not self.submitting
            else _(
                "Your application is not submitted yet, and nothing was saved: answer the "
                "questions marked below, or save it as a draft."
            ),
        )
        return super().form_invalid(form)


class ApplicationWithdrawView(ApplicantObjectMixin, ServiceFormMixin, FormView):
    template_name = "applications/application_withdraw.html"
    form_class = WithdrawForm

    success_message = gettext_lazy("Your application is withdrawn.")

    def perform(self, form):
        return services.application_withdraw(
            application=self.application, by=self.request.user, note=form.cleaned_data["note"]
        )

    def get_success_url(self):
        return self.application.get_absolute_url()


class ApplicationPlaceView(ApplicantObjectMixin, ServiceFormMixin, FormView):
    """The person selected accepts or declines their place, by its deadline."""

    template_name = "applications/application_place.html"
    form_class = PlaceForm

    def perform(self, form):
        if form.cleaned_data["answer"] == "accept":
            return services.place_accept(application=self.application, by=self.request.user)
        return services.place_decline(
            application=self.application, by=self.request.user, note=form.cleaned_data["note"]
        )

    def get_success_message(self):
        if self.result.place_answer == Application.PlaceAnswer.ACCEPTED:
            return _("You have accepted your place. Your coordinator will be in touch to plan it.")
        return _("You have declined your place. Thank you for telling us.")

    def get_success_url(self):
        return self.application.get_absolute_url()


class EndorsementResendView(ApplicantObjectMixin, ServiceFormMixin, FormView):
    """Send the line manager the endorsement link again, perhaps to a corrected address."""

    template_name = "applications/endorsement_resend.html"
    form_class = EndorsementResendForm

    def get_initial(self):
        return {
            "line_manager_name": self.application.line_manager_name,
            "line_manager_email": self.application.line_manager_email,
        }

    def perform(self, form):
        return services.endorsement_resend(
            application=self.application, by=self.request.user, **form.cleaned_data
        )

    def get_success_message(self):
        return _("We have emailed %(email)s a new link; the old one no longer works.") % {
            "email": self.result.line_manager_email
        }

    def get_success_url(self):
        return self.application.get_absolute_url()


# --- The line manager -----------------------------------------------------------------


@method_decorator(never_cache, name="dispatch")
class EndorseView(FormView):
    """The line manager's page, reached by the emailed link alone: no account needed.
    It shows someone's application, so no cache may keep it."""

    template_name = "applications/endorsement_form.html"
    form_class = EndorsementForm

    @cached_property
    def endorsement(self):
        return selectors.endorsement_for_token(token_hash=hash_token(self.kwargs["token"]))

    def dispatch(self, request, *args, **kwargs):
        try:
            services.endorsement_refuse_unusable(self.endorsement)
        except EndorsementError as error:
            return self.render_to_response(
                {"refusal": error.message}, status=404 if self.endorsement is None else 410
            )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            endorsement=self.endorsement, application=self.endorsement.application, **kwargs
        )

    def form_valid(self, form):
        try:
            services.endorsement_give(
                token=self.kwargs["token"],
                endorsed=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
            )
        except EndorsementError as error:
            return self.render_to_response({"refusal": error.message}, status=410)
        return self.response_class(
            request=self.request,
            template="applications/endorsement_done.html",
            context={"endorsed": form.cleaned_data["decision"]},
            using=self.template_engine,
        )


# --- Coordinators ----------------------------------------------------------------


class CoordinatorCallListView(CoordinatorMixin, YearListMixin, ListView):
    """The calls of the coordinator's organisations (every one, for the manager), with
    their applications counted, a year at a time."""

    template_name = "applications/call_list_coordinator.html"
    context_object_name = "calls"
    search_fields = ("organisation__name",)

    def get_queryset(self):
        return self.narrow(selectors.calls_for_coordinator(user=self.request.user))


class SelectionReportView(CoordinatorMixin, YearListMixin, ListView):
    """How selection went in each call of a year: the readers' agreement, conflicts
    declared, the time to decide and to release, with the scores to download; the
    manager reads every call, with the year's totals."""

    template_name = "applications/selection_report.html"
    context_object_name = "calls"
    search_fields = ("organisation__name",)

    def get_queryset(self):
        return self.narrow(selectors.calls_for_report(user=self.request.user))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        calls = selectors.selection_report(calls=list(context["calls"]))
        context.update(
            calls=calls,
            threshold=settings.SELECTION_DISAGREEMENT_POINTS,
            totals=selectors.selection_totals(calls),
        )
        return context


class CoordinatorCallMixin(LoginRequiredMixin):
    @cached_property
    def call(self):
        return selectors.call_for_coordinator(user=self.request.user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(call=self.call, **kwargs)


class CallScoresCsvView(CoordinatorCallMixin, View):
    """Every reader's scores and comments for a call, as a spreadsheet (private)."""

    def get(self, request, *args, **kwargs):
        call = self.call
        return csv_response(
            filename=f"scores-{call.organisation.slug}-{call.year.year}.csv",
            rows=selectors.scores_rows(call=call),
            private=True,
        )


class CallUpdateView(CoordinatorCallMixin, FormView):
    """The coordinator rewrites who may apply and the guidance for their call."""

    template_name = "applications/call_form.html"
    form_class = CallGuidanceForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.call}

    def form_valid(self, form):
        services.call_update_guidance(call=self.call, by=self.request.user, **form.cleaned_data)
        messages.success(self.request, _("The call's guidance is saved."))
        return redirect("applications:call_review", pk=self.call.pk)


class CallReviewView(CoordinatorCallMixin, PagedListMixin, ListView):
    """A call's submitted applications, filtered by status and destination, by date."""

    template_name = "applications/call_review.html"
    context_object_name = "applications"

    @cached_property
    def filter_form(self):
        return ReviewFilterForm(self.request.GET or None, call=self.call)

    def get_queryset(self):
        filters = self.filter_form.cleaned_data if self.filter_form.is_valid() else {}
        return selectors.applications_for_review(
            call=self.call,
            status=filters.get("status", ""),
            destination=filters.get("destination"),
            ordering=filters.get("ordering") or "submitted",
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(
            filter_form=self.filter_form,
            capacity=selectors.destination_capacity(call=self.call),
            **kwargs,
        )
        selectors.add_reader_agreement(context["applications"])
        return context


class ApplicationReviewView(LoginRequiredMixin, ServiceFormMixin, FormView):
    """The coordinator reads an application and decides: shortlist, select, reserve or
    decline with a reason."""

    template_name = "applications/application_review.html"
    form_class = DecisionForm

    @cached_property
    def application(self):
        return selectors.application_for_coordinator(user=self.request.user, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "application": self.application}

    @cached_property
    def readings(self):
        return selectors.readings_of(application=self.application)

    def get_initial(self):
        # The applicant's feedback starts from what the readers wrote, to edit.
        comments = [r.comment for r in self.readings if r.is_submitted and r.comment]
        return {"reason": self.application.decision_reason or "\n\n".join(comments)}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            application=self.application,
            readings=self.readings,
            show_access_requirements=_access_requirements_shown(self.request, self.application),
            **kwargs,
        )

    def perform(self, form):
        decision = form.cleaned_data["decision"]
        arguments = {"application": self.application, "by": self.request.user}
        if decision == Status.SELECTED:
            services.application_select(
                **arguments,
                destination=form.cleaned_data["destination"],
                without_endorsement=form.cleaned_data.get("without_endorsement", False),
            )
        elif decision == Status.DECLINED:
            services.application_decline(**arguments, reason=form.cleaned_data["reason"])
        elif decision == Status.RESERVE:
            services.application_reserve(**arguments)
        else:
            services.application_shortlist(**arguments)
        return decision

    def get_success_message(self):
        if self.result == Status.SHORTLISTED:
            message = _(
                "%(applicant)s: %(decision)s. The shortlist is internal: they are not told."
            )
        elif self.application.call.decisions_released:
            message = _("%(applicant)s: %(decision)s. We have emailed them.")
        else:
            message = _(
                "%(applicant)s: %(decision)s, as a draft. Applicants hear together when you "
                "release the call's decisions, after it closes."
            )
        return message % {
            "applicant": self.application.applicant,
            "decision": Status(self.result).label.lower(),
        }

    def get_success_url(self):
        return reverse("applications:call_review", kwargs={"pk": self.application.call_id})


class CallReleaseView(CoordinatorCallMixin, PagedListMixin, ListView):
    """A call's drafted decisions, as applicants will read them: how many of each, the
    email each kind receives, and who gets which; then released together."""

    template_name = "applications/call_release.html"
    context_object_name = "applications"

    def get_queryset(self):
        return selectors.decisions_to_release(call=self.call)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            counts=selectors.release_counts(call=self.call),
            samples=[
                (application, services.decision_email_preview(application))
                for application in selectors.release_samples(call=self.call)
            ],
            form=kwargs.pop("form", None) or forms.Form(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = forms.Form(request.POST)
        if form.is_valid():
            with refusals_on(form):
                told = services.call_release_decisions(call=self.call, by=request.user)
        if form.is_valid():
            messages.success(
                request,
                ngettext(
                    "%(count)s decision released: the applicant has been emailed.",
                    "%(count)s decisions released: each applicant has been emailed.",
                    len(told),
                )
                % {"count": len(told)},
            )
            return redirect("applications:call_review", pk=self.call.pk)
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form))


class HostingListView(CoordinatorMixin, YearListMixin, ListView):
    """The people selected to come to the coordinator's organisation, a year at a time."""

    template_name = "applications/hosting_list.html"
    context_object_name = "applications"
    search_fields = ("applicant__full_name",)
    year_path = "call__year"

    def get_queryset(self):
        return self.narrow(selectors.applications_coming_to(user=self.request.user))


class HostingDetailView(LoginRequiredMixin, ServiceFormMixin, FormView):
    """The destination's coordinator reads who is coming, and agrees to host or raises
    a concern."""

    template_name = "applications/hosting_detail.html"
    form_class = HostResponseForm

    @cached_property
    def application(self):
        return selectors.application_for_host(user=self.request.user, pk=self.kwargs["pk"])

    def get_initial(self):
        return {
            "response": self.application.host_response,
            "note": self.application.host_response_note,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            application=self.application,
            show_access_requirements=_access_requirements_shown(self.request, self.application),
            **kwargs,
        )

    success_url = reverse_lazy("applications:hosting_list")

    def perform(self, form):
        return services.application_host_respond(
            application=self.application,
            by=self.request.user,
            agreed=form.cleaned_data["response"] == Application.HostResponse.AGREED,
            note=form.cleaned_data["note"],
        )

    def get_success_message(self):
        if self.result.host_response == Application.HostResponse.AGREED:
            return _("Thank you: the home coordinator has been told you agree to host.")
        return _("Your concern has been sent to the home coordinator.")


# --- Reading for a call's panel ----------------------------------------------------------


class ReadingListView(LoginRequiredMixin, PagedListMixin, ListView):
    """The applications given to the person to read, across the calls they read for."""

    template_name = "applications/reading_list.html"
    context_object_name = "assignments"

    def get_queryset(self):
        return selectors.assignments_of(user=self.request.user)


class ReadingView(LoginRequiredMixin, ServiceFormMixin, FormView):
    """One application to read: first the reader says whether they have a conflict
    with the applicant (named, so that they can); then they read it (anonymised, if
    the call's first pass is) and score each criterion, as a draft or submitted."""

    template_name = "applications/reading.html"

    @cached_property
    def assignment(self):
        return selectors.assignment_of(user=self.request.user, pk=self.kwargs["pk"])

    @cached_property
    def rubric(self):
        return services.call_rubric(call=self.assignment.application.call)

    def get_form_class(self):
        return ConflictForm if not self.assignment.is_declared else ScoresForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.assignment.is_declared:
            scores = {s.criterion_id: s for s in self.assignment.scores.all()}
            kwargs["rubric"] = self.rubric
            kwargs["initial"] = {
                "comment": self.assignment.comment,
                **{f"score_{pk}": s.score for pk, s in scores.items()},
                **{f"note_{pk}": s.comment for pk, s in scores.items()},
            }
        return kwargs

    def get_context_data(self, **kwargs):
        application = self.assignment.application
        return super().get_context_data(
            assignment=self.assignment,
            application=application,
            rubric=self.rubric if self.assignment.is_declared else None,
            scores=self.assignment.scores.select_related("criterion").order_by(
                "criterion__position", "pk"
            )
            if self.assignment.is_submitted
            else None,
            anonymised=application.call.anonymised,
            **kwargs,
        )

    def perform(self, form):
        self.declaring = not self.assignment.is_declared
        if self.declaring:
            return services.conflict_declare(
                assignment=self.assignment,
                by=self.request.user,
                conflict=form.cleaned_data["conflict"],
                note=form.cleaned_data["note"],
            )
        return services.scores_save(
            assignment=self.assignment,
            by=self.request.user,
            scores=form.scores(),
            comment=form.cleaned_data["comment"],
            submit="submit" in self.request.POST,
        )

    def get_success_message(self):
        if self.result.state == self.result.State.CONFLICT:
            return _("Thank you. The application goes to another reader.")
        if self.declaring:
            return _("You have no conflict: read the application and score it.")
        if not self.result.is_submitted:
            return _("Your scores are saved as a draft.")
        return _("Your scores are submitted. Thank you.")

    def get_success_url(self):
        if self.result.state == self.result.State.CONFLICT or self.result.is_submitted:
            return reverse("applications:reading_list")
        return reverse("applications:reading", kwargs={"pk": self.result.pk})


class CallRubricView(CoordinatorCallMixin, ServiceFormMixin, FormView):
    """The coordinator adjusts their call's criteria (a copy of the programme's
    default) until the first reader scores; then the page shows them, read-only."""

    template_name = "applications/call_rubric.html"
    form_class = RubricForm
    success_message = gettext_lazy("The call's criteria are saved.")

    @cached_property
    def rubric(self):
        rubric = services.call_rubric(call=self.call)
        prefetch_related_objects([rubric], "criteria")  # read once, by the form and the page
        return rubric

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "rubric": self.rubric}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            rubric=self.rubric,
            criteria=[(c, c.descriptors(self.rubric.scale)) for c in self.rubric.criteria.all()],
            locked=services.scoring_begun(self.call),
            **kwargs,
        )

    def perform(self, form):
        return services.rubric_update(
            call=self.call,
            by=self.request.user,
            scale=form.cleaned_data["scale"],
            criteria=form.criteria,
        )

    def get_success_url(self):
        return reverse("applications:call_panel", args=[self.call.pk])


class CallPanelView(CoordinatorCallMixin, TemplateView):
    """The coordinator's panel for a call: how it is read, its readers (added from the
    call's organisation and destinations, found by a search), and who reads which
    application, assigned automatically and changed by hand. Each form posts its
    `action`; a refused one is shown again with what was chosen."""

    template_name = "applications/call_panel.html"
    # Each action, with the context name of its form (the others post no fields).
    ACTIONS = {
        "settings": "settings_form",
        "add_reader": "reader_form",
        "assign": "assign_form",
        "remove_reader": "action_form",
        "balance": "action_form",
        "unassign": "action_form",
    }

    @cached_property
    def search(self) -> str:
        return self.request.GET.get("q", "").strip()

    @cached_property
    def panel(self) -> dict:
        return selectors.call_panel(call=self.call)

    @cached_property
    def page_obj(self):
        """A page of the call's applications with their readers (page_query keeps the
        search for the page links)."""
        paginator = PageFirstPaginator(
            selectors.applications_to_assign(call=self.call), settings.LIST_PAGE_SIZE
        )
        return paginator.get_page(self.request.GET.get("page"))

    def forms(self, data=None, action: str = "") -> dict:
        readers = self.panel["readers"]
        return {
            "settings_form": PanelSettingsForm(
                data if action == "settings" else None, instance=self.call
            ),
            "reader_form": ReaderAddForm(
                data if action == "add_reader" else None,
                organisation_ids=self.call.reader_organisation_ids(),
                readers=readers,
                search=self.search,
            ),
            "assign_form": AssignForm(
                data if action == "assign" else None,
                applications=selectors.applications_to_assign(call=self.call),
                readers=readers,
            ),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **{
                **self.panel,
                **self.forms(),
                "applications": self.page_obj.object_list,
                "page_obj": self.page_obj,
                "paginator": self.page_obj.paginator,
                "is_paginated": self.page_obj.has_other_pages(),
                "page_query": self._page_query(),
                "rubric": services.call_rubric(call=self.call),
                "search": self.search,
                **kwargs,
            }
        )

    def _page_query(self) -> str:
        query = self.request.GET.copy()
        query.pop("page", None)
        return query.urlencode()

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action", "")
        if action not in self.ACTIONS:
            return redirect(request.path)
        name = self.ACTIONS[action]
        form = self.forms(request.POST, action).get(name) or forms.Form(request.POST)
        if form.is_valid():
            with refusals_on(form):
                message = self.perform(action, form)
            if form.is_valid():
                messages.success(request, message)
                return redirect(request.get_full_path())
        return self.render_to_response(self.get_context_data(**{name: form, "form": form}))

    def perform(self, action: str, form) -> str:
        by, post = cast(User, self.request.user), self.request.POST
        if action == "settings":
            services.call_panel_update(call=self.call, by=by, **form.cleaned_data)
            return _("How the call is read is saved.")
        if action == "add_reader":
            membership = form.cleaned_data["membership"]
            services.reader_add(
                call=self.call, user=membership.user, organisation=membership.organisation, by=by
            )
            return _("%(person)s reads for the call now.") % {"person": membership.user}
        if action == "remove_reader":
            reader = selectors.reader_of(call=self.call, pk=post.get("reader"))
            services.reader_remove(reader=reader, by=by)
            return _("%(person)s no longer reads for the call.") % {"person": reader.user}
        if action == "balance":
            made = services.assignments_balance(call=self.call, by=by)
            return ngettext(
                "%(count)s application given to a reader. Each reader is emailed.",
                "%(count)s applications given to readers. Each reader is emailed.",
                len(made),
            ) % {"count": len(made)}
        if action == "assign":
            services.assignment_add(
                application=form.cleaned_data["application"],
                reader=form.cleaned_data["reader"],
                by=by,
            )
            return _("%(person)s reads it now.") % {"person": form.cleaned_data["reader"]}
        application = selectors.application_to_assign(call=self.call, pk=post.get("application"))
        assignment = selectors.assignment_on(application=application, pk=post.get("assignment"))
        services.assignment_remove(assignment=assignment, by=by)
        return _("%(person)s no longer reads it.") % {"person": assignment.reader}


class ApplicationModerateView(LoginRequiredMixin, ServiceFormMixin, FormView):
    """The coordinator adjusts an application's score, with a reason, or takes the
    adjustment back; the call's ranking then uses it."""

    template_name = "applications/application_moderate.html"
    form_class = ModerateForm

    @cached_property
    def application(self):
        return selectors.application_for_coordinator(user=self.request.user, pk=self.kwargs["pk"])

    def get_initial(self):
        return {
            "score": self.application.moderated_score,
            "reason": self.application.moderation_reason,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(application=self.application, **kwargs)

    def perform(self, form):
        return services.application_moderate(
            application=self.application,
            by=cast(User, self.request.user),
            score=form.cleaned_data["score"],
            reason=form.cleaned_data["reason"],
        )

    def get_success_message(self):
        if self.result.moderated_score is None:
            return _("The readers' mean ranks %(applicant)s's application again.") % {
                "applicant": self.application.applicant
            }
        return _("The moderated score is saved, with your reason.")

    def get_success_url(self):
        return reverse("applications:application_review", kwargs={"pk": self.application.pk})
