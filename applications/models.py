"""Each institution's open call to its staff, the applications to it, line managers'
endorsements and the coordinator's decisions."""

import datetime

import pgtrigger
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.dates import long_date, long_datetime
from core.errors import RuleError
from core.models import Stateful, StatusChange
from partners.models import Organisation, ProgrammeYear, User


class Call(models.Model):
    """An institution's open call to its own staff for a programme year.

    Host staff apply to go to one of the year's confirmed partners; a partner's
    staff apply to go to the host.
    """

    _change_reason: str  # read by django-simple-history for the history row

    year = models.ForeignKey(
        ProgrammeYear,
        verbose_name=_("programme year"),
        on_delete=models.PROTECT,
        related_name="calls",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="calls",
        help_text=_("The host, or a confirmed partner: its own staff apply."),
    )
    opens_at = models.DateTimeField(_("opens"), help_text=_("UK time."))
    closes_at = models.DateTimeField(
        _("closes"), help_text=_("UK time. Applications must be submitted before this.")
    )
    places = models.PositiveSmallIntegerField(
        _("places"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("How many of its staff the institution can select."),
    )
    destinations = models.ManyToManyField(
        Organisation,
        verbose_name=_("destinations"),
        related_name="incoming_calls",
        help_text=_(
            "Where its staff may go: the year's confirmed partners for the host's call, "
            "the host for a partner's call."
        ),
    )
    eligibility = models.TextField(
        _("who may apply"),
        default=_(
            "Any paid member of staff, of any specialism and at any level, may apply. "
            "Volunteers are not eligible."
        ),
    )
    guidance = models.TextField(
        _("guidance for applicants"),
        blank=True,
        help_text=_("What makes a strong application, and anything particular to this call."),
    )
    readers_per_application = models.PositiveSmallIntegerField(
        _("readers per application"),
        default=2,
        db_default=2,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("How many readers score each application."),
    )
    anonymised = models.BooleanField(
        _("anonymised first pass"),
        default=True,
        db_default=True,
        help_text=_(
            "Readers score without the applicant's name, job title or department; names "
            "appear when the coordinator moderates."
        ),
    )
    accept_within_days = models.PositiveSmallIntegerField(
        _("days to accept a place"),
        default=14,
        db_default=14,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_(
            "A selected person accepts or declines their place within this many days of "
            "being told; if they do not, the place is offered to the reserve list."
        ),
    )
    decisions_released_at = models.DateTimeField(
        _("decisions released"),
        null=True,
        blank=True,
        help_text=_(
            "Decisions are drafted while the call is open or after; applicants hear them "
            "together once they are released, after the call closes."
        ),
    )
    decisions_released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decisions released by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-year__year", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "organisation"],
                name="applications_call_one_per_institution_and_year",
                violation_error_message=_("This institution already has a call in this year."),
            ),
            models.CheckConstraint(
                condition=models.Q(opens_at__lt=models.F("closes_at")),
                name="applications_call_opens_before_it_closes",
                violation_error_message=_("A call must open before it closes."),
            ),
            models.CheckConstraint(
                condition=models.Q(places__gte=1),
                name="applications_call_has_places",
                violation_error_message=_("A call needs at least one place."),
            ),
            models.CheckConstraint(
                condition=models.Q(accept_within_days__range=(1, 60)),
                name="applications_call_accept_within_days",
                violation_error_message=_("Give between 1 and 60 days to accept a place."),
            ),
            models.CheckConstraint(
                condition=models.Q(decisions_released_at__isnull=True)
                | models.Q(decisions_released_at__gte=models.F("closes_at")),
                name="applications_call_released_after_closing",
                violation_error_message=_("Decisions are released only after the call closes."),
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="call_by_year_institution",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func="""
                IF NOT EXISTS (
                    SELECT 1 FROM partners_programmeyear WHERE id = NEW.year_id
                    AND host_id = NEW.organisation_id
                ) AND NOT EXISTS (
                    SELECT 1 FROM partners_partnership WHERE year_id = NEW.year_id
                    AND organisation_id = NEW.organisation_id AND status = 'confirmed'
                ) THEN
                    RAISE EXCEPTION 'Only the host or a confirmed partner opens a call.'
                        USING ERRCODE = 'check_violation',
                              CONSTRAINT = 'applications_call_by_year_institution';
                END IF;
                RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return _("%(organisation)s call, %(year)s") % {
            "organisation": self.organisation,
            "year": self.year,
        }

    def get_absolute_url(self) -> str:
        return reverse("applications:call_detail", kwargs={"pk": self.pk})

    def is_open(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at

    def has_closed(self, now: datetime.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.closes_at

    @property
    def decisions_released(self) -> bool:
        return self.decisions_released_at is not None

    def reader_organisation_ids(self) -> list[int]:
        """Where its readers come from: its own organisation and its destinations."""
        return [self.organisation_id, *self.destinations.values_list("pk", flat=True)]


class ApplicationError(RuleError):
    """A change to a call or an application that the programme's rules refuse."""


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    RESERVE = "reserve", _("On the reserve list")
    SELECTED = "selected", _("Selected")
    DECLINED = "declined", _("Not selected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Submitted and not decided: shortlisting is a step of deciding, not a decision.
UNDECIDED = (ApplicationStatus.SUBMITTED, ApplicationStatus.SHORTLISTED)

# Decided, but not yet told: the applicant hears once the call's decisions are released.
DRAFTED_DECISIONS = (
    ApplicationStatus.SHORTLISTED,
    ApplicationStatus.RESERVE,
    ApplicationStatus.SELECTED,
    ApplicationStatus.DECLINED,
)

# The decisions an applicant is told when a call's decisions are released.
RELEASED_DECISIONS = (
    ApplicationStatus.RESERVE,
    ApplicationStatus.SELECTED,
    ApplicationStatus.DECLINED,
)


# What a read of an applicant's access requirements is recorded as (core.privacy).
ACCESS_REQUIREMENTS = "access requirements"


def read_by_panel() -> models.Q:
    """The applications a call's readers read: submitted, and not withdrawn."""
    return ~models.Q(status__in=[ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN])


def place_waiting() -> models.Q:
    """Selected and told, and the place neither accepted nor declined yet."""
    return models.Q(status=ApplicationStatus.SELECTED, place_answer="", accept_by__isnull=False)


# The review page's choice of the applications place_waiting() finds.
NOT_YET_ACCEPTED = "not_accepted"


def released(prefix: str = "") -> models.Q:
    """Applications whose call's decisions have been released to applicants."""
    return models.Q(**{f"{prefix}call__decisions_released_at__isnull": False})


def waiting_to_hear(prefix: str = "") -> models.Q:
    """Submitted applications whose applicant has no decision yet: undecided, shortlisted
    (which is internal) or decided in a call not yet released."""
    status = f"{prefix}status__in"
    return models.Q(**{status: UNDECIDED}) | (
        models.Q(**{status: DRAFTED_DECISIONS}) & ~released(prefix)
    )


def selected_and_released(prefix: str = "") -> models.Q:
    """Selected, and told so: the people a host hears of and a placement is planned for."""
    return models.Q(**{f"{prefix}status": ApplicationStatus.SELECTED}) & released(prefix)


class Specialism(models.TextChoices):
    CURATORIAL = "curatorial", _("Curatorial and research")
    COLLECTIONS = "collections", _("Collections care and conservation")
    LEARNING = "learning", _("Learning, engagement and community")
    EXHIBITIONS = "exhibitions", _("Exhibitions and design")
    DIGITAL = "digital", _("Digital and technology")
    VISITOR = "visitor", _("Visitor experience and front of house")
    COMMUNICATIONS = "communications", _("Marketing, communications and press")
    DEVELOPMENT = "development", _("Fundraising and development")
    COMMERCIAL = "commercial", _("Retail and commercial")
    OPERATIONS = "operations", _("Operations, estates and security")
    CORPORATE = "corporate", _("Finance, people and governance")
    ARCHIVES = "archives", _("Libraries and archives")
    OTHER = "other", _("Other")


class CareerLevel(models.TextChoices):
    ENTRY = "entry", _("Entry level or trainee")
    EARLY = "early", _("Early career")
    MID = "mid", _("Mid-career")
    SENIOR = "senior", _("Senior or managing a team")
    HEAD = "head", _("Head of department or above")


# What the applicant writes, in the order the form asks it: the one list the form,
# the services, the admin and the database trigger below start from.
APPLICANT_ANSWERS = (
    "job_title",
    "department",
    "specialism",
    "career_level",
    "line_manager_name",
    "line_manager_email",
    "first_preference",
    "second_preference",
    "learning_goals",
    "can_share",
    "departments_of_interest",
    "availability",
    "access_requirements",
)
# A second choice and access requirements are optional; the rest is needed to submit.
REQUIRED_TO_SUBMIT = tuple(
    name for name in APPLICANT_ANSWERS if name not in ("second_preference", "access_requirements")
)
# After submission none of the answers changes: the database refuses an edit (trigger
# application_content_kept). The line manager's name and address may be corrected
# when the request is resent.
APPLICATION_CONTENT_FIELDS = tuple(
    f"{name}_id" if name.endswith("_preference") else name
    for name in APPLICANT_ANSWERS
    if not name.startswith("line_manager_")
)


class PlaceAnswer(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    LAPSED = "lapsed", _("Not answered in time")


class Application(Stateful):
    """A member of staff's application to their own organisation's call."""

    _history_user: User | None  # read by django-simple-history: who made the change
    _change_reason: str  # and why

    # The new endorsement request, kept by application_submit for the demo loader.
    endorsement_request: "Endorsement"

    Status = ApplicationStatus
    PlaceAnswer = PlaceAnswer
    Specialism = Specialism
    CareerLevel = CareerLevel

    # The moves the programme allows. Selecting needs a free place as well
    # (see applications.services.application_select).
    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED},
        Status.SUBMITTED: {
            Status.SHORTLISTED,
            Status.RESERVE,
            Status.SELECTED,
            Status.DECLINED,
            Status.WITHDRAWN,
        },
        Status.SHORTLISTED: {Status.RESERVE, Status.SELECTED, Status.DECLINED, Status.WITHDRAWN},
        Status.RESERVE: {Status.SELECTED, Status.DECLINED, Status.WITHDRAWN},
        Status.SELECTED: {Status.WITHDRAWN},
        Status.DECLINED: set(),
        Status.WITHDRAWN: set(),
    }
    TRANSITION_REFUSAL = _("This application is %(status)s, so it cannot become %(to)s.")
    TransitionError = ApplicationError
    LOCKED_WITH = ("call__year", "call__organisation", "applicant", "destination")
    # The coordinator's decisions, in the order the review form offers them.
    DECISIONS = (Status.SHORTLISTED, Status.SELECTED, Status.RESERVE, Status.DECLINED)

    class HostResponse(models.TextChoices):
        AGREED = "agreed", _("Agreed to host")
        CONCERN = "concern", _("Concern raised")

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="applications"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    department = models.CharField(_("department"), max_length=150, blank=True)
    specialism = models.CharField(
        _("specialism"), max_length=20, choices=Specialism.choices, blank=True
    )
    career_level = models.CharField(
        _("career level"), max_length=20, choices=CareerLevel.choices, blank=True
    )
    line_manager_name = models.CharField(_("line manager's name"), max_length=150, blank=True)
    line_manager_email = models.EmailField(
        _("line manager's email address"),
        blank=True,
        help_text=_("We email them a link to endorse your time away. They need no account."),
    )
    first_preference = models.ForeignKey(
        Organisation,
        verbose_name=_("first choice of destination"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    second_preference = models.ForeignKey(
        Organisation,
        verbose_name=_("second choice of destination"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    learning_goals = models.TextField(
        _("what you want to learn, and why"),
        blank=True,
        help_text=_("What you hope to learn on your placement, and why it matters to your work."),
    )
    can_share = models.TextField(
        _("what you can share with the host"),
        blank=True,
        help_text=_("The knowledge, skills or experience you could offer your hosts."),
    )
    departments_of_interest = models.TextField(
        _("departments or areas you hope to spend time with"), blank=True
    )
    availability = models.TextField(
        _("your availability"),
        blank=True,
        help_text=_("The weeks within the placement window when you could go, or could not."),
    )
    access_requirements = models.TextField(
        _("access requirements"),
        blank=True,
        help_text=_(
            "Anything that would help you take part fully. Private: only you, the "
            "coordinators of your placement and the programme manager can read it."
        ),
    )
    destination = models.ForeignKey(
        Organisation,
        verbose_name=_("selected to go to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="incoming_applications",
    )
    decision_reason = models.TextField(
        _("reason for the decision"),
        blank=True,
        help_text=_("The applicant reads this."),
    )
    selected_without_endorsement = models.BooleanField(
        _("selected without an endorsement"),
        default=False,
        help_text=_(
            "The coordinator confirmed selecting the applicant before their line manager "
            "endorsed the application."
        ),
    )
    reserve_since = models.DateTimeField(_("on the reserve list since"), null=True, blank=True)
    accept_by = models.DateTimeField(
        _("accept the place by"),
        null=True,
        blank=True,
        help_text=_("Set when a selected person is told of their place."),
    )
    place_answer = models.CharField(
        _("answer to the place"),
        max_length=20,
        choices=PlaceAnswer.choices,
        blank=True,
        default="",
        db_default="",
    )
    place_answered_at = models.DateTimeField(_("place answered"), null=True, blank=True)
    moderated_score = models.DecimalField(
        _("moderated score"),
        max_digits=3,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The coordinator's adjusted mean, which ranks the application instead."),
    )
    moderation_reason = models.TextField(
        _("reason for the moderation"), blank=True, default="", db_default=""
    )
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("moderated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    moderated_at = models.DateTimeField(_("moderated"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    host_response = models.CharField(
        _("host's response"), max_length=20, choices=HostResponse.choices, blank=True
    )
    host_response_note = models.TextField(_("host's note"), blank=True)
    host_response_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("host's response by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    host_response_at = models.DateTimeField(_("host's response given"), null=True, blank=True)
    anonymised_at = models.DateTimeField(
        _("anonymised"),
        null=True,
        blank=True,
        help_text=_("When the answers were removed (by the retention schedule or an erasure)."),
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-submitted_at", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "applicant"],
                name="applications_application_once_per_call",
                violation_error_message=_("You have already applied to this call."),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ApplicationStatus.values),
                name="applications_application_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status=ApplicationStatus.DRAFT)
                | models.Q(submitted_at__isnull=False),
                name="applications_application_submitted_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ApplicationStatus.SELECTED)
                | models.Q(destination__isnull=False),
                name="applications_application_selected_has_destination",
                violation_error_message=_("A selected application needs a destination."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ApplicationStatus.DECLINED)
                | ~models.Q(decision_reason=""),
                name="applications_application_declined_has_reason",
                violation_error_message=_("Say why the application is not selected."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ApplicationStatus.RESERVE)
                | models.Q(reserve_since__isnull=False),
                name="applications_application_reserve_has_date",
            ),
            models.CheckConstraint(
                condition=models.Q(place_answer="", place_answered_at__isnull=True)
                | (
                    models.Q(place_answer__in=PlaceAnswer.values)
                    & models.Q(place_answered_at__isnull=False)
                ),
                name="applications_application_place_answer_has_date",
            ),
            # Declining (or not answering) gives the place up; an accepted place is
            # kept until the person withdraws.
            models.CheckConstraint(
                condition=models.Q(place_answer="")
                | models.Q(
                    place_answer=PlaceAnswer.ACCEPTED,
                    status__in=[ApplicationStatus.SELECTED, ApplicationStatus.WITHDRAWN],
                )
                | models.Q(
                    place_answer__in=[PlaceAnswer.DECLINED, PlaceAnswer.LAPSED],
                    status=ApplicationStatus.WITHDRAWN,
                ),
                name="applications_application_place_answer_fits_status",
            ),
            models.CheckConstraint(
                condition=models.Q(moderated_score__isnull=True)
                | (~models.Q(moderation_reason="") & models.Q(moderated_at__isnull=False)),
                name="applications_application_moderation_has_reason",
                violation_error_message=_("Say why the score is moderated."),
            ),
            models.CheckConstraint(
                condition=~models.Q(first_preference=models.F("second_preference")),
                name="applications_application_two_different_choices",
                violation_error_message=_("Choose a different second choice, or none."),
            ),
        ]
        indexes = [
            models.Index(fields=["call", "status"]),
            models.Index(fields=["submitted_at", "created_at", "id"], name="applications_newest"),
            # A call's applications to review, oldest or newest first.
            models.Index(fields=["call", "submitted_at", "id"], name="applications_to_review"),
            # The people selected from a year's calls (to an organisation): who is
            # coming, found and counted from the index alone.
            models.Index(
                fields=["call", "destination"],
                include=["applicant", "id"],
                condition=models.Q(status="selected"),
                name="applications_selected",
            ),
        ]
        triggers = [
            # Rules that involve other rows: PostgreSQL only, the services hold
            # them everywhere.
            pgtrigger.Trigger(
                name="application_by_own_staff",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.UpdateOf("call_id", "applicant_id"),
                func="""
                IF NOT EXISTS (
                    SELECT 1 FROM partners_membership m
                    JOIN applications_call c ON c.organisation_id = m.organisation_id
                    WHERE c.id = NEW.call_id AND m.user_id = NEW.applicant_id
                ) THEN
                    RAISE EXCEPTION 'Staff apply only to their own organisation''s call.'
                        USING ERRCODE = 'check_violation',
                              CONSTRAINT = 'applications_application_own_organisation';
                END IF;
                RETURN NEW;
                """,
            ),
            pgtrigger.Trigger(
                name="application_content_kept",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                condition=pgtrigger.Condition(
                    "OLD.status <> 'draft' AND ("
                    + " OR ".join(
                        f"OLD.{name} IS DISTINCT FROM NEW.{name}"
                        for name in APPLICATION_CONTENT_FIELDS
                    )
                    + ")"
                ),
                func="""
                RAISE EXCEPTION 'A submitted application cannot be edited.'
                    USING ERRCODE = 'check_violation',
                          CONSTRAINT = 'applications_application_content_kept';
                """,
            ),
            pgtrigger.Trigger(
                name="application_selected_within_places",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                condition=pgtrigger.Q(new__status="selected"),
                declare=[("call_places", "integer"), ("selected_count", "integer")],
                # The call's row is locked first, so two selections at the same
                # moment are counted one after the other.
                func="""
                IF TG_OP = 'UPDATE' AND OLD.status = 'selected' AND OLD.call_id = NEW.call_id THEN
                    RETURN NEW;
                END IF;
                SELECT places INTO call_places FROM applications_call
                WHERE id = NEW.call_id FOR UPDATE;
                SELECT count(*) INTO selected_count FROM applications_application
                WHERE call_id = NEW.call_id AND status = 'selected' AND id <> NEW.id;
                IF selected_count >= call_places THEN
                    RAISE EXCEPTION 'All % places of the call are taken.', call_places
                        USING ERRCODE = 'check_violation',
                              CONSTRAINT = 'applications_application_within_places';
                END IF;
                RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return _("%(applicant)s to %(call)s") % {"applicant": self.applicant, "call": self.call}

    def can_transition_to(self, status: str) -> bool:
        """Until the call's decisions are released they are drafts: a coordinator may
        change one decision for another."""
        if super().can_transition_to(status):
            return True
        return (
            self.status in DRAFTED_DECISIONS
            and status in DRAFTED_DECISIONS
            and status != self.status
            and not self.call.decisions_released
        )

    @property
    def applicant_status(self) -> ApplicationStatus:
        """The status the applicant sees: shortlisting is internal, and a decision is
        theirs only once the call's decisions are released."""
        status = self.Status(self.status)
        if status == self.Status.SHORTLISTED or (
            status in DRAFTED_DECISIONS and not self.call.decisions_released
        ):
            return self.Status.SUBMITTED
        return status

    def get_absolute_url(self) -> str:
        return reverse("applications:application_detail", kwargs={"pk": self.pk})

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def place_to_answer(self) -> bool:
        """Selected and told, and not yet accepted or declined."""
        return (
            self.applicant_status == self.Status.SELECTED
            and not self.place_answer
            and self.accept_by is not None
        )

    @property
    def can_withdraw(self) -> bool:
        return self.can_transition_to(self.Status.WITHDRAWN)

    @property
    def preferences(self) -> list[Organisation]:
        return [o for o in (self.first_preference, self.second_preference) if o is not None]

    def next_step(self) -> str:
        """What happens next, in a sentence the applicant reads (of the status they see)."""
        steps = {
            self.Status.DRAFT: _(
                "Finish and submit your application before the call closes on %(closes)s."
            ),
            self.Status.SUBMITTED: _(
                "Your coordinator reviews the applications, and everyone hears together "
                "after the call closes on %(closes)s, by %(decisions_by)s. We will email you."
            ),
            self.Status.RESERVE: _(
                "You are on the reserve list: if a selected colleague cannot go, the place is "
                "offered to the first person on the list, and we will email you."
            ),
            self.Status.SELECTED: _(
                "Congratulations. Your coordinator and your hosts will now plan your five-day "
                "placement with you."
            )
            if not self.place_to_answer
            else _(
                "Accept or decline your place by %(accept_by)s. If you do not answer by then, "
                "it is offered to the next person on the reserve list."
            ),
            self.Status.DECLINED: _(
                "Thank you for applying. The programme opens again every year, and we hope "
                "you will apply again."
            ),
            self.Status.WITHDRAWN: _("You withdrew this application. Nothing more is needed."),
        }
        return steps[self.applicant_status] % {
            "accept_by": long_datetime(self.accept_by) if self.accept_by else "",
            "closes": long_datetime(self.call.closes_at),
            "decisions_by": long_date(self.call.year.decisions_by),
        }


class ApplicationStatusChange(StatusChange):
    """A move of an application: who made it, when, from what, to what, and why."""

    Status = ApplicationStatus

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="status_changes",
    )

    class Meta(StatusChange.Meta):
        verbose_name = _("application status change")
        verbose_name_plural = _("application status changes")


class Endorsement(models.Model):
    """A request to the applicant's line manager, answered once through an emailed link."""

    token: str  # the link's token, on a new endorsement only (never stored)

    class Decision(models.TextChoices):
        ENDORSED = "endorsed", _("Endorsed")
        NOT_ENDORSED = "not_endorsed", _("Not endorsed")

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="endorsements",
    )
    line_manager_name = models.CharField(_("line manager's name"), max_length=150)
    line_manager_email = models.EmailField(_("sent to"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)
    expires_at = models.DateTimeField(_("link expires"))
    superseded_at = models.DateTimeField(_("replaced by a new link"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    decided_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("endorsement")
        verbose_name_plural = _("endorsements")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decision="", decided_at__isnull=True)
                | models.Q(decision__in=["endorsed", "not_endorsed"], decided_at__isnull=False),
                name="applications_endorsement_decided_has_date",
            ),
            models.CheckConstraint(
                condition=models.Q(superseded_at__isnull=True) | models.Q(decision=""),
                name="applications_endorsement_answered_not_superseded",
            ),
            # One answer per application at most.
            models.UniqueConstraint(
                fields=["application"],
                condition=~models.Q(decision=""),
                name="applications_endorsement_one_answer",
            ),
        ]

    def __str__(self) -> str:
        return _("Endorsement of %(application)s") % {"application": self.application}

    @property
    def is_answered(self) -> bool:
        return bool(self.decision)

    def has_expired(self, now: datetime.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.expires_at


# --- Selection by a panel: the rubric, readers, declared conflicts and scores ----------


class Scale(models.IntegerChoices):
    FOUR = 4, _("1 to 4")
    FIVE = 5, _("1 to 5")


class Rubric(models.Model):
    """The criteria applications are scored on: the programme's default (no call), or a
    call's own copy of it, which its coordinator may adjust until the first score."""

    _history_user: User | None  # read by django-simple-history: who made the change

    call = models.OneToOneField(
        Call,
        verbose_name=_("call"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="rubric",
        help_text=_("Empty for the programme's default rubric, which each new call copies."),
    )
    scale = models.PositiveSmallIntegerField(
        _("scale"),
        choices=Scale.choices,
        default=Scale.FOUR,
        help_text=_("Readers score each criterion from 1 to this."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("rubric")
        verbose_name_plural = _("rubrics")
        constraints = [
            # One default: a call's rubric has its call; the default is the one without.
            models.UniqueConstraint(
                Coalesce("call", 0), name="applications_rubric_one_default_and_one_per_call"
            ),
            models.CheckConstraint(
                condition=models.Q(scale__in=Scale.values), name="applications_rubric_scale"
            ),
        ]

    def __str__(self) -> str:
        if self.call_id is None:
            return str(_("The programme's default rubric"))
        return _("Rubric of %(call)s") % {"call": self.call}


# Descriptors per score, as columns: a scale is never longer than five.
DESCRIPTOR_FIELDS = ("descriptor_1", "descriptor_2", "descriptor_3", "descriptor_4", "descriptor_5")


class Criterion(models.Model):
    """One thing readers score, with its weight and what each score means."""

    _history_user: User | None  # read by django-simple-history: who made the change

    rubric = models.ForeignKey(
        Rubric, verbose_name=_("rubric"), on_delete=models.CASCADE, related_name="criteria"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    title = models.CharField(_("criterion"), max_length=150)
    guidance = models.TextField(
        _("what readers look for"), blank=True, help_text=_("Shown to readers as they score.")
    )
    weight = models.PositiveSmallIntegerField(
        _("weight"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text=_("How much this criterion counts towards the mean, from 1 to 10."),
    )
    descriptor_1 = models.CharField(_("1 means"), max_length=300)
    descriptor_2 = models.CharField(_("2 means"), max_length=300)
    descriptor_3 = models.CharField(_("3 means"), max_length=300)
    descriptor_4 = models.CharField(_("4 means"), max_length=300)
    descriptor_5 = models.CharField(
        _("5 means"), max_length=300, blank=True, help_text=_("On a scale of 1 to 5 only.")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["rubric", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight__gte=1, weight__lte=10),
                name="applications_criterion_weight",
                violation_error_message=_("A weight is from 1 to 10."),
            ),
        ]
        triggers = [
            # The rubric is fixed once a reader has scored against it (PostgreSQL only;
            # the services refuse it everywhere).
            pgtrigger.Trigger(
                name="criterion_fixed_once_scored",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                declare=[("rubric", "integer")],
                func="""
                rubric := CASE WHEN TG_OP = 'DELETE' THEN OLD.rubric_id ELSE NEW.rubric_id END;
                IF EXISTS (
                    SELECT 1 FROM applications_score s
                    JOIN applications_criterion c ON c.id = s.criterion_id
                    WHERE c.rubric_id = rubric
                ) THEN
                    RAISE EXCEPTION 'The rubric is fixed once readers have scored against it.'
                        USING ERRCODE = 'check_violation',
                              CONSTRAINT = 'applications_criterion_fixed_once_scored';
                END IF;
                RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
                """,
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def descriptors(self, scale: int) -> list[tuple[int, str]]:
        """Each score of the scale, with what it means."""
        return [(n, getattr(self, f"descriptor_{n}")) for n in range(1, scale + 1)]


class Reader(models.Model):
    """A person asked to read a call's applications: a colleague at its organisation,
    or someone at a destination (its coordinator, or a department contact), who reads
    only applications that name that destination."""

    _history_user: User | None  # read by django-simple-history: who made the change
    # How many of the call's applications they read, and have submitted (call_panel).
    assigned: int
    submitted: int

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="readers"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reader"),
        on_delete=models.PROTECT,
        related_name="readings",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("reads for"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_(
            "The call's organisation, or a destination: a destination's reader reads only "
            "the applications that name it."
        ),
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("reader")
        verbose_name_plural = _("readers")
        ordering = ["call", "user__full_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "user"],
                name="applications_reader_once_per_call",
                violation_error_message=_("This person already reads for this call."),
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="reader_belongs",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                func="""
                IF NOT EXISTS (
                    SELECT 1 FROM partners_membership m
                    WHERE m.user_id = NEW.user_id AND m.organisation_id = NEW.organisation_id
                ) OR NOT (
                    NEW.organisation_id = (SELECT organisation_id FROM applications_call
                                           WHERE id = NEW.call_id)
                    OR EXISTS (SELECT 1 FROM applications_call_destinations d
                               WHERE d.call_id = NEW.call_id
                               AND d.organisation_id = NEW.organisation_id)
                ) THEN
                    RAISE EXCEPTION 'A reader belongs to the call''s organisation or a destination.'
                        USING ERRCODE = 'check_violation',
                              CONSTRAINT = 'applications_reader_belongs';
                END IF;
                RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return _("%(person)s, reading %(call)s") % {"person": self.user, "call": self.call}


class Conflict(models.TextChoices):
    NONE = "none", _("No conflict")
    LINE_MANAGER = "line_manager", _("I am their line manager")
    SAME_TEAM = "same_team", _("We work in the same team")
    CLOSE = "close", _("We have a close personal relationship")
    OTHER = "other", _("Another reason (say what)")


class Assignment(models.Model):
    """An application given to a reader: their declaration of any conflict (made before
    they read it), their scores and their comment for the coordinator."""

    _history_user: User | None  # read by django-simple-history: who made the change

    class State(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        CONFLICT = "conflict", _("Conflict declared")
        REMOVED = "removed", _("Removed by the coordinator")

    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reader"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.ASSIGNED
    )
    conflict = models.CharField(_("conflict"), max_length=20, choices=Conflict.choices, blank=True)
    conflict_note = models.TextField(_("about the conflict"), blank=True)
    declared_at = models.DateTimeField(_("declared"), null=True, blank=True)
    comment = models.TextField(
        _("comment"),
        blank=True,
        help_text=_("For the coordinator, who may draw on it for the applicant's feedback."),
    )
    submitted_at = models.DateTimeField(_("scores submitted"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty when assigned automatically."),
    )
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["application", "assigned_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reader"],
                name="applications_assignment_once",
                violation_error_message=_("This reader already has this application."),
            ),
            models.CheckConstraint(
                condition=models.Q(conflict="", declared_at__isnull=True)
                | (~models.Q(conflict="") & models.Q(declared_at__isnull=False)),
                name="applications_assignment_declared_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(conflict=Conflict.OTHER) | ~models.Q(conflict_note=""),
                name="applications_assignment_other_conflict_said",
                violation_error_message=_("Say what the conflict is."),
            ),
            models.CheckConstraint(
                condition=~models.Q(state="conflict")
                | (~models.Q(conflict="") & ~models.Q(conflict=Conflict.NONE)),
                name="applications_assignment_conflict_state",
            ),
            models.CheckConstraint(
                condition=models.Q(submitted_at__isnull=True)
                | models.Q(conflict=Conflict.NONE, state="assigned"),
                name="applications_assignment_submitted_without_conflict",
                violation_error_message=_(
                    "Scores are submitted only by a reader with no conflict."
                ),
            ),
        ]
        indexes = [models.Index(fields=["reader", "state"], name="applications_reading")]
        triggers = [
            pgtrigger.Trigger(
                name="assignment_not_own",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.UpdateOf("application_id", "reader_id"),
                func="""
                IF EXISTS (SELECT 1 FROM applications_application
                           WHERE id = NEW.application_id AND applicant_id = NEW.reader_id) THEN
                    RAISE EXCEPTION 'Nobody reads their own application.'
                        USING ERRCODE = 'check_violation',
                              CONSTRAINT = 'applications_assignment_not_own';
                END IF;
                IF NOT EXISTS (
                    SELECT 1 FROM applications_reader r
                    JOIN applications_application a ON a.call_id = r.call_id
                    WHERE a.id = NEW.application_id AND r.user_id = NEW.reader_id
                ) THEN
                    RAISE EXCEPTION 'Only a reader of the call reads its applications.'
                        USING ERRCODE = 'check_violation',
                              CONSTRAINT = 'applications_assignment_by_reader';
                END IF;
                RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return _("%(application)s, read by %(reader)s") % {
            "application": self.application,
            "reader": self.reader,
        }

    @property
    def is_declared(self) -> bool:
        return bool(self.conflict)

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class Score(models.Model):
    """A reader's score for one criterion of an application, with an optional comment."""

    _history_user: User | None  # read by django-simple-history: who made the change

    assignment = models.ForeignKey(
        Assignment, verbose_name=_("assignment"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="scores"
    )
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["assignment", "criterion__position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "criterion"],
                name="applications_score_once_per_criterion",
                violation_error_message=_("This criterion is already scored."),
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5),
                name="applications_score_in_range",
                violation_error_message=_("A score is from 1 to 5."),
            ),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="score_allowed",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update,
                declare=[("scale", "integer")],
                func="""
                IF NOT EXISTS (SELECT 1 FROM applications_assignment
                               WHERE id = NEW.assignment_id AND conflict = 'none'
                               AND state = 'assigned') THEN
                    RAISE EXCEPTION 'Only a reader without a conflict scores an application.'
                        USING ERRCODE = 'check_violation',
                              CONSTRAINT = 'applications_score_without_conflict';
                END IF;
                SELECT r.scale INTO scale FROM applications_rubric r
                JOIN applications_criterion c ON c.rubric_id = r.id
                JOIN applications_assignment s ON s.id = NEW.assignment_id
                JOIN applications_application a ON a.id = s.application_id
                WHERE c.id = NEW.criterion_id AND r.call_id = a.call_id;
                IF scale IS NULL THEN
                    RAISE EXCEPTION 'A score is for a criterion of the application''s call.'
                        USING ERRCODE = 'check_violation',
                              CONSTRAINT = 'applications_score_of_the_call';
                END IF;
                IF NEW.score > scale THEN
                    RAISE EXCEPTION 'A score is from 1 to %.', scale
                        USING ERRCODE = 'check_violation',
                              CONSTRAINT = 'applications_score_within_scale';
                END IF;
                RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.score}"
