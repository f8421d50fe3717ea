"""Each permission predicate and its scope give the same answers, so a list never
shows what the record's own page would refuse, and never hides what it would show.

For every pair, every person of the cast is asked about every record: the predicate
in Python, the scope in the database."""

import datetime

import pytest

from partners.models import Organisation
from partners.permissions import (
    is_member,
    managed_or_coordinated_by,
    manages_or_coordinates,
    member_of,
)
from placements.models import Placement
from placements.permissions import (
    can_view_placement,
    coordinated_placements,
    coordinates_placement,
    taken_part_in,
    takes_part,
    viewable_placements,
)
from tests.factories import placements as placement_factories
from tests.factories.applications import open_call, submitted
from tests.factories.partners import staff_of

pytestmark = pytest.mark.shared_cast

PAIRS = {
    "manages_or_coordinates": (
        Organisation,
        manages_or_coordinates,
        lambda user: managed_or_coordinated_by(user, path=""),
    ),
    "is_member": (
        Organisation,
        lambda user, organisation: is_member(user, organisation.pk),
        lambda user: member_of(user, path=""),
    ),
    "coordinates_placement": (Placement, coordinates_placement, coordinated_placements),
    "takes_part": (Placement, takes_part, taken_part_in),
    "can_view_placement": (Placement, can_view_placement, viewable_placements),
}


@pytest.fixture
def people(cast):
    """The cast with two placements: A's staff member at the host, supervised by the
    host's Sid, and a member of the host's staff at A, supervised by A's Alex."""
    placement_factories.confirmed_a(cast)
    host_call = open_call(year=cast.year, organisation=cast.host)
    going_to_a = placement_factories.select(
        submitted(call=host_call, applicant=staff_of(cast.host, user__full_name="Hal Host")),
        by=cast.host_coordinator,
        destination=cast.organisation_a,
    )
    placement_factories.propose(
        going_to_a,
        by=cast.host_coordinator,
        supervisor=cast.staff,
        start_on=placement_factories.FIRST_MONDAY + datetime.timedelta(weeks=2),
    )
    outsider = staff_of(cast.organisation_b, user__full_name="Otto Outsider")
    return [
        cast.staff,
        cast.coordinator,
        cast.other_coordinator,
        cast.manager,
        cast.host_coordinator,
        cast.supervisor,
        going_to_a.applicant,
        outsider,
    ]


@pytest.mark.parametrize("name", PAIRS)
def test_a_predicate_and_its_scope_agree(name, people):
    model, predicate, scope = PAIRS[name]
    records = list(model.objects.all())
    disagreements, allowed = [], 0
    for person in people:
        in_scope = set(model.objects.filter(scope(person)).values_list("pk", flat=True))
        for record in records:
            says = predicate(person, record)
            allowed += says
            if says != (record.pk in in_scope):
                disagreements.append(f"{person} / {record}: predicate {says}")
    assert not disagreements
    # Each pair allows some and refuses some, so the comparison means something.
    assert 0 < allowed < len(people) * len(records)
