import pytest

from tests.factories.placements import propose, select


@pytest.fixture
def selected_a(cast):
    """Alex (A's staff member) selected to go to the host of 2031."""
    return select(cast.application_a, by=cast.coordinator, destination=cast.host)


@pytest.fixture
def proposed_a(cast, selected_a):
    """Alex's placement at the host, proposed by A's coordinator, supervised by Sid."""
    return propose(selected_a, by=cast.coordinator, supervisor=cast.supervisor)
