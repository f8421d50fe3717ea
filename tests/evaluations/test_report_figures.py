"""The report adds up each year's stored figures; a worker counts them again."""

import datetime

import pytest
import time_machine

from evaluations import figures, selectors, services, tasks
from evaluations.models import AIMS, OUTCOMES, Instrument, ReportFigures
from placements import services as placement_services
from tests.evaluations.test_reports import ON, build_programme
from tests.factories.partners import ProgrammeYearFactory
from tests.factories.placements import claim

pytestmark = pytest.mark.django_db


def _approved(report) -> str:
    return next(row for row in report.table("by_year").rows if row[0] == "2031")[6]


def test_the_report_reads_stored_figures_until_a_worker_counts_them_again(cast):
    placements = build_programme(cast)
    with time_machine.travel(ON):
        first = selectors.report(year=2031, organisation=None, min_group=1)
        # A claim approved after the count: the stored figures do not know yet.
        placement_services.expense_claim_approve(
            claim=claim(placements[1], amount="40.00"), by=cast.manager
        )
        stale = selectors.report(year=2031, organisation=None, min_group=1)
        tasks.refresh_report_figures()  # as the schedule does
        fresh = selectors.report(year=2031, organisation=None, min_group=1)

    assert _approved(first) == _approved(stale) == "£12.50"
    assert _approved(fresh) == "£52.50"
    assert ReportFigures.objects.filter(organisation__isnull=True).count() == 1


def test_a_submitted_evaluation_counts_its_year_again_at_once(
    cast, django_capture_on_commit_callbacks
):
    placements = build_programme(cast, a_count=4)
    scope = {"year": 2031, "organisation": cast.organisation_a, "min_group": 1}
    with time_machine.travel(ON):
        before = selectors.report(**scope)
    with (
        time_machine.travel(datetime.datetime(2032, 1, 20, 9, tzinfo=datetime.UTC)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.response_save(
            placement=placements[0],
            instrument=Instrument.FOLLOW_UP,
            by=placements[0].participant,
            data={**dict.fromkeys(OUTCOMES, 4), **dict.fromkeys(AIMS, 4)},
            submit=True,
        )
    after = selectors.report(**scope)  # the year was counted again once it committed

    assert after.responses == before.responses + 1
    everyone = selectors.report(year=None, organisation=None, min_group=1)
    assert selectors.public_findings().responses == everyone.responses == 12


def test_the_schedule_counts_only_the_years_that_can_still_change(cast):
    old = ProgrammeYearFactory(year=2020)
    build_programme(cast)
    with time_machine.travel(ON):
        for year in (old, cast.year):
            figures.count(year.pk, None, today=datetime.date(2031, 9, 1))
        ReportFigures.objects.update(counted_at=datetime.datetime(2031, 1, 1, tzinfo=datetime.UTC))
        tasks.refresh_report_figures()

    counted = dict(ReportFigures.objects.values_list("year__year", "counted_at"))
    assert counted[2020].year == 2031 and counted[2020].month == 1  # closed: left alone
    assert counted[2031].month == 9
