"""Reads of organisations, memberships, years and partnerships, with the query shape
each page needs."""

import datetime
from collections.abc import Collection

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.http import Http404
from django.utils import timezone

from partners.models import (
    PROGRAMME_MANAGERS_GROUP,
    TO_CONFIRM,
    AccountInvitation,
    ClosureDay,
    Membership,
    Organisation,
    Partnership,
    ProgrammeYear,
    User,
)
from partners.permissions import (
    coordinated_by,
    managed_or_coordinated_by,
)
from partners.progress import YearFacts, facts_of, with_year_facts

CONFIRMED = Partnership.Status.CONFIRMED


def memberships_for_user(*, user: User) -> QuerySet[Membership]:
    """The person's memberships, coordinator roles first, with their organisations."""
    return (
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("-role", "organisation__name")
    )


def organisations_for_email(*, email: str) -> list[Organisation]:
    """Organisations whose staff email domains include the domain of this address."""
    domain = email.rsplit("@", 1)[-1].strip().lower()
    if not domain:
        return []
    candidates = Organisation.objects.filter(email_domains__icontains=domain)
    return [organisation for organisation in candidates if domain in organisation.domain_list()]


# --- Programme years and partnerships ------------------------------------------


def returning_partner() -> Exists:
    """True where the partnership's organisation was a confirmed partner in an earlier year."""
    return Exists(
        Partnership.objects.filter(
            organisation=OuterRef("organisation"),
            status=CONFIRMED,
            year__year__lt=OuterRef("year__year"),
        )
    )


def partnerships_with_details() -> QuerySet[Partnership]:
    """Partnerships with their year, host and organisation, and `is_returning`."""
    return Partnership.objects.select_related("year__host", "organisation").annotate(
        is_returning=returning_partner()
    )


def programme_years_with_counts() -> QuerySet[ProgrammeYear]:
    """Years with their host, how many partners are confirmed, invited (answered or not)
    and accepted (to be confirmed), and the facts
    their stage is worked out from (partners.progress)."""
    return with_year_facts(
        ProgrammeYear.objects.select_related("host")
        .annotate(
            confirmed_count=Count("partnerships", filter=Q(partnerships__status=CONFIRMED)),
            invited_count=Count("partnerships", filter=Q(partnerships__status__in=TO_CONFIRM)),
            accepted_count=Count(
                "partnerships", filter=Q(partnerships__status=Partnership.Status.ACCEPTED)
            ),
        )
        # Said again: a query that counts is not ordered by Meta.ordering (the admin's
        # autocomplete of years pages through it).
        .order_by("-year")
    )


def facts_by_year(year_ids) -> dict[int, YearFacts]:
    """The facts of each of these years (partners.progress), in one query."""
    years = with_year_facts(ProgrammeYear.objects.filter(pk__in=year_ids).only("pk"))
    return {year.pk: facts_of(year) for year in years}


def _confirmed_partners() -> Prefetch:
    return Prefetch(
        "partnerships",
        queryset=Partnership.objects.filter(status=CONFIRMED)
        .select_related("organisation")
        .order_by("organisation__name"),
        to_attr="confirmed_partnerships",
    )


def public_programme() -> tuple[ProgrammeYear | None, list[ProgrammeYear]]:
    """The current year (the latest) with `confirmed_partnerships`, and the past years
    that had confirmed partners, each with its host and `confirmed_count` (their
    partners are on each year's own page). Two queries, however many years."""
    years = list(
        ProgrammeYear.objects.select_related("host")
        .annotate(confirmed_count=Count("partnerships", filter=Q(partnerships__status=CONFIRMED)))
        .order_by("-year")
    )
    if not years:
        return None, []
    current, *earlier = years
    current.confirmed_partnerships = list(
        current.partnerships.filter(status=CONFIRMED)
        .select_related("organisation")
        .order_by("organisation__name")
    )
    return current, [year for year in earlier if year.confirmed_count]


def programme_year_for_public(*, year: int) -> ProgrammeYear:
    """One year with its host and `confirmed_partnerships`, or 404."""
    try:
        return (
            ProgrammeYear.objects.select_related("host")
            .prefetch_related(_confirmed_partners())
            .get(year=year)
        )
    except ProgrammeYear.DoesNotExist:
        raise Http404("No such programme year") from None


def year_overview(*, pk: int) -> tuple[ProgrammeYear, list[Partnership], dict]:
    """A year with every partnership (returning flag, who confirmed) and its totals."""
    confirmed = Q(partnerships__status=CONFIRMED)
    try:
        # The confirmed partners' exchange totalled with the year's counts, on the
        # same join of its partnerships.
        year = (
            programme_years_with_counts()
            .annotate(
                sends_to_host=Sum("partnerships__sends_to_host", filter=confirmed, default=0),
                hosts_from_host=Sum("partnerships__hosts_from_host", filter=confirmed, default=0),
            )
            .get(pk=pk)
        )
    except ProgrammeYear.DoesNotExist:
        raise Http404("No such programme year") from None
    partnerships = list(
        partnerships_with_details()
        .filter(year=year)
        .select_related("confirmed_by")
        .order_by("status", "organisation__name")
    )
    totals = {"sends_to_host": year.sends_to_host, "hosts_from_host": year.hosts_from_host}
    return year, partnerships, totals


def partnerships_for_coordinator(*, user: User) -> QuerySet[Partnership]:
    """The partnerships of every organisation the person coordinates, newest year first."""
    return (
        partnerships_with_details()
        .filter(coordinated_by(user))
        .order_by("-year__year", "organisation__name")
    )


def years_hosted_for_coordinator(*, user: User) -> QuerySet[ProgrammeYear]:
    """The years hosted by an organisation the person coordinates, newest first."""
    return programme_years_with_counts().filter(coordinated_by(user, "host")).order_by("-year")


def partnership_for_coordinator(*, user: User, pk: int) -> Partnership:
    """One partnership the person coordinates (or any, for the programme manager), or 404."""
    try:
        return partnerships_with_details().filter(managed_or_coordinated_by(user)).get(pk=pk)
    except Partnership.DoesNotExist:
        raise Http404("No such partnership") from None


def partners_of_year(*, year: ProgrammeYear) -> QuerySet[Partnership]:
    """A year's confirmed partners, for a coordinator to see who else takes part."""
    return (
        Partnership.objects.filter(year=year, status=CONFIRMED)
        .select_related("organisation")
        .order_by("organisation__name")
    )


def partnership_coordinators(*, partnership: Partnership) -> list[User]:
    """Who coordinates a partnership: those chosen for it, or else all of the
    organisation's coordinators."""
    chosen = list(partnership.coordinators.all())
    return chosen or organisation_coordinators(organisation_id=partnership.organisation_id)


def organisation_coordinators(*, organisation_id: int | None) -> list[User]:
    """The organisation's active coordinators."""
    if organisation_id is None:
        return []
    return coordinators_of([organisation_id]).get(organisation_id, [])


def programme_managers() -> list[User]:
    """The active people in the programme managers' group."""
    return list(
        User.objects.filter(groups__name=PROGRAMME_MANAGERS_GROUP, is_active=True).order_by("pk")
    )


def _members_of(organisation_ids, **filters) -> dict[int, list[User]]:
    """Each organisation's active members matching `filters`, in one query."""
    members: dict[int, list[User]] = {}
    for membership in Membership.objects.filter(
        organisation__in=organisation_ids, user__is_active=True, **filters
    ).select_related("user"):
        members.setdefault(membership.organisation_id, []).append(membership.user)
    return members


def coordinators_of(organisation_ids) -> dict[int, list[User]]:
    """Each organisation's active coordinators, for many organisations in one query."""
    return _members_of(organisation_ids, role=Membership.Role.COORDINATOR)


def staff_taking_call_emails(organisation_ids) -> dict[int, list[User]]:
    """Each organisation's active staff (not its coordinators, who run the call) who
    have not opted out of call-opened emails, for many organisations in one query."""
    return _members_of(organisation_ids, role=Membership.Role.STAFF, user__call_emails=True)


def year_id(year: int) -> Subquery:
    """The id of the year numbered `year`, as a subquery PostgreSQL answers first, so a
    filter on it can use an index that starts with the year (a join could not)."""
    return Subquery(ProgrammeYear.objects.filter(year=year).values("pk")[:1])


def year_numbers() -> list[int]:
    """Every programme year, newest first: the choices of a list's year filter."""
    return list(ProgrammeYear.objects.order_by("-year").values_list("year", flat=True))


# --- What needs people now (the dashboard's to-do list) ---------------------------


def years_short_of_partners(*, today: datetime.date | None = None) -> list[ProgrammeYear]:
    """Years whose calls have not closed with fewer confirmed partners than their
    target, each with `confirmed_count` and `invited_count`, oldest first."""
    today = today or timezone.localdate()
    return list(
        programme_years_with_counts()
        # confirmed_count is the queryset's own count, which mypy's Django plugin
        # cannot see as a field.
        .filter(calls_close_on__gte=today, **{"confirmed_count__lt": F("partner_target")})
        .order_by("year")
    )


def invitations_to_answer(*, user: User) -> list[Partnership]:
    """Invitations to the organisations the person coordinates, not yet answered."""
    return list(
        Partnership.objects.filter(coordinated_by(user), status=Partnership.Status.INVITED)
        .select_related("year", "organisation")
        .order_by("year__year", "organisation__name")
    )


def year_boards(*, today: datetime.date | None = None) -> list[dict]:
    """The programme manager's progress boards: each year not yet closed (at most two,
    oldest first), in one query. Each is a dict of `year`, `facts`
    (partners.progress.YearFacts), `expected` (institutions that open a call) and
    `organisations` (None: the whole year)."""
    today = today or timezone.localdate()
    years = ProgrammeYear.objects.filter(follow_up_on__gte=today).order_by("year")
    boards = []
    for year in with_year_facts(years)[:2]:
        facts = facts_of(year)
        boards.append({"year": year, "facts": facts, "expected": facts.confirmed + 1})
    return boards


def organisations_board(
    *, organisation_ids: Collection[int], today: datetime.date | None = None
) -> dict | None:
    """A coordinator's progress board: the latest year not yet closed that their
    organisations take part in (as host or confirmed partner), counting their part
    alone, with the organisations' names; None when they take part in none. Two
    queries."""
    today = today or timezone.localdate()
    taking_part = Q(host__in=organisation_ids) | Q(
        partnerships__organisation__in=organisation_ids, partnerships__status=CONFIRMED
    )
    years = ProgrammeYear.objects.filter(
        pk__in=ProgrammeYear.objects.filter(taking_part, follow_up_on__gte=today).values("pk")
    )
    year = with_year_facts(years, organisations=organisation_ids).order_by("-year").first()
    if year is None:
        return None
    names = Organisation.objects.filter(pk__in=organisation_ids).order_by("name")
    return {
        "year": year,
        "facts": facts_of(year),
        "expected": len(organisation_ids),
        "organisations": list(names.values_list("name", flat=True)),
    }


def closure_days(*, organisation_id: int, year: int) -> dict[datetime.date, str]:
    """The organisation's closure days from the year's start to the end of the next
    January (a placement's five days never run further), each with its reason."""
    days = ClosureDay.objects.filter(
        organisation=organisation_id,
        date__gte=datetime.date(year, 1, 1),
        date__lte=datetime.date(year + 1, 1, 31),
    )
    return dict(days.values_list("date", "reason"))


def invitation_for_token(*, token_hash: str) -> AccountInvitation | None:
    """The invitation a joining link carries, with who is invited where."""
    return (
        AccountInvitation.objects.select_related("user", "organisation", "invited_by")
        .filter(token_hash=token_hash)
        .first()
    )


def people_at(*, organisation_ids: Collection[int], search: str = "") -> QuerySet[Membership]:
    """The active people of some organisations, as their memberships (with their job
    title and department there), by organisation and name; narrowed to those whose
    name, email address, job title or department hold every word of `search`."""
    people = (
        Membership.objects.filter(organisation__in=organisation_ids, user__is_active=True)
        .select_related("user", "organisation")
        .order_by("organisation__name", "user__full_name", "pk")
    )
    for word in search.split():
        people = people.filter(
            Q(user__full_name__icontains=word)
            | Q(user__email__icontains=word)
            | Q(job_title__icontains=word)
            | Q(department__icontains=word)
        )
    return people
