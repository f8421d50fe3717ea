"""Placements in the browser: proposing and approving, the day plan, calendars and
expense claims.

Each view fetches its object through a guarded selector (someone else's record is a
404), and each POST hands its form's cleaned data to one service.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, ListView, TemplateView

from applications import services as application_services
from core.dates import long_date
from core.lists import PagedListMixin
from core.tokens import hash_token
from core.views import ServiceFormMixin, _FormView
from partners.forms import PersonInviteForm
from partners.views import CoordinatorMixin, YearListMixin
from placements import permissions, selectors, services
from placements.forms import (
    ExpenseClaimForm,
    PlacementDecisionForm,
    PlacementForm,
    PlanSessionForm,
)
from placements.ics import placements_calendar
from placements.models import BOOKED_KINDS, Placement
from placements.services import PlacementError


def _warn_about_supervisor(request, placement) -> None:
    for other in services.supervisor_clashes(placement=placement):
        messages.warning(
            request,
            _(
                "%(supervisor)s also supervises %(other)s from %(start)s to %(end)s, at the "
                "same time. Check they can give both their attention."
            )
            % {
                "supervisor": placement.supervisor,
                "other": other.participant,
                "start": long_date(other.start_on),
                "end": long_date(other.end_on),
            },
        )


# --- Participants and supervisors ---------------------------------------------------


class PlacementListView(LoginRequiredMixin, YearListMixin, ListView):
    """The person's own placements and those they supervise, a year at a time."""

    template_name = "placements/placement_list.html"
    context_object_name = "placements"
    search_fields = ("participant__full_name",)

    def get_years(self):
        return selectors.placement_years_for_person(user=self.request.user)

    def get_queryset(self):
        return self.narrow(selectors.placements_for_person(user=self.request.user))


class PlacementMixin(LoginRequiredMixin):
    """A placement the person takes part in, supervises, coordinates or manages."""

    @cached_property
    def placement(self):
        return selectors.placement_for_viewer(user=self.request.user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        user, placement = self.request.user, self.placement
        return super().get_context_data(
            placement=placement,
            can_edit_plan=permissions.can_edit_plan(user, placement),
            can_decide=permissions.can_decide(user, placement),
            can_revise=permissions.can_revise(user, placement),
            can_claim=permissions.can_claim_expenses(user, placement),
            show_access_requirements=permissions.can_read_access_requirements(user, placement),
            **kwargs,
        )


def _access_requirements_read(request, placement) -> None:
    """The page shows the participant's access requirements: who read them is recorded."""
    application_services.access_requirements_read(
        application=placement.application, reader=request.user, where=request.path
    )


class PlacementDetailView(PlacementMixin, TemplateView):
    """A placement's dates, people, plan, record, and for the participant their budget
    and claims."""

    template_name = "placements/placement_detail.html"

    def get_context_data(self, **kwargs):
        placement = self.placement
        is_participant = self.request.user.pk == placement.participant_id
        if permissions.can_read_access_requirements(self.request.user, placement):
            _access_requirements_read(self.request, placement)
        return super().get_context_data(
            claims=selectors.claims_for_placement(placement=placement) if is_participant else None,
            booked_kinds=BOOKED_KINDS,
            is_participant=is_participant,
            clashes=services.supervisor_clashes(placement=placement)
            if permissions.coordinates_placement(self.request.user, placement)
            else [],
            **kwargs,
        )


class PlacementAcceptDatesView(PlacementMixin, ServiceFormMixin, FormView):
    """The participant accepts their placement's dates."""

    template_name = "placements/placement_accept_dates.html"
    form_class = forms.Form
    success_message = gettext_lazy("You have accepted the dates. Thank you.")

    @cached_property
    def placement(self):
        placement = selectors.placement_for_viewer(user=self.request.user, pk=self.kwargs["pk"])
        if placement.participant_id != self.request.user.pk:
            raise Http404("Only the participant accepts the dates")
        return placement

    def perform(self, form):
        return services.placement_accept_dates(placement=self.placement, by=self.request.user)

    def get_success_url(self):
        return self.placement.get_absolute_url()


class PlanView(PlacementMixin, ServiceFormMixin, FormView):
    """The day-by-day plan: everyone concerned reads it; the participant and the host
    supervisor add sessions."""

    template_name = "placements/placement_plan.html"
    form_class = PlanSessionForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "placement": self.placement}

    def post(self, request, *args, **kwargs):
        if not permissions.can_edit_plan(request.user, self.placement):
            raise Http404("Not an editor of this plan")
        return super().post(request, *args, **kwargs)

    success_message = gettext_lazy("The session is added to the plan.")

    def perform(self, form):
        return services.plan_session_add(
            placement=self.placement,
            by=self.request.user,
            day=form.cleaned_data["day"],
            data=form.cleaned_data,
        )

    def get_success_url(self):
        return reverse("placements:placement_plan", kwargs={"pk": self.placement.pk})


class PlanPrintView(PlacementMixin, TemplateView):
    """The plan on paper: the five days and their sessions, without the site around it."""

    template_name = "placements/placement_plan_print.html"


class PlanSessionMixin(LoginRequiredMixin):
    @cached_property
    def placement(self):
        return selectors.placement_for_plan_editor(user=self.request.user, pk=self.kwargs["pk"])

    @cached_property
    def session(self):
        return selectors.session_for_editor(placement=self.placement, pk=self.kwargs["session_pk"])

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.placement.plan_is_editable:
            messages.error(request, _("This placement's plan can no longer change."))
            return redirect("placements:placement_plan", pk=self.placement.pk)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(placement=self.placement, session=self.session, **kwargs)


class PlanSessionUpdateView(PlanSessionMixin, ServiceFormMixin, FormView):
    template_name = "placements/plansession_form.html"
    form_class = PlanSessionForm

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "placement": self.placement,
            "instance": self.session,
        }

    success_message = gettext_lazy("The session is saved.")

    def perform(self, form):
        return services.plan_session_update(
            session=self.session,
            by=self.request.user,
            day=form.cleaned_data["day"],
            data=form.cleaned_data,
        )

    def get_success_url(self):
        return reverse("placements:placement_plan", kwargs={"pk": self.placement.pk})


class PlanSessionDeleteView(PlanSessionMixin, TemplateView):
    template_name = "placements/plansession_confirm_delete.html"

    def post(self, request, *args, **kwargs):
        try:
            services.plan_session_remove(session=self.session, by=request.user)
        except PlacementError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The session is removed from the plan."))
        return redirect("placements:placement_plan", pk=self.placement.pk)


def _ics_response(content: bytes, *, filename: str, inline: bool = False) -> HttpResponse:
    """A calendar file: downloaded, or read in place by a subscribed calendar."""
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


class PlacementCalendarFileView(PlacementMixin, View):
    """The placement's five days as a calendar file."""

    def get(self, request, *args, **kwargs):
        placement = self.placement
        return _ics_response(
            placements_calendar([placement], name=str(placement)),
            filename=f"placement-{placement.pk}.ics",
        )


# --- Expense claims ---------------------------------------------------------------


class ExpenseClaimCreateView(LoginRequiredMixin, ServiceFormMixin, FormView):
    """The participant claims a cost they paid, with its receipt."""

    template_name = "placements/expenseclaim_form.html"
    form_class = ExpenseClaimForm

    @cached_property
    def placement(self):
        return selectors.placement_for_participant(user=self.request.user, pk=self.kwargs["pk"])

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.placement.takes_claims:
            messages.error(request, _("Expenses can be claimed once the placement is confirmed."))
            return redirect(self.placement.get_absolute_url())
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "placement": self.placement}

    def get_context_data(self, **kwargs):
        return super().get_context_data(placement=self.placement, **kwargs)

    success_message = gettext_lazy(
        "Your claim is sent. The programme manager will approve it or ask you about it."
    )

    def perform(self, form):
        return services.expense_claim_submit(
            placement=self.placement,
            by=self.request.user,
            data=form.cleaned_data,
            receipt=form.cleaned_data["receipt"],
        )

    def get_success_url(self):
        return self.placement.get_absolute_url() + "#expenses"


class ExpenseClaimUpdateView(LoginRequiredMixin, ServiceFormMixin, FormView):
    """The participant answers a query: corrects the claim and sends it again."""

    template_name = "placements/expenseclaim_form.html"
    form_class = ExpenseClaimForm

    @cached_property
    def claim(self):
        return selectors.claim_for_participant(user=self.request.user, pk=self.kwargs["pk"])

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.claim.can_transition_to(
            self.claim.Status.SUBMITTED
        ):
            messages.info(request, _("This claim is not waiting for an answer from you."))
            return redirect(self.claim.placement.get_absolute_url() + "#expenses")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instance": self.claim,
            "placement": self.claim.placement,
            "receipt_required": False,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(placement=self.claim.placement, claim=self.claim, **kwargs)

    success_message = gettext_lazy("Your claim is sent again.")

    def perform(self, form):
        return services.expense_claim_resubmit(
            claim=self.claim,
            by=self.request.user,
            data=form.cleaned_data,
            receipt=form.cleaned_data.get("receipt"),
        )

    def get_success_url(self):
        return self.claim.placement.get_absolute_url() + "#expenses"


class ReceiptView(LoginRequiredMixin, View):
    """A receipt, to the participant who claimed and the programme manager alone."""

    def get(self, request, *args, **kwargs):
        claim = selectors.claim_for_receipt(user=request.user, pk=kwargs["pk"])
        if not claim.receipt:
            raise Http404("The receipt was removed by the retention schedule")
        try:
            file = claim.receipt.open("rb")
        except FileNotFoundError:
            raise Http404("The receipt's file is missing") from None
        response = FileResponse(file, as_attachment=True, filename=claim.receipt_name)
        response["Cache-Control"] = "private, no-store"
        return response


# --- Coordinators -----------------------------------------------------------------


class ApprovalQueueView(CoordinatorMixin, PagedListMixin, ListView):
    """Proposals waiting for the coordinator, oldest first, in pages; and the first
    selected people with no placement yet."""

    template_name = "placements/approval_queue.html"
    context_object_name = "placements"

    def get_queryset(self):
        return selectors.approval_queue(user=self.request.user)

    def get_context_data(self, **kwargs):
        user = self.request.user
        context = super().get_context_data(**kwargs)
        for placement in context["placements"]:
            placement.waiting_for_me = permissions.sides_waiting_for(user, placement)
        # The first page, and whether there are more, without counting them all.
        shown = settings.LIST_PAGE_SIZE
        to_place = selectors.awaiting_placement(user=user, most=shown + 1)
        return {**context, "to_place": to_place[:shown], "more_to_place": len(to_place) > shown}


class SupervisorSearchMixin(_FormView):
    """The placement form's list of supervisors, narrowed by the page's search (?q=)."""

    @cached_property
    def search(self) -> str:
        return self.request.GET.get("q", "").strip()

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "search": self.search}

    def get_context_data(self, **kwargs):
        return super().get_context_data(search=self.search, **kwargs)


class PlacementProposeView(LoginRequiredMixin, SupervisorSearchMixin, ServiceFormMixin, FormView):
    """A coordinator of either organisation proposes the supervisor and the first day."""

    template_name = "placements/placement_form.html"
    form_class = PlacementForm

    @cached_property
    def application(self):
        return selectors.application_to_place(user=self.request.user, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "application": self.application}

    def get_initial(self):
        return {"supervisor": self.request.GET.get("supervisor")}

    def get_context_data(self, **kwargs):
        return super().get_context_data(application=self.application, **kwargs)

    def perform(self, form):
        return services.placement_propose(
            application=self.application, by=self.request.user, **form.cleaned_data
        )

    def get_success_message(self):
        return _proposed_message(self.result)

    def succeeded(self):
        _warn_about_supervisor(self.request, self.result)

    def get_success_url(self):
        return reverse("placements:placement_decide", kwargs={"pk": self.result.pk})


class SupervisorInviteView(LoginRequiredMixin, ServiceFormMixin, FormView):
    """A coordinator invites someone at the host who has no account to supervise a
    selected applicant; they are then chosen on the proposal."""

    template_name = "placements/supervisor_invite.html"
    form_class = PersonInviteForm

    @cached_property
    def application(self):
        return selectors.application_to_place(user=self.request.user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            application=self.application, days=settings.ACCOUNT_INVITATION_DAYS, **kwargs
        )

    def perform(self, form):
        return services.supervisor_invite(
            application=self.application, by=self.request.user, **form.cleaned_data
        )

    def get_success_message(self):
        return _(
            "We have emailed %(person)s an invitation to join. They are chosen as the "
            "supervisor below: propose the placement when you are ready."
        ) % {"person": self.result}

    def get_success_url(self):
        url = reverse("placements:placement_propose", kwargs={"pk": self.application.pk})
        return f"{url}?supervisor={self.result.pk}"


def _proposed_message(placement: Placement) -> str:
    dates = {"start": long_date(placement.start_on), "end": long_date(placement.end_on)}
    if placement.status == Placement.Status.CONFIRMED:
        return (
            _(
                "The placement from %(start)s to %(end)s is confirmed, as you coordinate both "
                "organisations, and everyone has been told."
            )
            % dates
        )
    approved, waiting = placement.approved_and_waiting
    return _(
        "The placement from %(start)s to %(end)s is proposed, and so approved for "
        "%(approved)s. %(waiting)s's coordinator has been asked to approve it."
    ) % {**dates, "approved": approved, "waiting": waiting}


class CoordinatorPlacementMixin(LoginRequiredMixin):
    @cached_property
    def placement(self):
        return selectors.placement_for_coordinator(user=self.request.user, pk=self.kwargs["pk"])


class PlacementReviseView(
    CoordinatorPlacementMixin, SupervisorSearchMixin, ServiceFormMixin, FormView
):
    """After changes were asked for: a new supervisor or first day, proposed again."""

    template_name = "placements/placement_form.html"
    form_class = PlacementForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not permissions.can_revise(
            request.user, self.placement
        ):
            messages.info(request, _("This placement is not waiting for changes."))
            return redirect("placements:placement_decide", pk=self.placement.pk)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "application": self.placement.application,
            "placement": self.placement,
        }

    def get_initial(self):
        return {"supervisor": self.placement.supervisor, "start_on": self.placement.start_on}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            application=self.placement.application,
            placement=self.placement,
            **kwargs,
        )

    def get_success_message(self):
        return _proposed_message(self.result)

    def perform(self, form):
        return services.placement_revise(
            placement=self.placement, by=self.request.user, **form.cleaned_data
        )

    def succeeded(self):
        _warn_about_supervisor(self.request, self.result)

    def get_success_url(self):
        return reverse("placements:placement_decide", kwargs={"pk": self.result.pk})


class PlacementDecideView(CoordinatorPlacementMixin, ServiceFormMixin, FormView):
    """A coordinator reads a proposal and approves it, asks for changes or declines it."""

    template_name = "placements/placement_decide.html"
    form_class = PlacementDecisionForm

    @cached_property
    def waiting_sides(self):
        return permissions.sides_waiting_for(self.request.user, self.placement)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "can_approve": bool(self.waiting_sides)}

    def post(self, request, *args, **kwargs):
        if not permissions.can_decide(request.user, self.placement):
            messages.error(request, _("This placement is not waiting for a decision."))
            return redirect("placements:placement_decide", pk=self.placement.pk)
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            placement=self.placement,
            waiting_sides=self.waiting_sides,
            can_decide=permissions.can_decide(self.request.user, self.placement),
            can_revise=permissions.can_revise(self.request.user, self.placement),
            clashes=services.supervisor_clashes(placement=self.placement),
            show_access_requirements=True,
            **kwargs,
        )

    def get(self, request, *args, **kwargs):
        _access_requirements_read(request, self.placement)
        return super().get(request, *args, **kwargs)

    success_url = reverse_lazy("placements:approval_queue")

    def perform(self, form):
        decision = form.cleaned_data["decision"]
        arguments = {"placement": self.placement, "by": self.request.user}
        if decision == form.APPROVE:
            placement = services.placement_approve(**arguments)
            return (
                _("Approved: the placement is confirmed, and everyone has been told.")
                if placement.status == placement.Status.CONFIRMED
                else _("Approved. It is confirmed once the other coordinator approves it.")
            )
        if decision == form.CHANGES:
            services.placement_request_changes(**arguments, note=form.cleaned_data["note"])
            return _("Sent back to the proposer with your note.")
        services.placement_decline(**arguments, reason=form.cleaned_data["note"])
        return _("The placement is declined; both coordinators have been told.")

    def get_success_message(self):
        return self.result


class CalendarView(CoordinatorMixin, YearListMixin, ListView):
    """A year's placements by week, in pages, for the coordinators concerned and the
    manager."""

    template_name = "placements/placement_calendar.html"
    context_object_name = "placements"
    search_fields = ("participant__full_name",)

    def get_years(self):
        return selectors.calendar_years(user=self.request.user)

    def get_queryset(self):
        return self.narrow(selectors.calendar(user=self.request.user))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        return {**context, "weeks": selectors.by_week(context["placements"])}


@method_decorator(never_cache, name="dispatch")
class CalendarFeedView(LoginRequiredMixin, TemplateView):
    """The person's private calendar address: made, reset or removed."""

    template_name = "placements/calendarfeed.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            feed=selectors.calendar_feed_of(user=self.request.user), **kwargs
        )

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "remove":
            services.calendar_feed_remove(user=request.user)
            messages.success(request, _("Your calendar address is removed and no longer works."))
            return redirect("placements:calendar_feed")
        token = services.calendar_feed_reset(user=request.user)
        feed_url = request.build_absolute_uri(
            reverse("placements:calendar_feed_file", kwargs={"token": token})
        )
        return self.render_to_response(self.get_context_data(feed_url=feed_url))


class CalendarFeedFileView(View):
    """The calendar that a calendar application subscribes to, reached by its secret
    address alone (calendar applications cannot sign in)."""

    def get(self, request, *args, **kwargs):
        found = selectors.placements_for_feed(token_hash=hash_token(kwargs["token"]))
        if found is None:
            raise Http404("No such calendar")
        user, placements = found
        name = f"{settings.PROGRAMME_NAME}: {user}"
        response = _ics_response(
            placements_calendar(placements, name=name), filename="calendar.ics", inline=True
        )
        response["X-Robots-Tag"] = "noindex"
        return response
