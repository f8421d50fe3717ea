"""Placements' parts of a person's subject access export (core.privacy): their
placements as participant or supervisor with the days planned, their expense claims
with the receipt files, and their calendar feed."""

from django.utils.translation import gettext_lazy as _

from core.privacy import Section, not_exported, records, register_section
from placements.models import (
    CalendarFeed,
    ExpenseClaim,
    ExpenseClaimStatusChange,
    Placement,
    PlacementStatusChange,
    PlanSession,
)

_PLACEMENT = ["home", "host", "participant", "supervisor", "start_on", "end_on", "status"]


def _claims(user):
    return ExpenseClaim.objects.filter(placement__participant=user).select_related("placement")


register_section(
    Section(
        key="placements",
        title=_("Your placements, as participant or supervisor, and their record"),
        rows=lambda user: (
            records(
                Placement.objects.filter(participant=user).select_related(
                    "home", "host", "participant", "supervisor"
                ),
                [*_PLACEMENT, "dates_accepted_at", "decision_note"],
            )
            + records(
                Placement.objects.filter(supervisor=user).select_related(
                    "home", "host", "participant", "supervisor"
                ),
                _PLACEMENT,
            )
            + records(
                PlacementStatusChange.objects.filter(placement__participant=user)
                .select_related("placement", "by")
                .order_by("at", "pk"),
                ["placement", "action", "from_status", "to_status", "by", "at", "note"],
            )
        ),
        links=("placements.Placement.participant", "placements.Placement.supervisor"),
    )
)
register_section(
    Section(
        key="day_plans",
        title=_("Your placements' day plans"),
        rows=lambda user: records(
            PlanSession.objects.filter(day__placement__participant=user)
            .select_related("day__placement")
            .order_by("day__date", "starts_at"),
            ["day", "starts_at", "ends_at", "activity", "department", "contact"],
        ),
    )
)
register_section(
    Section(
        key="expense_claims",
        title=_("Your expense claims (the receipts are in files/)"),
        rows=lambda user: (
            records(
                _claims(user),
                [
                    "placement",
                    "kind",
                    "description",
                    "spent_on",
                    "amount",
                    "receipt_name",
                    "status",
                    "query_note",
                    "submitted_at",
                    "decided_at",
                ],
            )
            + records(
                ExpenseClaimStatusChange.objects.filter(claim__placement__participant=user)
                .select_related("claim", "by")
                .order_by("at", "pk"),
                ["claim", "from_status", "to_status", "by", "at", "note"],
            )
        ),
        files=lambda user: [
            (f"receipt-{claim.pk}-{claim.receipt_name or 'receipt'}", claim.receipt)
            for claim in _claims(user)
            if claim.receipt
        ],
    )
)
register_section(
    Section(
        key="calendar",
        title=_("Your calendar feed"),
        rows=lambda user: records(CalendarFeed.objects.filter(user=user), ["created_at"]),
        links=("placements.CalendarFeed.user",),
    )
)
not_exported(
    _("What they did as a coordinator, supervisor or manager, in records about others."),
    "placements.Placement.proposed_by",
    "placements.Placement.home_approved_by",
    "placements.Placement.host_approved_by",
    "placements.PlacementStatusChange.by",
    "placements.PlanSession.updated_by",
    "placements.ExpenseClaimStatusChange.by",
)
