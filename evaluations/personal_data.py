"""Evaluations' part of a person's data: in their subject access export (core.privacy),
their answers, and their testimonials with the consent given or withdrawn; at their
erasure (core.erasure), the ratings kept with no name and the words removed; and the
retention schedule's removal of access requirements once a placement's evaluation has
closed."""

import pgtrigger
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from applications.models import Application
from applications.personal_data import access_requirements_remove
from core.erasure import (
    ANONYMISED,
    DELETED,
    Step,
    months_before,
    register_erasure,
    register_retention,
    removed,
)
from core.privacy import Section, not_exported, records, register_section
from evaluations.models import Response, Testimonial
from placements.models import HOLDS_DATES

register_section(
    Section(
        key="evaluations",
        title=_("Your evaluation answers"),
        rows=lambda user: records(
            Response.objects.filter(respondent=user).select_related("placement"),
            [f.name for f in Response._meta.concrete_fields if f.name not in ("id", "respondent")],
        ),
        links=("evaluations.Response.respondent",),
    )
)
register_section(
    Section(
        key="testimonials",
        title=_("Your testimonials and consents"),
        rows=lambda user: records(
            Testimonial.objects.filter(author=user).select_related("placement"),
            [
                "placement",
                "kind",
                "text",
                "status",
                "consent_statement",
                "consent_given_at",
                "consent_withdrawn_at",
                "decided_at",
                "decision_note",
            ],
        ),
        links=("evaluations.Testimonial.author",),
    )
)
not_exported(
    _("What they did as the programme manager, in records about others."),
    "evaluations.Testimonial.decided_by",
    "evaluations.TestimonialStatusChange.by",
)


# --- Erasure and retention (core.erasure) ------------------------------------------

_WORDS = ("reflections", "shared_at_home", "comments")


def _responses_anonymise(rows: QuerySet, *args) -> None:
    """Keep the ratings (the figures count them) and remove the words. The database
    keeps a submitted evaluation as it was (trigger submitted_response_kept): this is
    the one change it is told to allow."""
    ids = list(rows.values_list("pk", flat=True))
    with pgtrigger.ignore("evaluations.Response:submitted_response_kept"):
        Response.objects.filter(pk__in=ids).update(**removed(*_WORDS))
    Response.history.filter(id__in=ids).delete()


def _evaluation_closed_before(today):
    """Applications whose placement's follow-up evaluation opened RETENTION
    ['access_requirements'] months ago (FOLLOW_UP_MONTHS after the last day)."""
    cutoff = months_before(today, "access_requirements") - relativedelta(
        months=settings.FOLLOW_UP_MONTHS
    )
    return (
        Application.objects.exclude(access_requirements="")
        .filter(placements__status__in=HOLDS_DATES, placements__end_on__lt=cutoff)
        .distinct()
    )


register_erasure(
    Step(
        "testimonials",
        _("Your testimonials: taken down and deleted"),
        DELETED,
        lambda s: Testimonial.objects.filter(author=s.user),
    ),
    Step(
        "evaluations",
        _("Your evaluation answers: the words removed"),
        ANONYMISED,
        lambda s: Response.objects.filter(respondent=s.user),
        _responses_anonymise,
        why=_("The ratings stay, with no name, in the programme's figures."),
    ),
)
register_retention(
    Step(
        "access_requirements",
        _("Access requirements, months after the placement's follow-up evaluation opened"),
        DELETED,
        _evaluation_closed_before,
        access_requirements_remove,
        setting="access_requirements",
    ),
)
