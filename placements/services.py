"""Every write to placements, their approval, day plans, expense claims and calendar feeds."""

import datetime
import secrets
from collections import Counter
from typing import NamedTuple, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application
from applications.services import places_lapse
from core.dates import long_date, long_datetime
from core.erasure import retention_sweep
from core.files import atomic_with_files
from core.mail import absolute_url, queue_templated_email
from core.reminders import reminders_send_due
from core.tokens import hash_token
from partners.models import Organisation, User
from partners.permissions import coordinated_organisation_ids, is_member, is_programme_manager
from partners.selectors import closure_days, organisation_coordinators
from partners.services import person_invite
from placements.models import (
    BOOKED_KINDS,
    HOLDS_DATES,
    CalendarFeed,
    CostKind,
    ExpenseClaim,
    Placement,
    PlacementDay,
    PlacementError,
    PlacementStatusChange,
    PlanSession,
    file_sha256,
)
from placements.signals import placement_reopening
from placements.working_days import PLACEMENT_DAYS, why_not_working, working_days_from

Status = Placement.Status
Action = PlacementStatusChange.Action


# --- Dates -------------------------------------------------------------------------


def placement_days(*, start_on: datetime.date, host: Organisation) -> list[datetime.date]:
    """The five working days of a placement starting on `start_on` at the host: not its
    nation's bank holidays, nor its own closure days."""
    return working_days_from(start_on, host.nation, PLACEMENT_DAYS, _closed(host, start_on))


def _closed(host: Organisation, day: datetime.date) -> dict[datetime.date, str]:
    return closure_days(organisation_id=host.pk, year=day.year)


def placement_problems(
    *,
    application: Application,
    supervisor: User | None,
    start_on: datetime.date | None,
    placement: Placement | None = None,
) -> dict[str, str]:
    """What is wrong with a placement's supervisor and dates, by field; empty when it
    may be saved. `placement` is the one being revised, which does not clash with itself."""
    problems: dict[str, str] = {}
    year = application.call.year
    # A selected application always has its destination.
    host = cast(Organisation, application.destination)
    if supervisor is not None and not is_member(supervisor, host.pk):
        problems["supervisor"] = _("The supervisor must work at %(host)s.") % {"host": host}
    if start_on is None:
        return problems
    if start_on <= timezone.localdate():
        problems["start_on"] = _("The first day must be after today, %(today)s.") % {
            "today": long_date(timezone.localdate())
        }
        return problems
    if start_on.year != year.year:
        # Said before counting working days, which a date near the end of the
        # calendar (31 December 9999) would run past.
        problems["start_on"] = _(
            "%(start)s is not in %(year)s: placements of this programme year run between "
            "%(window_start)s and %(window_end)s."
        ) % {
            "start": long_date(start_on),
            "year": year.year,
            "window_start": long_date(year.placements_start_on),
            "window_end": long_date(year.placements_end_on),
        }
        return problems
    reason = why_not_working(start_on, host.nation, _closed(host, start_on))
    if reason:
        problems["start_on"] = (
            reason + " " + _("A placement starts on a working day at %(host)s.") % {"host": host}
        )
        return problems
    days = placement_days(start_on=start_on, host=host)
    end_on = days[-1]
    if end_on.year != year.year:
        problems["start_on"] = _(
            "Five working days from %(start)s end on %(end)s, after 31 December %(year)s: "
            "every placement is finished by the end of the year."
        ) % {"start": long_date(start_on), "end": long_date(end_on), "year": year.year}
    elif start_on < year.placements_start_on or end_on > year.placements_end_on:
        problems["start_on"] = _(
            "Five working days from %(start)s end on %(end)s, outside the placement window "
            "of %(year)s (%(window_start)s to %(window_end)s). Choose an earlier or later start."
        ) % {
            "start": long_date(start_on),
            "end": long_date(end_on),
            "year": year.year,
            "window_start": long_date(year.placements_start_on),
            "window_end": long_date(year.placements_end_on),
        }
    else:
        clash = (
            Placement.objects.filter(
                participant=application.applicant_id,
                status__in=HOLDS_DATES,
                start_on__lte=end_on,
                end_on__gte=start_on,
            )
            .exclude(pk=placement.pk if placement else 0)
            .select_related("host")
            .first()
        )
        if clash:
            problems["start_on"] = _(
                "%(person)s is already on a placement at %(host)s from %(start)s to %(end)s, "
                "which overlaps these dates (%(new_start)s to %(new_end)s)."
            ) % {
                "person": application.applicant,
                "host": clash.host,
                "start": long_date(clash.start_on),
                "end": long_date(clash.end_on),
                "new_start": long_date(start_on),
                "new_end": long_date(end_on),
            }
    return problems


def supervisor_clashes(*, placement: Placement) -> list[Placement]:
    """Other placements the same supervisor has on overlapping dates: a warning, not a
    refusal (a supervisor may choose to host two people at once)."""
    return list(
        Placement.objects.filter(
            supervisor=placement.supervisor_id,
            status__in=HOLDS_DATES,
            start_on__lte=placement.end_on,
            end_on__gte=placement.start_on,
        )
        .exclude(pk=placement.pk)
        .select_related("participant")
    )


def _set_days(placement: Placement, days: list[datetime.date]) -> None:
    """Give the placement its five days, keeping each day's sessions by number."""
    existing = {day.number: day for day in placement.days.all()}
    if not existing:
        PlacementDay.objects.bulk_create(
            PlacementDay(placement=placement, number=number, date=date)
            for number, date in enumerate(days, start=1)
        )
        return
    # Old and new days are both runs of the host's working days, so every day moves
    # the same way; moving the leading day first keeps (placement, date) unique.
    numbered = list(enumerate(days, start=1))
    if days[0] > existing[1].date:
        numbered.reverse()
    for number, date in numbered:
        day = existing[number]
        if day.date != date:
            day.date = date
            day.save(update_fields=["date"])


def _refuse_unless_coordinator(placement: Placement, by: User) -> set[str]:
    """The sides ('home', 'host') the person coordinates; refused if neither."""
    coordinated = coordinated_organisation_ids(by)
    sides = {
        side
        for side, organisation_id in (("home", placement.home_id), ("host", placement.host_id))
        if organisation_id in coordinated
    }
    if not sides:
        raise PlacementError(
            _("Only the coordinators of %(home)s and %(host)s can do this.")
            % {"home": placement.home, "host": placement.host}
        )
    return sides


# --- Proposing and approving ---------------------------------------------------------


def supervisor_invite(
    *,
    application: Application,
    by: User,
    full_name: str,
    email: str,
    job_title: str,
    department: str = "",
) -> User:
    """Invite someone at the destination who has no account to supervise a selected
    applicant: they can be chosen at once, and join through the emailed link. Asked
    again for someone who has not joined, it sends a new link.

    Side effects: the person, their membership of the host and an invitation (see
    partners.services.person_invite); the invitation email once committed.
    """
    with transaction.atomic():
        host = cast(Organisation, application.destination)  # selected: it has one
        if not {application.call.organisation_id, host.pk} & coordinated_organisation_ids(by):
            raise PlacementError(
                _("Only the coordinators of the two organisations can invite a supervisor.")
            )
        invitation, token = person_invite(
            organisation=host,
            email=email,
            full_name=full_name,
            job_title=job_title,
            department=department,
            by=by,
        )
        queue_templated_email(
            template="supervisor_invited",
            to=[invitation.user.email],
            context={
                "person": invitation.user,
                "by": by,
                "application": application,
                "url": absolute_url(reverse("partners:join", args=[token])),
                "expires": long_datetime(invitation.expires_at),
            },
        )
    return invitation.user


def placement_propose(
    *, application: Application, by: User, supervisor: User, start_on: datetime.date
) -> Placement:
    """Propose a placement for a selected applicant. Proposing is the approval of the
    proposer's organisation; the other organisation's coordinator approves it too.

    Side effects: the Placement (proposed) with its five days, its first record and the
    proposer's approval; an email to the other organisation's coordinators once
    committed (or, where the proposer coordinates both, the confirmation to everyone).
    """
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",))
            .select_related("call__year", "call__organisation", "applicant", "destination")
            .get(pk=application.pk)
        )
        if application.status != Application.Status.SELECTED:
            raise PlacementError(_("Only a selected applicant can have a placement."))
        if not application.call.decisions_released:
            raise PlacementError(
                _(
                    "%(person)s's selection has not been released yet: release the call's "
                    "decisions first, so they know before their placement is planned."
                )
                % {"person": application.applicant}
            )
        if application.place_answer != Application.PlaceAnswer.ACCEPTED:
            raise PlacementError(
                _(
                    "%(person)s has not accepted their place yet (they answer by %(date)s): "
                    "their placement is planned once they have."
                )
                % {
                    "person": application.applicant,
                    "date": long_datetime(application.accept_by) if application.accept_by else "—",
                }
            )
        if application.placements.filter(status__in=HOLDS_DATES).exists():
            raise PlacementError(
                _("%(person)s already has a placement.") % {"person": application.applicant}
            )
        coordinated = coordinated_organisation_ids(by)
        if not {application.call.organisation_id, application.destination_id} & coordinated:
            raise PlacementError(
                _("Only the coordinators of the two organisations can propose a placement.")
            )
        PlacementError.refuse_first(
            placement_problems(application=application, supervisor=supervisor, start_on=start_on)
        )
        host = cast(Organisation, application.destination)
        days = placement_days(start_on=start_on, host=host)
        try:
            with transaction.atomic():
                placement = Placement.objects.create(
                    application=application,
                    year=application.call.year,
                    participant=application.applicant,
                    home=application.call.organisation,
                    host=host,
                    supervisor=supervisor,
                    start_on=days[0],
                    end_on=days[-1],
                    proposed_by=by,
                    proposed_at=timezone.now(),
                )
        except IntegrityError:
            # Someone else wrote a clashing placement at the same moment.
            raise PlacementError(
                _("These dates now clash with another placement of %(person)s: choose others.")
                % {"person": application.applicant},
                field="start_on",
            ) from None
        _set_days(placement, days)
        placement.record_change(from_status="", by=by, action=Action.PROPOSED)
        _approve_as_proposer(placement, by=by)
    return placement


def placement_revise(
    *, placement: Placement, by: User, supervisor: User, start_on: datetime.date
) -> Placement:
    """Change the supervisor or dates after changes were asked for, and propose again.
    Approvals given before start again, with the proposer's side approving by proposing.

    Side effects: the placement's dates and days (sessions keep their day number); the
    records; an email to the other organisation's coordinators once committed.
    """
    with transaction.atomic():
        placement = placement.locked()
        _refuse_unless_coordinator(placement, by)
        placement.refuse_unless_can_become(Status.PROPOSED)
        PlacementError.refuse_first(
            placement_problems(
                application=placement.application,
                supervisor=supervisor,
                start_on=start_on,
                placement=placement,
            )
        )
        days = placement_days(start_on=start_on, host=placement.host)
        placement.supervisor = supervisor
        placement.start_on, placement.end_on = days[0], days[-1]
        placement.proposed_by, placement.proposed_at = by, timezone.now()
        placement.home_approved_by = placement.home_approved_at = None
        placement.host_approved_by = placement.host_approved_at = None
        placement.decision_note = ""
        placement.dates_accepted_at = None  # the participant accepts the new dates
        placement.transition(Status.PROPOSED, by=by, action=Action.REVISED, update_fields=None)
        _set_days(placement, days)
        _approve_as_proposer(placement, by=by)
    return placement


def placement_accept_dates(*, placement: Placement, by: User) -> Placement:
    """The participant accepts the placement's dates, proposed or confirmed (again
    after a revision). Side effects: the acceptance and a record; an email to both
    organisations' coordinators once committed."""
    with transaction.atomic():
        placement = placement.locked()
        if by.pk != placement.participant_id:
            raise PlacementError(_("Only the participant accepts the dates of their placement."))
        if placement.status not in (Status.PROPOSED, Status.CONFIRMED):
            raise PlacementError(
                _("This placement is %(status)s, so there are no dates to accept.")
                % {"status": placement.get_status_display().lower()}
            )
        if placement.dates_accepted_at:
            raise PlacementError(
                _("You accepted these dates on %(date)s.")
                % {"date": long_datetime(placement.dates_accepted_at)}
            )
        placement.dates_accepted_at = timezone.now()
        placement.save(update_fields=["dates_accepted_at", "updated_at"])
        placement.record_change(from_status=placement.status, by=by, action=Action.DATES_ACCEPTED)
        _email(placement, template="placement_dates_accepted", to=_coordinators(placement))
    return placement


def _approve_as_proposer(placement: Placement, *, by: User) -> None:
    """Proposing is the proposer's side's approval: only the other side is asked, by
    email, to approve (or, where the proposer coordinates both, it is confirmed)."""
    sides = _refuse_unless_coordinator(placement, by)
    if _give_approvals(placement, sides=sides, by=by):
        return
    approved, waiting = placement.approved_and_waiting
    _email(
        placement,
        template="placement_proposed",
        to=organisation_coordinators(organisation_id=waiting.pk),
        context={"by": by, "approved_for": approved, "waiting_for": waiting},
        url_name="placements:placement_decide",
    )


def placement_approve(*, placement: Placement, by: User) -> Placement:
    """Approve a proposed placement for the organisation(s) the person coordinates; once
    both sides have approved, it is confirmed.

    The row is locked, so two coordinators approving at the same moment are counted
    one after the other and exactly one of them confirms it. Side effects: the
    approval and a record; when confirmed, a second record and emails to the
    participant, the supervisor and both organisations' coordinators once committed.
    """
    with transaction.atomic():
        placement = placement.locked()
        sides = _refuse_unless_coordinator(placement, by)
        if placement.status != Status.PROPOSED:
            raise PlacementError(
                _("This placement is %(status)s, so it is not waiting for approval.")
                % {"status": placement.get_status_display().lower()}
            )
        waiting = {side for side in sides if getattr(placement, f"{side}_approved_at") is None}
        if not waiting:
            organisation = placement.home if "home" in sides else placement.host
            raise PlacementError(
                _("%(organisation)s has already approved this placement.")
                % {"organisation": organisation}
            )
        _give_approvals(placement, sides=waiting, by=by)
    return placement


def _give_approvals(placement: Placement, *, sides: set[str], by: User) -> bool:
    """Record the approval of each side in `sides` ('home', 'host') by `by`, on a locked
    placement; once both sides have approved, confirm it and email everyone. Returns
    whether it was confirmed."""
    now = timezone.now()
    for side in sorted(sides):
        setattr(placement, f"{side}_approved_by", by)
        setattr(placement, f"{side}_approved_at", now)
        placement.record_change(
            from_status=placement.status,
            by=by,
            action=Action.APPROVED_HOME if side == "home" else Action.APPROVED_HOST,
        )
    approvals = [
        "home_approved_by",
        "home_approved_at",
        "host_approved_by",
        "host_approved_at",
        "updated_at",
    ]
    if not placement.is_fully_approved:
        placement.save(update_fields=approvals)
        return False
    placement.transition(Status.CONFIRMED, by=by, action=Action.CONFIRMED, update_fields=approvals)
    _email_everyone(placement, template="placement_confirmed")
    return True


def placement_request_changes(*, placement: Placement, by: User, note: str) -> Placement:
    """Send a proposal back to its proposer with a note saying what should change.

    Side effects: the status and a record; an email to the proposer once committed.
    """
    if not note.strip():
        raise PlacementError(
            _("Say what should change, so the proposer can act on it."), field="note"
        )
    with transaction.atomic():
        placement = placement.locked()
        _refuse_unless_coordinator(placement, by)
        _move(
            placement,
            to_status=Status.CHANGES_REQUESTED,
            action=Action.CHANGES_REQUESTED,
            by=by,
            note=note,
        )
        if placement.proposed_by_id:
            _email(
                placement,
                template="placement_changes_requested",
                to=[cast(User, placement.proposed_by)],
                context={"by": by, "note": note},
                url_name="placements:placement_revise",
            )
    return placement


def placement_decline(*, placement: Placement, by: User, reason: str) -> Placement:
    """Decline a proposal with a reason. The applicant stays selected, so another
    placement may be proposed.

    Side effects: the status and a record; emails to both organisations' coordinators
    once committed.
    """
    if not reason.strip():
        raise PlacementError(
            _("Say why the placement is declined: the other coordinator reads this."),
            field="note",
        )
    with transaction.atomic():
        placement = placement.locked()
        _refuse_unless_coordinator(placement, by)
        _move(placement, to_status=Status.DECLINED, action=Action.DECLINED, by=by, note=reason)
        _email_coordinators(
            placement, template="placement_declined", context={"by": by, "note": reason}
        )
    return placement


def placement_cancel(*, placement: Placement, by: User, reason: str) -> Placement:
    """The programme manager cancels a placement that has not yet been completed.

    Side effects: the status and a record; emails to the participant, the supervisor
    and both organisations' coordinators once committed. A cancelled placement is never
    completed.
    """
    if not is_programme_manager(by):
        raise PlacementError(_("Only the programme manager can cancel a placement."))
    if not reason.strip():
        raise PlacementError(_("Say why the placement is cancelled."), field="reason")
    with transaction.atomic():
        placement = placement.locked()
        _move(placement, to_status=Status.CANCELLED, action=Action.CANCELLED, by=by, note=reason)
        _email_everyone(placement, template="placement_cancelled", context={"note": reason})
    return placement


def placements_cancel_on_withdrawal(*, application: Application, by: User) -> list[Placement]:
    """When a participant withdraws, their placement that has not yet happened is
    cancelled with them. Side effects: the status and a record for each; emails to the
    supervisor and both organisations' coordinators once committed."""
    cancelled = []
    live = application.placements.filter(
        status__in=[Status.PROPOSED, Status.CHANGES_REQUESTED, Status.CONFIRMED]
    )
    note = _("%(person)s withdrew from the programme.") % {"person": application.applicant}
    for placement in live:
        placement = placement.locked()
        _move(placement, to_status=Status.CANCELLED, action=Action.CANCELLED, by=by, note=note)
        _email_everyone(placement, template="placement_cancelled", context={"note": note})
        cancelled.append(placement)
    return cancelled


def _move(placement: Placement, *, to_status: str, action: str, by: User | None, note: str = ""):
    placement.decision_note = note
    placement.transition(
        to_status, by=by, note=note, action=action, update_fields=["decision_note", "updated_at"]
    )


def placement_complete(
    *,
    placement: Placement,
    by: User | None = None,
    reason: str = "",
    today: datetime.date | None = None,
) -> Placement:
    """Mark a confirmed placement completed, which opens its evaluation: by nobody (the
    daily sweep) once its last day has passed, or by the programme manager, with a
    reason, from its first day (one that ended early, say). Side effects: the status
    and a record."""
    today = today or timezone.localdate()
    if by is not None:
        _refuse_unless_manager_with_reason(by, reason, _("Say why you complete it now."))
    with transaction.atomic():
        placement = placement.locked()
        if by is None and placement.end_on >= today:
            raise PlacementError(_("This placement has not yet finished."))
        if placement.start_on > today:
            raise PlacementError(
                _("This placement begins on %(start)s: it cannot be completed before then.")
                % {"start": long_date(placement.start_on)}
            )
        _move(placement, to_status=Status.COMPLETED, action=Action.COMPLETED, by=by, note=reason)
    return placement


def placement_reopen(
    *, placement: Placement, by: User, reason: str, today: datetime.date | None = None
) -> Placement:
    """The programme manager takes back a completion made too early: the placement is
    confirmed again, and the sweep completes it after its last day. Refused once that
    day has passed (the sweep would complete it again the next morning), and when an
    app above refuses (evaluations already given: see `placement_reopening`).
    Side effects: the status and a record."""
    _refuse_unless_manager_with_reason(by, reason, _("Say why you reopen it."))
    today = today or timezone.localdate()
    with transaction.atomic():
        placement = placement.locked()
        if placement.end_on < today:
            raise PlacementError(
                _(
                    "Its last day, %(end)s, has passed, so it would be completed again the "
                    "next morning. Cancel it instead if it did not take place."
                )
                % {"end": long_date(placement.end_on)}
            )
        placement_reopening.send(sender=Placement, placement=placement)
        _move(placement, to_status=Status.CONFIRMED, action=Action.REOPENED, by=by, note=reason)
    return placement


def _refuse_unless_manager_with_reason(by: User, reason: str, ask: str) -> None:
    if not is_programme_manager(by):
        raise PlacementError(_("Only the programme manager can do this."))
    if not reason.strip():
        raise PlacementError(ask, field="reason")


def placements_complete_finished(*, today: datetime.date | None = None) -> list[Placement]:
    """The daily sweep: complete every confirmed placement whose last day has passed.
    Proposed, declined and cancelled placements are never completed."""
    today = today or timezone.localdate()
    finished = Placement.objects.filter(status=Status.CONFIRMED, end_on__lt=today)
    completed = []
    for placement in finished.order_by("end_on", "pk"):
        try:
            completed.append(placement_complete(placement=placement, today=today))
        except PlacementError:
            continue  # changed by someone else since it was read
    return completed


# --- The day plan ------------------------------------------------------------------


def _refuse_unless_plan_editable(placement: Placement, by: User) -> None:
    if by.pk not in (placement.participant_id, placement.supervisor_id):
        raise PlacementError(_("Only the participant and the host supervisor edit the plan."))
    if not placement.plan_is_editable:
        raise PlacementError(
            _("This placement is %(status)s, so its plan can no longer change.")
            % {"status": placement.get_status_display().lower()}
        )


# A session's fields, and what each is when not given.
PLAN_SESSION_FIELDS = {
    "starts_at": None,
    "ends_at": None,
    "activity": "",
    "department": "",
    "contact": "",
}


def plan_session_add(
    *, placement: Placement, by: User, day: PlacementDay, data: dict
) -> PlanSession:
    """Add a session to a day of the plan. Side effects: the session and its history."""
    _refuse_unless_plan_editable(placement, by)
    if day.placement_id != placement.pk:
        raise PlacementError(_("Choose one of this placement's days."), field="day")
    return PlanSession.objects.create(
        day=day,
        updated_by=by,
        **{name: data.get(name, blank) for name, blank in PLAN_SESSION_FIELDS.items()},
    )


def plan_session_update(
    *, session: PlanSession, by: User, day: PlacementDay, data: dict
) -> PlanSession:
    """Change a session of the plan. Side effects: the session's history."""
    placement = session.day.placement
    _refuse_unless_plan_editable(placement, by)
    if day.placement_id != placement.pk:
        raise PlacementError(_("Choose one of this placement's days."), field="day")
    session.day = day
    for name, blank in PLAN_SESSION_FIELDS.items():
        setattr(session, name, data.get(name, blank))
    session.updated_by = by
    session.save()
    return session


def plan_session_remove(*, session: PlanSession, by: User) -> None:
    """Remove a session from the plan. Side effects: its history keeps it."""
    _refuse_unless_plan_editable(session.day.placement, by)
    session._change_reason = _("Removed by %(person)s") % {"person": by}
    session.delete()


# --- Expense claims ----------------------------------------------------------------

CLAIM_FIELDS = ("kind", "description", "spent_on", "amount")


def claimable_kinds(placement: Placement) -> list[str]:
    """The kinds of cost a participant claims: subsistence and other costs always;
    travel and accommodation, which the programme books, only where the manager has
    allowed a claim on the placement's budget line."""
    allowed = set(
        placement.budget_lines.filter(claimed=True, kind__in=BOOKED_KINDS).values_list(
            "kind", flat=True
        )
    )
    return [kind for kind in CostKind.values if kind not in BOOKED_KINDS or kind in allowed]


def _refuse_a_claim_for_a_booking(placement: Placement, kind: str) -> None:
    if kind not in claimable_kinds(placement):
        raise PlacementError(
            _(
                "The programme books your %(kind)s, so it is not claimed. If the programme "
                "manager agreed that you would book it yourself, ask them to allow a claim."
            )
            % {"kind": CostKind(kind).label.lower()},
            field="kind",
        )


def expense_claim_submit(*, placement: Placement, by: User, data: dict, receipt) -> ExpenseClaim:
    """The participant claims a cost with its receipt (already checked by the form):
    travel and accommodation only where the manager allowed it (see claimable_kinds).

    Side effects: the claim, its file in private storage, a record; an email to the
    programme manager once committed.
    """
    if by.pk != placement.participant_id:
        raise PlacementError(_("Only the participant claims expenses for a placement."))
    if not placement.takes_claims:
        raise PlacementError(
            _("Expenses can be claimed once the placement is confirmed."), field=None
        )
    _refuse_a_claim_for_a_booking(placement, data["kind"])
    with atomic_with_files() as files:
        claim = ExpenseClaim(
            placement=placement,
            submitted_at=timezone.now(),
            receipt_name=receipt.name[-200:],
            receipt_sha256=file_sha256(receipt),
            **{name: data[name] for name in CLAIM_FIELDS},
        )
        files.save(claim.receipt, receipt.name, receipt)
        claim.save()
        claim.record_change(from_status="", by=by)
        _email_manager_about(claim)
    return claim


def expense_claim_resubmit(
    *, claim: ExpenseClaim, by: User, data: dict, receipt=None
) -> ExpenseClaim:
    """The participant answers a query: corrects the claim, perhaps with a new receipt,
    and sends it again. Side effects: the claim and a record; an email to the programme
    manager once committed."""
    with atomic_with_files() as files:
        claim = claim.locked()
        if by.pk != claim.placement.participant_id:
            raise PlacementError(_("Only the participant can change their claim."))
        claim.refuse_unless_can_become(ExpenseClaim.Status.SUBMITTED)
        if data["kind"] != claim.kind:
            _refuse_a_claim_for_a_booking(claim.placement, data["kind"])
        for name in CLAIM_FIELDS:
            setattr(claim, name, data[name])
        if receipt is not None:
            old = claim.receipt.name
            files.save(claim.receipt, receipt.name, receipt)
            claim.receipt_name = receipt.name[-200:]
            claim.receipt_sha256 = file_sha256(receipt)
            storage = claim.receipt.storage
            transaction.on_commit(lambda: storage.delete(old))
        claim.submitted_at = timezone.now()
        claim.transition(ExpenseClaim.Status.SUBMITTED, by=by, update_fields=None)
        _email_manager_about(claim)
    return claim


def _decide_claim(claim: ExpenseClaim, *, by: User, to_status: str, note: str = ""):
    if not is_programme_manager(by):
        raise PlacementError(_("Only the programme manager decides expense claims."))
    with transaction.atomic():
        claim = claim.locked()
        claim.query_note = note
        claim.decided_at = timezone.now()
        claim.transition(to_status, by=by, note=note, update_fields=["query_note", "decided_at"])
        _email(
            claim.placement,
            template="expense_claim_decided",
            to=[claim.placement.participant],
            context={"claim": claim},
            url_name="placements:placement_detail",
        )
    return claim


def expense_claim_approve(*, claim: ExpenseClaim, by: User) -> ExpenseClaim:
    """The programme manager approves a claim for payment. Side effects: a record; an
    email to the participant once committed."""
    return _decide_claim(claim, by=by, to_status=ExpenseClaim.Status.APPROVED)


def expense_claim_query(*, claim: ExpenseClaim, by: User, note: str) -> ExpenseClaim:
    """The programme manager asks the participant about a claim. Side effects: a record;
    an email with the question to the participant once committed."""
    if not note.strip():
        raise PlacementError(
            _("Say what the question is: the participant reads this."), field="note"
        )
    return _decide_claim(claim, by=by, to_status=ExpenseClaim.Status.QUERIED, note=note)


def expense_claim_refuse(*, claim: ExpenseClaim, by: User, reason: str) -> ExpenseClaim:
    """The programme manager refuses a claim the programme does not pay (travel it
    booked, say). Side effects: a record; an email with the reason to the participant
    once committed."""
    if not reason.strip():
        raise PlacementError(
            _("Say why the claim is refused: the participant reads this."), field="note"
        )
    return _decide_claim(claim, by=by, to_status=ExpenseClaim.Status.REFUSED, note=reason)


def _email_manager_about(claim: ExpenseClaim) -> None:
    queue_templated_email(
        template="expense_claim_submitted",
        to=[settings.PROGRAMME_MANAGER_EMAIL],
        context={
            "claim": claim,
            "placement": claim.placement,
            "url": absolute_url(
                reverse("admin:placements_expenseclaim_decide", kwargs={"pk": claim.pk})
            ),
        },
    )


# --- Calendar feeds ----------------------------------------------------------------


def calendar_feed_reset(*, user: User) -> str:
    """Make the person a new private calendar address; the old one stops working.

    Returns the token, which is shown once: only its hash is kept.
    """
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.update_or_create(
        user=user, defaults={"token_hash": hash_token(token), "created_at": timezone.now()}
    )
    return token


def calendar_feed_remove(*, user: User) -> None:
    CalendarFeed.objects.filter(user=user).delete()


# --- Emails ------------------------------------------------------------------------


def _email(
    placement: Placement,
    *,
    template: str,
    to: list[User],
    context=None,
    url_name: str = "placements:placement_detail",
) -> None:
    url = absolute_url(reverse(url_name, kwargs={"pk": placement.pk}))
    for person in to:
        queue_templated_email(
            template=template,
            to=[person.email],
            context={"person": person, "placement": placement, "url": url, **(context or {})},
        )


def _coordinators(placement: Placement) -> list[User]:
    people = organisation_coordinators(organisation_id=placement.home_id)
    people += organisation_coordinators(organisation_id=placement.host_id)
    return list({person.pk: person for person in people}.values())


def _email_coordinators(placement: Placement, *, template: str, context=None) -> None:
    _email(
        placement,
        template=template,
        to=_coordinators(placement),
        context=context,
        url_name="placements:placement_decide",
    )


def _email_everyone(placement: Placement, *, template: str, context=None) -> None:
    people = {person.pk: person for person in _coordinators(placement)}
    people.setdefault(placement.participant_id, placement.participant)
    people.setdefault(placement.supervisor_id, placement.supervisor)
    _email(placement, template=template, to=list(people.values()), context=context)


class Swept(NamedTuple):
    """What a daily sweep did."""

    completed: list[Placement]  # placements completed
    lapsed: list[Application]  # places not accepted by their deadline
    reminders: Counter  # reminders queued, by kind
    retention: list[dict]  # what the retention schedule removed, by rule (core.erasure)


def daily_sweep(*, today: datetime.date | None = None) -> Swept:
    """Each morning: complete the placements that have finished, give up the places
    not accepted by their deadline (offered to the reserve list), queue every reminder
    now due (the evaluation reminders include the placements just completed), then
    apply the retention schedule. Returns what each step did."""
    today = today or timezone.localdate()
    completed = placements_complete_finished(today=today)
    lapsed = places_lapse()
    reminders = reminders_send_due(today=today)
    return Swept(completed, lapsed, reminders, retention_sweep(today=today))
