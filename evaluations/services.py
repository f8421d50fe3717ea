"""Every write to evaluation responses."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations.models import (
    AIMS,
    ANSWERED_BY_SUPERVISOR,
    ASKS_AIMS,
    ASKS_REFLECTION,
    OUTCOMES,
    Instrument,
    Response,
    follow_up_due_on,
)
from knowledge_exchange.errors import RuleError
from partners.models import User, long_date
from placements.models import Placement


class EvaluationError(RuleError):
    """An evaluation the programme's rules refuse."""


def respondent_id(placement: Placement, instrument: str) -> int:
    """Who answers: the supervisor gives the host's feedback; the participant the rest."""
    if instrument in ANSWERED_BY_SUPERVISOR:
        return placement.supervisor_id
    return placement.participant_id


def questions(instrument: str) -> list[str]:
    """The fields an instrument asks, in order."""
    fields = list(OUTCOMES)
    if instrument in ASKS_AIMS:
        fields += list(AIMS)
    if instrument in ASKS_REFLECTION:
        fields += ["reflections", "shared_at_home"]
    return [*fields, "comments"]


def required_to_submit(instrument: str) -> list[str]:
    return [*OUTCOMES, *(AIMS if instrument in ASKS_AIMS else ())]


def why_not_open(
    *, placement: Placement, instrument: str, today: datetime.date | None = None
) -> str | None:
    """Why an instrument cannot be answered for a placement today; None when it can."""
    today = today or timezone.localdate()
    Status = Placement.Status
    if placement.status in (Status.CANCELLED, Status.DECLINED):
        return _("This placement was %(status)s, so it has no evaluation.") % {
            "status": placement.get_status_display().lower()
        }
    if instrument == Instrument.BASELINE:
        if placement.status != Status.CONFIRMED:
            return _("The baseline survey opens once both coordinators confirm the placement.")
        if today > placement.start_on:
            return _(
                "The baseline survey was for before the placement, which began on %(start)s."
            ) % {"start": long_date(placement.start_on)}
        return None
    if placement.status != Status.COMPLETED:
        return _(
            "The %(instrument)s opens once the placement is completed, after its last day on "
            "%(end)s."
        ) % {
            "instrument": Instrument(instrument).label.lower(),
            "end": long_date(placement.end_on),
        }
    if instrument == Instrument.FOLLOW_UP and today < follow_up_due_on(placement):
        return _("The follow-up opens on %(date)s, some months after the placement.") % {
            "date": long_date(follow_up_due_on(placement))
        }
    return None


def response_save(
    *, placement: Placement, instrument: str, by: User, data: dict, submit: bool
) -> Response:
    """Save a person's answers to an instrument, as a draft or submitted.

    Refused when the person is not the one who answers it, when it is not open, and
    once submitted. Submitting needs every rating the instrument asks. Side effects: the
    Response (created on the first save) and its history. The row is locked, so a
    double submit saves once.
    """
    if by.pk != respondent_id(placement, instrument):
        raise EvaluationError(_("This evaluation is for someone else to answer."))
    reason = why_not_open(placement=placement, instrument=instrument)
    if reason:
        raise EvaluationError(reason)
    if submit:
        missing = [name for name in required_to_submit(instrument) if data.get(name) is None]
        if missing:
            raise EvaluationError(_("Answer this question before submitting."), field=missing[0])
    with transaction.atomic():
        try:
            with transaction.atomic():
                response, _created = Response.objects.select_for_update().get_or_create(
                    placement=placement, instrument=instrument, defaults={"respondent": by}
                )
        except IntegrityError:
            response = Response.objects.select_for_update().get(
                placement=placement, instrument=instrument
            )
        if response.is_submitted:
            raise EvaluationError(
                _("You submitted this %(instrument)s on %(date)s: it cannot be changed.")
                % {
                    "instrument": Instrument(instrument).label.lower(),
                    "date": long_date(timezone.localtime(response.submitted_at).date()),
                }
            )
        for name in questions(instrument):
            if name in data:
                setattr(response, name, data[name])
        if submit:
            response.status = Response.Status.SUBMITTED
            response.submitted_at = timezone.now()
        response.save()
    return response
