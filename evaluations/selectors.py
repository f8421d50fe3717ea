"""Reads of evaluations, with the query shape each page needs.

Every fetch of one object for a person is guarded: someone else's record is a 404.
"""

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from evaluations.models import Response, Testimonial
from partners.models import User
from placements.models import Placement


def placements_to_evaluate(*, user: User) -> QuerySet[Placement]:
    """Confirmed and completed placements the person takes part in or supervises, with
    their responses, latest first."""
    return (
        Placement.objects.filter(
            Q(participant=user) | Q(supervisor=user),
            status__in=[Placement.Status.CONFIRMED, Placement.Status.COMPLETED],
        )
        .select_related("participant", "supervisor", "host", "home")
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
            Placement.objects.filter(Q(participant=user) | Q(supervisor=user))
            .select_related("participant", "supervisor", "host", "home")
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
