"""What evaluations do when a placement changes (placements.signals)."""

from django.utils.translation import ngettext

from evaluations.models import Instrument, Response
from placements.models import PlacementError
from placements.signals import placement_reopening


def keep_evaluated_placements_completed(sender, *, placement, **kwargs) -> None:
    """A placement whose evaluations after the week have begun stays completed: they
    answer for the week that happened."""
    started = (
        Response.objects.filter(placement=placement).exclude(instrument=Instrument.BASELINE).count()
    )
    if started:
        raise PlacementError(
            ngettext(
                "%(count)s evaluation of the week has been started, so it stays completed.",
                "%(count)s evaluations of the week have been started, so it stays completed.",
                started,
            )
            % {"count": started},
            field="reason",
        )


def connect() -> None:
    placement_reopening.connect(
        keep_evaluated_placements_completed, dispatch_uid="evaluations_keep_completed"
    )
