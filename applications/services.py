"""Every write to calls, applications and endorsements."""

import datetime
import decimal
import secrets
from typing import cast

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from applications import default_rubric
from applications.models import (
    ACCESS_REQUIREMENTS,
    APPLICANT_ANSWERS,
    DESCRIPTOR_FIELDS,
    RELEASED_DECISIONS,
    REQUIRED_TO_SUBMIT,
    Application,
    ApplicationError,
    Assignment,
    Call,
    Conflict,
    Criterion,
    Endorsement,
    PlaceAnswer,
    Reader,
    Rubric,
    Scale,
    Score,
    read_by_panel,
)
from applications.signals import application_withdrawn
from core import privacy
from core.dates import long_date, long_datetime
from core.mail import absolute_url, queue_templated_email, render_templated_email
from core.models import PrivacyAcknowledgement, field_label
from core.tokens import hash_token
from partners.models import Membership, Organisation, Partnership, ProgrammeYear, User
from partners.selectors import organisation_coordinators

Status = Application.Status


# --- Calls -----------------------------------------------------------------------


def call_default_destinations(*, year: ProgrammeYear, organisation: Organisation):
    """Host staff go to the year's confirmed partners; a partner's staff go to the host."""
    if organisation.pk == year.host_id:
        return Organisation.objects.filter(
            partnerships__year=year, partnerships__status=Partnership.Status.CONFIRMED
        ).order_by("name")
    return Organisation.objects.filter(pk=year.host_id)


def call_default_places(*, year: ProgrammeYear, organisation: Organisation) -> int:
    """The placements the institution sends: set on its partnership, or, for the host,
    the sum of what the confirmed partners host from it."""
    confirmed = year.partnerships.filter(status=Partnership.Status.CONFIRMED)
    if organisation.pk == year.host_id:
        total = confirmed.aggregate(total=Sum("hosts_from_host", default=0))["total"]
    else:
        total = (
            confirmed.filter(organisation=organisation)
            .values_list("sends_to_host", flat=True)
            .first()
        )
    return max(total or 0, 1)


def _at_uk_time(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def call_problems(
    *,
    year: ProgrammeYear,
    organisation: Organisation,
    opens_at: datetime.datetime | None,
    closes_at: datetime.datetime | None,
    destinations,
) -> dict[str, str]:
    """What is wrong with a call, by field; empty when it may be saved."""
    problems = {}
    is_host = organisation.pk == year.host_id
    if (
        not is_host
        and not year.partnerships.filter(
            organisation=organisation, status=Partnership.Status.CONFIRMED
        ).exists()
    ):
        problems["organisation"] = _(
            "%(organisation)s is neither the host nor a confirmed partner of %(year)s, so it "
            "cannot open a call."
        ) % {"organisation": organisation, "year": year.year}
    if opens_at and closes_at and closes_at <= opens_at:
        problems["closes_at"] = _("The call must close after it opens.")
    elif closes_at and timezone.localtime(closes_at).date() >= year.placements_start_on:
        problems["closes_at"] = _("The call must close before placements begin on %(start)s.") % {
            "start": long_date(year.placements_start_on)
        }
    if "organisation" not in problems and destinations is not None:
        allowed = set(call_default_destinations(year=year, organisation=organisation))
        chosen = set(destinations)
        if not chosen:
            problems["destinations"] = _("Choose at least one destination.")
        elif not chosen <= allowed:
            problems["destinations"] = (
                _("Host staff go to the year's confirmed partners: %(allowed)s.")
                if is_host
                else _("A partner's staff go to the host: %(allowed)s.")
            ) % {"allowed": ", ".join(sorted(str(o) for o in allowed)) or _("none yet")}
    return problems


@transaction.atomic
def call_create(
    *,
    year: ProgrammeYear,
    organisation: Organisation,
    by: User | None,
    opens_at: datetime.datetime | None = None,
    closes_at: datetime.datetime | None = None,
    places: int | None = None,
    destinations=None,
    eligibility: str | None = None,
    guidance: str = "",
) -> Call:
    """Open a call for the host or a confirmed partner of a year.

    Anything not given comes from the year: it opens at 09:00 on the year's calls-open
    date and closes at 17:00 on its calls-close date (UK time); its places are what the
    institution sends; its destinations follow the programme's rule.
    Side effects: creates the Call. No email: the coordinator announces it to staff.
    """
    year = ProgrammeYear.objects.select_for_update().get(pk=year.pk)
    opens_at = opens_at or _at_uk_time(year.calls_open_on, 9)
    closes_at = closes_at or _at_uk_time(year.calls_close_on, 17)
    if destinations is None:
        destinations = list(call_default_destinations(year=year, organisation=organisation))
    problems = call_problems(
        year=year,
        organisation=organisation,
        opens_at=opens_at,
        closes_at=closes_at,
        destinations=destinations,
    )
    if Call.objects.filter(year=year, organisation=organisation).exists():
        problems["organisation"] = _("%(organisation)s already has a call in %(year)s.") % {
            "organisation": organisation,
            "year": year.year,
        }
    ApplicationError.refuse_first(problems)
    call = Call(
        year=year,
        organisation=organisation,
        opens_at=opens_at,
        closes_at=closes_at,
        places=places or call_default_places(year=year, organisation=organisation),
        guidance=guidance,
        created_by=by,
    )
    if eligibility is not None:
        call.eligibility = eligibility
    call.save()
    call.destinations.set(destinations)
    return call


@transaction.atomic
def calls_create_for_year(*, year: ProgrammeYear, by: User | None) -> list[Call]:
    """Open a call, with the year's dates, for the host and every confirmed partner that
    has none yet. Side effects: creates Calls; returns them."""
    institutions = [year.host] + [
        partnership.organisation
        for partnership in year.partnerships.filter(status=Partnership.Status.CONFIRMED)
        .select_related("organisation")
        .order_by("organisation__name")
    ]
    has_call = set(year.calls.values_list("organisation_id", flat=True))
    return [
        call_create(year=year, organisation=organisation, by=by)
        for organisation in institutions
        if organisation.pk not in has_call
    ]


@transaction.atomic
def call_update_guidance(*, call: Call, by: User, eligibility: str, guidance: str) -> Call:
    """A coordinator rewrites who may apply and the guidance. Side effects: a history row."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    call.eligibility = eligibility
    call.guidance = guidance
    call._change_reason = _("Guidance edited by %(person)s") % {"person": by}
    call.save(update_fields=["eligibility", "guidance", "updated_at"])
    return call


# --- Applications: the applicant's side --------------------------------------------


def _refuse_unless_open(call: Call, *, doing: str) -> None:
    now = timezone.now()
    if now < call.opens_at:
        raise ApplicationError(
            _("This call opens on %(opens)s; you can %(doing)s from then.")
            % {"opens": long_datetime(call.opens_at), "doing": doing}
        )
    if call.has_closed(now):
        raise ApplicationError(
            _("This call closed on %(closes)s, so you can no longer %(doing)s.")
            % {"closes": long_datetime(call.closes_at), "doing": doing}
        )


def application_start(*, call: Call, applicant: User) -> Application:
    """Start a draft application to a call of the applicant's own organisation.

    Side effects: creates the Application (draft), with the job title the person
    gave their organisation, and its first status change.
    """
    membership = Membership.objects.filter(
        user=applicant, organisation=call.organisation_id
    ).first()
    if membership is None:
        raise ApplicationError(
            _(
                "This call is for staff of %(organisation)s. You can apply only to your own "
                "organisation's call."
            )
            % {"organisation": call.organisation}
        )
    if Application.objects.filter(call=call, applicant=applicant).exists():
        raise ApplicationError(_("You have already applied to this call."))
    _refuse_unless_open(call, doing=_("apply"))
    try:
        with transaction.atomic():
            application = Application.objects.create(
                call=call, applicant=applicant, job_title=membership.job_title
            )
            application.record_change(from_status="", by=applicant)
    except IntegrityError:
        # Two starts at the same moment: the second meets the unique constraint.
        raise ApplicationError(_("You have already applied to this call.")) from None
    return application


def _refuse_unless_editable(application: Application) -> None:
    if not application.is_draft:
        raise ApplicationError(
            _(
                "This application was submitted on %(date)s and can no longer be changed. "
                "You can withdraw it."
            )
            % {"date": long_datetime(application.submitted_at)}
            if application.submitted_at
            else _("This application can no longer be changed.")
        )


def _refuse_bad_preferences(application: Application) -> None:
    allowed = {o.pk for o in application.call.destinations.all()}
    for name in ("first_preference", "second_preference"):
        choice = getattr(application, f"{name}_id")
        if choice is not None and choice not in allowed:
            raise ApplicationError(_("Choose one of this call's destinations."), field=name)
    ApplicationError.refuse_first(
        answer_problems(
            applicant=application.applicant,
            first_preference=application.first_preference_id,
            second_preference=application.second_preference_id,
            line_manager_email=application.line_manager_email,
        )
    )


def answer_problems(
    *,
    applicant: User,
    first_preference: int | None = None,
    second_preference: int | None = None,
    line_manager_email: str = "",
) -> dict[str, str]:
    """What is wrong with an applicant's choices of destination and line manager, by
    field; asked by the form first and by the services that save them."""
    problems = {}
    if first_preference and first_preference == second_preference:
        problems["second_preference"] = _("Choose a different second choice, or none.")
    if line_manager_email and line_manager_email.strip().lower() == applicant.email.lower():
        problems["line_manager_email"] = _("Give your line manager's email address, not your own.")
    return problems


@transaction.atomic
def application_save_draft(*, application: Application, by: User, data: dict) -> Application:
    """Save what the applicant has written so far; nothing else changes.

    Side effects: updates the draft (and its history). Refused once submitted or after
    the call has closed.
    """
    application = application.locked()
    _refuse_unless_editable(application)
    _refuse_unless_open(application.call, doing=_("change your application"))
    for name in APPLICANT_ANSWERS:
        if name in data:
            setattr(application, name, data[name] if data[name] is not None else _blank(name))
    _refuse_bad_preferences(application)
    application.save()
    return application


def _blank(name: str):
    return None if name in ("first_preference", "second_preference") else ""


def application_submit(*, application: Application, by: User) -> Application:
    """Submit a complete draft before the call closes.

    Side effects: a status change; the applicant's job title and department kept on
    their membership; an endorsement request emailed to the line manager and a receipt
    emailed to the applicant, once committed. The returned application's
    `endorsement_request` is the new Endorsement, with its one-time `token`.
    """
    with transaction.atomic():
        application = application.locked()
        _refuse_unless_editable(application)
        _refuse_unless_open(application.call, doing=_("submit an application"))
        for name in REQUIRED_TO_SUBMIT:
            if not getattr(application, name):
                raise ApplicationError(
                    _("Complete “%(field)s” before you submit.")
                    % {"field": field_label(Application, name)},
                    field=name,
                )
        _refuse_bad_preferences(application)
        application.submitted_at = timezone.now()
        application.transition(
            Status.SUBMITTED, by=by, update_fields=["submitted_at", "updated_at"]
        )
        # The person's job, as they now give it, is what coordinators see of them
        # elsewhere (choosing a supervisor, say).
        Membership.objects.filter(
            user=application.applicant_id, organisation=application.call.organisation_id
        ).update(job_title=application.job_title, department=application.department)
        application.endorsement_request = _endorsement_send(application, by=by)
        # Submitting is reading the notice: the form asks, and the version is kept.
        if notice := privacy.current_notice():
            privacy.notice_acknowledge(
                user=application.applicant,
                notice=notice,
                occasion=PrivacyAcknowledgement.Occasion.APPLYING,
            )
        _email_applicant(application, template="application_submitted")
    return application


def access_requirements_read(*, application: Application, reader: User, where: str) -> None:
    """A page has shown `reader` the applicant's access requirements (special category
    data): recorded, when they wrote some and the reader is someone else."""
    if application.access_requirements:
        privacy.sensitive_read(
            reader=reader, subject=application.applicant, what=ACCESS_REQUIREMENTS, where=where
        )


def application_withdraw(*, application: Application, by: User, note: str = "") -> Application:
    """The applicant withdraws a submitted application.

    If they had been selected, the first person on the call's reserve list is offered
    the place (see _offer_to_reserve). Side effects: status changes; emails to the
    applicant and the home coordinators once committed; the `application_withdrawn`
    signal, inside the transaction (a placement is cancelled).
    """
    with transaction.atomic():
        Call.objects.select_for_update().get(pk=application.call_id)
        return _withdraw(application.locked(), by=by, note=note)


def _withdraw(
    application: Application, *, by: User | None, note: str, answer: str = ""
) -> Application:
    """Withdraw an application whose call's row and own row the caller has locked; a
    place given up (`answer`: declined or not answered in time) is recorded with it."""
    was_selected = application.status == Status.SELECTED
    fields = ["updated_at"]
    record = note
    if answer:
        application.place_answer = answer
        application.place_answered_at = timezone.now()
        fields += ["place_answer", "place_answered_at"]
        record = (
            _("The place was not accepted by %(date)s.")
            % {"date": long_datetime(cast(datetime.datetime, application.accept_by))}
            if answer == PlaceAnswer.LAPSED
            else note or _("Declined the place.")
        )
    application.transition(Status.WITHDRAWN, by=by, note=record, update_fields=fields)
    application_withdrawn.send(sender=Application, application=application, by=by)
    _email_applicant(
        application, template="application_withdrawn", context={"answer": answer, "note": note}
    )
    # Before release the coordinator is still deciding, and chooses who takes the place.
    offered = (
        _offer_to_reserve(application.call, cast(Organisation, application.destination))
        if was_selected and application.call.decisions_released
        else None
    )
    _email_coordinators(
        application,
        template="application_withdrawn_coordinator",
        context={"note": note, "offered": offered, "answer": answer},
    )
    return application


def _offer_deadline(call: Call) -> datetime.datetime:
    """When a person told of their place today must accept it by: the end of the
    call's last day to answer, UK time."""
    last_day = timezone.localdate() + datetime.timedelta(days=call.accept_within_days)
    return timezone.make_aware(datetime.datetime.combine(last_day, datetime.time(23, 59)))


def _offer_to_reserve(call: Call, destination: Organisation) -> Application | None:
    """Select the first person on the reserve list for the place that has come free,
    at the same destination (a partner hosts only so many from the host)."""
    # The call's row is locked by the caller, so the reserve list cannot change
    # between finding its first person and locking their application.
    first = (
        Application.objects.filter(call=call, status=Status.RESERVE)
        .order_by("reserve_since", "pk")
        .first()
    )
    if first is None:
        return None
    first = first.locked()
    first.destination = destination
    first.decided_at = timezone.now()
    first.accept_by = _offer_deadline(call)
    first.transition(
        Status.SELECTED,
        by=None,
        note=_("Offered the place a selected colleague gave up."),
        update_fields=["destination", "decided_at", "accept_by", "updated_at"],
    )
    _email_applicant(first, template="application_decision", context={"from_reserve": True})
    _email_destination(first)
    return first


def _refuse_unless_place_to_answer(application: Application, by: User) -> None:
    if by.pk != application.applicant_id:
        raise ApplicationError(_("Only the person selected answers the offer of their place."))
    if application.status != Status.SELECTED or not application.call.decisions_released:
        raise ApplicationError(
            _("This application is %(status)s, so there is no place to answer.")
            % {"status": application.applicant_status.label.lower()}
        )
    if application.place_answer:
        raise ApplicationError(
            _("You accepted this place on %(date)s. If you can no longer go, withdraw.")
            % {"date": long_datetime(cast(datetime.datetime, application.place_answered_at))}
        )


def place_accept(*, application: Application, by: User) -> Application:
    """The person selected accepts their place, by its deadline. Side effects: the
    answer, in the application's history; an email to the home coordinators."""
    with transaction.atomic():
        application = application.locked()
        _refuse_unless_place_to_answer(application, by)
        if application.accept_by and application.accept_by < timezone.now():
            raise ApplicationError(
                _(
                    "The place had to be accepted by %(date)s, so it is now offered to the "
                    "reserve list. Ask your coordinator if you think this is wrong."
                )
                % {"date": long_datetime(application.accept_by)}
            )
        application.place_answer = PlaceAnswer.ACCEPTED
        application.place_answered_at = timezone.now()
        application._history_user = by
        application._change_reason = _("Place accepted")
        application.save(update_fields=["place_answer", "place_answered_at", "updated_at"])
        _email_coordinators(application, template="place_accepted")
    return application


def place_decline(*, application: Application, by: User, note: str = "") -> Application:
    """The person selected declines their place, which is offered to the first on the
    reserve list. Side effects: as application_withdraw, with the answer recorded."""
    with transaction.atomic():
        Call.objects.select_for_update().get(pk=application.call_id)
        application = application.locked()
        _refuse_unless_place_to_answer(application, by)
        return _withdraw(application, by=by, note=note, answer=PlaceAnswer.DECLINED)


def places_lapse(*, now: datetime.datetime | None = None) -> list[Application]:
    """The places not accepted by their deadline: each given up and offered to the
    first on its call's reserve list (the daily sweep). Each in its own transaction,
    with the call's row locked, so a person declining at the same moment gives the
    place up once. Returns the applications whose place lapsed."""
    now = now or timezone.now()
    lapsed = []
    due = Application.objects.filter(status=Status.SELECTED, place_answer="", accept_by__lt=now)
    for pk, call_id in due.values_list("pk", "call_id"):
        with transaction.atomic():
            Call.objects.select_for_update().get(pk=call_id)
            application = Application.objects.get(pk=pk).locked()
            if application.status != Status.SELECTED or application.place_answer:
                continue  # answered while we waited for the lock
            lapsed.append(_withdraw(application, by=None, note="", answer=PlaceAnswer.LAPSED))
    return lapsed


# --- Endorsements ----------------------------------------------------------------


def _new_endorsement(application: Application, *, by: User | None) -> tuple[Endorsement, str]:
    """A new link for the line manager; the unanswered one before it stops working.
    Only the token's hash is stored: the token itself goes in the email."""
    now = timezone.now()
    application.endorsements.filter(decision="", superseded_at__isnull=True).update(
        superseded_at=now
    )
    token = secrets.token_urlsafe(32)
    endorsement = Endorsement.objects.create(
        application=application,
        line_manager_name=application.line_manager_name,
        line_manager_email=application.line_manager_email,
        token_hash=hash_token(token),
        requested_by=by,
        expires_at=now + datetime.timedelta(days=settings.ENDORSEMENT_LINK_DAYS),
    )
    return endorsement, token


def _endorsement_send(application: Application, *, by: User | None) -> Endorsement:
    endorsement, token = _new_endorsement(application, by=by)
    # Kept on the object for the demo loader, which answers as the line manager would.
    endorsement.token = token
    queue_templated_email(
        template="endorsement_request",
        to=[endorsement.line_manager_email],
        context={
            "application": application,
            "endorsement": endorsement,
            "url": absolute_url(reverse("applications:endorse", kwargs={"token": token})),
            "expires": long_datetime(endorsement.expires_at),
        },
    )
    return endorsement


def endorsement_renew_link(*, application_id: int) -> tuple[str, str]:
    """A new link for the line manager's reminder, which the reminder itself carries
    (no other email is sent); the unanswered one before it stops working. Returns the
    link and when it expires, in words."""
    application = Application.objects.get(pk=application_id).locked()
    endorsement, token = _new_endorsement(application, by=None)
    url = absolute_url(reverse("applications:endorse", kwargs={"token": token}))
    return url, long_datetime(endorsement.expires_at)


def endorsement_resend(
    *, application: Application, by: User, line_manager_name: str, line_manager_email: str
) -> Endorsement:
    """Send the line manager a new link (perhaps to a corrected address); the old one
    stops working. Side effects: a new Endorsement; the email, once committed."""
    with transaction.atomic():
        application = application.locked()
        if application.status in (Status.DRAFT, Status.WITHDRAWN, Status.DECLINED):
            raise ApplicationError(
                _("Only a submitted application, still under consideration, is endorsed.")
            )
        if application.endorsements.exclude(decision="").exists():
            raise ApplicationError(_("Your line manager has already answered."))
        ApplicationError.refuse_first(
            answer_problems(applicant=application.applicant, line_manager_email=line_manager_email)
        )
        application.line_manager_name = line_manager_name
        application.line_manager_email = line_manager_email
        application.save(update_fields=["line_manager_name", "line_manager_email", "updated_at"])
        return _endorsement_send(application, by=by)


class EndorsementError(ApplicationError):
    """An endorsement link that cannot be used: forged, used, replaced or expired."""


def endorsement_give(*, token: str, endorsed: bool, comment: str) -> Endorsement:
    """The line manager answers through the emailed link, once.

    Side effects: records the answer and when; emails the applicant once committed.
    """
    with transaction.atomic():
        endorsement = (
            Endorsement.objects.select_for_update(of=("self",))
            .select_related("application__applicant", "application__call__organisation")
            .filter(token_hash=hash_token(token))
            .first()
        )
        endorsement = endorsement_refuse_unusable(endorsement)
        endorsement.decision = (
            Endorsement.Decision.ENDORSED if endorsed else Endorsement.Decision.NOT_ENDORSED
        )
        endorsement.comment = comment
        endorsement.decided_at = timezone.now()
        endorsement.save(update_fields=["decision", "comment", "decided_at"])
        _email_applicant(
            endorsement.application,
            template="endorsement_answered",
            context={"endorsement": endorsement},
        )
    return endorsement


def endorsement_refuse_unusable(endorsement: Endorsement | None) -> Endorsement:
    """Raise EndorsementError with the reason a link cannot be used; else return it."""
    if endorsement is None:
        raise EndorsementError(
            _("This endorsement link is not valid. Check that you opened the whole link.")
        )
    if endorsement.is_answered:
        raise EndorsementError(
            _("This link has already been used: you answered on %(date)s. Thank you.")
            % {"date": long_datetime(cast(datetime.datetime, endorsement.decided_at))}
        )
    if endorsement.superseded_at:
        raise EndorsementError(
            _("This link has been replaced by a newer one. Please use the latest email.")
        )
    if endorsement.has_expired():
        raise EndorsementError(
            _(
                "This link expired on %(date)s. Ask %(applicant)s to send you a new one from "
                "their application."
            )
            % {
                "date": long_datetime(endorsement.expires_at),
                "applicant": endorsement.application.applicant,
            }
        )
    if endorsement.application.status in (Status.WITHDRAWN, Status.DECLINED):
        raise EndorsementError(
            _("This application is no longer under consideration, so nothing more is needed.")
        )
    return endorsement


# --- Decisions: the coordinators' side ----------------------------------------------


def _decide(
    application: Application, *, to_status: str, by: User, note: str = "", **fields
) -> Application:
    """Record a decision. Until the call's decisions are released it is a draft the
    applicant does not see; after, it is emailed at once (shortlisting, being internal,
    never is)."""
    # The call's row first: a release waits for this decision, or this for the release.
    Call.objects.select_for_update().get(pk=application.call_id)
    application = application.locked()
    application.decided_at = timezone.now()
    # A draft decision changed for another leaves nothing of the first behind.
    cleared: dict[str, object] = {"destination": None, "decision_reason": "", "reserve_since": None}
    if application.status == Status.SELECTED:
        cleared["selected_without_endorsement"] = False
    fields = {**{name: value for name, value in cleared.items() if name not in fields}, **fields}
    if application.call.decisions_released and to_status == Status.SELECTED:
        fields["accept_by"] = _offer_deadline(application.call)  # told at once
    for name, value in fields.items():
        setattr(application, name, value)
    application.transition(
        to_status, by=by, note=note, update_fields=["decided_at", "updated_at", *fields]
    )
    if application.call.decisions_released and to_status != Status.SHORTLISTED:
        _email_applicant(application, template="application_decision")
    return application


@transaction.atomic
def application_shortlist(*, application: Application, by: User) -> Application:
    """Put an application on the shortlist, which is internal: the applicant still
    reads that it is being considered. Side effects: a status change."""
    return _decide(application, to_status=Status.SHORTLISTED, by=by)


@transaction.atomic
def application_reserve(*, application: Application, by: User) -> Application:
    """Put an application on the reserve list, behind those already on it.
    Side effects: a status change; an email to the applicant once committed, if the
    call's decisions are released (see call_release_decisions)."""
    return _decide(application, to_status=Status.RESERVE, by=by, reserve_since=timezone.now())


@transaction.atomic
def application_decline(*, application: Application, by: User, reason: str) -> Application:
    """Decline an application with a reason the applicant reads. Side effects: a status
    change; an email with the reason to the applicant once committed, if the call's
    decisions are released."""
    if not reason.strip():
        raise ApplicationError(
            _("Say why the application is not selected: the applicant reads this."),
            field="reason",
        )
    return _decide(
        application, to_status=Status.DECLINED, by=by, note=reason, decision_reason=reason
    )


def application_select(
    *,
    application: Application,
    by: User,
    destination: Organisation,
    without_endorsement: bool = False,
) -> Application:
    """Select an applicant to go to a destination, if the call has a place left. An
    application the line manager has not endorsed is selected only when the
    coordinator confirms it (`without_endorsement`), which is recorded.

    The call's row is locked first, so two coordinators selecting at once are counted
    one after the other. Side effects: a status change; emails to the applicant and
    to the destination's coordinators once committed, if the call's decisions are
    released (see call_release_decisions).
    """
    with transaction.atomic():
        call = Call.objects.select_for_update().select_related("year").get(pk=application.call_id)
        endorsed = application.endorsements.filter(decision=Endorsement.Decision.ENDORSED).exists()
        if not endorsed and not without_endorsement:
            raise ApplicationError(
                _(
                    "%(applicant)s's line manager has not endorsed this application. Confirm "
                    "that you are selecting them without an endorsement, or wait for it."
                )
                % {"applicant": application.applicant},
                field="without_endorsement",
            )
        if not call.destinations.filter(pk=destination.pk).exists():
            raise ApplicationError(
                _("%(destination)s is not a destination of this call.")
                % {"destination": destination},
                field="destination",
            )
        taken = call.applications.filter(status=Status.SELECTED).exclude(pk=application.pk)
        if call.organisation_id == call.year.host_id:
            # Host staff are shared among the partners: each hosts as many as its
            # partnership says.
            hosts = (
                Partnership.objects.filter(year=call.year_id, organisation=destination)
                .values_list("hosts_from_host", flat=True)
                .first()
                or 0
            )
            if taken.filter(destination=destination).count() >= hosts:
                raise ApplicationError(
                    ngettext(
                        "%(destination)s hosts %(count)s person from the host this year, "
                        "and that place is taken.",
                        "%(destination)s hosts %(count)s people from the host this year, "
                        "and those places are taken.",
                        hosts,
                    )
                    % {"destination": destination, "count": hosts}
                    + " "
                    + _("Choose another destination, or the reserve list."),
                    field="destination",
                )
        if taken.count() >= call.places:
            raise ApplicationError(
                ngettext(
                    "This call's only place is taken.",
                    "All %(places)s places of this call are taken.",
                    call.places,
                )
                % {"places": call.places}
                + " "
                + _(
                    "Put this application on the reserve list, or ask the programme manager "
                    "for another place."
                )
            )
        application = _decide(
            application,
            to_status=Status.SELECTED,
            by=by,
            note=_("Selected without an endorsement from the line manager.")
            if not endorsed
            else "",
            destination=destination,
            selected_without_endorsement=not endorsed,
        )
        if application.call.decisions_released:
            _email_destination(application)
    return application


def call_release_decisions(*, call: Call, by: User) -> list[Application]:
    """Release a closed call's decisions to its applicants, together: each selected,
    reserve and declined applicant is emailed their decision, and each destination its
    selected people. Applications still undecided (or shortlisted) are emailed when
    they are decided. Returns the applications told.

    The call's row is locked, so a decision being changed at the same moment is
    released as it ends, or waits for the release. Side effects: the release (who and
    when, in the call's history); the emails, once committed.
    """
    with transaction.atomic():
        call = (
            Call.objects.select_for_update(of=("self",))
            .select_related("year", "organisation", "decisions_released_by")
            .get(pk=call.pk)
        )
        if call.decisions_released:
            raise ApplicationError(
                _("These decisions were released on %(date)s by %(person)s.")
                % {
                    "date": long_datetime(cast(datetime.datetime, call.decisions_released_at)),
                    "person": call.decisions_released_by or _("the programme"),
                }
            )
        if not call.has_closed():
            raise ApplicationError(
                _(
                    "The call closes on %(closes)s. Decisions are released together after it "
                    "closes, so that every applicant is considered."
                )
                % {"closes": long_datetime(call.closes_at)}
            )
        told = list(
            call.applications.filter(status__in=RELEASED_DECISIONS)
            .select_related("applicant", "destination")
            .order_by("pk")
        )
        if not told:
            raise ApplicationError(
                _("There is no decision to release yet: select, reserve or decline first.")
            )
        call.decisions_released_at = timezone.now()
        call.decisions_released_by = by
        call._change_reason = _("Decisions released by %(person)s") % {"person": by}
        call.save(update_fields=["decisions_released_at", "decisions_released_by", "updated_at"])
        accept_by = _offer_deadline(call)
        call.applications.filter(status=Status.SELECTED).update(accept_by=accept_by)
        for application in told:
            application.call = call
            selected = application.status == Status.SELECTED
            if selected:
                application.accept_by = accept_by
            _email_applicant(application, template="application_decision")
            if selected:
                _email_destination(application)
    return told


@transaction.atomic
def application_host_respond(
    *, application: Application, by: User, agreed: bool, note: str
) -> Application:
    """The destination's coordinator agrees to host a selected applicant, or raises a
    concern. Side effects: the response, who and when (and its history); an email to the
    home coordinators once committed."""
    application = application.locked()
    if application.status != Status.SELECTED:
        raise ApplicationError(_("Only a selected applicant is waiting for a host's answer."))
    if not agreed and not note.strip():
        raise ApplicationError(
            _("Say what the concern is, so the home coordinator can act on it."), field="note"
        )
    application.host_response = (
        Application.HostResponse.AGREED if agreed else Application.HostResponse.CONCERN
    )
    application.host_response_note = note
    application.host_response_by = by
    application.host_response_at = timezone.now()
    application.save(
        update_fields=[
            "host_response",
            "host_response_note",
            "host_response_by",
            "host_response_at",
            "updated_at",
        ]
    )
    _email_coordinators(application, template="application_host_response")
    return application


# --- Emails ----------------------------------------------------------------------


def _applicant_context(application: Application) -> dict:
    return {
        "person": application.applicant,
        "application": application,
        "call": application.call,
        "url": absolute_url(application.get_absolute_url()),
    }


def _email_applicant(application: Application, *, template: str, context=None) -> None:
    queue_templated_email(
        template=template,
        to=[application.applicant.email],
        context={**_applicant_context(application), **(context or {})},
    )


def decision_email_preview(application: Application) -> EmailMultiAlternatives:
    """The email a release would send the applicant, for the coordinator to read first
    (nothing is saved or sent)."""
    application.call.decisions_released_at = application.call.decisions_released_at or (
        timezone.now()
    )
    if application.status == Status.SELECTED:
        application.accept_by = application.accept_by or _offer_deadline(application.call)
    return render_templated_email(
        template="application_decision",
        to=[application.applicant.email],
        context=_applicant_context(application),
    )


def _email_coordinators(application: Application, *, template: str, context=None) -> None:
    url = absolute_url(reverse("applications:application_review", kwargs={"pk": application.pk}))
    for person in organisation_coordinators(organisation_id=application.call.organisation_id):
        queue_templated_email(
            template=template,
            to=[person.email],
            context={
                "person": person,
                "application": application,
                "call": application.call,
                "url": url,
                **(context or {}),
            },
        )


def _email_destination(application: Application) -> None:
    url = absolute_url(reverse("applications:hosting_detail", kwargs={"pk": application.pk}))
    for person in organisation_coordinators(organisation_id=application.destination_id):
        queue_templated_email(
            template="application_selected_for_host",
            to=[person.email],
            context={
                "person": person,
                "application": application,
                "call": application.call,
                "url": url,
            },
        )


# --- Selection by a panel: rubric, readers, conflicts, scores and moderation ---------


def _copy_rubric(source: Rubric, *, call: Call) -> Rubric:
    rubric = Rubric.objects.create(call=call, scale=source.scale)
    Criterion.objects.bulk_create(
        Criterion(
            rubric=rubric,
            position=criterion.position,
            title=criterion.title,
            guidance=criterion.guidance,
            weight=criterion.weight,
            **{name: getattr(criterion, name) for name in DESCRIPTOR_FIELDS},
        )
        for criterion in source.criteria.all()
    )
    return rubric


def rubric_default() -> Rubric:
    """The programme's default rubric, made from applications.default_rubric when there
    is none. Side effects: the rubric and its criteria, once."""
    with transaction.atomic():
        rubric = Rubric.objects.filter(call__isnull=True).first()
        if rubric is not None:
            return rubric
        try:
            with transaction.atomic():
                rubric = Rubric.objects.create(scale=default_rubric.SCALE)
        except IntegrityError:  # made at the same moment elsewhere
            return Rubric.objects.get(call__isnull=True)
        for position, (title, guidance, weight, meanings) in enumerate(
            default_rubric.CRITERIA, start=1
        ):
            Criterion.objects.create(
                rubric=rubric,
                position=position,
                title=title,
                guidance=guidance,
                weight=weight,
                **{f"descriptor_{n}": text for n, text in enumerate(meanings, start=1)},
            )
    return rubric


def call_rubric(*, call: Call) -> Rubric:
    """The call's rubric, copied from the programme's default the first time it is
    needed. Side effects: the copy (its rubric and criteria), once."""
    with transaction.atomic():
        Call.objects.select_for_update().get(pk=call.pk)
        rubric = Rubric.objects.filter(call=call).first()
        if rubric is None:
            rubric = _copy_rubric(rubric_default(), call=call)
    return rubric


def scoring_begun(call: Call) -> bool:
    """Once a reader has scored, the call's rubric and how it is read are fixed, so
    every application is read and scored the same way."""
    return Score.objects.filter(assignment__application__call=call).exists()


def rubric_update(*, call: Call, by: User, scale: int, criteria: list[dict]) -> Rubric:
    """Replace a call's rubric: its scale and its criteria (each a dict of the
    Criterion's fields, with `id` for one kept). Refused once a reader has scored.

    Side effects: the criteria changed, added and removed, with their history.
    """
    rubric = call_rubric(call=call)
    with transaction.atomic():
        rubric = Rubric.objects.select_for_update().get(pk=rubric.pk)
        if scoring_begun(call):
            raise ApplicationError(
                _("Readers have begun scoring, so this call's criteria can no longer change.")
            )
        if not criteria:
            raise ApplicationError(_("A rubric needs at least one criterion."))
        if scale not in Scale.values:
            raise ApplicationError(_("Choose a scale of 1 to 4 or 1 to 5."), field="scale")
        if scale == Scale.FIVE and any(not c.get("descriptor_5") for c in criteria):
            raise ApplicationError(
                _("On a scale of 1 to 5, say what a 5 means for each criterion."),
                field="descriptor_5",
            )
        rubric.scale = scale
        rubric._history_user = by
        rubric.save(update_fields=["scale", "updated_at"])
        kept = {c["id"] for c in criteria if c.get("id")}
        rubric.criteria.exclude(pk__in=kept).delete()
        existing: dict[int, Criterion] = {c.pk: c for c in rubric.criteria.filter(pk__in=kept)}
        for position, data in enumerate(criteria, start=1):
            fields = {k: v for k, v in data.items() if k != "id"}
            if scale == Scale.FOUR:
                fields["descriptor_5"] = ""
            criterion = existing.get(data.get("id") or 0) or Criterion(rubric=rubric)
            for name, value in {**fields, "position": position}.items():
                setattr(criterion, name, value)
            criterion._history_user = by
            criterion.full_clean(exclude=["rubric"])
            criterion.save()
    return rubric


def call_panel_update(
    *, call: Call, by: User, readers_per_application: int, anonymised: bool
) -> Call:
    """How a call's applications are read: by how many readers each, and whether the
    first pass is anonymised. Fixed once a reader has scored, so every application is
    read the same way. Side effects: the change, in the call's history."""
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if scoring_begun(call):
            raise ApplicationError(
                _("Readers have begun scoring, so how the call is read can no longer change.")
            )
        call.readers_per_application = readers_per_application
        call.anonymised = anonymised
        call._change_reason = _("How it is read, changed by %(person)s") % {"person": by}
        call.save(update_fields=["readers_per_application", "anonymised", "updated_at"])
    return call


def reader_add(*, call: Call, user: User, organisation: Organisation, by: User) -> Reader:
    """Ask someone to read a call's applications: a member of the call's organisation,
    or of a destination (who reads only applications naming it). Side effects: the
    Reader, with its history. Assigning applications is a step of its own."""
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if call.decisions_released:
            raise ApplicationError(_("This call's decisions are released: reading is over."))
        if organisation.pk not in call.reader_organisation_ids():
            raise ApplicationError(
                _("Readers come from %(organisation)s or one of the call's destinations.")
                % {"organisation": call.organisation},
                field="organisation",
            )
        if not Membership.objects.filter(user=user, organisation=organisation).exists():
            raise ApplicationError(
                _("%(person)s does not work at %(organisation)s.")
                % {"person": user, "organisation": organisation},
                field="user",
            )
        if Reader.objects.filter(call=call, user=user).exists():
            raise ApplicationError(
                _("%(person)s already reads for this call.") % {"person": user}, field="user"
            )
        reader = Reader(call=call, user=user, organisation=organisation, added_by=by)
        reader._history_user = by
        reader.save()
    return reader


def reader_remove(*, reader: Reader, by: User) -> None:
    """Stop someone reading for a call: their applications not yet scored go back to be
    assigned again. Refused once they have submitted scores (which count). Side
    effects: the assignments removed, the Reader deleted, both in their history."""
    with transaction.atomic():
        Call.objects.select_for_update().get(pk=reader.call_id)
        mine = Assignment.objects.select_for_update().filter(
            application__call=reader.call_id, reader=reader.user_id
        )
        if mine.filter(submitted_at__isnull=False).exists():
            raise ApplicationError(
                _("%(person)s has submitted scores, which count: they stay a reader.")
                % {"person": reader.user}
            )
        for assignment in mine.filter(state=Assignment.State.ASSIGNED):
            assignment.state = Assignment.State.REMOVED
            assignment._history_user = by
            assignment.save(update_fields=["state"])
        reader._history_user = by
        reader.delete()


def _eligible_readers(application: Application, readers: list[Reader]) -> list[Reader]:
    """The call's readers who may read this application: not the applicant, not anyone
    who already had it (a declared conflict or a removal stays), and a destination's
    reader only when the application names that destination."""
    had = {a.reader_id for a in application.assignments.all()}
    named = {application.first_preference_id, application.second_preference_id}
    return [
        r
        for r in readers
        if r.user_id != application.applicant_id
        and r.user_id not in had
        and (r.organisation_id == application.call.organisation_id or r.organisation_id in named)
    ]


def _assign(application: Application, reader_id: int, *, by: User | None) -> Assignment:
    assignment = Assignment(application=application, reader_id=reader_id, assigned_by=by)
    assignment._history_user = by
    assignment.save()
    return assignment


def _balance(call: Call, applications, *, by: User | None) -> list[Assignment]:
    """Give each application readers up to the call's number, each time to the eligible
    reader with the fewest applications of the call (then the earliest added), the
    applications with the fewest eligible readers first."""
    readers = list(Reader.objects.filter(call=call).order_by("added_at", "pk"))
    load: dict[int, int] = {r.user_id: 0 for r in readers}
    for reader_id in Assignment.objects.filter(
        application__call=call, state=Assignment.State.ASSIGNED
    ).values_list("reader_id", flat=True):
        load[reader_id] = load.get(reader_id, 0) + 1
    made: list[Assignment] = []
    # The applications fewest can read first, so the readers they need are still free.
    applications = sorted(applications, key=lambda a: len(_eligible_readers(a, readers)))
    for application in applications:
        active = sum(
            1 for a in application.assignments.all() if a.state == Assignment.State.ASSIGNED
        )
        eligible = _eligible_readers(application, readers)
        for _turn in range(min(call.readers_per_application - active, len(eligible))):
            chosen = min(eligible, key=lambda r: load[r.user_id])
            eligible.remove(chosen)
            made.append(_assign(application, chosen.user_id, by=by))
            load[chosen.user_id] += 1
    return made


def _applications_to_read(call: Call):
    return (
        call.applications.filter(read_by_panel())
        .select_related("call")
        .prefetch_related("assignments")
        .order_by("submitted_at", "pk")
    )


def _email_readers(assignments: list[Assignment]) -> None:
    """Tell each reader how many applications they have been given to read."""
    counts: dict[int, int] = {}
    for assignment in assignments:
        counts[assignment.reader_id] = counts.get(assignment.reader_id, 0) + 1
    if not counts:
        return
    call = assignments[0].application.call
    url = absolute_url(reverse("applications:reading_list"))
    for person in User.objects.filter(pk__in=counts).order_by("pk"):
        queue_templated_email(
            template="applications_to_read",
            to=[person.email],
            context={"person": person, "call": call, "count": counts[person.pk], "url": url},
        )


def assignments_balance(*, call: Call, by: User) -> list[Assignment]:
    """Assign the call's applications to its readers automatically: each application
    gets `readers_per_application` readers, spread so that nobody reads far more than
    another; assignments already made are kept. Returns those made.

    The call's row is locked, so two coordinators balancing at once assign once.
    Side effects: the assignments, with their history; an email to each reader given
    applications, once committed.
    """
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if call.decisions_released:
            raise ApplicationError(_("This call's decisions are released: reading is over."))
        if not Reader.objects.filter(call=call).exists():
            raise ApplicationError(_("Add the call's readers first."))
        made = _balance(call, list(_applications_to_read(call)), by=by)
        _email_readers(made)
    return made


def assignment_add(*, application: Application, reader: User, by: User) -> Assignment:
    """Give an application to one of the call's readers by hand. Side effects: the
    assignment, with its history; an email to the reader, once committed."""
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=application.call_id)
        application = Application.objects.prefetch_related("assignments").get(pk=application.pk)
        readers = list(Reader.objects.filter(call=call, user=reader))
        if not readers:
            raise ApplicationError(_("Add them as a reader of the call first."), field="reader")
        if not _eligible_readers(application, readers):
            raise ApplicationError(
                _(
                    "%(person)s cannot read this application: it is their own, they have had "
                    "it already, or they read for a destination it does not name."
                )
                % {"person": reader},
                field="reader",
            )
        assignment = _assign(application, reader.pk, by=by)
        _email_readers([assignment])
    return assignment


def assignment_remove(*, assignment: Assignment, by: User) -> Assignment:
    """Take an application back from a reader who has not submitted their scores.
    Side effects: the assignment marked removed, in its history."""
    with transaction.atomic():
        Call.objects.select_for_update().get(pk=assignment.application.call_id)
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.is_submitted:
            raise ApplicationError(_("These scores are submitted, and count."))
        if assignment.state != Assignment.State.ASSIGNED:
            raise ApplicationError(_("This reader no longer has this application."))
        assignment.state = Assignment.State.REMOVED
        assignment._history_user = by
        assignment.save(update_fields=["state"])
    return assignment


def conflict_declare(
    *, assignment: Assignment, by: User, conflict: str, note: str = ""
) -> Assignment:
    """The reader says, before reading an application, whether they have a conflict
    with the applicant. A conflict takes the application from them and gives it to
    another reader (when there is one). Side effects: the declaration, in the
    assignment's history; the replacement assignment and its reader's email, once
    committed.
    """
    if by.pk != assignment.reader_id:
        raise ApplicationError(_("Only the reader declares their own conflicts."))
    if conflict not in Conflict.values:
        raise ApplicationError(_("Choose whether you have a conflict."), field="conflict")
    if conflict == Conflict.OTHER and not note.strip():
        raise ApplicationError(_("Say what the conflict is."), field="note")
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=assignment.application.call_id)
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.is_declared:
            raise ApplicationError(_("You have already answered this."))
        if assignment.state != Assignment.State.ASSIGNED:
            raise ApplicationError(_("You no longer have this application to read."))
        assignment.conflict = conflict
        assignment.conflict_note = note.strip()
        assignment.declared_at = timezone.now()
        if conflict != Conflict.NONE:
            assignment.state = Assignment.State.CONFLICT
        assignment._history_user = by
        assignment.save(update_fields=["conflict", "conflict_note", "declared_at", "state"])
        if conflict != Conflict.NONE:
            application = (
                Application.objects.select_related("call")
                .prefetch_related("assignments")
                .get(pk=assignment.application_id)
            )
            _email_readers(_balance(call, [application], by=None))
    return assignment


def scores_save(
    *,
    assignment: Assignment,
    by: User,
    scores: dict[int, tuple[int | None, str]],
    comment: str = "",
    submit: bool = False,
) -> Assignment:
    """Save a reader's scores for an application (criterion id: (score, comment)), as
    a draft or submitted. Submitting needs a score for every criterion; submitted
    scores are final. Refused to anyone but a reader who declared no conflict, and once
    the call's decisions are released.

    The assignment's row is locked, so a double submit saves once. Side effects: the
    scores and the assignment, with their history.
    """
    if by.pk != assignment.reader_id:
        raise ApplicationError(_("These scores are for someone else to give."))
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=assignment.application.call_id)
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.conflict != Conflict.NONE or assignment.state != Assignment.State.ASSIGNED:
            raise ApplicationError(
                _("Say that you have no conflict with the applicant before you score.")
            )
        if assignment.is_submitted:
            raise ApplicationError(_("You have submitted these scores; they are final."))
        if call.decisions_released:
            raise ApplicationError(_("This call's decisions are released: reading is over."))
        rubric = call_rubric(call=call)
        criteria = list(rubric.criteria.all())
        for criterion in criteria:
            score, _note = scores.get(criterion.pk, (None, ""))
            if score is not None and not 1 <= score <= rubric.scale:
                raise ApplicationError(
                    _("Score from 1 to %(scale)s.") % {"scale": rubric.scale},
                    field=f"score_{criterion.pk}",
                )
            if submit and score is None:
                raise ApplicationError(
                    _("Score this criterion before submitting."), field=f"score_{criterion.pk}"
                )
        existing = {s.criterion_id: s for s in assignment.scores.select_for_update()}
        for criterion in criteria:
            score, note = scores.get(criterion.pk, (None, ""))
            row = existing.get(criterion.pk)
            if score is None:
                if row is not None:
                    row._history_user = by
                    row.delete()
                continue
            if row is None:
                row = Score(assignment=assignment, criterion=criterion)
            elif (row.score, row.comment) == (score, note.strip()):
                continue
            row.score, row.comment = score, note.strip()
            row._history_user = by
            row.save()
        assignment.comment = comment.strip()
        fields = ["comment"]
        if submit:
            assignment.submitted_at = timezone.now()
            fields.append("submitted_at")
        assignment._history_user = by
        assignment.save(update_fields=fields)
    return assignment


def application_moderate(
    *, application: Application, by: User, score: decimal.Decimal | None, reason: str
) -> Application:
    """The coordinator adjusts an application's score, with a reason, or takes the
    adjustment back (`score=None`). The moderated score ranks the application instead
    of the readers' mean. Side effects: the change, in the application's history."""
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=application.call_id)
        application = application.locked()
        if call.decisions_released:
            raise ApplicationError(_("This call's decisions are released."))
        if score is not None:
            scale = call_rubric(call=call).scale
            if not 1 <= score <= scale:
                raise ApplicationError(
                    _("A moderated score is from 1 to %(scale)s.") % {"scale": scale},
                    field="score",
                )
            if not reason.strip():
                raise ApplicationError(
                    _("Say why you are adjusting the readers' score."), field="reason"
                )
        application.moderated_score = score
        application.moderation_reason = reason.strip() if score is not None else ""
        application.moderated_by = by if score is not None else None
        application.moderated_at = timezone.now() if score is not None else None
        application._history_user = by
        application._change_reason = (
            _("Moderated by %(person)s") % {"person": by}
            if score is not None
            else _("Moderation taken back by %(person)s") % {"person": by}
        )
        application.save(
            update_fields=[
                "moderated_score",
                "moderation_reason",
                "moderated_by",
                "moderated_at",
                "updated_at",
            ]
        )
    return application
