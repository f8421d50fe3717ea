"""Every write to calls, applications and endorsements."""

import datetime
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

from applications.models import (
    APPLICANT_ANSWERS,
    RELEASED_DECISIONS,
    REQUIRED_TO_SUBMIT,
    Application,
    ApplicationError,
    Call,
    Endorsement,
)
from applications.signals import application_withdrawn
from core.dates import long_date, long_datetime
from core.mail import absolute_url, queue_templated_email, render_templated_email
from core.models import field_label
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
        _email_applicant(application, template="application_submitted")
    return application


def application_withdraw(*, application: Application, by: User, note: str = "") -> Application:
    """The applicant withdraws a submitted application.

    If they had been selected, the first person on the call's reserve list is offered
    the place (see application_offer_to_reserve). Side effects: status changes; emails
    to the applicant and the home coordinators once committed; the
    `application_withdrawn` signal, inside the transaction (a placement is cancelled).
    """
    with transaction.atomic():
        Call.objects.select_for_update().get(pk=application.call_id)
        application = application.locked()
        was_selected = application.status == Status.SELECTED
        application.transition(Status.WITHDRAWN, by=by, note=note, update_fields=["updated_at"])
        application_withdrawn.send(sender=Application, application=application, by=by)
        _email_applicant(application, template="application_withdrawn")
        # Before release the coordinator is still deciding, and chooses who takes the place.
        offered = (
            _offer_to_reserve(application.call, cast(Organisation, application.destination))
            if was_selected and application.call.decisions_released
            else None
        )
        _email_coordinators(
            application,
            template="application_withdrawn_coordinator",
            context={"note": note, "offered": offered},
        )
    return application


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
    first.transition(
        Status.SELECTED,
        by=None,
        note=_("Offered the place a selected colleague gave up."),
        update_fields=["destination", "decided_at", "updated_at"],
    )
    _email_applicant(first, template="application_decision", context={"from_reserve": True})
    _email_destination(first)
    return first


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
        for application in told:
            application.call = call
            _email_applicant(application, template="application_decision")
            if application.status == Status.SELECTED:
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
