"""The programme manager's admin for years and partnerships."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from partners.models import Partnership, PartnershipStatusChange, ProgrammeYear
from tests.factories.partners import (
    OrganisationFactory,
    PartnershipFactory,
    ProgrammeYearFactory,
    programme_manager,
)

pytestmark = pytest.mark.django_db

CONFIRMED = Partnership.Status.CONFIRMED


@pytest.fixture
def manager_client(client):
    client.force_login(programme_manager())
    return client


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _year_with_invitations(confirmed: int, invited: int, **year):
    year = ProgrammeYearFactory(year=2030, **year)
    PartnershipFactory.create_batch(confirmed, year=year, confirmed=True)
    invitations = [
        PartnershipFactory(year=year, organisation__name=f"Invited museum {n}")
        for n in range(invited)
    ]
    return year, invitations


def _year_form(year: ProgrammeYear, **changes) -> dict:
    data = {
        "year": year.year,
        "host": year.host_id,
        "partner_target": year.partner_target,
        "budget": year.budget,
        "partners_confirmed_by": year.partners_confirmed_by,
        "calls_open_on": year.calls_open_on,
        "calls_close_on": year.calls_close_on,
        "decisions_by": year.decisions_by,
        "placements_start_on": year.placements_start_on,
        "placements_end_on": year.placements_end_on,
        "evaluations_due_on": year.evaluations_due_on,
        "follow_up_on": year.follow_up_on,
        "partnerships-TOTAL_FORMS": "0",
        "partnerships-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def _inline_row(index: int, partnership=None, **fields) -> dict:
    row = {
        "id": partnership.pk if partnership else "",
        "year": partnership.year_id if partnership else "",
        "organisation": partnership.organisation_id if partnership else "",
        "sends_to_host": 1,
        "hosts_from_host": 1,
        **fields,
    }
    return {f"partnerships-{index}-{name}": value for name, value in row.items()}


# --- The year overview ---------------------------------------------------------------


def test_overview_confirms_the_chosen_invitations(manager_client):
    year, invitations = _year_with_invitations(confirmed=2, invited=3)
    url = reverse("admin:partners_programmeyear_overview", args=[year.pk])

    response = manager_client.post(url, {"partnerships": [p.pk for p in invitations[:2]]})

    assert response.status_code == 302
    assert _messages(response) == ["Confirmed 2 partners: Invited museum 0, Invited museum 1."]
    assert Partnership.objects.filter(year=year, status=CONFIRMED).count() == 4


def test_overview_refuses_what_is_past_the_target_with_a_readable_message(manager_client):
    year, invitations = _year_with_invitations(confirmed=3, invited=3)
    url = reverse("admin:partners_programmeyear_overview", args=[year.pk])

    response = manager_client.post(url, {"partnerships": [p.pk for p in invitations]})

    assert _messages(response) == [
        "Confirmed 2 partners: Invited museum 0, Invited museum 1.",
        "Not confirmed: Invited museum 2. 2030 already has 5 confirmed partners, which is "
        "its target of 5. Withdraw a partner, or raise the target, before confirming another.",
    ]
    assert Partnership.objects.filter(year=year, status=CONFIRMED).count() == 5


def test_overview_asks_for_a_choice_when_none_is_made(manager_client):
    year, _invitations = _year_with_invitations(confirmed=0, invited=1)
    url = reverse("admin:partners_programmeyear_overview", args=[year.pk])

    response = manager_client.post(url, {})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "partnerships": ["Choose at least one invitation to confirm."]
    }


def test_overview_shows_progress_and_an_unbalanced_exchange(manager_client):
    year, _invitations = _year_with_invitations(confirmed=2, invited=1)
    Partnership.objects.filter(year=year, status=CONFIRMED).update(sends_to_host=2)

    response = manager_client.get(reverse("admin:partners_programmeyear_overview", args=[year.pk]))

    page = response.content.decode()
    assert "Partners confirmed: 2 of 5" in page
    assert "Invitations to confirm: 1, of which 0 accepted by the organisation." in page
    assert "4 to " in page and "2 from " in page
    assert "The exchange is unbalanced this year." in page
    assert f'href="/reports/?year={year.year}"' in page


@pytest.mark.parametrize("partners", [1, 8])
def test_overview_queries_do_not_grow_with_partners(
    manager_client, django_assert_num_queries, partners
):
    year, _invitations = _year_with_invitations(confirmed=partners // 2, invited=partners)
    url = reverse("admin:partners_programmeyear_overview", args=[year.pk])

    # user, year with its counts and exchange totals, partnerships, the manager's
    # permissions (user, group), the calls (their applications counted when there
    # are some), the placements with their money, the invitations to confirm
    with django_assert_num_queries(8):
        response = manager_client.get(url)
    assert response.status_code == 200


# --- The changelists and the action -----------------------------------------------------


def test_confirm_action_confirms_until_the_target_then_refuses(manager_client):
    _year, invitations = _year_with_invitations(confirmed=4, invited=2)

    response = manager_client.post(
        reverse("admin:partners_partnership_changelist"),
        {"action": "confirm_selected", "_selected_action": [p.pk for p in invitations]},
    )

    assert response.status_code == 302
    assert _messages(response) == [
        "Confirmed 1 partner: Invited museum 0.",
        "Not confirmed: Invited museum 1. 2030 already has 5 confirmed partners, which is "
        "its target of 5. Withdraw a partner, or raise the target, before confirming another.",
    ]


def test_decline_action_records_each_decline(manager_client):
    _year, invitations = _year_with_invitations(confirmed=0, invited=2)

    manager_client.post(
        reverse("admin:partners_partnership_changelist"),
        {"action": "decline_selected", "_selected_action": [p.pk for p in invitations]},
    )

    assert PartnershipStatusChange.objects.filter(to_status="declined").count() == 2


@pytest.mark.parametrize("years", [1, 6])
def test_year_changelist_queries_do_not_grow(manager_client, django_assert_num_queries, years):
    for _ in range(years):
        PartnershipFactory(confirmed=True)

    # user, permissions (user, group), the count (bounded; no second count
    # of the whole table), years with hosts and counts, the host filter's choices
    with django_assert_num_queries(6):
        response = manager_client.get(reverse("admin:partners_programmeyear_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("partnerships", [1, 8])
def test_partnership_changelist_queries_do_not_grow(
    manager_client, django_assert_num_queries, partnerships
):
    year = ProgrammeYearFactory()
    PartnershipFactory.create_batch(partnerships, year=year)

    # user, permissions (user, group), the count (bounded; no second count
    # of the whole table), the page of partnerships, the year filter's choices
    with django_assert_num_queries(6):
        response = manager_client.get(
            reverse("admin:partners_partnership_changelist") + "?returning=no&year=all"
        )
    assert response.status_code == 200


def test_returning_filter_finds_partners_confirmed_in_an_earlier_year(manager_client):
    earlier = PartnershipFactory(year__year=2030, organisation__name="Storiel", confirmed=True)
    returning = PartnershipFactory(year__year=2031, organisation=earlier.organisation)
    PartnershipFactory(year=returning.year, organisation__name="Tower Museum")

    response = manager_client.get(
        reverse("admin:partners_partnership_changelist") + "?returning=yes&year=2031"
    )

    assert list(response.context["cl"].result_list) == [returning]


# --- Changing one partnership -------------------------------------------------------------


def test_withdrawing_needs_a_reason_tied_to_the_note(manager_client):
    partnership = PartnershipFactory(confirmed=True)
    url = reverse("admin:partners_partnership_status", args=[partnership.pk])

    response = manager_client.post(url, {"to_status": "withdrawn", "note": ""})

    assert response.context["form"].errors == {"note": ["Say why the partner is withdrawn."]}
    partnership.refresh_from_db()
    assert partnership.status == CONFIRMED


def test_withdrawing_with_a_reason_is_recorded(manager_client):
    partnership = PartnershipFactory(confirmed=True)
    url = reverse("admin:partners_partnership_status", args=[partnership.pk])

    response = manager_client.post(url, {"to_status": "withdrawn", "note": "Closed for works."})

    assert response.status_code == 302
    change = partnership.status_changes.last()
    assert (change.from_status, change.to_status, change.note) == (
        "confirmed",
        "withdrawn",
        "Closed for works.",
    )


def test_status_page_offers_only_the_allowed_moves_and_keeps_the_note(manager_client):
    _year, invitations = _year_with_invitations(confirmed=5, invited=1)
    url = reverse("admin:partners_partnership_status", args=[invitations[0].pk])

    response = manager_client.post(url, {"to_status": "confirmed", "note": "Keen to join."})

    form = response.context["form"]
    assert [value for value, _label in form.fields["to_status"].choices] == [
        "confirmed",
        "declined",
    ]
    assert form.errors["to_status"][0].startswith("2030 already has 5 confirmed partners")
    assert form["note"].value() == "Keen to join."


def test_a_confirmed_partnership_cannot_be_deleted_in_the_admin(manager_client):
    partnership = PartnershipFactory(confirmed=True)

    response = manager_client.post(
        reverse("admin:partners_partnership_delete", args=[partnership.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Partnership.objects.filter(pk=partnership.pk).exists()


# --- The year's page and its partnerships inline ------------------------------------------


def test_inline_invitations_go_through_the_service(manager_client):
    year = ProgrammeYearFactory()
    organisation = OrganisationFactory()
    data = _year_form(year, **{"partnerships-TOTAL_FORMS": "1"})
    data.update(_inline_row(0, organisation=organisation.pk))

    response = manager_client.post(
        reverse("admin:partners_programmeyear_change", args=[year.pk]), data
    )

    assert response.status_code == 302, response.context["errors"]
    partnership = Partnership.objects.get(year=year, organisation=organisation)
    assert partnership.invited_by is not None
    assert list(partnership.status_changes.values_list("to_status", flat=True)) == ["invited"]


def test_inline_refuses_the_host_as_partner_on_the_organisation_field(manager_client):
    year = ProgrammeYearFactory(host__name="British Museum")
    data = _year_form(year, **{"partnerships-TOTAL_FORMS": "1"})
    data.update(_inline_row(0, organisation=year.host_id))

    response = manager_client.post(
        reverse("admin:partners_programmeyear_change", args=[year.pk]), data
    )

    assert response.status_code == 200
    inline_form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert inline_form.errors["organisation"] == [
        f"British Museum hosts {year.year}, so it cannot also be one of its partners."
    ]
    assert not Partnership.objects.exists()


def test_inline_refuses_to_delete_a_confirmed_partner(manager_client):
    partnership = PartnershipFactory(confirmed=True, organisation__name="Storiel")
    data = _year_form(
        partnership.year,
        **{"partnerships-TOTAL_FORMS": "1", "partnerships-INITIAL_FORMS": "1"},
    )
    data.update(_inline_row(0, partnership, DELETE="on"))

    response = manager_client.post(
        reverse("admin:partners_programmeyear_change", args=[partnership.year_id]), data
    )

    inline_form = response.context["inline_admin_formsets"][0].formset.forms[0]
    assert inline_form.errors["DELETE"] == [
        "Storiel is confirmed: only an invitation can be deleted. Change its status instead."
    ]
    assert Partnership.objects.filter(pk=partnership.pk).exists()


def test_year_form_refuses_a_target_below_the_confirmed_partners(manager_client):
    year, _invitations = _year_with_invitations(confirmed=3, invited=0)

    response = manager_client.post(
        reverse("admin:partners_programmeyear_change", args=[year.pk]),
        _year_form(year, partner_target=2),
    )

    assert response.context["adminform"].form.errors == {
        "partner_target": [
            "2030 already has 3 confirmed partners: withdraw some before lowering the "
            "target below 3."
        ]
    }


def test_year_form_keeps_what_was_typed_when_a_date_is_wrong(manager_client):
    year = ProgrammeYearFactory(year=2030)

    response = manager_client.post(
        reverse("admin:partners_programmeyear_change", args=[year.pk]),
        _year_form(year, placements_end_on="2031-01-05", budget="41000"),
    )

    form = response.context["adminform"].form
    assert form.errors == {
        "placements_end_on": [
            "Placements take place within 2030: choose a date from 1 January to 31 December 2030."
        ]
    }
    assert form["budget"].value() == "41000"


def test_overview_marks_returning_partners_among_the_invitations(manager_client):
    earlier = PartnershipFactory(year__year=2029, organisation__name="Storiel", confirmed=True)
    year = ProgrammeYearFactory(year=2030)
    PartnershipFactory(year=year, organisation=earlier.organisation)
    PartnershipFactory(year=year, organisation__name="Tower Museum")

    response = manager_client.get(reverse("admin:partners_programmeyear_overview", args=[year.pk]))

    assert [label for _value, label in response.context["form"].fields["partnerships"].choices] == [
        "Storiel (returning partner)",
        "Tower Museum",
    ]


def _add_partnership(client, year, organisation, sends_to_host=1):
    return client.post(
        reverse("admin:partners_partnership_add"),
        {
            "year": year.pk,
            "organisation": organisation.pk,
            "sends_to_host": sends_to_host,
            "hosts_from_host": 1,
            "status_changes-TOTAL_FORMS": "0",
            "status_changes-INITIAL_FORMS": "0",
        },
    )


def test_adding_a_second_partnership_for_a_year_is_refused_with_a_message(manager_client):
    existing = PartnershipFactory()

    response = _add_partnership(manager_client, existing.year, existing.organisation)

    assert response.context["adminform"].form.non_field_errors() == [
        "This organisation already has a partnership in this year."
    ]
    assert Partnership.objects.count() == 1


def test_adding_a_partnership_in_the_admin_is_an_invitation_by_the_service(manager_client):
    year = ProgrammeYearFactory()
    organisation = OrganisationFactory()

    response = _add_partnership(manager_client, year, organisation, sends_to_host=2)

    assert response.status_code == 302
    partnership = Partnership.objects.get()
    assert (partnership.status, partnership.sends_to_host) == ("invited", 2)
    assert partnership.status_changes.count() == 1


def test_year_form_refuses_a_partner_as_the_new_host(manager_client):
    partnership = PartnershipFactory(
        year__year=2030, organisation__name="Storiel", organisation__can_host=True
    )

    response = manager_client.post(
        reverse("admin:partners_programmeyear_change", args=[partnership.year_id]),
        _year_form(partnership.year, host=partnership.organisation_id),
    )

    assert response.context["adminform"].form.errors == {
        "host": ["Storiel is already a partner in 2030, so it cannot host it."]
    }


def test_partnerships_have_no_bulk_delete(manager_client):
    response = manager_client.get(reverse("admin:partners_partnership_changelist"))

    actions = [value for value, _label in response.context["action_form"].fields["action"].choices]
    assert actions == ["", "confirm_selected", "decline_selected"]
