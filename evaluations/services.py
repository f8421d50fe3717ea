"""Every write to evaluation responses."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import long_date
from core.mail import absolute_url, queue_templated_email
from evaluations import tasks
from evaluations.models import (
    AIMS,
    ANSWERED_BY_SUPERVISOR,
    ASKS_AIMS,
    ASKS_REFLECTION,
    CONSENT_STATEMENT,
    OUTCOMES,
    EvaluationError,
    Instrument,
    Response,
    Testimonial,
    follow_up_due_on,
)
from evaluations.permissions import respondent_id
from partners.models import User
from partners.permissions import is_programme_manager
from placements.models import Placement


def respondent(placement: Placement, instrument: str) -> User:
    """Who answers: the supervisor gives the host's feedback; the participant the rest."""
    if instrument in ANSWERED_BY_SUPERVISOR:
        return placement.supervisor
    return placement.participant


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
    if today > placement.year.follow_up_on:
        return _("The evaluations for %(year)s closed on %(date)s, the year's follow-up date.") % {
            "year": placement.year.year,
            "date": long_date(placement.year.follow_up_on),
        }
    if instrument == Instrument.FOLLOW_UP and today < follow_up_due_on(placement):
        return _("The follow-up opens on %(date)s, some months after the placement.") % {
            "date": long_date(follow_up_due_on(placement))
        }
    return None


def evaluations_of(*, placement: Placement, user: User) -> list[dict]:
    """The instruments this person answers for a placement, each with its response (if
    started; the placement's responses should be prefetched) and why it is not open."""
    responses = {r.instrument: r for r in placement.evaluation_responses.all()}
    return [
        {
            "instrument": Instrument(instrument),
            "response": responses.get(instrument),
            "why_not_open": why_not_open(placement=placement, instrument=instrument),
        }
        for instrument in Instrument.values
        if respondent_id(placement, instrument) == user.pk
    ]


def response_save(
    *, placement: Placement, instrument: str, by: User, data: dict, submit: bool
) -> Response:
    """Save a person's answers to an instrument, as a draft or submitted.

    Refused when the person is not the one who answers it, when it is not open, and
    once submitted. Submitting needs every rating the instrument asks. Side effects: the
    Response (created on the first save) and its history; on submitting, a thank-you
    email to the respondent and a fresh count of the public findings, once committed.
    The row is locked, so a double submit saves once.
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
        if submit:
            _thank(response, placement=placement, by=by)
            year_id = placement.year_id
            transaction.on_commit(lambda: tasks.queue_refresh(year_id=year_id))
    return response


def _thank(response: Response, *, placement: Placement, by: User) -> None:
    """Thank the respondent; after the post-exchange evaluation, invite a testimonial."""
    offers_testimonial = response.instrument == Instrument.POST_EXCHANGE
    if offers_testimonial:
        url = reverse("evaluations:testimonial_create", args=[placement.pk])
    else:
        url = reverse("evaluations:response_form", args=[placement.pk, response.instrument])
    queue_templated_email(
        template="evaluation_submitted",
        to=[by.email],
        context={
            "person": by,
            "placement": placement,
            "instrument": Instrument(response.instrument),
            "offers_testimonial": offers_testimonial,
            "url": absolute_url(url),
        },
    )


# --- Testimonials ----------------------------------------------------------------------


def testimonial_offer(
    *, placement: Placement, by: User, kind: str, text: str, consent: bool
) -> Testimonial:
    """The participant offers a quote or case study, with explicit consent to publish.

    Side effects: the Testimonial (offered) with the consent statement and when it was
    given, its first record; an email to the programme manager once committed.
    """
    if by.pk != placement.participant_id:
        raise EvaluationError(_("Only the participant can offer a testimonial."))
    if placement.status != Placement.Status.COMPLETED:
        raise EvaluationError(_("You can offer a testimonial once your placement is completed."))
    if not text.strip():
        raise EvaluationError(_("Write the words you would like published."), field="text")
    if not consent:
        raise EvaluationError(
            _("Tick the box to agree to publication: without it we cannot publish anything."),
            field="consent",
        )
    with transaction.atomic():
        testimonial = Testimonial.objects.create(
            placement=placement,
            author=by,
            kind=kind,
            text=text.strip(),
            consent_statement=str(CONSENT_STATEMENT),
            consent_given_at=timezone.now(),
        )
        testimonial.record_change(from_status="", by=by)
        queue_templated_email(
            template="testimonial_offered",
            to=[settings.PROGRAMME_MANAGER_EMAIL],
            context={
                "testimonial": testimonial,
                "url": absolute_url(
                    reverse("admin:evaluations_testimonial_decide", args=[testimonial.pk])
                ),
            },
        )
    return testimonial


def testimonial_decide(
    *, testimonial: Testimonial, by: User, publish: bool, note: str = ""
) -> Testimonial:
    """The programme manager publishes an offered testimonial, or does not (with a note
    for the author). Side effects: the decision and a record; an email to the author
    once committed."""
    if not is_programme_manager(by):
        raise EvaluationError(_("Only the programme manager publishes testimonials."))
    if not publish and not note.strip():
        raise EvaluationError(_("Say why, so the author understands."), field="note")
    with transaction.atomic():
        testimonial = testimonial.locked()
        testimonial.decided_by, testimonial.decided_at = by, timezone.now()
        testimonial.decision_note = note
        testimonial.transition(
            Testimonial.Status.PUBLISHED if publish else Testimonial.Status.NOT_PUBLISHED,
            by=by,
            note=note,
            update_fields=None,
        )
        queue_templated_email(
            template="testimonial_decided",
            to=[testimonial.author.email],
            context={
                "person": testimonial.author,
                "testimonial": testimonial,
                "url": absolute_url(reverse("evaluations:testimonial_list")),
            },
        )
    return testimonial


def testimonial_withdraw_consent(*, testimonial: Testimonial, by: User) -> Testimonial:
    """The author withdraws consent: a published testimonial comes down at once and is
    never published again. Side effects: the date and a record."""
    with transaction.atomic():
        testimonial = testimonial.locked()
        if by.pk != testimonial.author_id:
            raise EvaluationError(_("Only the author can withdraw consent."))
        testimonial.consent_withdrawn_at = timezone.now()
        testimonial.transition(Testimonial.Status.WITHDRAWN, by=by, update_fields=None)
    return testimonial
