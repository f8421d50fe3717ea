"""Role-by-URL access: what each kind of person gets from every URL the project defines.

Every URL pattern must have a row here; test_every_url_is_in_the_access_table
fails when one is added without. Object URLs use the records of organisation A
(the staff member's and coordinator's own), so a 404 for the coordinator of
organisation B is a denial with data that could leak. Where the kwargs depend on
records, they are a function of the cast.
"""

import copy
import datetime
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.urls import reverse

from applications import services as application_services
from evaluations import services as evaluation_services
from placements import services as placement_services
from placements.models import Placement
from tests.access.inventory import missing_from
from tests.factories import placements as placement_factories
from tests.factories.applications import open_call, submitted
from tests.factories.partners import PartnershipFactory, ProgrammeYearFactory, staff_of

# Every test here reads the one cast; nothing they do is kept.
pytestmark = pytest.mark.shared_cast

# "staff" is Alex, A's staff member (an applicant, then a participant); "supervisor"
# works at the year's host and supervises Alex's placement.
ROLES = ("anonymous", "staff", "coordinator", "other_coordinator", "manager", "supervisor")


@dataclass(frozen=True)
class Redirect:
    """A 302 to the named URL (the path only; a query string may follow); `kwargs`
    is a function of the cast, for URLs of records."""

    to: str
    kwargs: object = None


OK = 200
FORBIDDEN = 403
NOT_FOUND = 404
TO_LOGIN = Redirect("account_login")
TO_DASHBOARD = Redirect("dashboard")


def everyone(expected):
    return dict.fromkeys(ROLES, expected)


def signed_in(expected, anonymous=TO_LOGIN):
    return {"anonymous": anonymous, **dict.fromkeys(ROLES[1:], expected)}


def only(**given):
    """The roles named get what is given; anyone else signed in gets a 404."""
    return {**everyone(NOT_FOUND), "anonymous": TO_LOGIN, **given}


def applicant_only(expected):
    """The staff member's own application: theirs alone, not even their coordinator's
    (who reads it on the review page)."""
    return only(staff=expected)


def coordinators(expected, other=NOT_FOUND):
    """A page of organisation A for its coordinators (and the manager); B's
    coordinator gets `other`, staff a 404."""
    return only(coordinator=expected, other_coordinator=other, manager=expected)


def placement_viewers(expected):
    """A placement of A's staff member: the participant, the supervisor, its
    coordinators and the manager; not B's coordinator."""
    return only(staff=expected, supervisor=expected, coordinator=expected, manager=expected)


def call_a(cast):
    return {"pk": cast.call_a.pk}


def call_a_with_a_draft_decision(cast):
    """A's call, with a decision drafted that nobody but A's coordinators may read."""
    application_services.application_decline(
        application=cast.application_a, by=cast.coordinator, reason="Not this year."
    )
    return {"pk": cast.call_a.pk}


def application_a(cast):
    return {"pk": cast.application_a.pk}


def selected_to_come_to_a(cast):
    """A year hosted by A, in which B's call selects one of B's staff to go to A: A's
    coordinator hosts them; B's coordinator sent them, and reads them on the review page."""
    cast.organisation_a.can_host = True
    cast.organisation_a.save()
    year = ProgrammeYearFactory(year=2032, host=cast.organisation_a)
    PartnershipFactory(year=year, organisation=cast.organisation_b, confirmed=True)
    application = submitted(
        call=open_call(year=year, organisation=cast.organisation_b),
        applicant=staff_of(cast.organisation_b),
    )
    placement_factories.select(
        application, by=cast.other_coordinator, destination=cast.organisation_a
    )
    return {"pk": application.pk}


def reading_a(cast):
    """A's staff member's application given to the host's supervisor to read (as a
    reader for the host, which it names): theirs alone, not even A's coordinator's."""
    application_services.reader_add(
        call=cast.call_a, user=cast.supervisor, organisation=cast.host, by=cast.coordinator
    )
    assignment = application_services.assignment_add(
        application=cast.application_a, reader=cast.supervisor, by=cast.coordinator
    )
    return {"pk": assignment.pk}


def _selected_a(cast):
    return placement_factories.select(
        cast.application_a, by=cast.coordinator, destination=cast.host
    )


def selected_a(cast):
    """A's staff member selected to go to the host, with no placement yet."""
    return {"pk": _selected_a(cast).pk}


def _placement_a(cast):
    """A's staff member's placement at the host, confirmed by both coordinators."""
    placement = placement_factories.propose(
        _selected_a(cast), by=cast.coordinator, supervisor=cast.supervisor
    )
    return placement_factories.confirm(
        placement, home_coordinator=cast.coordinator, host_coordinator=cast.host_coordinator
    )


def placement_a(cast):
    return {"pk": _placement_a(cast).pk}


def _completed_a(cast):
    placement = _placement_a(cast)
    Placement.objects.filter(pk=placement.pk).update(status=Placement.Status.COMPLETED)
    placement.refresh_from_db()
    return placement


def completed_a(cast):
    """A's staff member's placement, completed (set directly: its dates are to come)."""
    return {"pk": _completed_a(cast).pk}


def offered_testimonial_a(cast):
    testimonial = evaluation_services.testimonial_offer(
        placement=_completed_a(cast), by=cast.staff, kind="quote", text="Wonderful.", consent=True
    )
    return {"pk": testimonial.pk}


def placement_a_pk(cast):
    """The placement made by placement_a (for where a redirect leads)."""
    return {"pk": Placement.objects.get(participant=cast.staff).pk}


def session_a(cast):
    placement = _placement_a(cast)
    session = placement_services.plan_session_add(
        placement=placement,
        by=cast.supervisor,
        day=placement.days.first(),
        data={"starts_at": datetime.time(10), "activity": "Welcome and tour"},
    )
    return {"pk": placement.pk, "session_pk": session.pk}


def claim_a(cast, *, queried=True):
    claim = placement_factories.claim(_placement_a(cast))
    if queried:
        placement_services.expense_claim_query(
            claim=claim, by=cast.manager, note="Is this one lunch or two?"
        )
    return {"pk": claim.pk}


# url name -> (kwargs for reverse, {role: expected response})
ACCESS = {
    "home": ({}, everyone(OK)),
    "health": ({}, everyone(OK)),
    "privacy": ({}, everyone(OK)),
    "personal_data": ({}, signed_in(OK)),
    "account_close": ({}, signed_in(OK)),
    "dashboard": ({}, signed_in(OK)),
    # django-allauth's pages, as configured here.
    "account_login": ({}, signed_in(TO_DASHBOARD, anonymous=OK)),
    "account_signup": ({}, signed_in(TO_DASHBOARD, anonymous=OK)),
    "account_logout": ({}, signed_in(OK, anonymous=Redirect("home"))),
    "account_inactive": ({}, everyone(OK)),
    "account_reauthenticate": ({}, signed_in(OK)),
    "account_email": ({}, signed_in(OK)),
    "account_email_verification_sent": ({}, everyone(OK)),
    "account_change_password": ({}, signed_in(OK)),
    # Only the signed-in person's own choices: there is nobody else's to ask for.
    "partners:email_preferences": ({}, signed_in(OK)),
    "partners:join": ({"token": "not-a-real-token"}, everyone(NOT_FOUND)),
    "account_set_password": ({}, signed_in(Redirect("account_change_password"))),
    "account_reset_password": ({}, everyone(OK)),
    "account_reset_password_done": ({}, everyone(OK)),
    "account_reset_password_from_key": (
        {"uidb36": "zz", "key": "not-a-real-key"},
        everyone(OK),
    ),
    "account_reset_password_from_key_done": ({}, everyone(OK)),
    "account_confirm_email": ({"key": "not-a-real-key"}, everyone(OK)),
    "account_confirm_login_code": ({}, signed_in(TO_DASHBOARD, anonymous=TO_LOGIN)),
    # Programme years and partnerships.
    "partners:year_detail": ({"year": 2031}, everyone(OK)),
    "partners:partnership_list": ({}, coordinators(OK, other=OK)),
    "partners:partnership_detail": (
        lambda cast: {"pk": cast.partnership_a.pk},
        coordinators(OK),
    ),
    # Calls and applications.
    "applications:call_list": ({}, everyone(OK)),
    "applications:call_detail": (call_a, everyone(OK)),
    "applications:application_start": (
        call_a,
        {
            "anonymous": TO_LOGIN,
            "staff": Redirect("applications:application_detail", application_a),
            "coordinator": OK,  # a coordinator is staff too, and has not applied
            "other_coordinator": FORBIDDEN,  # with the reason: not their organisation's call
            "manager": FORBIDDEN,
            "supervisor": FORBIDDEN,
        },
    ),
    "applications:application_list": ({}, signed_in(OK)),
    "applications:application_detail": (application_a, applicant_only(OK)),
    "applications:application_update": (
        application_a,
        applicant_only(Redirect("applications:application_detail", application_a)),
    ),
    "applications:application_withdraw": (application_a, applicant_only(OK)),
    "applications:endorsement_resend": (application_a, applicant_only(OK)),
    "applications:application_place": (application_a, applicant_only(OK)),
    "applications:endorse": ({"token": "not-a-real-token"}, everyone(NOT_FOUND)),
    "applications:coordinator_call_list": ({}, coordinators(OK, other=OK)),
    "applications:selection_report": ({}, coordinators(OK, other=OK)),
    "applications:call_scores": (call_a, coordinators(OK)),
    "applications:call_review": (call_a, coordinators(OK)),
    "applications:call_update": (call_a, coordinators(OK)),
    "applications:call_release": (call_a_with_a_draft_decision, coordinators(OK)),
    "applications:call_panel": (call_a, coordinators(OK)),
    "applications:call_rubric": (call_a, coordinators(OK)),
    "applications:application_review": (application_a, coordinators(OK)),
    "applications:application_moderate": (application_a, coordinators(OK)),
    "applications:hosting_list": ({}, coordinators(OK, other=OK)),
    "applications:hosting_detail": (lambda cast: selected_to_come_to_a(cast), coordinators(OK)),
    # Readers of a call's applications: each reads only what they were given.
    "applications:reading_list": ({}, signed_in(OK)),
    "applications:reading": (reading_a, only(supervisor=OK)),
    # Placements: participants and supervisors.
    "placements:placement_list": ({}, signed_in(OK)),
    "placements:placement_detail": (placement_a, placement_viewers(OK)),
    "placements:placement_plan": (placement_a, placement_viewers(OK)),
    "placements:placement_accept_dates": (placement_a, only(staff=OK)),
    "placements:placement_plan_print": (placement_a, placement_viewers(OK)),
    "placements:placement_ics": (placement_a, placement_viewers(OK)),
    "placements:plansession_update": (session_a, only(staff=OK, supervisor=OK)),
    "placements:plansession_delete": (session_a, only(staff=OK, supervisor=OK)),
    # Expenses: the participant's own; receipts to the participant and the manager alone.
    "placements:expenseclaim_create": (placement_a, only(staff=OK)),
    "placements:expenseclaim_update": (claim_a, only(staff=OK)),
    "placements:receipt": (claim_a, only(staff=OK, manager=OK)),
    # Placements: coordinators (the manager decides nothing here; they cancel in the admin).
    "placements:approval_queue": ({}, coordinators(OK, other=OK)),
    "placements:placement_propose": (selected_a, only(coordinator=OK)),
    "placements:supervisor_invite": (selected_a, only(coordinator=OK)),
    "placements:placement_decide": (placement_a, only(coordinator=OK)),
    "placements:placement_revise": (
        placement_a,
        only(coordinator=Redirect("placements:placement_decide", placement_a_pk)),
    ),
    "placements:calendar": ({}, coordinators(OK, other=OK)),
    "placements:calendar_feed": ({}, signed_in(OK)),
    "placements:calendar_feed_file": ({"token": "not-a-real-token"}, everyone(NOT_FOUND)),
    # Evaluations: each person's own; the baseline is the participant's to answer.
    "evaluations:response_list": ({}, signed_in(OK)),
    "evaluations:response_form": (
        lambda cast: {**placement_a(cast), "instrument": "baseline"},
        only(staff=OK),
    ),
    "evaluations:testimonial_list": ({}, signed_in(OK)),
    "evaluations:testimonial_create": (completed_a, only(staff=OK)),
    "evaluations:testimonial_withdraw": (offered_testimonial_a, only(staff=OK)),
    # Reports: each coordinator their own organisation's (another's is a 404: see
    # tests/evaluations/test_reports.py), the manager every one.
    "evaluations:report": ({}, coordinators(OK, other=OK)),
    "evaluations:report_csv": ({}, coordinators(OK, other=OK)),
}


def test_every_url_is_in_the_access_table():
    assert missing_from(ACCESS) == set()


def test_a_new_url_without_an_entry_is_reported():
    assert missing_from(ACCESS, urlconf="tests.access.urls_with_an_unlisted_page") == {
        "unlisted_page"
    }


@pytest.fixture(scope="module", params=list(ACCESS))
def url(request, _module_cast):
    """One URL of the table with the records its kwargs make, made once for every role
    (in a savepoint inside the module's shared cast, rolled back after the last role)."""
    name = request.param
    kwargs, expectations = ACCESS[name]
    assert set(expectations) == set(ROLES), f"{name} must say what every role gets"
    savepoint = transaction.savepoint()
    cast = copy.deepcopy(_module_cast.cast)
    yield name, cast, kwargs(cast) if callable(kwargs) else kwargs, expectations
    transaction.savepoint_rollback(savepoint)


@pytest.mark.parametrize("role", ROLES)
def test_role_gets_expected_response(client, db, url, role):
    name, cast, kwargs, expectations = url
    expected = expectations[role]
    if role != "anonymous":
        client.force_login(getattr(cast, role))

    response = client.get(reverse(name, kwargs=kwargs))

    if isinstance(expected, Redirect):
        assert response.status_code == 302, response.content[:500]
        to_kwargs = expected.kwargs(cast) if expected.kwargs else None
        assert response["Location"].split("?")[0] == reverse(expected.to, kwargs=to_kwargs)
    else:
        assert response.status_code == expected
