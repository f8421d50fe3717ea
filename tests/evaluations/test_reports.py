"""The evaluation report, its CSV and the public findings, on fixture data whose every
figure is worked out by hand below.

Six placements in 2031, all completed by 1 September: A1 to A5 from organisation A to
the host, and B1 from organisation B (in Scotland) to the host (in England).

             baseline   post-exchange   aims after    host's feedback
    A1       2 2 3 3    4 4 5 5         5 4 4 3
    A2       3 2 2 3    4 3 4 5         4 4 3 2
    A3       2 3 3 2    5 4 4 4         5 5 4 4
    A4       3 3 2 2    3 4 4 5         4 3 5 3
    A5       -          4 4 4 4         3 4 4 4
    B1       1 1 1 1    5 5 5 5         5 5 5 5       4 4 4 4

(outcomes: knowledge-sharing, confidence, reflection, motivation; aims: knowledge,
relationships, insight, sustainable). Budgets: A1 £400 with a £12.50 claim approved,
B1 £250.
"""

import csv
import datetime
import io
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from evaluations import models, selectors, services, tasks
from evaluations.models import AIMS, OUTCOMES, Instrument, Response
from placements import services as placement_services
from placements.models import BudgetLine
from tests.factories.applications import open_call, submitted
from tests.factories.partners import ProgrammeYearFactory, staff_of
from tests.factories.placements import claim, confirm, more_placements, propose, select
from tests.services import free_port

pytestmark = pytest.mark.shared_cast

ON = datetime.datetime(2031, 9, 1, 9, tzinfo=datetime.UTC)

BASELINES = ["2233", "3223", "2332", "3322", None, "1111"]
POSTS = ["4455", "4345", "5444", "3445", "4444", "5555"]
POST_AIMS = ["5443", "4432", "5544", "4353", "3444", "5555"]


def _answer(placement, instrument, digits, aims=None):
    values = dict(zip(OUTCOMES, map(int, digits), strict=True))
    if aims:
        values.update(zip(AIMS, map(int, aims), strict=True))
    respondent = (
        placement.supervisor if instrument == Instrument.HOST_FEEDBACK else placement.participant
    )
    return Response.objects.create(
        placement=placement,
        instrument=instrument,
        respondent=respondent,
        status=Response.Status.SUBMITTED,
        submitted_at=timezone.now(),
        **values,
    )


def _confirmed_from_b(cast):
    call_b = open_call(year=cast.year, organisation=cast.organisation_b)
    application = select(
        submitted(call=call_b, applicant=staff_of(cast.organisation_b)),
        by=cast.other_coordinator,
        destination=cast.host,
    )
    placement = propose(
        application,
        by=cast.other_coordinator,
        supervisor=cast.supervisor,
        start_on=datetime.date(2031, 8, 4),
    )
    return confirm(
        placement, home_coordinator=cast.other_coordinator, host_coordinator=cast.host_coordinator
    )


def build_programme(cast, *, a_count=5, posts=POSTS, post_aims=POST_AIMS, baselines=BASELINES):
    """A's placements and B's one, answered as the table above (the first `a_count` of
    A's rows, then B's), completed by 1 September 2031."""
    placements = [
        confirm(p, home_coordinator=cast.coordinator, host_coordinator=cast.host_coordinator)
        for p in more_placements(cast, a_count)
    ]
    placements.append(_confirmed_from_b(cast))
    rows = [*range(a_count), 5]
    for placement, row in zip(placements, rows, strict=True):
        if baselines[row]:
            _answer(placement, Instrument.BASELINE, baselines[row])
    with time_machine.travel(ON):
        placement_services.placements_complete_finished()
    for placement, row in zip(placements, rows, strict=True):
        placement.refresh_from_db()
        _answer(placement, Instrument.POST_EXCHANGE, posts[row], post_aims[row])
    _answer(placements[-1], Instrument.HOST_FEEDBACK, "4444")
    BudgetLine.objects.create(placement=placements[0], kind="travel", amount=Decimal("100.00"))
    BudgetLine.objects.create(placement=placements[0], kind="accommodation", amount=Decimal(300))
    BudgetLine.objects.create(placement=placements[-1], kind="travel", amount=Decimal(250))
    placement_services.expense_claim_approve(
        claim=claim(placements[0], amount="12.50"), by=cast.manager
    )
    return placements


@pytest.fixture
def programme(cast):
    return build_programme(cast)


def _rows(report, key) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in report.table(key).rows}


def _report(**scope):
    with time_machine.travel(ON):
        return selectors.report(**scope)


@pytest.mark.django_db
def test_the_managers_report_equals_the_figures_worked_out_by_hand(cast, programme):
    report = _report(year=2031, organisation=None, min_group=1)

    assert (report.placements, report.organisations, report.nations) == (6, 3, 2)
    assert report.responses == 5 + 6 + 1
    assert _rows(report, "response_rates") == {
        "Baseline survey": ["6", "5", "83%"],
        "Post-exchange evaluation": ["6", "6", "100%"],
        "Host supervisor's feedback": ["6", "1", "17%"],
        # Six months after the last day has not come yet.
        "Follow-up": ["0", "0", "not due yet"],
    }
    distribution = _rows(report, "distribution")
    # 4 4 5 3 4 5: one 3, three 4s, two 5s; 25 / 6 = 4.17.
    assert distribution["Knowledge-sharing and collaborative skills: Post-exchange evaluation"] == [
        "0", "0", "1", "3", "2", "6", "4.2"
    ]  # fmt: skip
    # 2 2 3 3 1: 11 / 5 = 2.2.
    assert distribution["Confidence: Baseline survey"] == ["1", "2", "2", "0", "0", "5", "2.2"]
    assert distribution["Motivation: Host supervisor's feedback"] == [
        "0", "0", "0", "1", "0", "1", "4.0"
    ]  # fmt: skip
    assert distribution["Time for reflection: Follow-up"] == [
        "0", "0", "0", "0", "0", "0", "no answers"
    ]  # fmt: skip

    change = _rows(report, "change")
    # The five who answered both: before 2+3+2+3+1 = 11, after 4+4+5+3+5 = 21.
    assert change["Knowledge-sharing and collaborative skills"][:4] == ["5", "2.2", "4.2", "+2.0"]
    # Before 2+2+3+3+1 = 11, after 4+3+4+4+5 = 20: +9 / 5.
    assert change["Confidence"][:4] == ["5", "2.2", "4.0", "+1.8"]
    assert change["Confidence"][4:] == ["0", "no answers", "no answers", "no answers"]

    aims = _rows(report, "aims")
    # 5 4 5 4 3 5: 26 / 6 = 4.33; five of six rated 4 or 5.
    assert aims["Individual and organisational knowledge and skills developed"][:3] == [
        "6", "4.3", "83%"
    ]  # fmt: skip
    # 3 2 4 3 4 5: 21 / 6 = 3.5; three of six.
    assert aims["Sustainable methods for sharing knowledge across the sector"][:3] == [
        "6", "3.5", "50%"
    ]  # fmt: skip

    assert _rows(report, "reach") == {
        "England": ["2", "5", "6"],
        "Scotland": ["1", "1", "0"],
        "Wales": ["0", "0", "0"],
        "Northern Ireland": ["0", "0", "0"],
        "All nations": ["3", "6", "6"],
    }
    # £650 over six placements is £108.33 each.
    assert _rows(report, "by_year") == {
        "2031": ["6", "3", "2", "6", "£650.00", "£12.50", "£108.33"]
    }


@pytest.mark.django_db
def test_a_coordinator_sees_their_own_organisation_with_small_groups_withheld(cast, programme):
    report = _report(year=None, organisation=cast.organisation_a, min_group=5)

    # A1 to A5 only: B's placement, its baseline of 1s and its host's feedback are out.
    assert (report.placements, report.organisations) == (5, 2)
    assert _rows(report, "response_rates")["Baseline survey"] == ["5", "4", "80%"]
    assert _rows(report, "response_rates")["Host supervisor's feedback"] == ["5", "0", "0%"]
    distribution = _rows(report, "distribution")
    # Five answered after: shown. 4 4 5 3 4: 20 / 5.
    assert distribution["Knowledge-sharing and collaborative skills: Post-exchange evaluation"] == [
        "0", "0", "1", "3", "1", "5", "4.0"
    ]  # fmt: skip
    # Four answered the baseline: withheld, every cell.
    assert distribution["Confidence: Baseline survey"] == [
        *["withheld"] * 5, "fewer than 5", "withheld"
    ]  # fmt: skip
    # Four answered both before and after.
    assert _rows(report, "change")["Motivation"][:4] == [
        "fewer than 5", "withheld", "withheld", "withheld"
    ]  # fmt: skip


@pytest.mark.django_db
def test_the_report_page_shows_only_the_coordinators_organisation(client, cast, programme):
    client.force_login(cast.other_coordinator)

    page = client.get(reverse("evaluations:report")).content.decode()

    # B's one placement, from Scotland; its single answers are withheld.
    assert "1 placement, 2 organisations in 2 nations" in page
    assert "Burrell Test Collection, placements coming and going" in page
    assert "Ashmolean Test Museum" not in page
    assert "fewer than 5" in page
    assert (
        client.get(
            reverse("evaluations:report"), {"organisation": cast.organisation_a.pk}
        ).status_code
        == 404
    )
    assert (
        client.get(
            reverse("evaluations:report_csv"), {"organisation": cast.organisation_a.pk}
        ).status_code
        == 404
    )


@pytest.mark.django_db
def test_a_bad_year_is_answered_on_its_field(client, cast):
    client.force_login(cast.manager)

    for url in (reverse("evaluations:report"), reverse("evaluations:report_csv")):
        response = client.get(url, {"year": "1066"})
        page = response.content.decode()
        assert response.status_code in (200, 400)
        assert "Choose a programme year from the list, or all years." in page
        assert 'aria-invalid="true"' in page


class _Tables(HTMLParser):
    """Each table on a page: its caption, then its rows of cell texts."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("th", "td", "caption"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "caption":
            self.tables[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


@pytest.mark.django_db
def test_the_csv_holds_exactly_the_tables_on_the_page(client, cast, programme):
    scope = {"year": "2031"}

    with time_machine.travel(ON):
        client.force_login(cast.manager)  # a session begun in 2031
        page = client.get(reverse("evaluations:report"), scope).content.decode()
        download = client.get(reverse("evaluations:report_csv"), scope)

    parser = _Tables()
    parser.feed(page)
    on_page = []
    for caption, *rows in parser.tables:
        on_page += [[caption.removesuffix(": the figures")], *rows, []]
    assert download["Content-Disposition"] == (
        'attachment; filename="evaluation-report-2031-all.csv"'
    )
    in_csv = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert in_csv == on_page
    assert ["2031", "6", "3", "2", "6", "£650.00", "£12.50", "£108.33"] in in_csv


@pytest.mark.django_db
def test_the_public_page_shows_findings_only_from_five_people_or_more(client, cast, programme):
    page = client.get(reverse("home")).content.decode()

    # Six answered after: five of six rated knowledge-sharing 4 or 5; the five who
    # answered before too changed by +2.0.
    assert "After their placement, 6 participants answered our evaluation." in page
    assert "<td>83%</td>" in page
    assert "+2.0 points" in page
    assert "<td>50%</td>" in page  # sustainable methods, largely or fully met


@pytest.mark.django_db
def test_the_public_page_withholds_findings_from_fewer_than_five(client, cast):
    build_programme(cast, a_count=3)

    page = client.get(reverse("home")).content.decode()

    # Four answered after (A1 to A3 and B1): nothing is shown but the promise.
    assert "will appear here once at least 5 people have answered" in page
    assert "%</td>" not in page
    assert "points" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("size", [1, 4])
def test_report_page_queries_do_not_grow_with_years_and_responses(
    client, cast, django_assert_num_queries, size
):
    build_programme(cast, a_count=size)
    for offset in range(size):
        ProgrammeYearFactory(year=2040 + offset)
    client.force_login(cast.manager)
    scope = {"organisation": cast.organisation_a.pk}
    client.get(reverse("evaluations:report"), scope)  # the years' figures are counted

    # user, manager's group, years, the organisation chosen, the years in
    # scope, their stored figures; the page also lists the organisations to choose
    # from, by id and name
    with django_assert_num_queries(7):
        client.get(reverse("evaluations:report"), scope)
    with django_assert_num_queries(6):
        client.get(reverse("evaluations:report_csv"), scope)


@pytest.mark.django_db
def test_the_demo_gives_the_reports_and_the_public_page_real_figures():
    call_command("load_demo_data", verbosity=0)

    report = selectors.report(year=2019, organisation=None, min_group=1)
    findings = selectors.count_public_findings()

    # Nine placements in 2019, answered 32 times (8 + 9 + 8 + 7).
    assert (report.placements, report.responses) == (9, 32)
    assert _rows(report, "response_rates")["Follow-up"] == ["9", "7", "78%"]
    assert all(row["high"] and row["change"] for row in findings.public_outcomes)
    # Next year's baseline, from the confirmed placement at Storiel.
    assert Response.objects.filter(instrument=Instrument.BASELINE).count() == 9
    published = models.Testimonial.objects.filter(status=models.Testimonial.Status.PUBLISHED)
    assert published.count() == 2


@pytest.mark.django_db
def test_the_public_findings_are_counted_by_a_task_and_only_read_by_the_page(
    client, cast, django_assert_num_queries, django_capture_on_commit_callbacks
):
    placements = build_programme(cast)
    assert selectors.public_findings() is None
    client.get(reverse("home"))  # finds none counted: asks a worker (inline here) once
    before = selectors.public_findings()

    # years, partners, testimonials: the findings are read from the cache
    with django_assert_num_queries(3):
        client.get(reverse("home"))

    # A's fifth placement answers its follow-up: the findings are counted again.
    with (
        time_machine.travel(datetime.datetime(2032, 1, 20, 9, tzinfo=datetime.UTC)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.response_save(
            placement=placements[4],
            instrument=Instrument.FOLLOW_UP,
            by=placements[4].participant,
            data={**dict.fromkeys(OUTCOMES, 4), **dict.fromkeys(AIMS, 4)},
            submit=True,
        )
    with django_assert_num_queries(3):
        client.get(reverse("home"))
    assert selectors.public_findings().responses == before.responses + 1


@pytest.mark.django_db
def test_a_page_with_no_findings_counted_asks_once_and_never_fails(client, cast, caplog, broker_at):
    """Many visitors to a page with nothing counted queue one count, not one each; a
    broker that is down leaves the count to the schedule."""
    build_programme(cast)
    cache.add(tasks.QUEUED_KEY, True)  # a count is already queued

    client.get(reverse("home"))
    assert selectors.public_findings() is None  # nothing more was asked

    cache.delete(tasks.QUEUED_KEY)
    broker_at(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    assert client.get(reverse("home")).status_code == 200
    assert "Could not queue the public findings' count" in caplog.text
