"""On the embedded default (no broker, so no beat), the web process runs the daily
sweep with the first request of each day."""

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client, override_settings

from placements.models import Placement
from tests.factories.placements import confirmed_a

pytestmark = pytest.mark.django_db


@override_settings(SWEEP_IN_WEB=True)
def test_the_first_request_of_a_day_completes_the_placements_that_have_finished(cast, caplog):
    placement = confirmed_a(cast)  # 2 to 6 June 2031
    cache.clear()
    browser = Client()

    with time_machine.travel(datetime.datetime(2031, 6, 6, 12, 0, tzinfo=datetime.UTC)):
        assert browser.get("/healthz/").status_code == 200
    placement.refresh_from_db()
    assert placement.status == Placement.Status.CONFIRMED  # its last day: not yet

    with time_machine.travel(datetime.datetime(2031, 6, 7, 8, 0, tzinfo=datetime.UTC)):
        assert browser.get("/").status_code == 200
    placement.refresh_from_db()
    assert placement.status == Placement.Status.COMPLETED
    assert placement.status_changes.last().by is None  # the sweep's, not a person's
    # The sweep ran to its end, and said what it did.
    assert "The daily sweep in the web process failed" not in caplog.text
    assert "Daily sweep in the web process: 1 placement(s) completed" in caplog.text


@override_settings(SWEEP_IN_WEB=True)
def test_the_sweep_runs_once_a_day_however_many_processes_ask(cast, django_assert_num_queries):
    confirmed_a(cast)
    cache.clear()
    with time_machine.travel(datetime.datetime(2031, 6, 7, 8, 0, tzinfo=datetime.UTC)):
        Client().get("/healthz/")  # swept
        # Another process (a new middleware) the same day finds the day swept.
        with django_assert_num_queries(1):  # the health check's SELECT 1 alone
            Client().get("/healthz/")


def test_no_sweep_in_the_web_process_where_beat_runs_it(cast):
    placement = confirmed_a(cast)
    cache.clear()

    with time_machine.travel(datetime.datetime(2031, 6, 7, 8, 0, tzinfo=datetime.UTC)):
        Client().get("/healthz/")

    placement.refresh_from_db()
    assert placement.status == Placement.Status.CONFIRMED
