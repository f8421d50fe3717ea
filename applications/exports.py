"""Applications' parts of a person's subject access export (core.privacy): their
applications with the decisions and their record, the endorsements asked for them and
those they gave as a line manager, and what they read and scored as a reader."""

from django.utils.translation import gettext_lazy as _

from applications.models import (
    APPLICANT_ANSWERS,
    Application,
    ApplicationStatusChange,
    Assignment,
    Endorsement,
    Reader,
    Score,
)
from core.privacy import Section, not_exported, records, register_section


def _applications(user) -> list[dict]:
    applications = Application.objects.filter(applicant=user).select_related(
        "call__organisation", "call__year", "first_preference", "second_preference", "destination"
    )
    return records(
        applications,
        [
            "call",
            "status",
            *APPLICANT_ANSWERS,
            "submitted_at",
            "destination",
            "decision_reason",
            "decided_at",
            "moderated_score",
            "moderation_reason",
            "accept_by",
            "place_answer",
            "place_answered_at",
        ],
    )


register_section(
    Section(
        key="applications",
        title=_("Your applications and their decisions"),
        rows=_applications,
        links=("applications.Application.applicant",),
    )
)
register_section(
    Section(
        key="application_records",
        title=_("The record of each decision about your applications"),
        rows=lambda user: records(
            ApplicationStatusChange.objects.filter(application__applicant=user)
            .select_related("application__call", "by")
            .order_by("at", "pk"),
            ["application", "from_status", "to_status", "by", "at", "note"],
        ),
    )
)
register_section(
    Section(
        key="endorsements",
        title=_("Endorsements asked for your applications, and those you gave"),
        rows=lambda user: (
            records(
                Endorsement.objects.filter(application__applicant=user).select_related(
                    "application"
                ),
                [
                    "application",
                    "line_manager_name",
                    "line_manager_email",
                    "sent_at",
                    "decision",
                    "comment",
                    "decided_at",
                ],
            )
            + records(
                Endorsement.objects.filter(line_manager_email__iexact=user.email).select_related(
                    "application__applicant"
                ),
                ["application", "sent_at", "decision", "comment", "decided_at"],
            )
        ),
    )
)
register_section(
    Section(
        key="readings",
        title=_("Applications you read, your declarations and scores"),
        rows=lambda user: (
            records(
                Reader.objects.filter(user=user).select_related("call", "organisation"),
                ["call", "organisation", "added_at"],
            )
            + records(
                Assignment.objects.filter(reader=user).select_related("application"),
                [
                    "application",
                    "state",
                    "conflict",
                    "conflict_note",
                    "declared_at",
                    "comment",
                    "submitted_at",
                ],
            )
            + records(
                Score.objects.filter(assignment__reader=user).select_related(
                    "assignment__application", "criterion"
                ),
                ["assignment", "criterion", "score", "comment"],
            )
        ),
        links=("applications.Reader.user", "applications.Assignment.reader"),
    )
)
not_exported(
    _("What they did as a coordinator or the programme manager, in records about others."),
    "applications.Call.created_by",
    "applications.Call.decisions_released_by",
    "applications.Application.moderated_by",
    "applications.Application.host_response_by",
    "applications.ApplicationStatusChange.by",
    "applications.Reader.added_by",
    "applications.Assignment.assigned_by",
)
not_exported(
    _("The applicant, who asked: their applications' endorsements are in their export."),
    "applications.Endorsement.requested_by",
)
