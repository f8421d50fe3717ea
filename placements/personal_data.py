"""Placements' part of a person's data: in their subject access export (core.privacy),
their placements as participant or supervisor with the days planned, their expense
claims with the receipt files, and their calendar feed; at their erasure and by the
retention schedule (core.erasure), what is removed, anonymised or kept of the same, and
of applications that led to no placement."""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import Application, ApplicationStatus
from applications.personal_data import applications_anonymise
from core.erasure import (
    ANONYMISED,
    DELETED,
    KEPT,
    Step,
    months_before,
    register_erasure,
    register_retention,
    register_wait,
    removed,
)
from core.privacy import Section, not_exported, records, register_section
from placements.models import (
    HOLDS_DATES,
    CalendarFeed,
    ExpenseClaim,
    ExpenseClaimStatus,
    ExpenseClaimStatusChange,
    Placement,
    PlacementStatus,
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


# --- Erasure and retention (core.erasure) ------------------------------------------

_UNDER_WAY = (
    PlacementStatus.PROPOSED,
    PlacementStatus.CHANGES_REQUESTED,
    PlacementStatus.CONFIRMED,
)


def _waiting(user) -> list:
    waits = []
    if (
        Placement.objects.filter(participant=user, status__in=_UNDER_WAY).exists()
        or Placement.objects.filter(supervisor=user, status__in=_UNDER_WAY).exists()
    ):
        waits.append(_("A placement is planned or under way: it is completed or cancelled first."))
    if (
        _claims(user)
        .filter(status__in=[ExpenseClaimStatus.SUBMITTED, ExpenseClaimStatus.QUERIED])
        .exists()
    ):
        waits.append(_("An expense claim is waiting for a decision."))
    return waits


def _placements_anonymise(rows: QuerySet, *args) -> None:
    ids = list(rows.values_list("pk", flat=True))
    rows.update(**removed("decision_note"))
    Placement.history.filter(id__in=ids).delete()
    PlacementStatusChange.objects.filter(placement__in=ids).update(**removed("note"))


def _claims_keep(rows: QuerySet, *args) -> None:
    ids = list(rows.values_list("pk", flat=True))
    rows.update(kept_after_erasure=True, **removed("query_note"))
    ExpenseClaim.history.filter(id__in=ids).update(**removed("query_note"))
    ExpenseClaimStatusChange.objects.filter(claim__in=ids).update(**removed("note"))


register_wait(_waiting)
register_erasure(
    Step(
        "calendar",
        _("Your calendar feed"),
        DELETED,
        lambda s: CalendarFeed.objects.filter(user=s.user),
    ),
    Step(
        "placements",
        _("Your placements: the coordinators' notes removed"),
        ANONYMISED,
        lambda s: Placement.objects.filter(participant=s.user),
        _placements_anonymise,
        why=_("Their dates, organisations and costs stay in the programme's figures."),
    ),
    Step(
        "expense_claims",
        _("Your expense claims and receipts"),
        KEPT,
        lambda s: _claims(s.user),
        _claims_keep,
        why=_(
            "Financial records are kept for six years, as the law requires; the retention "
            "schedule then removes the receipts."
        ),
    ),
)


def _year_closed_before(setting: str, today):
    return {"call__year__placements_end_on__lt": months_before(today, setting)}


def _receipts_remove(rows: QuerySet, *args) -> None:
    """Remove the receipts' files once the transaction has committed (a rollback leaves
    them), and mark the claims."""
    claims = list(rows.only("pk", "receipt"))
    files = [claim.receipt for claim in claims if claim.receipt]
    ExpenseClaim.objects.filter(pk__in=[claim.pk for claim in claims]).update(
        receipt="", receipt_removed_at=timezone.now()
    )
    transaction.on_commit(lambda: [file.storage.delete(file.name) for file in files])


register_retention(
    Step(
        "draft_applications",
        _("Applications never submitted, months after their year's placements ended"),
        DELETED,
        lambda today: Application.objects.filter(
            status=ApplicationStatus.DRAFT, **_year_closed_before("unplaced_applications", today)
        ),
        setting="unplaced_applications",
    ),
    Step(
        "unplaced_applications",
        _("Applications that led to no placement, months after their year's placements ended"),
        ANONYMISED,
        lambda today: (
            Application.objects.filter(
                anonymised_at__isnull=True, **_year_closed_before("unplaced_applications", today)
            )
            .exclude(status=ApplicationStatus.DRAFT)
            .exclude(placements__status__in=HOLDS_DATES)
        ),
        applications_anonymise,
        setting="unplaced_applications",
    ),
    Step(
        "receipts",
        _("Receipts of expense claims, months after the claim was decided"),
        DELETED,
        lambda today: ExpenseClaim.objects.filter(
            receipt_removed_at__isnull=True,
            decided_at__date__lt=months_before(today, "receipts"),
        ),
        _receipts_remove,
        setting="receipts",
    ),
)
