"""Reads of evaluations, with the query shape each page needs.

Every fetch of one object for a person is guarded: someone else's record is a 404.
"""

import datetime

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from evaluations import figures
from evaluations.models import Instrument, Response, Testimonial
from evaluations.reports import Report, build_report
from partners.models import Organisation, ProgrammeYear, User
from partners.permissions import managed_or_coordinated_by
from placements.models import Placement
from placements.permissions import taken_part_in


def placements_to_evaluate(*, user: User) -> QuerySet[Placement]:
    """Confirmed and completed placements the person takes part in or supervises, with
    their responses, latest first."""
    return (
        Placement.objects.filter(
            taken_part_in(user),
            status__in=[Placement.Status.CONFIRMED, Placement.Status.COMPLETED],
        )
        .select_related("participant", "supervisor", "host", "home", "year")
        .prefetch_related(
            Prefetch("evaluation_responses", queryset=Response.objects.order_by("instrument"))
        )
        .order_by("-start_on", "pk")
    )


def placement_to_evaluate(*, user: User, pk: int) -> Placement:
    """A placement the person takes part in or supervises (any status: the page says why
    an evaluation is not open), or 404."""
    try:
        return (
            Placement.objects.filter(taken_part_in(user))
            .select_related("participant", "supervisor", "host", "home", "year")
            .get(pk=pk)
        )
    except Placement.DoesNotExist:
        raise Http404("No such placement") from None


def response_to(*, placement: Placement, instrument: str) -> Response | None:
    return Response.objects.filter(placement=placement, instrument=instrument).first()


def testimonials_of(*, user: User) -> QuerySet[Testimonial]:
    return Testimonial.objects.filter(author=user).select_related("placement__host")


def testimonial_of(*, user: User, pk: int) -> Testimonial:
    try:
        return testimonials_of(user=user).get(pk=pk)
    except Testimonial.DoesNotExist:
        raise Http404("No such testimonial") from None


def completed_placements_of(*, user: User) -> QuerySet[Placement]:
    return Placement.objects.filter(
        participant=user, status=Placement.Status.COMPLETED
    ).select_related("host")


def completed_placement_of(*, user: User, pk: int) -> Placement:
    """A completed placement the person took part in, or 404."""
    try:
        return completed_placements_of(user=user).get(pk=pk)
    except Placement.DoesNotExist:
        raise Http404("No such placement") from None


def published_testimonials(*, limit: int = 6) -> list[Testimonial]:
    """The latest published testimonials, with their authors' organisations."""
    return list(
        Testimonial.objects.filter(status=Testimonial.Status.PUBLISHED)
        .select_related("author", "placement__home", "placement__host", "placement__application")
        .order_by("-decided_at", "-pk")[:limit]
    )


# --- Reports ---------------------------------------------------------------------------


def report_organisations(*, user: User) -> QuerySet[Organisation]:
    """The organisations whose figures the person may read: every one for the programme
    manager; for a coordinator, those they coordinate; for anyone else, none."""
    return Organisation.objects.filter(managed_or_coordinated_by(user, path="")).order_by("name")


def report(
    *,
    year: int | None,
    organisation: Organisation | None,
    min_group: int,
    today: datetime.date | None = None,
) -> Report:
    """The report on one year (or all, when None) for one organisation's placements,
    coming and going (or all, when None), added up from each year's stored figures
    (evaluations.figures): two queries, however many years and responses."""
    years = ProgrammeYear.objects.all() if year is None else ProgrammeYear.objects.filter(year=year)
    inputs = figures.stored_inputs(
        years, organisation=organisation, today=today or timezone.localdate()
    )
    return build_report(inputs, min_group=min_group)


PUBLIC_FINDINGS_KEY = "evaluations:public-findings"


def public_findings() -> Report | None:
    """Every year and organisation, with small groups withheld, for the public page, as
    the task last counted them (evaluations.tasks.refresh_public_findings): the page
    only reads them. None until they are first counted."""
    return cache.get(PUBLIC_FINDINGS_KEY)


def count_public_findings() -> Report:
    """Count the public findings afresh and keep them until they are next counted."""
    findings = report(year=None, organisation=None, min_group=settings.EVALUATION_MIN_GROUP)
    cache.set(PUBLIC_FINDINGS_KEY, findings, timeout=None)
    return findings


# --- What needs people now (the dashboard's to-do list) ---------------------------


def evaluations_overdue(*, today: datetime.date | None = None) -> list[dict]:
    """Post-exchange evaluations overdue in years not yet closed (REMINDER_EVALUATION_
    OVERDUE_DAYS after completion), counted by the participant's home organisation, most
    first: rows of `home__name` and `count`."""
    today = today or timezone.localdate()
    submitted = Response.objects.filter(
        placement=OuterRef("pk"),
        instrument=Instrument.POST_EXCHANGE,
        status=Response.Status.SUBMITTED,
    )
    latest_end = today - datetime.timedelta(days=settings.REMINDER_EVALUATION_OVERDUE_DAYS + 1)
    return list(
        Placement.objects.filter(
            status=Placement.Status.COMPLETED, end_on__lte=latest_end, year__follow_up_on__gte=today
        )
        .exclude(Exists(submitted))
        .values("home__name")
        .annotate(count=Count("pk"))
        .order_by("-count", "home__name")
    )
