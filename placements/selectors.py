"""Reads of placements, plans, claims and calendars, with the query shape each page needs.

Every fetch of one object for a person is guarded: someone else's record is a 404.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    FilteredRelation,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from applications.models import Application
from core.queries import SubqueryCount
from partners.models import Organisation, ProgrammeYear, User
from partners.permissions import coordinated_by
from placements.models import (
    HOLDS_DATES,
    BudgetLine,
    CalendarFeed,
    ExpenseClaim,
    Placement,
    PlacementDay,
    PlanSession,
)
from placements.permissions import (
    coordinated_placements,
    in_calendar,
    in_feed,
    receipts_readable_by,
    taken_part_in,
    to_place_by,
    viewable_placements,
)

Status = Placement.Status
MONEY: DecimalField = DecimalField(max_digits=12, decimal_places=2)
ZERO = Value(Decimal("0.00"), output_field=MONEY)


def _placements() -> QuerySet[Placement]:
    return Placement.objects.select_related(
        "participant", "supervisor", "home", "host", "year", "application"
    )


def _with_plan(placements: QuerySet[Placement]) -> QuerySet[Placement]:
    return placements.prefetch_related(
        Prefetch(
            "days",
            queryset=PlacementDay.objects.prefetch_related(
                Prefetch("sessions", queryset=PlanSession.objects.order_by("starts_at", "pk"))
            ),
        )
    )


def _get(placements: QuerySet[Placement], pk: int) -> Placement:
    try:
        return placements.get(pk=pk)
    except Placement.DoesNotExist:
        raise Http404("No such placement") from None


def placement_for_viewer(*, user: User, pk: int) -> Placement:
    """A placement with its plan, record and budget for anyone who takes part in it,
    coordinates it or manages the programme; otherwise 404."""
    placements = _with_plan(_placements().filter(viewable_placements(user))).prefetch_related(
        "status_changes__by", "budget_lines"
    )
    return _get(placements, pk)


def placement_for_coordinator(*, user: User, pk: int) -> Placement:
    """A placement of an organisation the person coordinates, coming or going, or 404.
    The manager cancels in the admin, so this is for coordinators alone."""
    return _get(_with_plan(_placements().filter(coordinated_placements(user))), pk)


def placement_for_plan_editor(*, user: User, pk: int) -> Placement:
    """A placement the person takes part in or supervises, with its plan, or 404."""
    return _get(_with_plan(_placements().filter(taken_part_in(user))), pk)


def placement_for_participant(*, user: User, pk: int) -> Placement:
    return _get(_placements().filter(participant=user), pk)


def session_for_editor(*, placement: Placement, pk: int) -> PlanSession:
    try:
        return PlanSession.objects.select_related("day").get(day__placement=placement, pk=pk)
    except PlanSession.DoesNotExist:
        raise Http404("No such session") from None


def placements_for_person(*, user: User) -> QuerySet[Placement]:
    """The person's own placements and those they supervise, with their claims' totals,
    latest first. Read with the people and the host the lists name, and no more: a
    join fewer is a plan found sooner."""
    return (
        Placement.objects.select_related("participant", "supervisor", "host")
        .filter(taken_part_in(user))
        .annotate(
            claimed=Coalesce(Subquery(_claims_total(status=None), output_field=MONEY), ZERO),
            session_count=SubqueryCount(PlanSession.objects.filter(day__placement=OuterRef("pk"))),
        )
        .order_by("-start_on", "pk")
    )


def placements_coming(*, user: User) -> QuerySet[Placement]:
    """The person's placements (taken part in or supervised) that are proposed or
    confirmed, soonest first, with their sessions counted: what is coming."""
    coming = [Status.PROPOSED, Status.CHANGES_REQUESTED, Status.CONFIRMED]
    return placements_for_person(user=user).filter(status__in=coming).order_by("start_on", "pk")


def supervisors_at(*, organisation: Organisation, search: str = "") -> QuerySet[User]:
    """People who could supervise at an organisation: its staff and coordinators, by
    name, each with their job title and department there; narrowed to those whose
    name, email address, job title or department hold every word of `search`."""
    people = (
        User.objects.annotate(
            here=FilteredRelation(
                "memberships", condition=Q(memberships__organisation=organisation)
            )
        )
        .filter(here__isnull=False, is_active=True)
        .annotate(job_title=F("here__job_title"), department=F("here__department"))
        .order_by("full_name", "pk")
    )
    for word in search.split():
        people = people.filter(
            Q(full_name__icontains=word)
            | Q(email__icontains=word)
            | Q(here__job_title__icontains=word)
            | Q(here__department__icontains=word)
        )
    return people


# --- Coordinators ----------------------------------------------------------------


def approval_queue(*, user: User) -> QuerySet[Placement]:
    """Proposals of the person's organisations, coming and going, that wait for an
    approval or for changes, oldest first, with the people and places the queue names."""
    return (
        Placement.objects.select_related("participant", "home", "host")
        .filter(
            coordinated_placements(user), status__in=[Status.PROPOSED, Status.CHANGES_REQUESTED]
        )
        .order_by("proposed_at", "pk")
    )


def _to_place(*, user: User, today: datetime.date | None) -> QuerySet[Application]:
    """Selected applicants who have accepted their place, going from or coming to the
    person's organisations, with no placement proposed yet, in years whose placement
    window has not closed (after it, no placement can be proposed)."""
    has_placement = Placement.objects.filter(application=OuterRef("pk"), status__in=HOLDS_DATES)
    open_years = Q(call__year__placements_end_on__gte=today or timezone.localdate())
    return Application.objects.filter(
        to_place_by(user), open_years, place_answer=Application.PlaceAnswer.ACCEPTED
    ).exclude(Exists(has_placement))


def awaiting_placement(
    *, user: User, most: int, today: datetime.date | None = None
) -> list[Application]:
    """The first `most` people to place (`_to_place`), newest year first.

    Found by id first, from the index of selected applications alone (a year's
    thousands are checked for a placement), then read with what the page names."""
    order = ("-call__year__year", "applicant__full_name", "pk")
    ids = list(
        _to_place(user=user, today=today).order_by(*order).values_list("pk", flat=True)[:most]
    )
    return list(
        Application.objects.filter(pk__in=ids)
        .select_related("applicant", "call__organisation", "call__year", "destination")
        .order_by(*order)
    )


def application_to_place(*, user: User, pk: int) -> Application:
    """A selected applicant, from or to an organisation the person coordinates, or 404."""
    try:
        return (
            Application.objects.filter(to_place_by(user))
            .select_related("applicant", "call__organisation", "call__year", "destination")
            .get(pk=pk)
        )
    except Application.DoesNotExist:
        raise Http404("No such applicant") from None


def _years_with(placements: QuerySet[Placement]) -> list[int]:
    """The years, newest first, that have any of these placements: one probe of an
    index a year, however many placements there are."""
    found = Exists(placements.filter(year=OuterRef("pk")))
    years = ProgrammeYear.objects.filter(found).order_by("-year")
    return list(years.values_list("year", flat=True))


def placement_years_for_person(*, user: User) -> list[int]:
    """The years the person takes part in or supervises a placement. A person's own
    placements are few (a busy supervisor's, a thousand): read through the indexes of
    participant and supervisor, not probed year by year."""
    years = Placement.objects.filter(taken_part_in(user)).order_by("-year__year")
    return list(years.values_list("year__year", flat=True).distinct())


def calendar_years(*, user: User) -> list[int]:
    """The years that have placements the person may see in the calendar."""
    return _years_with(Placement.objects.filter(in_calendar(user)))


def calendar(*, user: User) -> QuerySet[Placement]:
    """Placements in the order they start, for the coordinators of either organisation
    and for the manager. Declined ones are left out."""
    return (
        _placements()
        .filter(in_calendar(user))
        .exclude(status=Status.DECLINED)
        .order_by("start_on", "pk")  # a year's, on its index (year, start_on, id)
    )


def by_week(placements) -> list[tuple[datetime.date, list[Placement]]]:
    """Placements (in the order they start) under every week they cover, each week by
    its Monday: a placement from a Thursday to the next Wednesday is in both weeks."""
    weeks: dict[datetime.date, list[Placement]] = {}
    for placement in placements:
        week = placement.start_on - datetime.timedelta(days=placement.start_on.weekday())
        while week <= placement.end_on:
            weeks.setdefault(week, []).append(placement)
            week += datetime.timedelta(weeks=1)
    return sorted(weeks.items())


def placements_for_feed(*, token_hash: str) -> tuple[User, list[Placement]] | None:
    """The feed's owner and the confirmed and completed placements they take part in,
    supervise or coordinate, with their plans; None for an unknown token."""
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=token_hash).first()
    if feed is None or not feed.user.is_active:
        return None
    user = feed.user
    placements = _with_plan(
        _placements().filter(
            in_feed(user),
            status__in=[Status.CONFIRMED, Status.COMPLETED],
        )
    ).order_by("start_on")
    return user, list(placements)


def calendar_feed_of(*, user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


# --- Expenses --------------------------------------------------------------------


def claims_for_placement(*, placement: Placement) -> QuerySet[ExpenseClaim]:
    return ExpenseClaim.objects.filter(placement=placement).order_by("-submitted_at", "-pk")


def claim_for_participant(*, user: User, pk: int) -> ExpenseClaim:
    try:
        return ExpenseClaim.objects.select_related("placement__host").get(
            placement__participant=user, pk=pk
        )
    except ExpenseClaim.DoesNotExist:
        raise Http404("No such claim") from None


def claim_for_receipt(*, user: User, pk: int) -> ExpenseClaim:
    """A claim whose receipt the person may download: their own, or any for the
    programme manager. Everyone else gets a 404."""
    try:
        return (
            ExpenseClaim.objects.select_related("placement")
            .filter(receipts_readable_by(user))
            .get(pk=pk)
        )
    except ExpenseClaim.DoesNotExist:
        raise Http404("No such receipt") from None


def _claims_total(*, status: str | None):
    claims = ExpenseClaim.objects.filter(placement=OuterRef("pk")).order_by()
    if status:
        claims = claims.filter(status=status)
    else:  # everything claimed that may still be paid
        claims = claims.exclude(status=ExpenseClaim.Status.REFUSED)
    return claims.values("placement").annotate(total=Sum("amount")).values("total")


def budget_total():
    # No order: the lines' own (by placement, so by its participant's name) would join
    # the people table into every sum.
    return (
        BudgetLine.objects.filter(placement=OuterRef("pk"))
        .order_by()
        .values("placement")
        .annotate(total=Sum("amount"))
        .values("total")
    )


def approved_total():
    """The approved claims of the placement in the outer query, for a Subquery."""
    return _claims_total(status=ExpenseClaim.Status.APPROVED)


def with_money(placements: QuerySet[Placement]) -> QuerySet[Placement]:
    """Placements with `budgeted` (their budget lines), `approved` and `waiting` (their
    claims), each a sum in one subquery, so rows never multiply."""
    return placements.annotate(
        budgeted=Coalesce(Subquery(budget_total(), output_field=MONEY), ZERO),
        approved=Coalesce(
            Subquery(_claims_total(status=ExpenseClaim.Status.APPROVED), output_field=MONEY),
            ZERO,
        ),
        waiting=Coalesce(
            Subquery(_claims_total(status=ExpenseClaim.Status.SUBMITTED), output_field=MONEY),
            ZERO,
        ),
    )


def year_money(*, year: ProgrammeYear) -> dict:
    """A year's budgets and spend by partner (the organisation other than the host),
    named and summed in the database, and the year's totals against its budget. One
    query, however many placements."""
    partner = Case(When(host_id=year.host_id, then=F("home_id")), default=F("host_id"))
    partner_name = Case(When(host_id=year.host_id, then=F("home__name")), default=F("host__name"))
    rows = list(
        Placement.objects.filter(year=year)
        .exclude(status=Status.DECLINED)
        .values(partner_id=partner, partner_name=partner_name)
        .annotate(
            placements=Count("pk"),
            budgeted=Coalesce(Sum(Subquery(budget_total(), output_field=MONEY)), ZERO),
            approved=Coalesce(Sum(Subquery(approved_total(), output_field=MONEY)), ZERO),
            waiting=Coalesce(
                Sum(
                    Subquery(
                        _claims_total(status=ExpenseClaim.Status.SUBMITTED), output_field=MONEY
                    )
                ),
                ZERO,
            ),
        )
        .order_by("partner_name", "partner_id")
    )

    def total(name: str) -> Decimal:
        return sum((row[name] for row in rows), Decimal(0))

    return {
        "partners": rows,
        "placements": sum(row["placements"] for row in rows),
        "budgeted": total("budgeted"),
        "approved": total("approved"),
        "waiting": total("waiting"),
        "budget": year.budget,
        "unallocated": year.budget - total("budgeted"),
    }


def placement_with_plan(*, pk: int) -> Placement:
    """A placement with its days and their sessions (for its calendar file)."""
    return _with_plan(_placements()).get(pk=pk)


# --- What needs people now (the dashboard's to-do list) ---------------------------


def placements_to_approve(*, user: User) -> int:
    """Proposals waiting for the approval of a side the person coordinates."""
    home_to_approve = coordinated_by(user, "home") & Q(home_approved_at__isnull=True)
    host_to_approve = coordinated_by(user, "host") & Q(host_approved_at__isnull=True)
    return Placement.objects.filter(
        home_to_approve | host_to_approve, status=Status.PROPOSED
    ).count()


def people_to_place(*, user: User, today: datetime.date | None = None) -> int:
    """How many `awaiting_placement` has, counted."""
    return _to_place(user=user, today=today).count()


def arriving(*, user: User, days: int, today: datetime.date | None = None) -> list[Placement]:
    """Confirmed placements at the person's organisations starting in the next `days`."""
    today = today or timezone.localdate()
    return list(
        Placement.objects.filter(
            coordinated_by(user, "host"),
            status=Status.CONFIRMED,
            start_on__gte=today,
            start_on__lte=today + datetime.timedelta(days=days),
        ).order_by("start_on", "pk")
    )


def waiting_for_manager() -> dict:
    """Claims waiting for a decision (how many, the oldest sent) and proposals waiting
    for approval, for the programme manager."""
    claims = ExpenseClaim.objects.filter(status=ExpenseClaim.Status.SUBMITTED).aggregate(
        count=Count("pk"), oldest=Min("submitted_at")
    )
    proposals = Placement.objects.filter(
        status__in=[Status.PROPOSED, Status.CHANGES_REQUESTED]
    ).count()
    return {"claims": claims["count"], "oldest_claim": claims["oldest"], "proposals": proposals}


def plans_to_make(*, user: User, today: datetime.date | None = None) -> list[Placement]:
    """The first few confirmed placements still to come or under way that the person
    takes part in or supervises, with `session_count`, soonest first."""
    return list(
        placements_for_person(user=user)
        .filter(status=Status.CONFIRMED, end_on__gte=today or timezone.localdate())
        .order_by("start_on", "pk")[: settings.DASHBOARD_ROWS]
    )


def dates_to_accept(*, user: User, today: datetime.date | None = None) -> list[Placement]:
    """The person's own placements, proposed or confirmed and still to come, whose
    dates they have not yet accepted, soonest first."""
    return list(
        Placement.objects.filter(
            participant=user,
            status__in=[Status.PROPOSED, Status.CONFIRMED],
            dates_accepted_at__isnull=True,
            start_on__gte=today or timezone.localdate(),
        )
        .select_related("host")
        .order_by("start_on", "pk")[: settings.DASHBOARD_ROWS]
    )


def queried_claims(*, user: User) -> list[ExpenseClaim]:
    """The person's own claims the manager has queried."""
    return list(
        ExpenseClaim.objects.filter(
            placement__participant=user, status=ExpenseClaim.Status.QUERIED
        ).order_by("submitted_at", "pk")
    )
