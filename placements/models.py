"""Five-day placements: their dates, approval by both coordinators, the day plan,
the budget and the participant's expense claims."""

import datetime
import hashlib
import uuid
from decimal import Decimal
from pathlib import Path

import pgtrigger
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from applications.models import Application
from core.errors import RuleError
from core.models import Stateful, StatusChange
from core.money import pounds
from partners.models import Organisation, ProgrammeYear


class PlacementError(RuleError):
    """A change to a placement or an expense claim that the programme's rules refuse."""


class PlacementStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")
    COMPLETED = "completed", _("Completed")


# A placement in one of these holds its participant's dates: no other may overlap.
HOLDS_DATES = (
    PlacementStatus.PROPOSED,
    PlacementStatus.CHANGES_REQUESTED,
    PlacementStatus.CONFIRMED,
    PlacementStatus.COMPLETED,
)
HOLDS_DATES_SQL = ", ".join(f"'{status}'" for status in HOLDS_DATES)


class Placement(Stateful):
    """A selected person's five working days at the other institution."""

    Status = PlacementStatus

    # The moves the programme allows. A proposal is confirmed only once both
    # coordinators have approved it (see placements.services.placement_approve).
    TRANSITIONS = {
        Status.PROPOSED: {
            Status.CONFIRMED,
            Status.CHANGES_REQUESTED,
            Status.DECLINED,
            Status.CANCELLED,
        },
        Status.CHANGES_REQUESTED: {Status.PROPOSED, Status.DECLINED, Status.CANCELLED},
        Status.CONFIRMED: {Status.COMPLETED, Status.CANCELLED},
        Status.DECLINED: set(),
        Status.CANCELLED: set(),
        # The manager takes back a completion made too early (placement_reopen).
        Status.COMPLETED: {Status.CONFIRMED},
    }
    TRANSITION_REFUSAL = _("This placement is %(status)s, so it cannot become %(to)s.")
    TransitionError = PlacementError
    LOCKED_WITH = ("participant", "supervisor", "home", "host", "year", "application")

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="placements",
    )
    year = models.ForeignKey(
        ProgrammeYear,
        verbose_name=_("programme year"),
        on_delete=models.PROTECT,
        related_name="placements",
    )
    participant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("participant"),
        on_delete=models.PROTECT,
        related_name="placements",
    )
    home = models.ForeignKey(
        Organisation,
        verbose_name=_("home organisation"),
        on_delete=models.PROTECT,
        related_name="placements_going",
    )
    host = models.ForeignKey(
        Organisation,
        verbose_name=_("host organisation"),
        on_delete=models.PROTECT,
        related_name="placements_coming",
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("host supervisor"),
        on_delete=models.PROTECT,
        related_name="supervised_placements",
    )
    start_on = models.DateField(_("first day"))
    end_on = models.DateField(_("last day"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("proposed"))
    home_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved for the home organisation by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    home_approved_at = models.DateTimeField(
        _("approved for the home organisation"), null=True, blank=True
    )
    host_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved for the host organisation by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    host_approved_at = models.DateTimeField(
        _("approved for the host organisation"), null=True, blank=True
    )
    dates_accepted_at = models.DateTimeField(
        _("dates accepted by the participant"),
        null=True,
        blank=True,
        help_text=_("Cleared when the dates are revised: the participant accepts the new ones."),
    )
    decision_note = models.TextField(
        _("latest note"),
        blank=True,
        help_text=_("Why changes were asked for, or why it was declined or cancelled."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["start_on", "participant__full_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=PlacementStatus.values),
                name="placements_placement_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(home=models.F("host")),
                name="placements_placement_at_the_other_institution",
                violation_error_message=_("A placement is at the other institution."),
            ),
            # Five working days span at least a Monday to a Friday, and at most
            # a fortnight even across Christmas and Easter.
            models.CheckConstraint(
                condition=models.Q(
                    end_on__gte=models.F("start_on") + datetime.timedelta(days=4),
                    end_on__lte=models.F("start_on") + datetime.timedelta(days=14),
                ),
                name="placements_placement_five_day_span",
                violation_error_message=_("A placement lasts five working days."),
            ),
            models.CheckConstraint(
                condition=~models.Q(
                    status__in=[PlacementStatus.CONFIRMED, PlacementStatus.COMPLETED]
                )
                | models.Q(home_approved_at__isnull=False, host_approved_at__isnull=False),
                name="placements_placement_confirmed_by_both",
                violation_error_message=_(
                    "A placement is confirmed only when both coordinators have approved it."
                ),
            ),
            models.UniqueConstraint(
                fields=["application"],
                condition=models.Q(status__in=HOLDS_DATES),
                name="placements_placement_one_per_application",
                violation_error_message=_("This person already has a placement."),
            ),
        ]
        indexes = [
            models.Index(fields=["year", "status"]),
            models.Index(fields=["participant", "start_on"]),
            models.Index(fields=["start_on", "id"], name="placements_by_start"),
            # A year's placements in the order they start (the calendar, the lists).
            models.Index(fields=["year", "start_on", "id"], name="placements_year_by_start"),
            # The approval queue: proposals waiting, oldest first.
            models.Index(
                fields=["proposed_at", "id"],
                condition=models.Q(status__in=["proposed", "changes_requested"]),
                name="placements_waiting_approval",
            ),
        ]
        triggers = [
            # Rules that involve other rows: PostgreSQL only; the services hold
            # them everywhere. The advisory lock on the participant makes two
            # placements for one person, written at the same moment, check one
            # after the other.
            pgtrigger.Trigger(
                name="placement_fits_year_and_person",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                declare=[("year_row", "RECORD"), ("dates_changed", "boolean")],
                # Each rule is checked when what it is about changes, so a later
                # change elsewhere (the year's window edited, a supervisor who has
                # moved on) never stops a placement from being approved or completed.
                func=f"""
                dates_changed := TG_OP = 'INSERT'
                    OR NEW.start_on <> OLD.start_on OR NEW.end_on <> OLD.end_on
                    OR NEW.year_id <> OLD.year_id OR NEW.participant_id <> OLD.participant_id;
                IF dates_changed THEN
                    SELECT year, placements_start_on, placements_end_on INTO year_row
                    FROM partners_programmeyear WHERE id = NEW.year_id;
                    IF NEW.start_on < year_row.placements_start_on
                       OR NEW.end_on > year_row.placements_end_on
                       OR extract(year FROM NEW.end_on) <> year_row.year THEN
                        RAISE EXCEPTION 'A placement in % runs within % to %.',
                            year_row.year, year_row.placements_start_on,
                            year_row.placements_end_on
                            USING ERRCODE = 'check_violation',
                                  CONSTRAINT = 'placements_placement_within_window';
                    END IF;
                END IF;
                IF NEW.status IN ({HOLDS_DATES_SQL}) AND (
                    dates_changed OR OLD.status NOT IN ({HOLDS_DATES_SQL})
                ) THEN
                    PERFORM pg_advisory_xact_lock(7301, NEW.participant_id::integer);
                    IF EXISTS (
                        SELECT 1 FROM placements_placement p
                        WHERE p.participant_id = NEW.participant_id AND p.id <> NEW.id
                          AND p.status IN ({HOLDS_DATES_SQL})
                          AND p.start_on <= NEW.end_on AND NEW.start_on <= p.end_on
                    ) THEN
                        RAISE EXCEPTION 'A person cannot be in two placements at once.'
                            USING ERRCODE = 'exclusion_violation',
                                  CONSTRAINT = 'placements_placement_no_overlap';
                    END IF;
                END IF;
                IF (
                    TG_OP = 'INSERT' OR NEW.supervisor_id <> OLD.supervisor_id
                    OR NEW.host_id <> OLD.host_id
                ) AND NOT EXISTS (
                    SELECT 1 FROM partners_membership
                    WHERE user_id = NEW.supervisor_id AND organisation_id = NEW.host_id
                ) THEN
                    RAISE EXCEPTION 'The supervisor works at the host organisation.'
                        USING ERRCODE = 'check_violation',
                              CONSTRAINT = 'placements_placement_supervisor_at_host';
                END IF;
                RETURN NEW;
                """,  # noqa: S608 (only the constant HOLDS_DATES is interpolated)
            ),
        ]

    def __str__(self) -> str:
        return _("%(participant)s at %(host)s") % {
            "participant": self.participant,
            "host": self.host,
        }

    def get_absolute_url(self) -> str:
        return reverse("placements:placement_detail", kwargs={"pk": self.pk})

    @property
    def is_fully_approved(self) -> bool:
        return bool(self.home_approved_at and self.host_approved_at)

    @property
    def approved_and_waiting(self) -> tuple[Organisation, Organisation]:
        """While one side has approved: that organisation, and the one still to approve."""
        if self.home_approved_at:
            return self.home, self.host
        return self.host, self.home

    @property
    def unapproved_sides(self) -> list[str]:
        """The sides ('home', 'host') that have not approved the proposal yet."""
        return [side for side in ("home", "host") if getattr(self, f"{side}_approved_at") is None]

    @property
    def plan_is_editable(self) -> bool:
        return self.status in {
            self.Status.PROPOSED,
            self.Status.CHANGES_REQUESTED,
            self.Status.CONFIRMED,
        }

    @property
    def takes_claims(self) -> bool:
        return self.status in {self.Status.CONFIRMED, self.Status.COMPLETED}


class PlacementStatusChange(StatusChange):
    """A step in a placement's approval: who, when, from what, to what, and why.

    An approval by one side leaves the status as it is; `action` says what was done.
    """

    Status = PlacementStatus

    class Action(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED_HOME = "approved_home", _("Approved for the home organisation")
        APPROVED_HOST = "approved_host", _("Approved for the host organisation")
        CONFIRMED = "confirmed", _("Confirmed")
        CHANGES_REQUESTED = "changes_requested", _("Asked for changes")
        REVISED = "revised", _("Revised and proposed again")
        DATES_ACCEPTED = "dates_accepted", _("Dates accepted by the participant")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Completed")
        REOPENED = "reopened", _("Reopened")

    placement = models.ForeignKey(
        Placement,
        verbose_name=_("placement"),
        on_delete=models.CASCADE,
        related_name="status_changes",
    )
    action = models.CharField(_("what was done"), max_length=20, choices=Action.choices)

    class Meta(StatusChange.Meta):
        verbose_name = _("placement record")
        verbose_name_plural = _("placement records")

    def __str__(self) -> str:
        return self.get_action_display()


class PlacementDay(models.Model):
    """One of a placement's five working days."""

    placement = models.ForeignKey(
        Placement, verbose_name=_("placement"), on_delete=models.CASCADE, related_name="days"
    )
    number = models.PositiveSmallIntegerField(_("day"))
    date = models.DateField(_("date"))

    class Meta:
        verbose_name = _("placement day")
        verbose_name_plural = _("placement days")
        ordering = ["placement", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "number"], name="placements_day_number_once"
            ),
            models.UniqueConstraint(fields=["placement", "date"], name="placements_day_date_once"),
            models.CheckConstraint(
                condition=models.Q(number__gte=1, number__lte=5),
                name="placements_day_one_to_five",
            ),
        ]

    def __str__(self) -> str:
        return _("Day %(number)s") % {"number": self.number}


class PlanSession(models.Model):
    """A meeting or activity on one day of the plan."""

    _change_reason: str  # read by django-simple-history for the history row

    day = models.ForeignKey(
        PlacementDay, verbose_name=_("day"), on_delete=models.CASCADE, related_name="sessions"
    )
    starts_at = models.TimeField(_("starts"))
    ends_at = models.TimeField(_("ends"), null=True, blank=True)
    activity = models.CharField(_("activity"), max_length=200)
    department = models.CharField(_("department"), max_length=150, blank=True)
    contact = models.CharField(_("contact person"), max_length=150, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last changed by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("plan session")
        verbose_name_plural = _("plan sessions")
        ordering = ["day__number", "starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="placements_session_ends_after_start",
                violation_error_message=_("A session ends after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.activity


class CostKind(models.TextChoices):
    TRAVEL = "travel", _("Travel")
    ACCOMMODATION = "accommodation", _("Accommodation")
    SUBSISTENCE = "subsistence", _("Subsistence")
    OTHER = "other", _("Other")


# What the programme books and pays itself: claimed only where the manager allows it.
BOOKED_KINDS = (CostKind.TRAVEL, CostKind.ACCOMMODATION)
BOOKED_KINDS_SQL = ", ".join(f"'{kind}'" for kind in BOOKED_KINDS)


class BudgetLine(models.Model):
    """What the programme sets aside for one kind of cost of a placement: for travel
    and accommodation, what it booked (unless the participant books and claims it)."""

    Kind = CostKind

    placement = models.ForeignKey(
        Placement,
        verbose_name=_("placement"),
        on_delete=models.CASCADE,
        related_name="budget_lines",
    )
    kind = models.CharField(_("kind of cost"), max_length=20, choices=CostKind.choices)
    amount = models.DecimalField(
        _("amount (£)"), max_digits=8, decimal_places=2, validators=[MinValueValidator(0)]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    claimed = models.BooleanField(
        _("the participant books it and claims it back"),
        default=False,
        help_text=_(
            "Travel and accommodation are booked and paid by the programme, and not "
            "claimed. Tick to allow the participant to book this themselves and claim it, "
            "up to the amount."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["placement", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "kind"],
                name="placements_budget_line_once_per_kind",
                violation_error_message=_("This placement already has a line for that cost."),
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=CostKind.values), name="placements_budget_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="placements_budget_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(claimed=False) | models.Q(kind__in=BOOKED_KINDS),
                name="placements_budget_only_bookings_allowed_as_claims",
                violation_error_message=_(
                    "Only travel and accommodation are booked by the programme; other costs "
                    "are always claimed."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {pounds(self.amount)}"


def receipt_storage() -> FileSystemStorage:
    """Receipts live in MEDIA_ROOT/receipts and have no URL: they are served only
    by the download view, to those entitled."""
    return FileSystemStorage(location=Path(settings.MEDIA_ROOT) / "receipts", base_url=None)


def receipt_path(claim: "ExpenseClaim", filename: str) -> str:
    """A random name, so a receipt's name says nothing and cannot be guessed."""
    extension = Path(filename).suffix.lower()
    return f"{claim.placement_id}/{uuid.uuid4().hex}{extension}"


class ExpenseClaimStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for approval")
    QUERIED = "queried", _("Queried")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class ExpenseClaim(Stateful):
    """A cost the participant paid and claims back, with its receipt."""

    Kind = CostKind
    Status = ExpenseClaimStatus

    TRANSITIONS = {
        Status.SUBMITTED: {Status.APPROVED, Status.QUERIED, Status.REFUSED},
        Status.QUERIED: {Status.SUBMITTED},
        Status.APPROVED: set(),
        Status.REFUSED: set(),
    }
    TRANSITION_REFUSAL = _("This claim is %(status)s, so it cannot change now.")
    TransitionError = PlacementError
    LOCKED_WITH = ("placement__participant", "placement__host")

    placement = models.ForeignKey(
        Placement,
        verbose_name=_("placement"),
        on_delete=models.PROTECT,
        related_name="expense_claims",
    )
    kind = models.CharField(
        _("kind of cost"),
        max_length=20,
        choices=CostKind.choices,
        default=CostKind.SUBSISTENCE,
        help_text=_(
            "The programme books and pays your travel and accommodation: claim those only "
            "if the programme manager agreed you would book them yourself."
        ),
    )
    description = models.CharField(_("what it was for"), max_length=200)
    spent_on = models.DateField(_("date of the expense"))
    amount = models.DecimalField(
        _("amount (£)"),
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    receipt = models.FileField(_("receipt"), storage=receipt_storage, upload_to=receipt_path)
    receipt_name = models.CharField(_("receipt's file name"), max_length=200)
    receipt_sha256 = models.CharField(max_length=64, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    query_note = models.TextField(
        _("manager's question"), blank=True, help_text=_("The participant reads this.")
    )
    submitted_at = models.DateTimeField(_("submitted"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    kept_after_erasure = models.BooleanField(
        _("kept for the financial record"),
        default=False,
        db_default=False,
        help_text=_(
            "The participant's data was erased; the claim is kept, as the law requires, "
            "until the retention schedule removes its receipt."
        ),
    )
    receipt_removed_at = models.DateTimeField(
        _("receipt removed"),
        null=True,
        blank=True,
        help_text=_("When the retention schedule removed the receipt's file."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("expense claim")
        verbose_name_plural = _("expense claims")
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["submitted_at", "id"], name="placements_claims_newest")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ExpenseClaimStatus.values),
                name="placements_claim_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=CostKind.values), name="placements_claim_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="placements_claim_amount_positive"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ExpenseClaimStatus.QUERIED) | ~models.Q(query_note=""),
                name="placements_claim_query_has_note",
                violation_error_message=_("Say what the question is."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ExpenseClaimStatus.REFUSED) | ~models.Q(query_note=""),
                name="placements_claim_refusal_has_reason",
                violation_error_message=_("Say why the claim is refused."),
            ),
        ]
        triggers = [
            # A rule that involves another table: PostgreSQL only; the services hold it
            # everywhere. Checked when the claim's kind is set, so a line changed later
            # never stops a claim already made from being decided.
            pgtrigger.Trigger(
                name="claim_of_a_booking_is_allowed",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func=f"""
                IF NEW.kind IN ({BOOKED_KINDS_SQL})
                   AND (TG_OP = 'INSERT' OR NEW.kind <> OLD.kind
                        OR NEW.placement_id <> OLD.placement_id)
                   AND NOT EXISTS (
                       SELECT 1 FROM placements_budgetline b
                       WHERE b.placement_id = NEW.placement_id AND b.kind = NEW.kind
                         AND b.claimed
                   ) THEN
                    RAISE EXCEPTION 'The programme books % for this placement: it is not claimed.',
                        NEW.kind
                        USING ERRCODE = 'check_violation',
                              CONSTRAINT = 'placements_claim_of_a_booking_is_allowed';
                END IF;
                RETURN NEW;
                """,  # noqa: S608 (only the constant BOOKED_KINDS is interpolated)
            ),
        ]

    def __str__(self) -> str:
        return _("%(description)s, %(amount)s") % {
            "description": self.description,
            "amount": pounds(self.amount),
        }

    def get_receipt_url(self) -> str:
        return reverse("placements:receipt", kwargs={"pk": self.pk})


def file_sha256(file) -> str:
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


class ExpenseClaimStatusChange(StatusChange):
    """A decision about an expense claim: who, when, from what, to what, and why."""

    Status = ExpenseClaimStatus

    claim = models.ForeignKey(
        ExpenseClaim,
        verbose_name=_("expense claim"),
        on_delete=models.CASCADE,
        related_name="status_changes",
    )

    class Meta(StatusChange.Meta):
        verbose_name = _("expense claim record")
        verbose_name_plural = _("expense claim records")


class CalendarFeed(models.Model):
    """A person's private calendar address. Only the token's SHA-256 hash is kept;
    resetting it makes the old address stop working."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("address made"))

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return _("Calendar of %(person)s") % {"person": self.user}
