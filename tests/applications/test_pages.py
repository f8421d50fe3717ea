"""The applications pages' query counts, the manager's admin pages and the CSV export."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from applications import services
from applications.models import Application, Call
from tests.factories.applications import open_call, submitted
from tests.factories.partners import PartnershipFactory, ProgrammeYearFactory, staff_of
from tests.factories.placements import select

pytestmark = [pytest.mark.shared_cast, pytest.mark.django_db]


def _more_applications(cast, count: int) -> None:
    """Raise the call's places and add `count` more applications, a mix of stages."""
    Call.objects.filter(pk=cast.call_a.pk).update(places=count + 1)
    for number in range(count):
        application = submitted(call=cast.call_a, applicant=staff_of(cast.organisation_a))
        if number % 3 == 1:
            services.application_shortlist(application=application, by=cast.coordinator)
        elif number % 3 == 2:
            services.application_select(
                application=application,
                by=cast.coordinator,
                without_endorsement=True,
                destination=cast.year.host,
            )


# --- Query counts: the same at one row and at many -----------------------------------


@pytest.mark.parametrize("extra", [0, 6])
def test_coordinator_review_list_queries_do_not_grow(
    client, cast, django_assert_num_queries, extra
):
    _more_applications(cast, extra)
    client.force_login(cast.coordinator)
    url = reverse("applications:call_review", kwargs={"pk": cast.call_a.pk})

    # user, the organisations they coordinate, the call with counts, its
    # destinations (the filter's choices too), the count (bounded), the page's ids,
    # then its applications, with their endorsements and scores, the readers'
    # means of the page's applications, and each destination's places taken
    with django_assert_num_queries(9):
        response = client.get(url, {"status": "", "ordering": "-submitted"})
    assert len(response.context["applications"]) == 1 + extra


@pytest.mark.parametrize("calls", [1, 5])
def test_applicant_dashboard_queries_do_not_grow(client, django_assert_num_queries, calls):
    person = None
    for number in range(calls):
        year = ProgrammeYearFactory(year=2033 + number)
        partnership = PartnershipFactory(year=year, confirmed=True)
        person = person or staff_of(partnership.organisation)
        if number:
            person.memberships.create(organisation=partnership.organisation)
        submitted(
            call=open_call(year=year, organisation=partnership.organisation), applicant=person
        )
    # And an open call of their own organisation they have not applied to yet.
    year = ProgrammeYearFactory(year=2040)
    PartnershipFactory(year=year, organisation=partnership.organisation, confirmed=True)
    open_call(year=year, organisation=partnership.organisation)
    client.force_login(person)

    # user, open calls not yet applied to, their destinations, the
    # applications (with call, year, organisation, choices), their endorsements
    with django_assert_num_queries(5):
        response = client.get(reverse("applications:application_list"))
    assert len(response.context["applications"]) == calls


@pytest.mark.parametrize("calls", [1, 4])
def test_public_call_list_queries_do_not_grow(client, django_assert_num_queries, calls):
    for number in range(calls):
        year = ProgrammeYearFactory(year=2033 + number)
        open_call(
            year=year, organisation=PartnershipFactory(year=year, confirmed=True).organisation
        )

    # the calls, their destinations
    with django_assert_num_queries(2):
        response = client.get(reverse("applications:call_list"))
    assert len(response.context["open_calls"]) == calls


@pytest.mark.parametrize("extra", [0, 5])
def test_coordinator_call_and_hosting_lists_queries_do_not_grow(
    client, cast, django_assert_num_queries, extra
):
    _more_applications(cast, extra)
    # Selected and released, with the drafts before it.
    select(cast.application_a, by=cast.coordinator, destination=cast.year.host)
    client.force_login(cast.coordinator)

    # user, the organisations they coordinate, the years, the count (bounded), the
    # page's ids, then the year's calls, their destinations
    with django_assert_num_queries(7):
        client.get(reverse("applications:coordinator_call_list"))
    client.force_login(cast.manager)
    # user, manager check, the years, the count (bounded), the page's ids, then
    # the year's selected applications, their endorsements
    with django_assert_num_queries(7):
        response = client.get(reverse("applications:hosting_list"))
    assert (
        len(response.context["applications"])
        == Application.objects.filter(status=Application.Status.SELECTED).count()
    )


# --- The manager's admin --------------------------------------------------------------


@pytest.fixture
def manager_client(client, cast):
    client.force_login(cast.manager)
    return client


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_export_leaves_out_access_requirements_unless_asked(manager_client, cast):
    url = reverse("admin:applications_application_export")

    plain = manager_client.get(url, {"year": cast.year.pk})
    full = manager_client.get(url, {"year": cast.year.pk, "include_access_requirements": "on"})

    assert plain["Content-Disposition"] == 'attachment; filename="applications-2031.csv"'
    header, row = _rows(plain)
    assert "Access requirements" not in header
    assert "Step-free access, please." not in plain.content.decode()
    assert dict(zip(header, row, strict=True))["Applicant"] == "Alex Applicant"
    full_header, full_row = _rows(full)
    assert full_header[-1] == "Access requirements"
    assert full_row[-1] == "Step-free access, please."


def test_export_cells_cannot_run_as_formulas(manager_client, cast):
    person = staff_of(cast.organisation_a)
    submitted(call=cast.call_a, applicant=person, department="=HYPERLINK(1)")

    response = manager_client.get(
        reverse("admin:applications_application_export"), {"year": cast.year.pk}
    )

    header, *rows = _rows(response)
    departments = {dict(zip(header, row, strict=True))["Department"] for row in rows}
    assert departments == {"Collections", "'=HYPERLINK(1)"}


def test_manager_opens_calls_for_a_whole_year(manager_client, cast):
    response = manager_client.post(
        reverse("admin:applications_call_for_year"), {"year": cast.year.pk}, follow=True
    )

    assert [str(m) for m in response.context["messages"]] == [
        "Calls opened for 2031: Host Test Museum, Burrell Test Collection."
    ]
    assert sorted(c.organisation.name for c in Call.objects.filter(year=cast.year)) == [
        "Ashmolean Test Museum",
        "Burrell Test Collection",
        "Host Test Museum",
    ]


def test_admin_refuses_a_call_for_an_organisation_not_taking_part(manager_client, cast):
    year = ProgrammeYearFactory(year=2033)
    invited = PartnershipFactory(year=year)

    response = manager_client.post(
        reverse("admin:applications_call_add"),
        {
            "year": year.pk,
            "organisation": invited.organisation.pk,
            "opens_at_0": "2033-03-01",
            "opens_at_1": "09:00",
            "closes_at_0": "2033-04-15",
            "closes_at_1": "17:00",
            "places": 1,
            "destinations": [year.host.pk],
            "eligibility": "Anyone",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["organisation"] == [
        f"{invited.organisation.name} is neither the host nor a confirmed partner of 2033, so "
        "it cannot open a call."
    ]


def test_year_overview_counts_calls_and_applications(manager_client, cast):
    submitted(call=cast.call_a, applicant=staff_of(cast.organisation_a))
    services.application_shortlist(application=cast.application_a, by=cast.coordinator)

    response = manager_client.get(
        reverse("admin:partners_programmeyear_overview", args=[cast.year.pk])
    )

    (call,) = response.context["calls"]
    assert (call.organisation, call.submitted_count, call.shortlisted_count) == (
        cast.organisation_a,
        1,
        1,
    )
    assert "Calls and applications" in response.content.decode()


def test_manager_reads_applications_in_the_admin_but_cannot_change_them(manager_client, cast):
    url = reverse("admin:applications_application_change", args=[cast.application_a.pk])

    response = manager_client.get(url)

    assert response.status_code == 200
    assert "Step-free access, please." in response.content.decode()
    assert manager_client.get(reverse("admin:applications_application_add")).status_code == 403


def test_admin_keeps_a_calls_places_at_least_the_people_selected(manager_client, cast):
    services.application_select(
        application=cast.application_a,
        by=cast.coordinator,
        without_endorsement=True,
        destination=cast.year.host,
    )
    call = cast.call_a
    opens, closes = timezone.localtime(call.opens_at), timezone.localtime(call.closes_at)

    response = manager_client.post(
        reverse("admin:applications_call_change", args=[call.pk]),
        {
            "opens_at_0": f"{opens:%Y-%m-%d}",
            "opens_at_1": f"{opens:%H:%M}",
            "closes_at_0": f"{closes:%Y-%m-%d}",
            "closes_at_1": f"{closes:%H:%M}",
            "places": 0,
            "destinations": [cast.year.host.pk],
            "eligibility": "Anyone",
        },
    )

    assert response.context["adminform"].form.errors["places"] == [
        "Ensure this value is greater than or equal to 1.",
    ]
    Call.objects.filter(pk=call.pk).update(places=2)
    submitted_b = submitted(call=call, applicant=staff_of(cast.organisation_a))
    services.application_select(
        application=submitted_b,
        by=cast.coordinator,
        without_endorsement=True,
        destination=cast.year.host,
    )
    response = manager_client.post(
        reverse("admin:applications_call_change", args=[call.pk]),
        {
            "opens_at_0": f"{opens:%Y-%m-%d}",
            "opens_at_1": f"{opens:%H:%M}",
            "closes_at_0": f"{closes:%Y-%m-%d}",
            "closes_at_1": f"{closes:%H:%M}",
            "places": 1,
            "destinations": [cast.year.host.pk],
            "eligibility": "Anyone",
        },
    )
    assert response.context["adminform"].form.errors["places"] == [
        "2 people are already selected: keep at least 2 places."
    ]


def test_manager_opens_one_call_in_the_admin(manager_client, cast):
    response = manager_client.post(
        reverse("admin:applications_call_add"),
        {
            "year": cast.year.pk,
            "organisation": cast.organisation_b.pk,
            "opens_at_0": "2031-03-01",
            "opens_at_1": "09:00",
            "closes_at_0": "2031-04-15",
            "closes_at_1": "17:00",
            "places": 2,
            "accept_within_days": 14,
            "destinations": [cast.year.host.pk],
            "eligibility": "Any paid member of staff.",
            "guidance": "",
        },
    )

    assert response.status_code == 302
    call = Call.objects.get(year=cast.year, organisation=cast.organisation_b)
    assert (call.places, call.created_by) == (2, cast.manager)
    assert list(call.destinations.all()) == [cast.year.host]
    assert timezone.localtime(call.closes_at).strftime("%d %b %H:%M") == "15 Apr 17:00"
