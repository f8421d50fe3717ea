from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from core.admin import DecisionAdminMixin, ReadOnlyInline, StatusChangeInline, year_filter
from core.money import pounds
from placements import selectors, services
from placements.forms import CancelForm, CompletionForm, QueryForm
from placements.models import (
    BudgetLine,
    ExpenseClaim,
    ExpenseClaimStatusChange,
    Placement,
    PlacementStatusChange,
)


class BudgetLineInline(admin.TabularInline):
    """The manager sets what is set aside for each kind of cost, and what was booked:
    travel and accommodation are booked by the programme unless a claim is allowed."""

    model = BudgetLine
    extra = 0
    fields = ["kind", "amount", "note", "claimed"]


class PlacementRecordInline(StatusChangeInline):
    model = PlacementStatusChange
    fields = ("at", "action", "from_status", "to_status", "by", "note")


class ClaimAmountMixin:
    """A claim's amount as money is shown everywhere (£1,234.50)."""

    @admin.display(description=gettext_lazy("amount"), ordering="amount")
    def amount_claimed(self, claim) -> str:
        if claim.amount is None:  # a row a tampered form added: nothing to show
            return "—"
        return pounds(claim.amount)


class ClaimInline(ClaimAmountMixin, ReadOnlyInline):
    model = ExpenseClaim
    fields = ["kind", "description", "amount_claimed", "status", "decide_link"]

    @admin.display(description=gettext_lazy("decide"))
    def decide_link(self, claim):
        if claim.pk is None:  # a row a tampered form added: nothing to open
            return "—"
        url = reverse("admin:placements_expenseclaim_decide", args=[claim.pk])
        return format_html('<a href="{}">{}</a>', url, _("Open"))


PLACEMENT_FIELDS = (
    "year",
    "participant",
    "home",
    "host",
    "supervisor",
    "start_on",
    "end_on",
    "status",
    "proposed_by",
    "proposed_at",
    "home_approved_by",
    "home_approved_at",
    "host_approved_by",
    "host_approved_at",
    "decision_note",
)


@admin.register(Placement)
class PlacementAdmin(DecisionAdminMixin, SimpleHistoryAdmin):
    """Placements are proposed and approved by the coordinators in the browser; the
    manager sets budgets and may cancel."""

    list_display = [
        "participant",
        "home",
        "host",
        "start_on",
        "end_on",
        "status",
        "budgeted",
        "approved",
        "waiting",
    ]
    # Organisations are found by searching, not listed (there are hundreds).
    list_filter = [year_filter("year"), "status"]
    search_fields = [
        "participant__full_name",
        "participant__email",
        "supervisor__full_name",
        "home__name",
        "host__name",
    ]
    ordering = ["-start_on", "-id"]
    fields = PLACEMENT_FIELDS
    readonly_fields = PLACEMENT_FIELDS
    inlines = [BudgetLineInline, ClaimInline, PlacementRecordInline]
    change_form_template = "admin/placements/placement/change_form.html"

    def get_queryset(self, request):
        return selectors.with_money(
            super().get_queryset(request).select_related("participant", "home", "host")
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("budget"), ordering="budgeted")
    def budgeted(self, placement):
        return pounds(placement.budgeted)

    @admin.display(description=gettext_lazy("approved claims"), ordering="approved")
    def approved(self, placement):
        return pounds(placement.approved)

    @admin.display(description=gettext_lazy("claims waiting"), ordering="waiting")
    def waiting(self, placement):
        return pounds(placement.waiting)

    def get_urls(self):
        return [
            path(
                "<int:pk>/cancel/",
                self.admin_site.admin_view(self.cancel_view),
                name="placements_placement_cancel",
            ),
            path(
                "<int:pk>/completion/",
                self.admin_site.admin_view(self.completion_view),
                name="placements_placement_completion",
            ),
            *super().get_urls(),
        ]

    def cancel_view(self, request, pk):
        if not self.has_change_permission(request):
            raise PermissionDenied
        placement = get_object_or_404(
            Placement.objects.select_related("participant", "host"), pk=pk
        )
        form = CancelForm(request.POST or None)

        def decide(data: dict) -> str:
            services.placement_cancel(placement=placement, by=request.user, reason=data["reason"])
            self.message_user(request, _("The placement is cancelled; everyone has been told."))
            return reverse("admin:placements_placement_change", args=[placement.pk])

        return self.decision_response(
            request,
            form=form,
            decide=decide,
            template="admin/placements/placement/cancel.html",
            context={
                "title": _("Cancel the placement of %(placement)s") % {"placement": placement},
                "placement": placement,
                "can_cancel": placement.can_transition_to(Placement.Status.CANCELLED),
            },
        )

    def completion_view(self, request, pk):
        """Complete a confirmed placement now (the sweep does it after its last day), or
        reopen a completed one: with a reason, kept in its record."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        placement = get_object_or_404(
            Placement.objects.select_related("participant", "host"), pk=pk
        )
        reopening = placement.status == Placement.Status.COMPLETED
        form = CompletionForm(request.POST or None)

        def decide(data: dict) -> str:
            if reopening:
                services.placement_reopen(
                    placement=placement, by=request.user, reason=data["reason"]
                )
                self.message_user(request, _("The placement is confirmed again."))
            else:
                services.placement_complete(
                    placement=placement, by=request.user, reason=data["reason"]
                )
                self.message_user(request, _("The placement is completed; its evaluation is open."))
            return reverse("admin:placements_placement_change", args=[placement.pk])

        action = _("Reopen") if reopening else _("Complete")
        return self.decision_response(
            request,
            form=form,
            decide=decide,
            template="admin/placements/placement/completion.html",
            default_field="reason",
            context={
                "title": _("%(action)s the placement of %(placement)s")
                % {"action": action, "placement": placement},
                "action": action,
                "placement": placement,
                "reopening": reopening,
                "can_decide": reopening or placement.status == Placement.Status.CONFIRMED,
            },
        )


class ClaimRecordInline(StatusChangeInline):
    model = ExpenseClaimStatusChange


CLAIM_FIELDS = (
    "placement",
    "kind",
    "description",
    "spent_on",
    "amount_claimed",
    "receipt_link",
    "status",
    "query_note",
    "submitted_at",
    "decided_at",
)


@admin.register(ExpenseClaim)
class ExpenseClaimAdmin(ClaimAmountMixin, DecisionAdminMixin, SimpleHistoryAdmin):
    """Claims are made by participants; the manager approves them or asks a question."""

    list_display = [
        "description",
        "participant",
        "kind",
        "amount_claimed",
        "spent_on",
        "status",
        "submitted_at",
        "decide_link",
    ]
    list_filter = [year_filter("placement__year"), "status", "kind"]
    search_fields = ["description", "placement__participant__full_name"]
    fields = CLAIM_FIELDS
    readonly_fields = CLAIM_FIELDS
    inlines = [ClaimRecordInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("placement__participant", "placement__host")
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("participant"))
    def participant(self, claim):
        return claim.placement.participant

    @admin.display(description=gettext_lazy("receipt"))
    def receipt_link(self, claim):
        return format_html(
            '<a href="{}">{}</a>',
            claim.get_receipt_url(),
            _("Download %(name)s") % {"name": claim.receipt_name},
        )

    @admin.display(description=gettext_lazy("decide"))
    def decide_link(self, claim):
        if claim.status != ExpenseClaim.Status.SUBMITTED:
            return "—"
        url = reverse("admin:placements_expenseclaim_decide", args=[claim.pk])
        return format_html('<a href="{}">{}</a>', url, _("Approve or query"))

    def get_urls(self):
        return [
            path(
                "<int:pk>/decide/",
                self.admin_site.admin_view(self.decide_view),
                name="placements_expenseclaim_decide",
            ),
            *super().get_urls(),
        ]

    def decide_view(self, request, pk):
        if not self.has_change_permission(request):
            raise PermissionDenied
        claim = get_object_or_404(
            ExpenseClaim.objects.select_related("placement__participant", "placement__host"),
            pk=pk,
        )
        form = QueryForm(request.POST or None)

        def decide(data: dict) -> str:
            if data["decision"] == "approve":
                services.expense_claim_approve(claim=claim, by=request.user)
                message = _("The claim is approved; the participant has been told.")
            elif data["decision"] == "refuse":
                services.expense_claim_refuse(claim=claim, by=request.user, reason=data["note"])
                message = _("The claim is refused; the participant has been told why.")
            else:
                services.expense_claim_query(claim=claim, by=request.user, note=data["note"])
                message = _("Your question is sent to the participant.")
            self.message_user(request, message, messages.SUCCESS)
            # Back to the claims still waiting, whichever year they are from.
            return (
                reverse("admin:placements_expenseclaim_changelist")
                + "?status__exact=submitted&year=all"
            )

        return self.decision_response(
            request,
            form=form,
            decide=decide,
            template="admin/placements/expenseclaim/decide.html",
            context={
                "title": _("Decide the claim: %(claim)s") % {"claim": claim},
                "claim": claim,
                "placement": claim.placement,
                "can_decide": claim.status == ExpenseClaim.Status.SUBMITTED,
            },
        )
