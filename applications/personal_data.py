"""Applications' part of a person's data: in their subject access export (core.privacy),
their applications with the decisions and their record, the endorsements asked for them
and those they gave as a line manager, and what they read and scored as a reader; at
their erasure (core.erasure), what is deleted and anonymised of the same."""

import pgtrigger
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications.models import (
    APPLICANT_ANSWERS,
    Application,
    ApplicationStatus,
    ApplicationStatusChange,
    Assignment,
    Endorsement,
    Reader,
    Score,
    place_waiting,
    waiting_to_hear,
)
from core.erasure import (
    ANONYMISED,
    DELETED,
    Step,
    Subject,
    register_erasure,
    register_wait,
    removed,
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


# --- Erasure and retention (core.erasure) ------------------------------------------

# The applicant's own words and what identifies them; the choices the figures count
# (specialism, career level, preferences, destination, status) stay.
_APPLICANT_TEXT = (
    "job_title",
    "department",
    "line_manager_name",
    "line_manager_email",
    "learning_goals",
    "can_share",
    "departments_of_interest",
    "availability",
    "access_requirements",
)
_DECISION_TEXT = ("decision_reason", "moderation_reason", "host_response_note")


def applications_anonymise(rows: QuerySet, *args) -> None:
    """Remove the answers, the line manager's details and the words of every decision
    about these applications, and their history's copies; mark them anonymised. The
    database keeps submitted answers as they were (trigger application_content_kept):
    this is the one change it is told to allow."""
    ids = list(rows.values_list("pk", flat=True))
    with pgtrigger.ignore("applications.Application:application_content_kept"):
        Application.objects.filter(pk__in=ids).update(
            **dict.fromkeys(_APPLICANT_TEXT, ""),
            **removed(*_DECISION_TEXT),
            anonymised_at=timezone.now(),
        )
    Application.history.filter(id__in=ids).delete()
    Endorsement.objects.filter(application__in=ids).update(
        line_manager_name="", line_manager_email="", comment=""
    )
    ApplicationStatusChange.objects.filter(application__in=ids).update(**removed("note"))


def access_requirements_remove(rows: QuerySet, *args) -> None:
    """Remove the access requirements of these applications, and their history's copies."""
    ids = list(rows.values_list("pk", flat=True))
    with pgtrigger.ignore("applications.Application:application_content_kept"):
        Application.objects.filter(pk__in=ids).update(access_requirements="")
    Application.history.filter(id__in=ids).update(access_requirements="")


def _endorsements_given(subject: Subject) -> QuerySet:
    addressed = Q()
    for address in subject.emails:
        addressed |= Q(line_manager_email__iexact=address)
    return Endorsement.objects.filter(addressed).exclude(application__applicant=subject.user)


def _readings(subject: Subject) -> QuerySet:
    return Assignment.objects.filter(reader=subject.user)


def _readings_anonymise(rows: QuerySet, subject: Subject) -> None:
    ids = list(rows.values_list("pk", flat=True))
    rows.update(**removed("comment", "conflict_note"))
    Assignment.history.filter(id__in=ids).delete()
    Score.objects.filter(assignment__in=ids).update(**removed("comment"))
    Score.history.filter(assignment_id__in=ids).delete()


def _waiting(user) -> list:
    waits = []
    if Application.objects.filter(waiting_to_hear(), applicant=user).exists():
        waits.append(_("An application is still being considered: the person withdraws it first."))
    if Application.objects.filter(place_waiting(), applicant=user).exists():
        waits.append(_("A place has been offered and not yet answered."))
    return waits


register_wait(_waiting)
register_erasure(
    Step(
        "draft_applications",
        _("Applications never submitted"),
        DELETED,
        lambda s: Application.objects.filter(applicant=s.user, status=ApplicationStatus.DRAFT),
    ),
    Step(
        "applications",
        _("Applications: answers, access requirements, line manager and reasons removed"),
        ANONYMISED,
        lambda s: Application.objects.filter(applicant=s.user).exclude(
            status=ApplicationStatus.DRAFT
        ),
        applications_anonymise,
        why=_("Their number, choices and decisions stay in the programme's figures."),
    ),
    Step(
        "endorsements_given",
        _("Endorsements you gave as a line manager: your name, address and comment"),
        ANONYMISED,
        _endorsements_given,
        lambda rows, s: rows.update(line_manager_name="", line_manager_email="", comment=""),
    ),
    Step(
        "readings",
        _("Your comments and conflict notes as a reader"),
        ANONYMISED,
        _readings,
        _readings_anonymise,
        why=_("Your scores stay, with no name, in the decisions they informed."),
    ),
)
