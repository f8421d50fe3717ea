"""The Django admin is the programme manager's: nobody else reaches any of it."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import erasure
from evaluations import services as evaluation_services
from partners.models import User
from placements.models import Placement
from tests.factories import placements as placement_factories

# Every test here reads the one cast; nothing they do is kept.
pytestmark = pytest.mark.shared_cast

PROGRAMME_APPS = {"partners", "applications", "placements", "evaluations"}


def _changelists():
    return sorted((model._meta.app_label, model._meta.model_name) for model in admin.site._registry)


@pytest.mark.parametrize("role", ["staff", "coordinator", "other_coordinator"])
def test_admin_is_closed_to_everyone_but_the_manager(client, cast, role):
    client.force_login(getattr(cast, role))

    for app_label, model_name in [("", ""), *_changelists()]:
        url = (
            reverse(f"admin:{app_label}_{model_name}_changelist")
            if app_label
            else reverse("admin:index")
        )
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


def _custom_admin_pages(cast):
    placement = placement_factories.confirm(
        placement_factories.propose(
            placement_factories.select(
                cast.application_a, by=cast.coordinator, destination=cast.host
            ),
            by=cast.coordinator,
            supervisor=cast.supervisor,
        ),
        home_coordinator=cast.coordinator,
        host_coordinator=cast.host_coordinator,
    )
    claim = placement_factories.claim(placement)
    Placement.objects.filter(pk=placement.pk).update(status=Placement.Status.COMPLETED)
    placement.refresh_from_db()
    testimonial = evaluation_services.testimonial_offer(
        placement=placement, by=cast.staff, kind="quote", text="Wonderful.", consent=True
    )
    closure = erasure.closure_request(user=cast.staff, reason="")
    return [
        reverse("admin:core_accountclosure_erase", args=[closure.pk]),
        reverse("admin:core_accountclosure_change", args=[closure.pk]),
        reverse("admin:evaluations_testimonial_decide", args=[testimonial.pk]),
        reverse("admin:placements_placement_change", args=[placement.pk]),
        reverse("admin:placements_placement_cancel", args=[placement.pk]),
        reverse("admin:placements_placement_completion", args=[placement.pk]),
        reverse("admin:placements_expenseclaim_change", args=[claim.pk]),
        reverse("admin:placements_expenseclaim_decide", args=[claim.pk]),
        reverse("admin:partners_programmeyear_overview", args=[cast.year.pk]),
        reverse("admin:partners_partnership_status", args=[cast.partnership_a.pk]),
        reverse("admin:applications_call_for_year"),
        reverse("admin:applications_application_export"),
    ]


@pytest.mark.parametrize("role", ["staff", "coordinator", "other_coordinator"])
def test_admin_pages_of_our_own_are_closed_to_everyone_but_the_manager(client, cast, role):
    client.force_login(getattr(cast, role))

    for url in _custom_admin_pages(cast):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


def test_manager_reaches_the_admin_pages_of_our_own(client, cast):
    client.force_login(cast.manager)

    for url in _custom_admin_pages(cast):
        assert client.get(url).status_code == 200, url


def test_manager_runs_every_programme_model_but_not_the_site(client, cast):
    client.force_login(cast.manager)

    for app_label, model_name in _changelists():
        response = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
        if app_label in PROGRAMME_APPS:
            assert response.status_code == 200, (app_label, model_name)
        elif (app_label, model_name) in {("auth", "group")}:
            assert response.status_code == 403, (app_label, model_name)


def test_every_changelist_the_manager_opens_runs_at_most_six_queries(client, cast):
    """The project's and the libraries': the bound the reference volume is measured by."""
    client.force_login(cast.manager)

    opened = 0
    for app_label, model_name in _changelists():
        url = reverse(f"admin:{app_label}_{model_name}_changelist")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        if response.status_code == 200:
            opened += 1
            assert len(queries) <= 6, (url, [query["sql"][:120] for query in queries])
    assert opened >= 15


def test_manager_cannot_make_anyone_a_superuser(client, cast):
    client.force_login(cast.manager)
    url = reverse("admin:partners_user_change", args=[cast.staff.pk])

    response = client.post(
        url,
        {
            "email": cast.staff.email,
            "full_name": cast.staff.full_name,
            "is_active": "on",
            "is_superuser": "on",
            "is_staff": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "account_invitations-TOTAL_FORMS": "0",
            "account_invitations-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    cast.staff.refresh_from_db()
    assert (cast.staff.is_superuser, cast.staff.is_staff) == (False, False)
    assert User.objects.filter(is_superuser=True).count() == 0


def test_view_on_site_takes_the_manager_to_a_page_they_can_read(client, cast):
    """Every admin change page with a "View on site" link opens a page of the site the
    manager may read (the applicant's own page of an application would be a 404)."""
    placement = placement_factories.propose(
        placement_factories.select(cast.application_a, by=cast.coordinator, destination=cast.host),
        by=cast.coordinator,
        supervisor=cast.supervisor,
    )
    records = [cast.year, cast.partnership_a, cast.call_a, cast.application_a, placement]
    client.force_login(cast.manager)
    checked = set()
    for record in records:
        opts = record._meta
        page = client.get(
            reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])
        )
        link = page.context["absolute_url"] if page.context.get("has_absolute_url") else None
        assert link, f"{opts.label} has no View on site link"
        response = client.get(link, follow=True)
        assert response.status_code == 200, (opts.label, response.redirect_chain)
        checked.add(opts.label)
    with_site_pages = {
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if model_admin.view_on_site and hasattr(model, "get_absolute_url")
    }
    assert with_site_pages <= checked
