"""Pages made of sections that the apps above them register."""

from django.contrib import admin
from django.test import RequestFactory

from core.panels import DASHBOARD, YEAR_OVERVIEW, YEAR_OVERVIEW_TOOLS, Panels
from partners.admin import ProgrammeYearAdmin
from partners.models import ProgrammeYear


def test_sections_render_in_order_and_a_section_with_nothing_to_show_is_left_out():
    panels = Panels("test")
    panels.register("knowledge_exchange/_dashboard_manager.html", order=20)
    panels.register(
        "partners/_dashboard_coordinator.html", order=10, context=lambda request, user: None
    )
    panels.register(
        "partners/_dashboard_staff.html",
        order=5,
        context=lambda request, user: {"memberships": []},
    )

    rendered = panels.render(RequestFactory().get("/"), None)

    assert len(rendered) == 2
    assert 'id="staff-heading"' in rendered[0]
    assert 'id="manager-heading"' in rendered[1]


def test_each_app_fills_its_own_sections():
    assert [s.template for s in sorted(DASHBOARD._sections.values(), key=lambda s: s.order)] == [
        "knowledge_exchange/_dashboard_manager.html",
        "partners/_dashboard_coordinator.html",
        "placements/_dashboard_placements.html",
        "partners/_dashboard_staff.html",
    ]
    assert sorted(YEAR_OVERVIEW._sections) == [
        "admin/applications/_year_overview_calls.html",
        "admin/placements/_year_overview_money.html",
    ]
    assert list(YEAR_OVERVIEW_TOOLS._sections) == ["admin/evaluations/_year_overview_tools.html"]


def test_the_year_admin_is_registered_once_by_the_app_that_owns_years():
    assert type(admin.site._registry[ProgrammeYear]) is ProgrammeYearAdmin
