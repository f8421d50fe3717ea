"""How long the evaluation report takes on a large programme, and how many queries.

In a throwaway database (see knowledge_exchange.benchmark): placements over ten years,
each answered before, after, by its host and (most) at the follow-up, each with a
budget. Then the report is built and its page rendered, for the manager on every year,
for one year, and for one partner's coordinator; and the public findings.
"""

import time
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.core.management.base import BaseCommand
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from evaluations.forms import ReportFilterForm
from evaluations.models import AIMS, ASKS_AIMS, OUTCOMES, Instrument, Response
from evaluations.reports import csv_rows
from evaluations.selectors import report
from knowledge_exchange.benchmark import YEARS, build_programme, counting, throwaway_database
from partners.models import Organisation
from placements.models import BudgetLine, Placement


class Command(BaseCommand):
    help = (
        "In a throwaway database, build a programme (default 10,000 placements over ten "
        "years, four evaluations each) and time the evaluation report and its page."
    )

    def add_arguments(self, parser):
        parser.add_argument("--placements", type=int, default=10_000)

    def handle(self, *args, placements, **options):
        with throwaway_database():
            started = time.perf_counter()
            built = build_programme(per_year=placements // len(YEARS), due=0)
            answered = _answer_everything()
            self.stdout.write(
                f"Database: {connection.vendor} (throwaway). Built {built} placements and "
                f"{answered} evaluations in {time.perf_counter() - started:.1f} s."
            )
            partner = Organisation.objects.filter(slug="benchmark-partner-0").get()
            for label, scope in (
                ("All years, every organisation (manager)", {"year": None, "organisation": None}),
                (
                    "One year, every organisation (manager)",
                    {"year": YEARS[-1], "organisation": None},
                ),
                ("All years, one partner (coordinator)", {"year": None, "organisation": partner}),
            ):
                self._measure(label, scope, min_group=1 if scope["organisation"] is None else 5)

    def _measure(self, label: str, scope: dict, *, min_group: int) -> None:
        queries: list = []
        with connection.execute_wrapper(counting(queries)):
            started = time.perf_counter()
            built = report(**scope, min_group=min_group)
            figures = time.perf_counter() - started
        form = ReportFilterForm(
            {"year": scope["year"] or "", "organisation": getattr(scope["organisation"], "pk", "")},
            years=list(YEARS),
            organisations=Organisation.objects.all(),
            everyone=True,
        )
        form.is_valid()
        request = RequestFactory().get("/reports/")
        request.user = AnonymousUser()
        started = time.perf_counter()
        page = render_to_string(
            "evaluations/report.html", {"form": form, "report": built}, request=request
        )
        rendered = time.perf_counter() - started
        started = time.perf_counter()
        rows = csv_rows(built)
        exported = time.perf_counter() - started
        self.stdout.write(
            f"{label}: {built.placements} placements, {built.responses} evaluations; "
            f"figures in {figures:.2f} s with {len(queries)} queries; page rendered in "
            f"{rendered:.2f} s ({len(page) // 1024} KB); CSV rows in {exported * 1000:.0f} ms "
            f"({len(rows)} rows)."
        )


def _answer_everything() -> int:
    """Every placement: a baseline (answered while it was confirmed, as the database
    insists), a post-exchange evaluation, the host's feedback, and for four in five a
    follow-up; and a budget."""
    ids = list(Placement.objects.values_list("pk", "participant_id", "supervisor_id"))
    Placement.objects.update(status=Placement.Status.CONFIRMED)
    Response.objects.bulk_create(
        [_response(pk, Instrument.BASELINE, participant, pk % 3 + 1) for pk, participant, _ in ids],
        batch_size=5_000,
    )
    Placement.objects.update(status=Placement.Status.COMPLETED)
    later = [
        _response(pk, Instrument.POST_EXCHANGE, participant, pk % 2 + 4)
        for pk, participant, _supervisor in ids
    ]
    later += [
        _response(pk, Instrument.HOST_FEEDBACK, supervisor, pk % 3 + 3)
        for pk, _participant, supervisor in ids
    ]
    later += [
        _response(pk, Instrument.FOLLOW_UP, participant, pk % 3 + 3)
        for pk, participant, _supervisor in ids
        if pk % 5
    ]
    Response.objects.bulk_create(later, batch_size=5_000)
    BudgetLine.objects.bulk_create(
        [BudgetLine(placement_id=pk, kind="travel", amount=Decimal("150.00")) for pk, *_ in ids],
        batch_size=5_000,
    )
    return len(ids) + len(later)


def _response(placement_id: int, instrument: str, respondent_id: int, rating: int) -> Response:
    aims = dict.fromkeys(AIMS, rating) if instrument in ASKS_AIMS else {}
    return Response(
        placement_id=placement_id,
        instrument=instrument,
        respondent_id=respondent_id,
        status=Response.Status.SUBMITTED,
        submitted_at=timezone.now(),
        **dict.fromkeys(OUTCOMES, rating),
        **aims,
    )
