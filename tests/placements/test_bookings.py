"""What the programme books is not claimed: travel and accommodation are bookings,
recorded on the placement's budget, unless the manager allows the participant to book
one themselves and claim it back."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from placements import services
from placements.forms import ExpenseClaimForm
from placements.models import BudgetLine, ExpenseClaim
from tests.factories.placements import claim, confirm, receipt

pytestmark = pytest.mark.shared_cast


@pytest.fixture
def confirmed_a(cast, proposed_a):
    """Alex's placement, confirmed, with rail booked by the programme and £125 a week
    of subsistence to claim."""
    placement = confirm(
        proposed_a, home_coordinator=cast.coordinator, host_coordinator=cast.host_coordinator
    )
    placement.budget_lines.create(kind="travel", amount="168.40", note="Return rail")
    placement.budget_lines.create(kind="subsistence", amount="125.00", note="£25 a day")
    return placement


def _claim_page(client, cast, placement):
    client.force_login(cast.staff)
    return client.get(reverse("placements:expenseclaim_create", args=[placement.pk]))


def test_a_claim_for_what_the_programme_booked_is_refused_on_the_kind(cast, confirmed_a):
    for kind in ("travel", "accommodation"):  # booked, and booked with no line yet
        with pytest.raises(services.PlacementError) as refused:
            claim(confirmed_a, kind=kind, description="Train to London")
        assert refused.value.field == "kind"
        assert refused.value.message.startswith(f"The programme books your {kind}, so it is not")
    assert not ExpenseClaim.objects.exists()


def test_the_claim_form_offers_only_what_can_be_claimed_and_says_why(client, cast, confirmed_a):
    form = _claim_page(client, cast, confirmed_a).context["form"]

    assert [value for value, _label in form.fields["kind"].choices] == ["subsistence", "other"]
    assert form.fields["kind"].help_text == (
        "The programme books and pays your travel and accommodation, so they are not claimed here."
    )
    posted = ExpenseClaimForm(
        data={
            "kind": "travel",
            "description": "Train",
            "spent_on": confirmed_a.start_on,
            "amount": "10",
        },
        files={"receipt": receipt()},
        placement=confirmed_a,
    )
    assert "kind" in posted.errors


def test_the_manager_allows_a_claim_for_travel_and_the_participant_makes_it(
    client, cast, confirmed_a
):
    BudgetLine.objects.filter(placement=confirmed_a, kind="travel").update(claimed=True)

    form = _claim_page(client, cast, confirmed_a).context["form"]
    assert [value for value, _label in form.fields["kind"].choices] == [
        "travel",
        "subsistence",
        "other",
    ]
    assert form.fields["kind"].help_text == (
        "The programme books and pays your accommodation, so it is not claimed here."
    )
    made = claim(confirmed_a, kind="travel", description="Train to London", amount="150.00")
    assert made.kind == "travel"


def test_the_participant_sees_what_is_booked_and_what_is_claimed(client, cast, confirmed_a):
    client.force_login(cast.staff)
    page = " ".join(client.get(confirmed_a.get_absolute_url()).content.decode().split())

    assert "(Return rail)</span></th><td>Booked by the programme</td><td>£168.40</td>" in page
    assert "<td>You claim it, up to this amount</td><td>£125.00</td>" in page


def test_a_claim_being_corrected_keeps_its_kind_and_cannot_become_a_booking(cast, confirmed_a):
    BudgetLine.objects.filter(placement=confirmed_a, kind="travel").update(claimed=True)
    made = claim(confirmed_a, kind="travel", description="Train")
    services.expense_claim_query(claim=made, by=cast.manager, note="Which train?")
    BudgetLine.objects.filter(placement=confirmed_a, kind="travel").update(claimed=False)

    form = ExpenseClaimForm(instance=made, placement=confirmed_a, receipt_required=False)
    assert "travel" in [value for value, _label in form.fields["kind"].choices]
    data = {"kind": "travel", "description": "The 9:00 train", "spent_on": made.spent_on}
    services.expense_claim_resubmit(claim=made, by=cast.staff, data={**data, "amount": "12"})
    services.expense_claim_query(claim=made, by=cast.manager, note="And the hotel?")
    with pytest.raises(services.PlacementError, match="books your accommodation"):
        services.expense_claim_resubmit(
            claim=made, by=cast.staff, data={**data, "kind": "accommodation", "amount": "12"}
        )


def test_the_database_refuses_a_claim_for_a_booking(cast, confirmed_a, postgresql):
    made = claim(confirmed_a)
    with pytest.raises(IntegrityError, match="books travel"), transaction.atomic():
        ExpenseClaim.objects.filter(pk=made.pk).update(kind="travel")
    with pytest.raises(IntegrityError, match="only_bookings"), transaction.atomic():
        BudgetLine.objects.filter(placement=confirmed_a, kind="subsistence").update(claimed=True)
