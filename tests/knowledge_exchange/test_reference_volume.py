"""The reference volume is sound: every rule the triggers hold, every foreign key."""

import datetime
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from knowledge_exchange import reference

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgresql")]

TODAY = datetime.date(2026, 12, 1)


@pytest.fixture
def volume():
    small = reference.Volume(scale=0.02)
    return small, reference.build(small, today=TODAY)


def test_builds_every_kind_of_record_in_proportion(volume):
    small, written = volume
    assert written["partners_user"] == small.people
    assert written["partners_organisation"] == 500
    assert written["partners_partnership"] == 500
    assert written["applications_call"] == 510
    placements = written["placements_placement"]
    assert 0.5 < placements / written["applications_application"] < 0.6
    assert written["placements_placementday"] == 5 * placements
    assert written["placements_plansession"] == 10 * placements
    assert written["evaluations_response"] > 2 * placements
    assert written["core_reminder"] > 2 * placements
    # Most applications have two readers, each scoring the four criteria.
    assignments = written["applications_assignment"]
    assert 1.7 < assignments / written["applications_application"] < 2
    assert 3.5 < written["applications_score"] / assignments < 4


def test_every_rule_holds_and_the_demo_people_hold_the_biggest_lists(volume, client):
    small, written = volume
    assert not {rule: n for rule, n in reference.violations().items() if n}
    people = reference.demo_people(small)
    _email, pk = people["supervisor"]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT supervisor_id, count(*) FROM placements_placement WHERE host_id = %s "
            "GROUP BY supervisor_id ORDER BY count(*) DESC, supervisor_id LIMIT 1",
            [reference.HOST],
        )
        most, supervised = cursor.fetchone()
    # At the host, the demo supervisor has the most (hundreds, at the full volume).
    assert most == pk
    assert supervised >= written["placements_placement"] // 1000
    assert client.login(email=people["manager"][0], password=reference.PASSWORD)


def test_a_broken_rule_is_found(volume):
    """What the triggers would refuse is counted when they were paused."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE placements_placement SET supervisor_id = participant_id "
            "WHERE id = (SELECT min(id) FROM placements_placement)"
        )
        cursor.execute(
            "UPDATE applications_call SET places = 1 WHERE id = (SELECT min(id) FROM "
            "applications_call)"
        )
        cursor.execute("UPDATE partners_membership SET organisation_id = 999999 WHERE user_id = 4")
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    broken = {rule for rule, n in reference.violations().items() if n}
    assert broken == {
        "placements_placement_supervisor_at_host",
        "applications_application_within_places",
        "applications_application_own_organisation",
        "applications_reader_belongs",  # user 4 reads for the host's calls
        "partners_membership.organisation_id refers to a partners_organisation row",
    }


def test_the_command_builds_a_database_of_its_own_and_says_every_rule_holds(postgresql):
    """As the README runs it, at a small scale, into a database it drops again."""
    name = f"{connection.settings_dict['NAME']}_reference_{os.getpid()}"
    try:
        finished = subprocess.run(  # this project's own command
            [
                sys.executable,
                "manage.py",
                "seed_reference_volume",
                "--scale=0.01",
                f"--database={name}",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            cwd=settings.BASE_DIR,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "knowledge_exchange.settings.test"},
        )
    finally:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    assert finished.returncode == 0, finished.stderr
    assert "Every rule holds." in finished.stdout
    assert "partner_coordinator  coordinator@partner.reference.example" in finished.stdout
