"""Reads of evaluations, with the query shape each page needs.

Every fetch of one object for a person is guarded: someone else's record is a 404.
"""

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from evaluations.models import Response
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
