"""A large programme for the benchmark commands, built fast in a throwaway database.

`throwaway_database()` makes Django's test database (`test_<name>`), switches to it, and
drops it afterwards, so no real data is touched. `build_programme()` writes placements
with bulk inserts through the models (every database rule still holds).
"""

import contextlib
import datetime
import logging
import sys

from django.conf import settings
from django.db import connection
from django.utils import timezone

from applications.models import Application, Call
from partners.demo import year_dates
from partners.models import Membership, Nation, Organisation, Partnership, ProgrammeYear, User
from placements.models import Placement

TODAY = datetime.date(2031, 9, 1)  # the sweep's morning: a Monday in the last year built
YEARS = range(2022, 2032)
PARTNERS = 50
SUPERVISORS = 200


@contextlib.contextmanager
def throwaway_database():
    logging.disable(logging.WARNING)  # a line per record would drown the figures
    real_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(real_name, verbosity=0)
        logging.disable(logging.NOTSET)


def counting(queries: list):
    """A database wrapper that notes each query (Django's own log keeps only 9,000)."""

    def note(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    return note


def build_programme(*, per_year: int, due: int) -> int:
    """One host, PARTNERS partners confirmed every year, and `per_year` placements a
    year from the partners' staff to the host. In the last year, due/4 placements start
    in 7 days and due/4 ended yesterday (each reminds two people); the rest are
    completed in their own year, with nothing due."""
    nations = list(Nation)
    host = Organisation.objects.create(
        name="Benchmark Host Museum",
        slug="benchmark-host",
        kind=Organisation.Kind.MUSEUM,
        nation="england",
        can_host=True,
    )
    partners = Organisation.objects.bulk_create(
        Organisation(
            name=f"Benchmark Partner {n}",
            slug=f"benchmark-partner-{n}",
            kind=Organisation.Kind.MUSEUM,
            nation=nations[n % 4],
        )
        for n in range(PARTNERS)
    )
    supervisors = User.objects.bulk_create(
        User(email=f"supervisor-{n}@benchmark-host.example", full_name=f"Supervisor {n}")
        for n in range(SUPERVISORS)
    )
    Membership.objects.bulk_create(
        Membership(user=user, organisation=host, role=Membership.Role.STAFF) for user in supervisors
    )
    coordinator = supervisors[0]
    years = ProgrammeYear.objects.bulk_create(
        ProgrammeYear(year=year, host=host, partner_target=PARTNERS, **year_dates(year))
        for year in YEARS
    )
    now = timezone.now()
    Partnership.objects.bulk_create(
        Partnership(
            year=year,
            organisation=partner,
            status=Partnership.Status.CONFIRMED,
            confirmed_at=now,
        )
        for year in years
        for partner in partners
    )
    placed = 0
    for year in years:
        calls = Call.objects.bulk_create(
            Call(
                year=year,
                organisation=partner,
                opens_at=timezone.make_aware(datetime.datetime(year.year, 3, 2, 9)),
                closes_at=timezone.make_aware(datetime.datetime(year.year, 4, 17, 17)),
                decisions_released_at=timezone.make_aware(datetime.datetime(year.year, 5, 8, 9)),
                places=per_year // PARTNERS + 1,
            )
            for partner in partners
        )
        people = User.objects.bulk_create(
            User(email=f"person-{year.year}-{n}@benchmark.example", full_name=f"Person {n}")
            for n in range(per_year)
        )
        Membership.objects.bulk_create(
            Membership(user=person, organisation=partners[n % PARTNERS])
            for n, person in enumerate(people)
        )
        applications = Application.objects.bulk_create(
            Application(
                call=calls[n % PARTNERS],
                applicant=person,
                status=Application.Status.SELECTED,
                first_preference=host,
                destination=host,
                submitted_at=now,
                decided_at=now,
            )
            for n, person in enumerate(people)
        )
        rows = []
        for n, (person, application) in enumerate(zip(people, applications, strict=True)):
            if year.year == YEARS[-1] and n < due // 4:
                status, start = Placement.Status.CONFIRMED, TODAY + datetime.timedelta(days=7)
            elif year.year == YEARS[-1] and n < due // 2:
                status, start = Placement.Status.COMPLETED, TODAY - datetime.timedelta(days=5)
            else:
                status = Placement.Status.COMPLETED
                start = datetime.date(year.year, 6, 8) + datetime.timedelta(days=n % 120)
            rows.append(
                Placement(
                    application=application,
                    year=year,
                    participant=person,
                    home=application.call.organisation,
                    host=host,
                    supervisor=supervisors[n % SUPERVISORS],
                    start_on=start,
                    end_on=start + datetime.timedelta(days=4),
                    status=status,
                    proposed_by=coordinator,
                    proposed_at=now,
                    home_approved_by=coordinator,
                    home_approved_at=now,
                    host_approved_by=coordinator,
                    host_approved_at=now,
                )
            )
        Placement.objects.bulk_create(rows, batch_size=2_000)
        placed += len(rows)
    return placed


def worker_command(*, loglevel: str = "warning") -> list[str]:
    """A Celery worker of this project, one task at a time, on all its queues: the
    fault benchmark's and the tests' real workers."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "knowledge_exchange",
        "worker",
        "--pool=solo",
        "--queues",
        ",".join(queue.name for queue in settings.CELERY_TASK_QUEUES),
        f"--loglevel={loglevel}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
