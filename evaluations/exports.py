"""Evaluations' parts of a person's subject access export (core.privacy): their
answers, and their testimonials with the consent given or withdrawn."""

from django.utils.translation import gettext_lazy as _

from core.privacy import Section, not_exported, records, register_section
from evaluations.models import Response, Testimonial

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
