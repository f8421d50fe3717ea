"""The public programme pages and the coordinators' partnership pages."""

import pytest
import time_machine
from django.urls import reverse

from evaluations.selectors import count_public_findings
from partners.models import Membership
from tests.factories.partners import (
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    ProgrammeYearFactory,
    UserFactory,
)

pytestmark = [pytest.mark.shared_cast, pytest.mark.django_db]


def _text(response) -> str:
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


# --- Public pages ----------------------------------------------------------------------


def test_programme_page_lists_the_latest_years_confirmed_partners_only(client):
    past = PartnershipFactory(year__year=2019, organisation__name="The Hunterian", confirmed=True)
    current = ProgrammeYearFactory(year=2032, host__name="British Museum")
    PartnershipFactory(
        year=current,
        organisation__name="Storiel",
        organisation__town="Bangor",
        organisation__nation="wales",
        confirmed=True,
    )
    PartnershipFactory(year=current, organisation__name="Leeds Museums and Galleries")

    page = _text(client.get(reverse("home")))

    assert "Knowledge Exchange 2032: partners" in page
    assert "British Museum is working with these partner organisations in 2032 (1 of 5" in page
    assert "<td>Storiel</td> <td>Bangor</td> <td>Wales</td>" in page
    assert "Leeds Museums and Galleries" not in page
    assert "Partners of past years" in page
    # Past years link to their own pages, where their partners are listed.
    past_host = past.year.host.name
    assert f'<a href="{past.year.get_absolute_url()}">2019</a>: {past_host} and 1 partner' in page
    assert "The Hunterian" not in page


def test_programme_page_contact_comes_from_settings(client, settings):
    settings.PROGRAMME_MANAGER_NAME = "Georgia Mallin"
    settings.PROGRAMME_MANAGER_EMAIL = "knowledge@museum.example"

    page = _text(client.get(reverse("home")))

    assert "please contact Georgia Mallin at" in page
    assert '<a href="mailto:knowledge@museum.example">knowledge@museum.example</a>' in page


def test_programme_page_before_partners_are_confirmed(client):
    ProgrammeYearFactory(year=2032)

    page = _text(client.get(reverse("home")))

    assert "The partners for 2032 will be announced here once they are confirmed." in page


def test_year_page_shows_its_partners_and_dates(client):
    partnership = PartnershipFactory(
        year__year=2032, organisation__name="Tower Museum", confirmed=True
    )
    PartnershipFactory(
        year=partnership.year, organisation__name="Declined Museum", status="declined"
    )

    page = _text(client.get(reverse("partners:year_detail", kwargs={"year": 2032})))

    assert '<h1 class="mb-3">Knowledge Exchange 2032</h1>' in page
    assert "Tower Museum" in page
    assert "Declined Museum" not in page
    assert "1 June 2032 to 18 December 2032" in page


def test_year_page_for_a_year_that_does_not_exist_is_not_found(client):
    assert client.get(reverse("partners:year_detail", kwargs={"year": 1999})).status_code == 404


@pytest.mark.parametrize("size", [1, 5])
def test_public_pages_queries_do_not_grow_with_years_and_partners(
    client, django_assert_num_queries, size
):
    for offset in range(size):
        year = ProgrammeYearFactory(year=2020 + offset)
        PartnershipFactory.create_batch(size, year=year, confirmed=True)

    count_public_findings()  # as the task does

    # years with hosts; their confirmed partners with organisations; published
    # testimonials (the findings are read from the cache)
    with django_assert_num_queries(3):
        client.get(reverse("home"))
    with django_assert_num_queries(2):
        client.get(reverse("partners:year_detail", kwargs={"year": 2020}))


# --- Coordinators' pages ---------------------------------------------------------------------


@time_machine.travel("2031-02-10 12:00 +0000")
def test_coordinator_sees_their_partnerships_current_and_past_with_what_next(client, cast):
    PartnershipFactory(year__year=2029, organisation=cast.organisation_a, confirmed=True)
    client.force_login(cast.coordinator)

    url = reverse("partners:partnership_list")
    later = _text(client.get(url))  # this year, unless another is chosen
    earlier = _text(client.get(url, {"year": 2029}))

    assert earlier.count("Ashmolean Test Museum") == later.count("Ashmolean Test Museum") == 1
    assert "Burrell Test Collection" not in earlier + later
    assert "Returning partner" in later
    # The cast's calls have closed by then, whatever the year's planned dates say.
    assert "Review your applications and select your participants before placements" in later
    assert "This year is complete. Thank you for taking part." in earlier


def test_invited_coordinator_is_asked_to_answer_by_the_deadline(client, cast):
    invitation = PartnershipFactory(year__year=2033, organisation=cast.organisation_a)
    client.force_login(cast.coordinator)

    page = _text(client.get(invitation.get_absolute_url()))

    assert (
        "Tell the programme manager whether your organisation can take part in 2033 by "
        "31 January 2033." in page
    )


@time_machine.travel("2031-03-10 12:00 +0000")
def test_partnership_page_shows_the_years_dates_stage_and_other_partners(client, cast):
    client.force_login(cast.coordinator)

    page = _text(client.get(cast.partnership_a.get_absolute_url()))

    assert "Ashmolean Test Museum in 2031" in page
    assert (
        "Selection. 1 call has closed and 0 people are selected; placements begin on "
        "1 June 2031." in page
    )
    assert (
        '<dt class="col-sm-6">Placement window closes</dt> '
        '<dd class="col-sm-6">18 December 2031</dd>' in page
    )
    assert "Burrell Test Collection, York" in page
    assert "Cora Coordinator" in page


def test_a_person_who_coordinates_nothing_has_no_partnerships_page(client, cast):
    client.force_login(cast.staff)

    assert client.get(reverse("partners:partnership_list")).status_code == 404


def test_a_new_coordinator_is_told_partnerships_will_appear(client):
    membership = MembershipFactory(
        role=Membership.Role.COORDINATOR, organisation=OrganisationFactory()
    )
    client.force_login(membership.user)

    page = _text(client.get(reverse("partners:partnership_list")))

    assert "Your organisation has not been invited to take part in" in page


@pytest.mark.parametrize("years", [1, 6])
def test_partnership_list_queries_do_not_grow(client, django_assert_num_queries, years):
    coordinator = UserFactory()
    hosted = ProgrammeYearFactory(host=OrganisationFactory(can_host=True), partner_target=10)
    MembershipFactory(user=coordinator, organisation=hosted.host, role="coordinator")
    for _ in range(years):
        membership = MembershipFactory(user=coordinator, role=Membership.Role.COORDINATOR)
        PartnershipFactory(year=hosted, organisation=membership.organisation, confirmed=True)
    client.force_login(coordinator)

    # user, whether they coordinate, the years, the count (bounded), the page's ids,
    # then the year's partnerships with hosts and organisations (and returning), the
    # year hosted with its counts, the partnerships' years' facts
    with django_assert_num_queries(8):
        response = client.get(reverse("partners:partnership_list"))
    assert len(response.context["partnerships"]) == years
    assert len(response.context["hosted_years"]) == 1


@time_machine.travel("2032-01-10 12:00 +0000")
def test_host_coordinator_sees_the_years_their_organisation_hosts(client):
    year = ProgrammeYearFactory(year=2032, host__can_host=True)
    PartnershipFactory(year=year, confirmed=True)
    membership = MembershipFactory(organisation=year.host, role=Membership.Role.COORDINATOR)
    client.force_login(membership.user)

    page = _text(client.get(reverse("partners:partnership_list")))
    dashboard = _text(client.get(reverse("dashboard")))

    assert "Years your organisation hosts" in page
    assert '<h2 class="h4 mt-4">Partnerships</h2>' not in page
    assert "1 of 5" in page
    hosting = "1 of 5 partners are confirmed; the deadline for confirming them is 31 January 2032."
    assert hosting in page
    assert "2032</strong>: your organisation hosts the programme" in dashboard
    assert hosting in dashboard
