"""Reads of calls, applications and endorsements, with the query shape each page needs.

Every fetch of one object for a person is guarded: someone else's record is a 404.
"""

import datetime
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import (
    NOT_YET_ACCEPTED,
    RELEASED_DECISIONS,
    UNDECIDED,
    Application,
    Assignment,
    Call,
    Conflict,
    Criterion,
    Endorsement,
    Reader,
    Score,
    place_waiting,
    read_by_panel,
    released,
    waiting_to_hear,
)
from applications.permissions import coming_to, reviewable_by
from core.queries import SubqueryCount
from partners.models import Organisation, Partnership, ProgrammeYear, User
from partners.permissions import coordinated_by, managed_or_coordinated_by, member_of

Status = Application.Status


# --- Calls -----------------------------------------------------------------------


def _calls() -> QuerySet[Call]:
    return Call.objects.select_related(
        "year__host", "organisation", "decisions_released_by"
    ).prefetch_related(Prefetch("destinations", queryset=Organisation.objects.order_by("name")))


def public_calls(*, now: datetime.datetime | None = None) -> tuple[list[Call], list[Call]]:
    """The calls open now and those opening later, soonest closing first. Two queries."""
    now = now or timezone.now()
    calls = list(_calls().filter(closes_at__gt=now).order_by("closes_at", "organisation__name"))
    return [c for c in calls if c.opens_at <= now], [c for c in calls if c.opens_at > now]


def call_for_public(*, pk: int) -> Call:
    try:
        return _calls().get(pk=pk)
    except Call.DoesNotExist:
        raise Http404("No such call") from None


def calls_with_counts() -> QuerySet[Call]:
    """Calls, newest year first, with how many applications each has under
    consideration and selected (drafts are the applicant's own business)."""

    def counted(*statuses: str, leaving_out: bool = False):
        # A count per call in a subquery (on the call and status index), so a list
        # of calls never joins and groups every application.
        applications = Application.objects.filter(call=OuterRef("pk"))
        if leaving_out:
            return SubqueryCount(applications.exclude(status__in=statuses))
        return SubqueryCount(applications.filter(status__in=statuses))

    return (
        _calls()
        .annotate(
            submitted_count=counted(Status.DRAFT, Status.WITHDRAWN, leaving_out=True),
            selected_count=counted(Status.SELECTED),
        )
        .order_by("-year__year", "organisation__name")
    )


def calls_for_coordinator(*, user: User) -> QuerySet[Call]:
    """The calls of every organisation the person coordinates (all, for the manager)."""
    return calls_with_counts().filter(managed_or_coordinated_by(user))


def call_for_coordinator(*, user: User, pk: int) -> Call:
    """One call of an organisation the person coordinates (any, for the manager), or 404."""
    try:
        return calls_for_coordinator(user=user).get(pk=pk)
    except Call.DoesNotExist:
        raise Http404("No such call") from None


def calls_for_staff(*, user: User) -> QuerySet[Call]:
    """Calls of the person's own organisations that are open now."""
    now = timezone.now()
    return (
        _calls()
        .filter(member_of(user), opens_at__lte=now, closes_at__gt=now)
        .exclude(applications__applicant=user)
        .order_by("closes_at")
    )


def application_to(*, call: Call, user: User) -> Application | None:
    """The person's own application to a call, if they have made one."""
    return call.applications.filter(applicant=user).first()


# --- Applications ----------------------------------------------------------------


def _endorsements() -> Prefetch:
    return Prefetch(
        "endorsements",
        queryset=Endorsement.objects.filter(superseded_at__isnull=True).order_by("-sent_at"),
        to_attr="current_endorsements",
    )


def _applications() -> QuerySet[Application]:
    return Application.objects.select_related(
        "call__year",
        "call__organisation",
        "applicant",
        "first_preference",
        "second_preference",
        "destination",
    ).prefetch_related(_endorsements())


def applications_for_applicant(*, user: User) -> QuerySet[Application]:
    """The person's own applications, newest first."""
    return _applications().filter(applicant=user).order_by("-call__year__year", "-created_at")


def application_for_applicant(*, user: User, pk: int) -> Application:
    """One of the person's own applications, or 404."""
    try:
        return (
            _applications()
            .prefetch_related(Prefetch("call__destinations"))
            .get(applicant=user, pk=pk)
        )
    except Application.DoesNotExist:
        raise Http404("No such application") from None


REVIEW_ORDERINGS = {
    "submitted": ("submitted_at", "pk"),
    "-submitted": ("-submitted_at", "-pk"),
    # The ranking: the moderated score where there is one, else the readers' mean;
    # applications not yet scored last.
    "score": (F("rank_score").desc(nulls_last=True), "submitted_at", "pk"),
}


# Scores that count: submitted by a reader who still has the application.
_COUNTED = Q(assignment__state=Assignment.State.ASSIGNED, assignment__submitted_at__isnull=False)


def _weighted_mean():
    return Cast(Sum(F("score") * F("criterion__weight")), FloatField()) / Cast(
        Sum("criterion__weight"), FloatField()
    )


def readers_mean() -> Subquery:
    """An application's weighted mean over its readers' submitted scores, for an
    annotation. Each reader scores every criterion before submitting, so the mean of
    all their weighted scores is the mean of each reader's weighted mean."""
    weighted = (
        Score.objects.filter(_COUNTED, assignment__application=OuterRef("pk"))
        .values("assignment__application")
        .annotate(mean=_weighted_mean())
        .values("mean")
    )
    return Subquery(weighted, output_field=FloatField())


def add_reader_agreement(applications) -> None:
    """Set on each of a page of applications how many readers' scores count
    (`readers_submitted`), how far apart their weighted means are (`spread`, with two
    or more) and whether that is more than SELECTION_DISAGREEMENT_POINTS (`disagree`);
    in one query."""
    means = reader_means(application_ids=[a.pk for a in applications])
    for application in applications:
        mine = means.get(application.pk, [])
        application.readers_submitted = len(mine)
        application.spread = max(mine) - min(mine) if len(mine) > 1 else None
        application.disagree = (
            application.spread is not None
            and application.spread > settings.SELECTION_DISAGREEMENT_POINTS
        )


def reader_means(*, application_ids) -> dict[int, list[float]]:
    """Each application's readers' weighted means (one per submitted reader), in one
    query for a page of applications."""
    rows = (
        Score.objects.filter(_COUNTED, assignment__application__in=application_ids)
        .values("assignment__application", "assignment")
        .annotate(mean=_weighted_mean())
        .order_by("assignment")
    )
    means: dict[int, list[float]] = {}
    for row in rows:
        means.setdefault(row["assignment__application"], []).append(row["mean"])
    return means


def _answered_endorsement():
    """The application's answered endorsement (there is at most one), for a Subquery."""
    return Endorsement.objects.filter(application=OuterRef("pk")).exclude(decision="")


def applications_for_review(
    *,
    call: Call,
    status: str = "",
    destination: int | None = None,
    ordering: str = "submitted",
) -> QuerySet[Application]:
    """A call's applications that have been submitted (drafts stay private), filtered by
    status and by destination (either choice, or where selected), ordered by date."""
    endorsement = _answered_endorsement()
    applications = (
        Application.objects.filter(call=call)
        .exclude(status=Status.DRAFT)
        .select_related("applicant", "first_preference", "second_preference", "destination")
        .annotate(
            endorsement_decision=Subquery(endorsement.values("decision")[:1]),
            readers_mean=readers_mean(),
            rank_score=Coalesce(Cast("moderated_score", FloatField()), readers_mean()),
            readers_assigned=SubqueryCount(
                Assignment.objects.filter(
                    application=OuterRef("pk"), state=Assignment.State.ASSIGNED
                )
            ),
        )
    )
    if status == NOT_YET_ACCEPTED:
        applications = applications.filter(place_waiting())
    elif status:
        applications = applications.filter(status=status)
    if destination:
        applications = applications.filter(
            Q(first_preference=destination)
            | Q(second_preference=destination)
            | Q(destination=destination)
        )
    return applications.order_by(*REVIEW_ORDERINGS.get(ordering, REVIEW_ORDERINGS["submitted"]))


def destination_capacity(*, call: Call) -> list[dict]:
    """Each of a call's destinations with the places taken there (selected) and how
    many it can host: a partner hosts from the host's call as many as its partnership
    says; the host takes all of a partner's call's places. One query."""
    hosts = Partnership.objects.filter(year=call.year_id, organisation=OuterRef("pk")).values(
        "hosts_from_host"
    )[:1]
    destinations = call.destinations.annotate(
        taken=SubqueryCount(
            Application.objects.filter(
                call=call, status=Status.SELECTED, destination=OuterRef("pk")
            )
        ),
        hosts=Subquery(hosts),
    ).order_by("name")
    host_call = call.organisation_id == call.year.host_id
    return [
        {
            "destination": destination,
            "taken": destination.taken,
            "can_host": (destination.hosts or 0) if host_call else call.places,
        }
        for destination in destinations
    ]


def places_waiting(*, user: User) -> list[Call]:
    """The calls of the person's organisations with people selected and told who have
    not yet accepted their place, each with `waiting` and the soonest `accept_by`."""
    waiting = Application.objects.filter(place_waiting(), call=OuterRef("pk"))
    return list(
        _calls()
        .filter(coordinated_by(user))
        .annotate(
            waiting=SubqueryCount(waiting),
            soonest=Subquery(waiting.order_by("accept_by").values("accept_by")[:1]),
        )
        .filter(waiting__gt=0)
        .order_by("soonest", "pk")
    )


def application_for_coordinator(*, user: User, pk: int) -> Application:
    """A submitted application to a call of an organisation the person coordinates
    (any, for the manager), with its record and endorsements, or 404."""
    try:
        return (
            _applications()
            .filter(reviewable_by(user))
            .prefetch_related(
                Prefetch("call__destinations", queryset=Organisation.objects.order_by("name")),
                Prefetch("status_changes__by"),
            )
            .get(pk=pk)
        )
    except Application.DoesNotExist:
        raise Http404("No such application") from None


def applications_coming_to(*, user: User) -> QuerySet[Application]:
    """People selected to come to an organisation the person coordinates, by where they
    are going and by name (a list shows one year of them)."""
    return (
        _applications()
        .filter(coming_to(user))
        .order_by("destination__name", "applicant__full_name", "pk")
    )


def application_for_host(*, user: User, pk: int) -> Application:
    """A person selected to come to an organisation the person coordinates, or 404."""
    try:
        return applications_coming_to(user=user).get(pk=pk)
    except Application.DoesNotExist:
        raise Http404("No such application") from None


def endorsement_for_token(*, token_hash: str) -> Endorsement | None:
    return (
        Endorsement.objects.select_related(
            "application__applicant", "application__call__organisation", "application__call__year"
        )
        .filter(token_hash=token_hash)
        .first()
    )


# --- The programme manager ----------------------------------------------------------


def year_call_counts(*, year: ProgrammeYear) -> list[Call]:
    """Each institution's call in a year, with its applications counted by status
    (`<status>_count`): the counts grouped in the database on the call and status index,
    never a join of every application."""
    calls = list(
        Call.objects.filter(year=year).select_related("organisation").order_by("organisation__name")
    )
    counted = (
        Application.objects.filter(call__in=[call.pk for call in calls])
        .order_by()
        .values_list("call_id", "status")
        .annotate(n=Count("pk"))
    )
    counts = {(call_id, status): n for call_id, status, n in counted}
    for call in calls:
        for status in Status.values:
            setattr(call, f"{status}_count", counts.get((call.pk, status), 0))
    return calls


def applications_for_export(*, year: ProgrammeYear) -> QuerySet[Application]:
    """A year's applications, submitted or not, in a stable order for a spreadsheet."""
    endorsement = _answered_endorsement()
    return (
        Application.objects.filter(call__year=year)
        .select_related(
            "call__organisation",
            "applicant",
            "first_preference",
            "second_preference",
            "destination",
        )
        .annotate(
            endorsement_decision=Subquery(endorsement.values("decision")[:1]),
            endorsement_at=Subquery(endorsement.values("decided_at")[:1]),
        )
        .order_by("call__organisation__name", "submitted_at", "pk")
    )


# --- What needs people now (the dashboard's to-do list) ---------------------------


def calls_to_decide(*, user: User) -> list[Call]:
    """The calls of the person's organisations with applications still to decide
    (submitted or shortlisted), each with `to_decide` and `unendorsed` (how many of
    those have no answered endorsement), soonest closing first."""
    waiting = Application.objects.filter(call=OuterRef("pk"), status__in=UNDECIDED)
    return list(
        _calls()
        .filter(coordinated_by(user))
        .annotate(
            to_decide=SubqueryCount(waiting),
            unendorsed=SubqueryCount(waiting.exclude(Exists(_answered_endorsement()))),
        )
        .filter(to_decide__gt=0)
        .order_by("closes_at", "pk")
    )


def calls_to_release(*, user: User) -> list[Call]:
    """The closed calls of the person's organisations with decisions drafted but not
    yet released, each with `drafted` (how many applicants are told when they are) and
    `undecided`, soonest closing first."""
    applications = Application.objects.filter(call=OuterRef("pk"))
    return list(
        _calls()
        .filter(coordinated_by(user), closes_at__lte=timezone.now(), decisions_released_at=None)
        .annotate(
            drafted=SubqueryCount(applications.filter(status__in=RELEASED_DECISIONS)),
            undecided=SubqueryCount(applications.filter(status__in=UNDECIDED)),
        )
        .filter(drafted__gt=0)
        .order_by("closes_at", "pk")
    )


def release_counts(*, call: Call) -> dict[str, int]:
    """How many of a call's applications each decision holds, and how many are still
    to decide (submitted or shortlisted), in one query."""
    applications = call.applications.exclude(status=Status.DRAFT)
    return applications.aggregate(
        **{
            str(status): Count("pk", filter=Q(status=status))
            for status in (Status.SELECTED, Status.RESERVE, Status.DECLINED)
        },
        undecided=Count("pk", filter=Q(status__in=UNDECIDED)),
    )


def decisions_to_release(*, call: Call) -> QuerySet[Application]:
    """The applicants a call's release tells, by decision then name (a page at a time)."""
    return (
        Application.objects.filter(call=call, status__in=RELEASED_DECISIONS)
        .select_related("applicant", "destination")
        .order_by("status", "applicant__full_name", "pk")
    )


def release_samples(*, call: Call) -> list[Application]:
    """One application of each decision the release tells, for its email's preview."""
    firsts = (
        Application.objects.filter(call=call, status__in=RELEASED_DECISIONS)
        .order_by()
        .values("status")
        .annotate(first=Min("pk"))
        .values_list("first", flat=True)
    )
    return list(
        Application.objects.filter(pk__in=list(firsts))
        .select_related("applicant", "destination", "call__year", "call__organisation")
        .order_by("status")
    )


def host_responses_waiting(*, user: User) -> int:
    """People selected to come to the person's organisations whose host has not yet
    agreed or raised a concern, in years whose placements have not all ended (a past
    year's are history, not work)."""
    return Application.objects.filter(
        coming_to(user),
        host_response="",
        call__year__placements_end_on__gte=timezone.localdate(),
    ).count()


def applications_in_progress(*, user: User) -> list[Application]:
    """The person's own drafts in calls still open, their applications waiting to
    hear, those on a reserve list and places offered to them not yet answered,
    soonest closing first."""
    now = timezone.now()
    return list(
        Application.objects.filter(applicant=user)
        .filter(
            Q(status=Status.DRAFT, call__closes_at__gt=now)
            | waiting_to_hear()
            | (Q(status=Status.RESERVE) & released())
            | place_waiting()
        )
        .select_related("call__organisation", "call__year")
        .order_by("call__closes_at", "pk")
    )


def years_missing_calls(*, today: datetime.date | None = None) -> list[tuple[ProgrammeYear, int]]:
    """Years whose calls have not all closed that have institutions taking part (the
    host or confirmed partners) without a call, each with how many."""
    today = today or timezone.localdate()
    has_call = Call.objects.filter(year=OuterRef("year"), organisation=OuterRef("organisation"))
    partners_without = SubqueryCount(
        Partnership.objects.filter(
            year=OuterRef("pk"), status=Partnership.Status.CONFIRMED
        ).exclude(Exists(has_call))
    )
    host_has_call = Exists(Call.objects.filter(year=OuterRef("pk"), organisation=OuterRef("host")))
    years = (
        ProgrammeYear.objects.filter(calls_close_on__gte=today)
        .annotate(partners_without=partners_without, host_has_call=host_has_call)
        .order_by("year")
    )
    missing = [(year, year.partners_without + (not year.host_has_call)) for year in years]
    return [(year, count) for year, count in missing if count]


# --- Reading for a call's panel ----------------------------------------------------------


def assignments_of(*, user: User) -> QuerySet[Assignment]:
    """The applications given to the person to read (not those taken back), newest
    call first, in the order they were given."""
    return (
        Assignment.objects.filter(reader=user)
        .exclude(state=Assignment.State.REMOVED)
        .select_related("application__call__organisation", "application__call__year")
        .select_related("application__applicant")
        .order_by("-application__call__closes_at", "assigned_at", "pk")
    )


def assignment_of(*, user: User, pk: int) -> Assignment:
    """An application given to the person to read, or 404: another reader's, one taken
    back, or one they declared a conflict with and so no longer read."""
    try:
        return assignments_of(user=user).exclude(state=Assignment.State.CONFLICT).get(pk=pk)
    except Assignment.DoesNotExist:
        raise Http404("No such application to read") from None


def calls_to_read(*, user: User) -> list[Call]:
    """The calls, not yet released, in which the person has applications to read and
    not yet submitted: `to_read` of them, `undeclared` still without a declaration."""
    mine = Assignment.objects.filter(
        application__call=OuterRef("pk"),
        reader=user,
        state=Assignment.State.ASSIGNED,
        submitted_at__isnull=True,
    )
    return list(
        Call.objects.filter(decisions_released_at__isnull=True)
        .annotate(
            to_read=SubqueryCount(mine),
            undeclared=SubqueryCount(mine.filter(declared_at__isnull=True)),
        )
        .filter(to_read__gt=0)
        .select_related("organisation", "year")
        .order_by("closes_at", "pk")
    )


def call_panel(*, call: Call) -> dict:
    """What the coordinator's panel page shows of a call: its readers, each with how
    many applications they have (`assigned`) and have submitted (`submitted`),
    counted in one grouped query."""
    counts = {
        row["reader"]: row
        for row in Assignment.objects.filter(
            application__call=call, state=Assignment.State.ASSIGNED
        )
        .values("reader")
        .annotate(assigned=Count("pk"), submitted=Count("pk", filter=Q(submitted_at__isnull=False)))
        .order_by()
    }
    readers = list(
        Reader.objects.filter(call=call)
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__full_name", "pk")
    )
    for reader in readers:
        row = counts.get(reader.user_id, {})
        reader.assigned, reader.submitted = row.get("assigned", 0), row.get("submitted", 0)
    return {"readers": readers}


def applications_to_assign(*, call: Call) -> QuerySet[Application]:
    """A call's applications that readers read (submitted, not withdrawn), each with its
    assignments and their readers, oldest first."""
    return (
        call.applications.filter(read_by_panel())
        .select_related("applicant", "first_preference", "second_preference")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("reader").order_by("assigned_at", "pk"),
            )
        )
        .order_by("submitted_at", "pk")
    )


def reader_of(*, call: Call, pk) -> Reader:
    """One of the call's readers, or 404."""
    try:
        return Reader.objects.select_related("user").get(call=call, pk=int(pk))
    except (Reader.DoesNotExist, TypeError, ValueError):
        raise Http404("No such reader") from None


def application_to_assign(*, call: Call, pk) -> Application:
    """One of the call's applications that readers read, or 404."""
    try:
        return applications_to_assign(call=call).get(pk=int(pk))
    except (Application.DoesNotExist, TypeError, ValueError):
        raise Http404("No such application") from None


def assignment_on(*, application: Application, pk) -> Assignment:
    """One of an application's assignments, or 404."""
    try:
        return application.assignments.select_related("reader").get(pk=int(pk))
    except (Assignment.DoesNotExist, TypeError, ValueError):
        raise Http404("No such assignment") from None


def readings_of(*, application: Application) -> list[Assignment]:
    """Every assignment of an application, for its coordinators: each reader's
    declaration and, once submitted, their scores with the criteria and their
    comment."""
    return list(
        application.assignments.select_related("reader")
        .prefetch_related(
            Prefetch(
                "scores",
                queryset=Score.objects.select_related("criterion").order_by(
                    "criterion__position", "pk"
                ),
            )
        )
        .order_by("assigned_at", "pk")
    )


# --- Reports: how selection went -----------------------------------------------------

# Each call's applications read by two or more readers, and how many of those the
# readers' weighted means differ on by more than the threshold: one query, in SQL
# both databases speak.
_AGREEMENT_SQL = """
WITH reader_mean AS (
    SELECT asg.application_id AS application_id,
           SUM(sc.score * cr.weight) * 1.0 / SUM(cr.weight) AS mean
    FROM {score} sc
    JOIN {assignment} asg ON asg.id = sc.assignment_id
    JOIN {criterion} cr ON cr.id = sc.criterion_id
    JOIN {application} ap ON ap.id = asg.application_id
    WHERE asg.state = %s AND asg.submitted_at IS NOT NULL AND ap.call_id IN ({calls})
    GROUP BY asg.id, asg.application_id
), spread AS (
    SELECT application_id, MAX(mean) - MIN(mean) AS spread
    FROM reader_mean GROUP BY application_id HAVING COUNT(*) > 1
)
SELECT ap.call_id, COUNT(*), SUM(CASE WHEN sp.spread > %s THEN 1 ELSE 0 END)
FROM spread sp JOIN {application} ap ON ap.id = sp.application_id
GROUP BY ap.call_id
"""


def selection_report(*, calls: list[Any]) -> list[Any]:
    """Set on each call how its selection went: `read` (applications a reader has
    submitted scores for, withdrawn since or not), `compared` (read by two or more
    readers), `disagreed` (of those, whose readers' means differ by more than
    SELECTION_DISAGREEMENT_POINTS), `agreement` (the share that did not, or None),
    `conflicts` declared, `days_to_decide` (the mean from submission to decision) and
    `days_to_release` (from closing). The calls come annotated by `calls_for_report`;
    this adds one query."""
    if not calls:
        return calls
    tables = {
        "score": Score._meta.db_table,
        "assignment": Assignment._meta.db_table,
        "criterion": Criterion._meta.db_table,
        "application": Application._meta.db_table,
        "calls": ", ".join(["%s"] * len(calls)),
    }
    with connection.cursor() as cursor:
        cursor.execute(
            _AGREEMENT_SQL.format(**tables),
            [
                Assignment.State.ASSIGNED,
                *[call.pk for call in calls],
                settings.SELECTION_DISAGREEMENT_POINTS,
            ],
        )
        agreement = {call_id: (compared, disagreed) for call_id, compared, disagreed in cursor}
    for call in calls:
        call.compared, call.disagreed = agreement.get(call.pk, (0, 0))
        call.agreement = _agreement(call.compared, call.disagreed)
        call.days_to_decide = (
            call.time_to_decide.total_seconds() / 86400 if call.time_to_decide else None
        )
        call.days_to_release = (
            (call.decisions_released_at - call.closes_at).total_seconds() / 86400
            if call.decisions_released_at
            else None
        )
    return calls


def _agreement(compared: int, disagreed: int) -> float | None:
    """The share of applications read by two or more whose readers agreed."""
    return 1 - disagreed / compared if compared else None


def selection_totals(calls: list[Any]) -> dict:
    """The figures of selection_report's calls, added up (the year's, for the manager)."""
    compared = sum(call.compared for call in calls)
    disagreed = sum(call.disagreed for call in calls)
    return {
        "read": sum(call.read for call in calls),
        "compared": compared,
        "disagreed": disagreed,
        "agreement": _agreement(compared, disagreed),
        "conflicts": sum(call.conflicts for call in calls),
    }


def calls_for_report(*, user: User) -> QuerySet[Call]:
    """The calls of the person's organisations (all, for the manager), each with the
    counts selection_report reads, newest year first."""
    applications = Application.objects.filter(call=OuterRef("pk"))
    decided = applications.filter(decided_at__isnull=False, submitted_at__isnull=False)
    return (
        _calls()
        .filter(managed_or_coordinated_by(user))
        .annotate(
            read=SubqueryCount(
                applications.filter(
                    Exists(
                        Assignment.objects.filter(
                            application=OuterRef("pk"),
                            state=Assignment.State.ASSIGNED,
                            submitted_at__isnull=False,
                        )
                    )
                )
            ),
            conflicts=SubqueryCount(
                Assignment.objects.filter(
                    application__call=OuterRef("pk"), state=Assignment.State.CONFLICT
                )
            ),
            time_to_decide=Subquery(
                decided.values("call")
                .annotate(
                    mean=Avg(
                        ExpressionWrapper(
                            F("decided_at") - F("submitted_at"), output_field=DurationField()
                        )
                    )
                )
                .values("mean"),
                output_field=DurationField(),
            ),
        )
        .order_by("-year__year", "organisation__name")
    )


def scores_rows(*, call: Call):
    """A call's readings for a CSV: one row per reader's score of a criterion (a
    reading with no scores, a conflict say, is one row), by application and reader."""
    yield [
        str(_("Application")),
        str(_("Applicant")),
        str(_("Status")),
        str(_("Reader")),
        str(_("Reading")),
        str(_("Conflict")),
        str(_("About the conflict")),
        str(_("Scores submitted")),
        str(_("Criterion")),
        str(_("Weight")),
        str(_("Score")),
        str(_("Comment on the criterion")),
        str(_("Reader's comment")),
    ]
    scores: dict[int, list[list]] = {}
    for assignment_id, *score in (
        Score.objects.filter(assignment__application__call=call)
        .order_by("assignment_id", "criterion__position")
        .values_list("assignment_id", "criterion__title", "criterion__weight", "score", "comment")
        .iterator(chunk_size=2000)
    ):
        scores.setdefault(assignment_id, []).append(score)
    statuses, states = dict(Status.choices), dict(Assignment.State.choices)
    conflicts = dict(Conflict.choices)
    readings = (
        Assignment.objects.filter(application__call=call)
        .order_by("application_id", "reader__full_name", "pk")
        .values_list(
            "pk",
            "application_id",
            "application__applicant__full_name",
            "application__status",
            "reader__full_name",
            "state",
            "conflict",
            "conflict_note",
            "submitted_at",
            "comment",
        )
    )
    for (
        pk,
        application,
        applicant,
        status,
        reader,
        state,
        conflict,
        note,
        at,
        comment,
    ) in readings.iterator(chunk_size=2000):
        start = [
            application,
            applicant,
            statuses.get(status, status),
            reader,
            states.get(state, state),
            conflicts.get(conflict, conflict),
            note,
            timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else "",
        ]
        for title, weight, score, score_comment in scores.get(pk) or [["", "", "", ""]]:
            yield [*start, title, weight, score, score_comment, comment]
