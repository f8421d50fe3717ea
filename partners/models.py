"""Organisations, the people who belong to them, and each programme year's partners."""

import dataclasses
import datetime
import itertools
from typing import Any

import pgtrigger
from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.models import HistoricalRecords

from core.dates import date_range, long_date
from core.errors import RuleError
from core.models import Stateful, StatusChange, field_label
from partners.progress import YearFacts

PROGRAMME_MANAGERS_GROUP = "Programme managers"


class UserManager(DjangoUserManager):
    """People sign in with their email address; there is no username."""

    use_in_migrations = True

    def _create_user_object(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.password = ""
        if password is not None:
            user.set_password(password)
        else:
            user.set_unusable_password()
        return user

    def _create_user(self, email, password, **extra_fields):
        user = self._create_user_object(email, password, **extra_fields)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person: a member of staff somewhere, a coordinator, or the programme manager."""

    username = None  # type: ignore[assignment]  # people sign in with their email
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    # Consent is the basis (core.Consent holds each given and withdrawn, with its words):
    # nobody is emailed until they opt in.
    call_emails = models.BooleanField(
        _("email me when my organisation opens a call"),
        default=False,
        help_text=_("One email a year, when your organisation's call for applications opens."),
    )
    call_emails_changed_at = models.DateTimeField(
        _("call emails choice changed"), null=True, blank=True
    )

    objects = UserManager()  # type: ignore[misc]

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    # Remembered for the request by partners.permissions and applications.permissions.
    _is_programme_manager: bool
    _coordinated_organisation_ids: set[int]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="partners_user_email_ci_unique"),
        ]
        indexes = [models.Index(fields=["full_name", "email"], name="partners_user_by_name")]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


domain_list_validator = RegexValidator(
    r"^\s*([a-z0-9-]+(\.[a-z0-9-]+)+)(\s*,\s*[a-z0-9-]+(\.[a-z0-9-]+)+)*\s*$",
    _("Enter domains separated by commas, for example “britishmuseum.org, bm.ac.uk”."),
)


class PartnershipError(RuleError):
    """A change to a partnership that the programme's rules refuse; the message is for people."""


class InvitationError(RuleError):
    """An invitation to join that cannot be made or used; the message is for people."""


class OrganisationKind(models.TextChoices):
    MUSEUM = "museum", _("Museum")
    GALLERY = "gallery", _("Gallery")
    HERITAGE = "heritage", _("Heritage organisation")
    LIBRARY_ARCHIVE = "library_archive", _("Library or archive")
    OTHER = "other", _("Other")


class Nation(models.TextChoices):
    """The four UK nations: their bank holidays differ, and reports count them."""

    ENGLAND = "england", _("England")
    SCOTLAND = "scotland", _("Scotland")
    WALES = "wales", _("Wales")
    NORTHERN_IRELAND = "northern_ireland", _("Northern Ireland")


class Organisation(models.Model):
    """A museum, gallery or heritage organisation that can take part in the programme."""

    Kind = OrganisationKind
    Nation = Nation

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("short name for addresses"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    nation = models.CharField(_("UK nation"), max_length=20, choices=Nation.choices)
    region = models.CharField(_("region"), max_length=100, blank=True)
    town = models.CharField(_("town or city"), max_length=100)
    website = models.URLField(_("website"), blank=True)
    can_host = models.BooleanField(
        _("can host the programme"),
        default=False,
        help_text=_("Able to act as the host institution of a programme year."),
    )
    email_domains = models.CharField(
        _("staff email domains"),
        max_length=300,
        blank=True,
        validators=[domain_list_validator],
        help_text=_(
            "Staff who verify an email address at one of these domains join the "
            "organisation as staff. Separate several with commas."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="partners_organisation_name_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(kind__in=OrganisationKind.values),
                name="partners_organisation_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(nation__in=Nation.values),
                name="partners_organisation_nation_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def domain_list(self) -> list[str]:
        return [d.strip().lower() for d in self.email_domains.split(",") if d.strip()]


class MembershipRole(models.TextChoices):
    STAFF = "staff", _("Staff")
    COORDINATOR = "coordinator", _("Coordinator")


class ClosureDay(models.Model):
    """A day an organisation is closed, beyond its nation's bank holidays (24 December,
    say): placements there count it as they count a bank holiday."""

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="closure_days",
    )
    date = models.DateField(_("date"))
    reason = models.CharField(
        _("reason"), max_length=100, help_text=_("Shown to coordinators choosing dates.")
    )

    class Meta:
        verbose_name = _("closure day")
        verbose_name_plural = _("closure days")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "date"],
                name="partners_closureday_once_a_day",
                violation_error_message=_("This day is already a closure day."),
            ),
            models.CheckConstraint(
                condition=~models.Q(reason=""),
                name="partners_closureday_has_reason",
                violation_error_message=_("Say why the organisation is closed."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {long_date(self.date)}"


class Membership(models.Model):
    """A person's place at an organisation: as staff, or as its coordinator."""

    Role = MembershipRole

    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(
        _("role"), max_length=20, choices=MembershipRole.choices, default=MembershipRole.STAFF
    )
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    department = models.CharField(_("department"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("joined"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organisation__name", "user__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="partners_membership_one_per_organisation"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=MembershipRole.values),
                name="partners_membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return _("%(person)s, %(role)s at %(organisation)s") % {
            "person": self.user,
            "role": self.get_role_display().lower(),
            "organisation": self.organisation,
        }

    @property
    def is_coordinator(self) -> bool:
        return self.role == self.Role.COORDINATOR


class AccountInvitation(models.Model):
    """A person without an account, invited by a coordinator to join an organisation (to
    supervise a placement, say). Their account exists from the invitation, without a
    password; the emailed link, whose token only its hash is kept of, sets one, once,
    before it expires."""

    user = models.ForeignKey(
        User,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="account_invitations",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="account_invitations",
    )
    invited_by = models.ForeignKey(
        User,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("invited"), auto_now_add=True)
    expires_at = models.DateTimeField(_("link expires"))
    accepted_at = models.DateTimeField(_("joined"), null=True, blank=True)

    class Meta:
        verbose_name = _("account invitation")
        verbose_name_plural = _("account invitations")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="partners_accountinvitation_expires_after_created",
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_at__isnull=True)
                | models.Q(accepted_at__gte=models.F("created_at")),
                name="partners_accountinvitation_accepted_after_created",
            ),
        ]

    def __str__(self) -> str:
        return _("%(person)s, invited to %(organisation)s") % {
            "person": self.user,
            "organisation": self.organisation,
        }


# The key dates of a year, in the order the year runs through them. The
# database refuses a year whose dates are out of this order.
YEAR_DATE_ORDER = (
    "partners_confirmed_by",
    "calls_open_on",
    "calls_close_on",
    "decisions_by",
    "placements_start_on",
    "placements_end_on",
    "evaluations_due_on",
    "follow_up_on",
)


class ProgrammeYear(models.Model):
    """One yearly cycle of the programme: its host, partner target, budget and key dates."""

    class Stage(models.TextChoices):
        PLANNING = "planning", _("Planning")
        PARTNERS_CONFIRMED = "partners_confirmed", _("Partners confirmed")
        CALLS_OPEN = "calls_open", _("Calls open")
        SELECTION = "selection", _("Selection")
        PLACEMENTS = "placements", _("Placements")
        EVALUATION = "evaluation", _("Evaluation")
        CLOSED = "closed", _("Closed")

    year = models.PositiveSmallIntegerField(
        _("year"), unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    host = models.ForeignKey(
        Organisation,
        verbose_name=_("host organisation"),
        on_delete=models.PROTECT,
        related_name="hosted_years",
        limit_choices_to={"can_host": True},
    )
    partner_target = models.PositiveSmallIntegerField(
        _("partner target"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("The most partners that can be confirmed for the year."),
    )
    budget = models.DecimalField(
        _("budget (£)"),
        max_digits=10,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    partners_confirmed_by = models.DateField(_("partner confirmation deadline"))
    calls_open_on = models.DateField(_("calls open"))
    calls_close_on = models.DateField(_("calls close"))
    decisions_by = models.DateField(
        _("decisions released by"),
        help_text=_("Applicants are told, when their call closes, that they will hear by then."),
    )
    placements_start_on = models.DateField(_("placement window opens"))
    placements_end_on = models.DateField(
        _("placement window closes"), help_text=_("No later than 31 December of the year.")
    )
    evaluations_due_on = models.DateField(_("evaluation deadline"))
    follow_up_on = models.DateField(_("follow-up date"))
    reminders_off = models.JSONField(
        _("reminders switched off"),
        default=list,
        blank=True,
        help_text=_("Kinds of reminder not sent for this year's records."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()
    # Set by selectors that annotate years (partners.selectors).
    confirmed_partnerships: list
    expected_next: str

    class Meta:
        verbose_name = _("programme year")
        verbose_name_plural = _("programme years")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(year__gte=2000, year__lte=2100),
                name="partners_programmeyear_year_range",
            ),
            models.CheckConstraint(
                condition=models.Q(partner_target__gte=1),
                name="partners_programmeyear_target_1",
                violation_error_message=_("A year needs a target of at least one partner."),
            ),
            models.CheckConstraint(
                condition=models.Q(budget__gte=0), name="partners_programmeyear_budget_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    placements_start_on__year=models.F("year"),
                    placements_end_on__year=models.F("year"),
                ),
                name="partners_programmeyear_placements_in_year",
                violation_error_message=_("Placements take place within the programme year."),
            ),
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{earlier}__lte": models.F(later)}),
                    name=f"partners_year_{earlier}_le_{later}",
                    violation_error_message=_("The year's key dates must be in order."),
                )
                for earlier, later in itertools.pairwise(YEAR_DATE_ORDER)
            ),
        ]
        triggers = [
            # A check constraint cannot see other rows, so these rules are
            # triggers (PostgreSQL only; the services hold them everywhere).
            pgtrigger.Trigger(
                name="year_keeps_partner_rules",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                declare=[("confirmed_count", "integer")],
                func="""
                IF NEW.host_id <> OLD.host_id AND EXISTS (
                    SELECT 1 FROM partners_partnership
                    WHERE year_id = NEW.id AND organisation_id = NEW.host_id
                ) THEN
                    RAISE EXCEPTION 'The host of % cannot also be one of its partners.', NEW.year
                        USING ERRCODE = 'check_violation',
                              CONSTRAINT = 'partners_partnership_not_host';
                END IF;
                IF NEW.partner_target < OLD.partner_target THEN
                    SELECT count(*) INTO confirmed_count FROM partners_partnership
                    WHERE year_id = NEW.id AND status = 'confirmed';
                    IF confirmed_count > NEW.partner_target THEN
                        RAISE EXCEPTION '% has % confirmed partners, more than a target of %.',
                            NEW.year, confirmed_count, NEW.partner_target
                            USING ERRCODE = 'check_violation',
                                  CONSTRAINT = 'partners_partnership_within_target';
                    END IF;
                END IF;
                RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)

    def get_absolute_url(self) -> str:
        return reverse("partners:year_detail", kwargs={"year": self.year})

    def clean(self) -> None:
        """Tie each rule about the dates to the field a person must change."""
        errors: dict[str, Any] = {}
        for earlier, later in itertools.pairwise(YEAR_DATE_ORDER):
            first, then = getattr(self, earlier), getattr(self, later)
            if first and then and then < first:
                errors[later] = _("%(later)s must be on or after %(earlier)s (%(date)s).") % {
                    "later": field_label(ProgrammeYear, later).capitalize(),
                    "earlier": field_label(ProgrammeYear, earlier),
                    "date": long_date(first),
                }
        if self.year:
            for name in ("placements_start_on", "placements_end_on"):
                day = getattr(self, name)
                if day and day.year != self.year and name not in errors:
                    errors[name] = _(
                        "Placements take place within %(year)s: choose a date from 1 January "
                        "to 31 December %(year)s."
                    ) % {"year": self.year}
        start, end = self.placements_start_on, self.placements_end_on
        if start and end and not errors and (end - start).days < 6:
            errors["placements_end_on"] = _(
                "The placement window must be at least a week long, to fit a five-day placement."
            )
        if errors:
            raise ValidationError(errors)

    # Formatted once a year read, however many rows of a list show its windows.
    @cached_property
    def calls_window(self) -> str:
        return date_range(self.calls_open_on, self.calls_close_on)

    @cached_property
    def placements_window(self) -> str:
        return date_range(self.placements_start_on, self.placements_end_on)

    @property
    def placements_over(self) -> bool:
        """The year's placement window has closed: what was not done then is history."""
        return timezone.localdate() > self.placements_end_on

    def key_dates(self) -> list[tuple[str, datetime.date]]:
        """The year's dates in order, each with its label, for pages and emails."""
        return [(field_label(ProgrammeYear, name), getattr(self, name)) for name in YEAR_DATE_ORDER]

    def next_step(self, today: datetime.date, facts: YearFacts) -> str:
        """What the coordinators of an organisation taking part (the host or a confirmed
        partner) are expected to do next, in a sentence."""
        stage, reason = self.stage_on(today, facts)
        if stage == self.Stage.PLANNING:
            return reason
        steps = {
            self.Stage.PARTNERS_CONFIRMED: _(
                "Prepare your call to staff: calls open on %(open)s and close on %(close)s."
            ),
            # Said of the year: an organisation's own call may close earlier (see
            # its to-do items, which go by the call itself).
            self.Stage.CALLS_OPEN: _(
                "Calls to staff are open until %(close)s: encourage colleagues of any "
                "specialism and at any level to apply."
            ),
            self.Stage.SELECTION: _(
                "Review your applications and select your participants before placements "
                "begin on %(start)s."
            ),
            self.Stage.PLACEMENTS: _(
                "Approve your placements, coming and going, and welcome your visitors. "
                "Every placement ends by %(end)s."
            ),
            self.Stage.EVALUATION: _(
                "Make sure your participants complete their evaluations by %(due)s."
            ),
            self.Stage.CLOSED: _("This year is complete. Thank you for taking part."),
        }
        return steps[stage] % {
            "open": long_date(self.calls_open_on),
            "close": long_date(self.calls_close_on),
            "start": long_date(self.placements_start_on),
            "end": long_date(self.placements_end_on),
            "due": long_date(self.evaluations_due_on),
        }

    def stage_on(self, today: datetime.date, facts: YearFacts) -> tuple[Stage, str]:
        """Where the year is on `today`, and why: from what has happened (partners
        confirmed, calls opened and closed, placements confirmed and completed, see
        partners.progress), with the dates only to say when a stage is over.

        Returns (stage, reason): the reason is a sentence the manager can read.
        """
        if today > self.follow_up_on:
            return self.Stage.CLOSED, _("The follow-up date, %(date)s, has passed.") % {
                "date": long_date(self.follow_up_on)
            }
        evaluation = _("Evaluations are due by %(due)s and the follow-up on %(follow_up)s.") % {
            "due": long_date(self.evaluations_due_on),
            "follow_up": long_date(self.follow_up_on),
        }
        if today > self.placements_end_on:
            return self.Stage.EVALUATION, _(
                "The placement window closed on %(end)s. %(evaluation)s"
            ) % {"end": long_date(self.placements_end_on), "evaluation": evaluation}
        done = facts.placements_completed
        if facts.placements and done == facts.placements and not facts.calls_open:
            return self.Stage.EVALUATION, ngettext(
                "Its %(count)s placement is completed. %(evaluation)s",
                "All %(count)s of its placements are completed. %(evaluation)s",
                done,
            ) % {"count": done, "evaluation": evaluation}
        if facts.calls_open:
            # Counted as the board counts them: of the calls expected (the host's and
            # each confirmed partner's), not only of those made so far.
            expected = max(facts.confirmed + 1, facts.calls)
            reason = ngettext(
                "%(open)s of the %(expected)s calls expected is open.",
                "%(open)s of the %(expected)s calls expected are open.",
                facts.calls_open,
            ) % {"open": facts.calls_open, "expected": expected}
            if facts.calls_closed:
                reason += " " + ngettext(
                    "%(closed)s has closed.", "%(closed)s have closed.", facts.calls_closed
                ) % {"closed": facts.calls_closed}
            return self.Stage.CALLS_OPEN, reason + " " + _(
                "Calls are due to close on %(close)s."
            ) % {"close": long_date(self.calls_close_on)}
        if facts.placements:
            return self.Stage.PLACEMENTS, ngettext(
                "%(done)s of %(count)s confirmed placement is completed; placements end "
                "by %(end)s.",
                "%(done)s of %(count)s confirmed placements are completed; placements end "
                "by %(end)s.",
                facts.placements,
            ) % {"done": done, "count": facts.placements, "end": long_date(self.placements_end_on)}
        if facts.calls_closed:
            return self.Stage.SELECTION, ngettext(
                "%(closed)s call has closed and %(selected)s people are selected; placements "
                "begin on %(start)s.",
                "%(closed)s calls have closed and %(selected)s people are selected; "
                "placements begin on %(start)s.",
                facts.calls_closed,
            ) % {
                "closed": facts.calls_closed,
                "selected": facts.selected,
                "start": long_date(self.placements_start_on),
            }
        counts = {"count": facts.confirmed, "target": self.partner_target}
        if facts.calls_waiting:
            return self.Stage.PARTNERS_CONFIRMED, ngettext(
                "%(count)s of %(target)s partners are confirmed and %(calls)s call is made, "
                "waiting to open.",
                "%(count)s of %(target)s partners are confirmed and %(calls)s calls are made, "
                "waiting to open.",
                facts.calls_waiting,
            ) % {**counts, "calls": facts.calls_waiting}
        if today >= self.calls_open_on:
            late = _("No call is open yet, although calls were due to open on %(open)s.") % {
                "open": long_date(self.calls_open_on)
            }
        else:
            late = _("Calls open on %(open)s.") % {"open": long_date(self.calls_open_on)}
        if facts.confirmed >= self.partner_target:
            return self.Stage.PARTNERS_CONFIRMED, _(
                "All %(target)s partners are confirmed. %(calls)s"
            ) % {**counts, "calls": late}
        return self.Stage.PLANNING, _(
            "%(count)s of %(target)s partners are confirmed; the deadline for confirming "
            "them is %(deadline)s. %(calls)s"
        ) % {**counts, "deadline": long_date(self.partners_confirmed_by), "calls": late}


class PartnershipStatus(models.TextChoices):
    INVITED = "invited", _("Invited")
    ACCEPTED = "accepted", _("Accepted, to be confirmed")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Invitations the programme manager may still confirm: answered or not.
TO_CONFIRM = (PartnershipStatus.INVITED, PartnershipStatus.ACCEPTED)


class Partnership(Stateful):
    """An organisation's part in a programme year, from invitation to confirmation."""

    Status = PartnershipStatus

    # The moves the programme allows. Confirming needs room under the year's
    # target as well (see partners.services.partnership_confirm).
    TRANSITIONS = {
        Status.INVITED: {Status.ACCEPTED, Status.CONFIRMED, Status.DECLINED},
        Status.ACCEPTED: {Status.CONFIRMED, Status.DECLINED},
        Status.CONFIRMED: {Status.WITHDRAWN},
        Status.DECLINED: {Status.INVITED},
        Status.WITHDRAWN: {Status.INVITED},
    }
    TRANSITION_REFUSAL = _("%(record)s is %(status)s, so it cannot become %(to)s.")
    TransitionError = PartnershipError
    LOCKED_WITH = ("year", "organisation")

    year = models.ForeignKey(
        ProgrammeYear,
        verbose_name=_("programme year"),
        on_delete=models.PROTECT,
        related_name="partnerships",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="partnerships",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.INVITED
    )
    sends_to_host = models.PositiveSmallIntegerField(
        _("placements it sends to the host"),
        default=1,
        validators=[MaxValueValidator(10)],
    )
    hosts_from_host = models.PositiveSmallIntegerField(
        _("placements it hosts from the host"),
        default=1,
        validators=[MaxValueValidator(10)],
    )
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinators"),
        blank=True,
        related_name="coordinated_partnerships",
        help_text=_(
            "Who coordinates this partnership. Leave empty for all of the organisation's "
            "coordinators."
        ),
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    invited_at = models.DateTimeField(_("invited"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        ordering = ["-year__year", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "organisation"],
                name="partners_partnership_one_per_year",
                violation_error_message=_(
                    "This organisation already has a partnership in this year."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=PartnershipStatus.values),
                name="partners_partnership_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=PartnershipStatus.CONFIRMED)
                | models.Q(confirmed_at__isnull=False),
                name="partners_partnership_confirmed_has_date",
            ),
            models.CheckConstraint(
                condition=models.Q(sends_to_host__lte=10, hosts_from_host__lte=10),
                name="partners_partnership_placements_range",
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="partnership_within_year_rules",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                declare=[("year_row", "RECORD"), ("confirmed_count", "integer")],
                # The year's row is locked first, so two transactions confirming
                # at the same moment count one after the other.
                func="""
                SELECT year, host_id, partner_target INTO year_row
                FROM partners_programmeyear WHERE id = NEW.year_id FOR UPDATE;
                IF NEW.organisation_id = year_row.host_id THEN
                    RAISE EXCEPTION 'The host of % cannot also be one of its partners.',
                        year_row.year
                        USING ERRCODE = 'check_violation',
                              CONSTRAINT = 'partners_partnership_not_host';
                END IF;
                IF NEW.status = 'confirmed' AND (
                    TG_OP = 'INSERT' OR OLD.status <> 'confirmed' OR OLD.year_id <> NEW.year_id
                ) THEN
                    SELECT count(*) INTO confirmed_count FROM partners_partnership
                    WHERE year_id = NEW.year_id AND status = 'confirmed' AND id <> NEW.id;
                    IF confirmed_count >= year_row.partner_target THEN
                        RAISE EXCEPTION '% already has % confirmed partners, its target.',
                            year_row.year, confirmed_count
                            USING ERRCODE = 'check_violation',
                                  CONSTRAINT = 'partners_partnership_within_target';
                    END IF;
                END IF;
                RETURN NEW;
                """,
            ),
            pgtrigger.Trigger(
                name="confirmed_partnership_kept",
                when=pgtrigger.Before,
                operation=pgtrigger.Delete,
                condition=pgtrigger.Q(old__status="confirmed"),
                func="""
                RAISE EXCEPTION 'A confirmed partnership cannot be deleted; withdraw it instead.'
                    USING ERRCODE = 'restrict_violation';
                """,
            ),
        ]

    def __str__(self) -> str:
        return _("%(organisation)s in %(year)s") % {
            "organisation": self.organisation,
            "year": self.year,
        }

    def get_absolute_url(self) -> str:
        return reverse("partners:partnership_detail", kwargs={"pk": self.pk})

    def next_step(self, today: datetime.date, facts: YearFacts) -> str:
        """What the organisation's coordinator is expected to do next, in a sentence,
        from the year's `facts` (partners.progress)."""
        year = self.year
        if self.status == self.Status.INVITED:
            answer = {"year": year.year, "deadline": long_date(year.partners_confirmed_by)}
            if today > year.partners_confirmed_by:
                return (
                    _(
                        "Tell the programme manager as soon as you can whether your organisation "
                        "can take part in %(year)s: the deadline was %(deadline)s."
                    )
                    % answer
                )
            return (
                _(
                    "Tell the programme manager whether your organisation can take part in "
                    "%(year)s by %(deadline)s."
                )
                % answer
            )
        if self.status == self.Status.ACCEPTED:
            return _(
                "You have accepted the invitation to %(year)s. The programme manager confirms "
                "the year's partners by %(deadline)s, and you will be emailed then."
            ) % {"year": year.year, "deadline": long_date(year.partners_confirmed_by)}
        if self.status != self.Status.CONFIRMED:
            return _("Your organisation is not taking part in %(year)s.") % {"year": year.year}
        # A confirmed partner gets on with its call while others are still confirmed.
        return year.next_step(today, dataclasses.replace(facts, confirmed=year.partner_target))


class PartnershipStatusChange(StatusChange):
    """A decision about a partnership: who made it, when, from what, to what, and why."""

    Status = PartnershipStatus

    partnership = models.ForeignKey(
        Partnership,
        verbose_name=_("partnership"),
        on_delete=models.CASCADE,
        related_name="status_changes",
    )

    class Meta(StatusChange.Meta):
        verbose_name = _("partnership status change")
        verbose_name_plural = _("partnership status changes")
