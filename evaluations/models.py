"""Evaluations: the four instruments, each person's response to each, and when each is due.

Every instrument rates the programme's four outcomes (from its 2010-2018 evaluation)
on the same five-point scale, so change from the baseline can be measured; the
post-exchange and follow-up ones also ask how far each of the four aims was met.
"""

import datetime

import pgtrigger
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.errors import RuleError
from core.models import Stateful, StatusChange
from placements.models import Placement


class EvaluationError(RuleError):
    """An evaluation the programme's rules refuse."""


class Instrument(models.TextChoices):
    BASELINE = "baseline", _("Baseline survey")
    POST_EXCHANGE = "post_exchange", _("Post-exchange evaluation")
    HOST_FEEDBACK = "host_feedback", _("Host supervisor's feedback")
    FOLLOW_UP = "follow_up", _("Follow-up")


# The four ways the programme works, which every instrument rates.
OUTCOMES = {
    "knowledge_sharing": _("Knowledge-sharing and collaborative skills"),
    "confidence": _("Confidence"),
    "reflection": _("Time for reflection"),
    "motivation": _("Motivation"),
}

# The four aims of a placement, which the post-exchange and follow-up ones rate.
AIMS = {
    "aim_knowledge": _("Individual and organisational knowledge and skills developed"),
    "aim_relationships": _("Relationships built between the organisations"),
    "aim_insight": _("Insight into, and exposure to, specific areas of museum work"),
    "aim_sustainable": _("Sustainable methods for sharing knowledge across the sector"),
}

OUTCOME_SCALE = [
    (1, _("1: very low")),
    (2, _("2: low")),
    (3, _("3: moderate")),
    (4, _("4: high")),
    (5, _("5: very high")),
]
AIM_SCALE = [
    (1, _("1: not at all")),
    (2, _("2: a little")),
    (3, _("3: partly")),
    (4, _("4: largely")),
    (5, _("5: fully")),
]

# Tuples, not sets: a constraint built from them must read the same on every run.
ASKS_AIMS = (Instrument.POST_EXCHANGE, Instrument.FOLLOW_UP)
ASKS_REFLECTION = (Instrument.POST_EXCHANGE, Instrument.FOLLOW_UP)
# Who answers each instrument.
ANSWERED_BY_SUPERVISOR = (Instrument.HOST_FEEDBACK,)


def _rating(label, scale) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label,
        choices=scale,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )


def _in_range(names) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=models.Q(**{f"{name}__isnull": True})
            | models.Q(**{f"{name}__gte": 1, f"{name}__lte": 5}),
            name=f"evaluations_response_{name}_1_to_5",
        )
        for name in names
    ]


def _all_given(names) -> models.Q:
    return models.Q(**{f"{name}__isnull": False for name in names})


class ResponseStatus(models.TextChoices):
    DRAFT = "draft", _("Started")
    SUBMITTED = "submitted", _("Submitted")


class Response(models.Model):
    """One person's answers to one instrument for one placement; saved as a draft until
    submitted, then kept as it was."""

    Instrument = Instrument
    Status = ResponseStatus

    placement = models.ForeignKey(
        Placement,
        verbose_name=_("placement"),
        on_delete=models.PROTECT,
        related_name="evaluation_responses",
    )
    instrument = models.CharField(_("instrument"), max_length=20, choices=Instrument.choices)
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("respondent"),
        on_delete=models.PROTECT,
        related_name="evaluation_responses",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    knowledge_sharing = _rating(OUTCOMES["knowledge_sharing"], OUTCOME_SCALE)
    confidence = _rating(OUTCOMES["confidence"], OUTCOME_SCALE)
    reflection = _rating(OUTCOMES["reflection"], OUTCOME_SCALE)
    motivation = _rating(OUTCOMES["motivation"], OUTCOME_SCALE)
    aim_knowledge = _rating(AIMS["aim_knowledge"], AIM_SCALE)
    aim_relationships = _rating(AIMS["aim_relationships"], AIM_SCALE)
    aim_insight = _rating(AIMS["aim_insight"], AIM_SCALE)
    aim_sustainable = _rating(AIMS["aim_sustainable"], AIM_SCALE)
    reflections = models.TextField(
        _("your reflections"),
        blank=True,
        help_text=_("What stayed with you, what surprised you, what you would do differently."),
    )
    shared_at_home = models.TextField(
        _("what you have shared back at home"),
        blank=True,
        help_text=_("Talks, notes, new ways of working: what your colleagues have gained."),
    )
    comments = models.TextField(_("anything else"), blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last saved"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("evaluation response")
        verbose_name_plural = _("evaluation responses")
        ordering = ["placement", "instrument"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "instrument"],
                name="evaluations_response_once_per_instrument",
                violation_error_message=_("This evaluation has already been started."),
            ),
            models.CheckConstraint(
                condition=models.Q(instrument__in=Instrument.values),
                name="evaluations_response_instrument_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status=ResponseStatus.DRAFT)
                | models.Q(submitted_at__isnull=False),
                name="evaluations_response_submitted_has_date",
            ),
            models.CheckConstraint(
                condition=models.Q(status=ResponseStatus.DRAFT) | _all_given(OUTCOMES),
                name="evaluations_response_submitted_rates_outcomes",
                violation_error_message=_("Rate each of the four outcomes before submitting."),
            ),
            models.CheckConstraint(
                condition=models.Q(status=ResponseStatus.DRAFT)
                | ~models.Q(instrument__in=ASKS_AIMS)
                | _all_given(AIMS),
                name="evaluations_response_submitted_rates_aims",
                violation_error_message=_("Rate each of the four aims before submitting."),
            ),
            *_in_range([*OUTCOMES, *AIMS]),
        ]
        triggers = [
            # Rules that involve other rows: PostgreSQL only; the services hold them
            # everywhere.
            pgtrigger.Trigger(
                name="response_when_due",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                declare=[("placement_status", "text")],
                func="""
                SELECT status INTO placement_status
                FROM placements_placement WHERE id = NEW.placement_id;
                IF NEW.instrument = 'baseline' AND placement_status <> 'confirmed' THEN
                    RAISE EXCEPTION 'A baseline survey is answered for a confirmed placement.'
                        USING ERRCODE = 'check_violation',
                              CONSTRAINT = 'evaluations_response_when_due';
                END IF;
                IF NEW.instrument <> 'baseline' AND placement_status <> 'completed' THEN
                    RAISE EXCEPTION 'An evaluation belongs to a completed placement.'
                        USING ERRCODE = 'check_violation',
                              CONSTRAINT = 'evaluations_response_when_due';
                END IF;
                RETURN NEW;
                """,
            ),
            pgtrigger.Trigger(
                name="submitted_response_kept",
                when=pgtrigger.Before,
                operation=pgtrigger.Update | pgtrigger.Delete,
                condition=pgtrigger.Q(old__status="submitted"),
                func="""
                RAISE EXCEPTION 'A submitted evaluation cannot be changed.'
                    USING ERRCODE = 'check_violation',
                          CONSTRAINT = 'evaluations_response_kept';
                """,
            ),
        ]

    def __str__(self) -> str:
        return _("%(instrument)s: %(placement)s") % {
            "instrument": self.get_instrument_display(),
            "placement": self.placement,
        }

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED


def follow_up_due_on(placement: Placement) -> datetime.date:
    """The follow-up opens FOLLOW_UP_MONTHS after the placement's last day."""
    return placement.end_on + relativedelta(months=settings.FOLLOW_UP_MONTHS)


def follow_up_due_by(today: datetime.date) -> datetime.date:
    """The last day of a placement whose follow-up is due on or before `today` (so a
    query can ask `end_on <= ...`): adding months is not exactly reversible at the end
    of a month, so step to the exact day."""
    months = relativedelta(months=settings.FOLLOW_UP_MONTHS)
    day = today - months
    one = datetime.timedelta(days=1)
    while day + one + months <= today:
        day += one
    while day + months > today:
        day -= one
    return day


class TestimonialStatus(models.TextChoices):
    OFFERED = "offered", _("Waiting for the programme manager")
    PUBLISHED = "published", _("Published")
    NOT_PUBLISHED = "not_published", _("Not published")
    WITHDRAWN = "withdrawn", _("Consent withdrawn")


# The words a participant agrees to, kept with their consent so it is clear later what
# they agreed to.
CONSENT_STATEMENT = _(
    "I agree that the programme may publish these words on its public pages, with my name, "
    "job title and organisation. I can withdraw my consent at any time, and they will be "
    "taken down at once."
)


class Testimonial(Stateful):
    """A participant's quote or case study about their placement, published only with
    their recorded consent and the manager's approval."""

    Status = TestimonialStatus

    class Kind(models.TextChoices):
        QUOTE = "quote", _("A short quote")
        CASE_STUDY = "case_study", _("A longer case study")

    TRANSITIONS = {
        TestimonialStatus.OFFERED: {
            TestimonialStatus.PUBLISHED,
            TestimonialStatus.NOT_PUBLISHED,
            TestimonialStatus.WITHDRAWN,
        },
        TestimonialStatus.PUBLISHED: {TestimonialStatus.WITHDRAWN},
        TestimonialStatus.NOT_PUBLISHED: {TestimonialStatus.WITHDRAWN},
        TestimonialStatus.WITHDRAWN: set(),
    }
    TRANSITION_REFUSAL = _("This testimonial is %(status)s, so it cannot change that way.")
    TransitionError = EvaluationError
    LOCKED_WITH = ("author", "placement__host")

    placement = models.ForeignKey(
        Placement,
        verbose_name=_("placement"),
        on_delete=models.PROTECT,
        related_name="testimonials",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="testimonials",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.QUOTE)
    text = models.TextField(_("your words"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OFFERED
    )
    consent_statement = models.TextField(_("what was agreed to"))
    consent_given_at = models.DateTimeField(_("consent given"))
    consent_withdrawn_at = models.DateTimeField(_("consent withdrawn"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("note for the author"), blank=True)
    created_at = models.DateTimeField(_("offered"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("testimonial")
        verbose_name_plural = _("testimonials")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["created_at", "id"], name="evaluations_newest"),
            # The public page's latest published testimonials.
            models.Index(
                fields=["decided_at", "id"],
                condition=models.Q(status="published"),
                name="evaluations_published",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=TestimonialStatus.values),
                name="evaluations_testimonial_status_valid",
            ),
            # Published only while consent stands, and only once the manager approved.
            models.CheckConstraint(
                condition=~models.Q(status=TestimonialStatus.PUBLISHED)
                | models.Q(
                    consent_withdrawn_at__isnull=True,
                    decided_at__isnull=False,
                    decided_by__isnull=False,
                ),
                name="evaluations_testimonial_published_with_consent_and_approval",
                violation_error_message=_(
                    "A testimonial is published only with consent and the manager's approval."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(status=TestimonialStatus.WITHDRAWN)
                | models.Q(consent_withdrawn_at__isnull=False),
                name="evaluations_testimonial_withdrawn_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(text=""), name="evaluations_testimonial_has_words"
            ),
        ]

    def __str__(self) -> str:
        return _("%(kind)s from %(author)s") % {
            "kind": self.get_kind_display(),
            "author": self.author,
        }


class TestimonialStatusChange(StatusChange):
    """A step in a testimonial's life: who, when, from what, to what, and why."""

    Status = TestimonialStatus

    testimonial = models.ForeignKey(
        Testimonial,
        verbose_name=_("testimonial"),
        on_delete=models.CASCADE,
        related_name="status_changes",
    )

    class Meta(StatusChange.Meta):
        verbose_name = _("testimonial record")
        verbose_name_plural = _("testimonial records")


class ReportFigures(models.Model):
    """A year's evaluation figures, counted and summed by the database, for everyone's
    placements (no organisation) or one organisation's, coming and going: the report
    adds up these rows, so its cost does not grow with the years or the responses.
    Counted again by a task (evaluations.tasks.refresh_report_figures)."""

    year = models.ForeignKey(
        "partners.ProgrammeYear",
        verbose_name=_("programme year"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "partners.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    inputs = models.JSONField(_("counts and sums"))
    counted_at = models.DateTimeField(_("counted"))

    class Meta:
        verbose_name = _("report figures")
        verbose_name_plural = _("report figures")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "organisation"], name="evaluations_figures_once_per_scope"
            ),
            models.UniqueConstraint(
                fields=["year"],
                condition=models.Q(organisation__isnull=True),
                name="evaluations_figures_once_for_everyone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.organisation or _('every organisation')}"
