"""Placements' pages: who reaches what, bad input, receipts, calendars and query counts."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse, reverse_lazy
from icalendar import Calendar

from placements import services
from placements.models import ExpenseClaim, Placement
from tests.factories.applications import draft, submitted
from tests.factories.partners import staff_of
from tests.factories.placements import (
    PNG,
    claim,
    confirm,
    more_placements,
    propose,
    receipt,
    select,
)

pytestmark = pytest.mark.shared_cast

Status = Placement.Status


def _url(name, **kwargs):
    return reverse(f"placements:{name}", kwargs=kwargs)


@pytest.fixture
def confirmed_a(cast, proposed_a):
    return confirm(
        proposed_a, home_coordinator=cast.coordinator, host_coordinator=cast.host_coordinator
    )


# --- Approving in the browser ---------------------------------------------------------


@pytest.mark.django_db
def test_a_third_organisations_coordinator_can_neither_open_nor_approve(client, cast, proposed_a):
    client.force_login(cast.other_coordinator)
    url = _url("placement_decide", pk=proposed_a.pk)

    assert client.get(url).status_code == 404
    assert client.get(_url("placement_detail", pk=proposed_a.pk)).status_code == 404
    response = client.post(url, {"decision": "approve"})

    assert response.status_code == 404
    proposed_a.refresh_from_db()
    assert proposed_a.host_approved_at is None
    assert "Alex Applicant" not in client.get(_url("approval_queue")).content.decode()
    assert "Alex Applicant" not in client.get(_url("calendar")).content.decode()


@pytest.mark.django_db
def test_approving_twice_in_the_browser_says_so_on_the_form(client, cast, proposed_a):
    client.force_login(cast.coordinator)
    url = _url("placement_decide", pk=proposed_a.pk)
    client.post(url, {"decision": "approve"})

    response = client.post(url, {"decision": "approve"})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "decision": ["Select a valid choice. approve is not one of the available choices."]
    }
    assert "You have approved this placement." in response.content.decode()


@pytest.mark.django_db
def test_declining_without_a_reason_is_refused_on_its_field(client, cast, proposed_a):
    client.force_login(cast.host_coordinator)

    response = client.post(_url("placement_decide", pk=proposed_a.pk), {"decision": "decline"})

    assert response.context["form"].errors == {
        "note": ["Say why the placement is declined: the other coordinator reads this."]
    }
    proposed_a.refresh_from_db()
    assert proposed_a.status == Status.PROPOSED


@pytest.mark.django_db
def test_proposing_on_a_weekend_is_refused_on_its_field_and_keeps_what_was_typed(
    client, cast, selected_a
):
    client.force_login(cast.host_coordinator)

    response = client.post(
        _url("placement_propose", pk=selected_a.pk),
        {"supervisor": cast.supervisor.pk, "start_on": "2031-06-07"},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "start_on": [
            "7 June 2031 is a Saturday. A placement starts on a working day at Host Test Museum."
        ]
    }
    assert 'value="2031-06-07"' in response.content.decode()
    assert not Placement.objects.exists()


@pytest.mark.django_db
def test_proposing_with_a_date_that_is_not_a_date_is_refused_on_its_field(client, cast, selected_a):
    client.force_login(cast.coordinator)

    response = client.post(
        _url("placement_propose", pk=selected_a.pk),
        {"supervisor": str(cast.coordinator.pk), "start_on": "next Tuesday"},
    )

    assert response.context["form"].errors == {
        "supervisor": ["Select a valid choice. That choice is not one of the available choices."],
        "start_on": ["Enter the first day as a date, for example 2031-06-02."],
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start_on", "says"),
    [
        ("9999-12-31", "31 December 9999 is not in 2031: placements of this programme year run"),
        ("9999-12-27", "27 December 9999 is not in 2031"),
        ("0001-01-01", "The first day must be after today"),
    ],
)
def test_a_first_day_at_the_ends_of_the_calendar_is_refused_on_its_field(
    client, cast, selected_a, start_on, says
):
    client.force_login(cast.coordinator)

    response = client.post(
        _url("placement_propose", pk=selected_a.pk),
        {"supervisor": cast.supervisor.pk, "start_on": start_on},
    )

    assert response.status_code == 200
    [error] = response.context["form"].errors["start_on"]
    assert error.startswith(says)
    assert not Placement.objects.exists()


@pytest.mark.django_db
def test_the_hosts_name_is_shown_as_text_in_the_forms_help(client, cast, selected_a):
    cast.host.name = "<b>Amgueddfa</b> & Co"
    cast.host.save()
    client.force_login(cast.coordinator)

    page = client.get(_url("placement_propose", pk=selected_a.pk)).content.decode()

    assert "<b>Amgueddfa</b>" not in page
    assert "A member of staff at &lt;b&gt;Amgueddfa&lt;/b&gt; &amp; Co" in page


# --- The plan and access requirements -------------------------------------------------


@pytest.mark.django_db
def test_the_supervisor_plans_a_session_and_everyone_concerned_reads_it(client, cast, confirmed_a):
    client.force_login(cast.supervisor)
    day_two = confirmed_a.days.get(number=2)

    response = client.post(
        _url("placement_plan", pk=confirmed_a.pk),
        {
            "day": day_two.pk,
            "starts_at": "10:30",
            "ends_at": "12:00",
            "activity": "Tour of the conservation studio",
            "department": "Conservation",
            "contact": "Dr Ruth Ames",
        },
    )

    assert response.status_code == 302
    session = day_two.sessions.get()
    assert (session.activity, session.updated_by) == (
        "Tour of the conservation studio",
        cast.supervisor,
    )
    for person in (cast.staff, cast.coordinator, cast.host_coordinator, cast.manager):
        client.force_login(person)
        page = client.get(_url("placement_plan_print", pk=confirmed_a.pk)).content.decode()
        assert "10:30–12:00" in page
        assert "Dr Ruth Ames" in page


@pytest.mark.django_db
def test_a_session_that_ends_before_it_starts_is_refused_on_its_field(client, cast, confirmed_a):
    client.force_login(cast.staff)

    response = client.post(
        _url("placement_plan", pk=confirmed_a.pk),
        {
            "day": confirmed_a.days.first().pk,
            "starts_at": "14:00",
            "ends_at": "13:00",
            "activity": "Lunch",
        },
    )

    assert response.context["form"].errors == {"ends_at": ["The session must end after it starts."]}
    assert 'value="Lunch"' in response.content.decode()


@pytest.mark.django_db
def test_coordinators_read_the_plan_but_do_not_edit_it(client, cast, confirmed_a):
    client.force_login(cast.coordinator)

    response = client.post(
        _url("placement_plan", pk=confirmed_a.pk),
        {"day": confirmed_a.days.first().pk, "starts_at": "09:00", "activity": "Coffee"},
    )

    assert response.status_code == 404
    assert not confirmed_a.days.filter(sessions__isnull=False).exists()


@pytest.mark.django_db
def test_access_requirements_reach_the_supervisor_and_coordinators_and_nobody_else(
    client, cast, confirmed_a
):
    requirement = "Step-free access, please."
    placement_url = _url("placement_detail", pk=confirmed_a.pk)
    for person in (cast.staff, cast.supervisor, cast.coordinator, cast.host_coordinator):
        client.force_login(person)
        assert requirement in client.get(placement_url).content.decode(), person
    client.force_login(cast.host_coordinator)
    assert requirement in client.get(_url("placement_decide", pk=confirmed_a.pk)).content.decode()

    another_at_the_host = staff_of(cast.host)
    for person in (another_at_the_host, cast.other_coordinator):
        client.force_login(person)
        assert client.get(placement_url).status_code == 404
    # Nor do lists and calendars show it to anyone.
    client.force_login(cast.coordinator)
    for name in ("approval_queue", "calendar", "placement_list"):
        assert requirement not in client.get(_url(name)).content.decode()
    ics = client.get(_url("placement_ics", pk=confirmed_a.pk)).content.decode()
    assert "Step-free" not in ics


# --- Calendars ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_placement_calendar_file_parses_back_to_its_five_days(client, cast, confirmed_a):
    services.plan_session_add(
        placement=confirmed_a,
        by=cast.supervisor,
        day=confirmed_a.days.get(number=1),
        data={"starts_at": datetime.time(9, 30), "activity": "Welcome", "department": "Learning"},
    )
    client.force_login(cast.staff)

    response = client.get(_url("placement_ics", pk=confirmed_a.pk))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert (
        response["Content-Disposition"] == f'attachment; filename="placement-{confirmed_a.pk}.ics"'
    )
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert [event.decoded("dtstart") for event in events] == [
        datetime.date(2031, 6, day) for day in (2, 3, 4, 5, 6)
    ]
    assert [event.decoded("dtend") for event in events] == [
        datetime.date(2031, 6, day) for day in (3, 4, 5, 6, 7)
    ]
    first = events[0]
    assert str(first["summary"]) == "Alex Applicant at Host Test Museum (day 1 of 5)"
    assert str(first["status"]) == "CONFIRMED"
    assert str(first["location"]) == "Host Test Museum, York"
    assert str(first["uid"]) == f"placement-{confirmed_a.pk}-day-1@knowledge-exchange"
    assert "09:30 Welcome (Learning)" in str(first["description"])
    assert "Supervisor: Sid Supervisor." in str(first["description"])


@pytest.mark.django_db
def test_a_private_feed_works_by_its_token_until_it_is_reset(client, cast, confirmed_a):
    client.force_login(cast.supervisor)
    made = client.post(_url("calendar_feed"), {"action": "reset"})
    feed_url = made.context["feed_url"]
    path = feed_url.removeprefix("http://testserver")
    client.logout()

    response = client.get(path)

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'inline; filename="calendar.ics"'
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["x-wr-calname"]) == "Knowledge Exchange: Sid Supervisor"
    assert len(calendar.walk("VEVENT")) == 5

    client.force_login(cast.supervisor)
    client.post(_url("calendar_feed"), {"action": "reset"})
    client.logout()
    assert client.get(path).status_code == 404
    assert client.get(_url("calendar_feed_file", token="made-up")).status_code == 404


@pytest.mark.django_db
def test_a_feed_leaves_out_proposals_and_other_peoples_placements(client, cast, proposed_a):
    token = services.calendar_feed_reset(user=cast.staff)
    other_token = services.calendar_feed_reset(user=cast.other_coordinator)

    own = Calendar.from_ical(client.get(_url("calendar_feed_file", token=token)).content)
    other = Calendar.from_ical(client.get(_url("calendar_feed_file", token=other_token)).content)

    assert own.walk("VEVENT") == []  # proposed, not yet confirmed
    assert other.walk("VEVENT") == []


# --- Expenses and receipts ------------------------------------------------------------


def _claim_data(**overrides):
    return {
        "kind": "subsistence",
        "description": "Lunch on day one",
        "spent_on": "2031-06-02",
        "amount": "12.50",
        **overrides,
    }


@pytest.mark.django_db
def test_a_claim_with_a_receipt_is_sent_and_the_manager_is_told(
    client, cast, confirmed_a, django_capture_on_commit_callbacks, settings
):
    client.force_login(cast.staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url("expenseclaim_create", pk=confirmed_a.pk),
            {**_claim_data(), "receipt": receipt("till-receipt.png", PNG)},
        )

    assert response.status_code == 302
    claim = ExpenseClaim.objects.get()
    assert (claim.amount, claim.receipt_name, claim.status) == (
        pytest.approx(12.5),
        "till-receipt.png",
        ExpenseClaim.Status.SUBMITTED,
    )
    assert claim.receipt.name.startswith(f"{confirmed_a.pk}/")
    assert "till-receipt" not in claim.receipt.name
    assert claim.receipt.path.startswith(str(settings.MEDIA_ROOT))
    assert [m.to for m in mail.outbox] == [[settings.PROGRAMME_MANAGER_EMAIL]]
    assert mail.outbox[0].subject == "Expense claim from Alex Applicant: £12.50"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "notes.txt",
            b"just some text",
            "Upload the receipt as a PDF, JPEG or PNG file: notes.txt is not one.",
        ),
        (
            "fake.pdf",
            b"MZ\x90\x00 not a pdf",
            "Upload the receipt as a PDF, JPEG or PNG file: fake.pdf is not one.",
        ),
        (
            "receipt.exe",
            b"%PDF-1.4 disguised",
            "Upload the receipt as a PDF, JPEG or PNG file: receipt.exe is not one.",
        ),
        ("empty.pdf", b"", "The submitted file is empty."),
    ],
)
def test_a_receipt_of_the_wrong_type_is_refused_and_the_claim_is_kept(
    client, cast, confirmed_a, name, content, message
):
    client.force_login(cast.staff)

    response = client.post(
        _url("expenseclaim_create", pk=confirmed_a.pk),
        {**_claim_data(description="Museum guidebook"), "receipt": receipt(name, content)},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"receipt": [message]}
    assert 'value="Museum guidebook"' in response.content.decode()
    assert not ExpenseClaim.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1e3", "Enter the amount in pounds, for example 12.50."),
        ("1E2", "Enter the amount in pounds, for example 12.50."),
        ("12.5.0", "Enter the amount in pounds, for example 12.50."),
        ("0", "Enter an amount of at least £0.01."),
        ("12.505", "Enter pounds and pence, for example 12.50."),
    ],
)
def test_an_amount_is_pounds_and_pence_as_people_write_them(
    client, cast, confirmed_a, amount, message
):
    client.force_login(cast.staff)

    response = client.post(
        _url("expenseclaim_create", pk=confirmed_a.pk),
        {**_claim_data(amount=amount), "receipt": receipt()},
    )

    assert response.context["form"].errors == {"amount": [message]}
    assert f'value="{amount}"' in response.content.decode()
    assert not ExpenseClaim.objects.exists()


@pytest.mark.django_db
def test_a_receipt_too_large_is_refused_with_the_limit(client, cast, confirmed_a, settings):
    settings.RECEIPT_MAX_BYTES = 1024
    client.force_login(cast.staff)

    response = client.post(
        _url("expenseclaim_create", pk=confirmed_a.pk),
        {**_claim_data(), "receipt": receipt("big.pdf", b"%PDF-" + b"0" * 2048)},
    )

    assert response.context["form"].errors == {
        "receipt": ["This file is 2.0\xa0KB: a receipt can be at most 1.0\xa0KB."]
    }
    assert not ExpenseClaim.objects.exists()


@pytest.mark.django_db
def test_a_bad_amount_is_refused_on_its_field(client, cast, confirmed_a):
    client.force_login(cast.staff)

    response = client.post(
        _url("expenseclaim_create", pk=confirmed_a.pk),
        {**_claim_data(amount="-3"), "receipt": receipt()},
    )

    assert response.context["form"].errors == {"amount": ["Enter an amount of at least £0.01."]}


@pytest.mark.django_db
def test_a_receipt_is_downloaded_by_the_participant_and_the_manager_alone(
    client, cast, confirmed_a
):
    expense = claim(confirmed_a)
    url = expense.get_receipt_url()

    for person in (cast.staff, cast.manager):
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
        assert response["Content-Disposition"] == 'attachment; filename="receipt.pdf"'
        assert response["Cache-Control"] == "private, no-store"
    for person in (
        cast.coordinator,
        cast.host_coordinator,
        cast.supervisor,
        cast.other_coordinator,
        staff_of(cast.organisation_a),
    ):
        client.force_login(person)
        assert client.get(url).status_code == 404, person
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.django_db
def test_claims_wait_until_the_placement_is_confirmed(client, cast, proposed_a):
    client.force_login(cast.staff)

    response = client.get(_url("expenseclaim_create", pk=proposed_a.pk), follow=True)

    assert "Expenses can be claimed once the placement is confirmed." in response.content.decode()
    with pytest.raises(services.PlacementError):
        claim(proposed_a)


@pytest.mark.django_db
def test_a_queried_claim_is_answered_and_sent_again(client, cast, confirmed_a):
    expense = claim(confirmed_a)
    services.expense_claim_query(claim=expense, by=cast.manager, note="Two lunches?")
    client.force_login(cast.staff)

    response = client.post(_url("expenseclaim_update", pk=expense.pk), _claim_data(amount="6.25"))

    assert response.status_code == 302
    expense.refresh_from_db()
    assert (str(expense.amount), expense.status) == ("6.25", ExpenseClaim.Status.SUBMITTED)
    assert list(expense.status_changes.values_list("to_status", flat=True)) == [
        "submitted",
        "queried",
        "submitted",
    ]


@pytest.mark.django_db
def test_the_manager_approves_or_queries_in_the_admin(client, cast, confirmed_a):
    expense = claim(confirmed_a)
    client.force_login(cast.manager)
    url = reverse("admin:placements_expenseclaim_decide", args=[expense.pk])

    refused = client.post(url, {"decision": "query", "note": ""})
    assert refused.context["form"].errors == {
        "note": ["Say what the question is: the participant reads this."]
    }
    client.post(url, {"decision": "approve"})

    expense.refresh_from_db()
    assert expense.status == ExpenseClaim.Status.APPROVED
    assert expense.status_changes.last().by == cast.manager


@pytest.mark.django_db
def test_the_manager_refuses_a_claim_with_a_reason_the_participant_reads(
    client, cast, confirmed_a, django_capture_on_commit_callbacks
):
    expense = claim(confirmed_a, kind="other", description="Taxi to the station")
    client.force_login(cast.manager)
    url = reverse("admin:placements_expenseclaim_decide", args=[expense.pk])

    unexplained = client.post(url, {"decision": "refuse", "note": " "})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            url,
            {"decision": "refuse", "note": "Taxis are not paid: the programme booked your train."},
        )

    expense.refresh_from_db()
    record = expense.status_changes.last()
    assert unexplained.context["form"].errors == {
        "note": ["Say why the claim is refused: the participant reads this."]
    }
    assert expense.status == ExpenseClaim.Status.REFUSED
    assert (record.by, record.from_status, record.note) == (
        cast.manager,
        ExpenseClaim.Status.SUBMITTED,
        "Taxis are not paid: the programme booked your train.",
    )
    (email,) = [m for m in mail.outbox if m.to == [cast.staff.email]]
    assert email.subject == "Your claim for £12.50 is refused"
    assert "Taxis are not paid: the programme booked your train." in email.body
    assert client.get(url).context["can_decide"] is False
    client.force_login(cast.staff)
    page = " ".join(client.get(confirmed_a.get_absolute_url()).content.decode().split())
    assert "Refused: Taxis are not paid: the programme booked your train." in page


@pytest.mark.django_db
def test_the_year_overview_totals_budgets_and_spend_by_partner(client, cast, confirmed_a):
    confirmed_a.budget_lines.create(kind="travel", amount="180.00")
    confirmed_a.budget_lines.create(kind="accommodation", amount="400.00")
    services.expense_claim_approve(claim=claim(confirmed_a, amount="12.50"), by=cast.manager)
    claim(confirmed_a, amount="7.00")
    client.force_login(cast.manager)

    money = client.get(
        reverse("admin:partners_programmeyear_overview", args=[cast.year.pk])
    ).context["money"]

    assert money["budget"] == 30000
    assert (money["budgeted"], money["approved"], money["waiting"]) == (580, 12.5, 7)
    assert money["unallocated"] == 29420
    [row] = money["partners"]
    assert (row["partner_name"], row["placements"], row["budgeted"]) == (
        cast.organisation_a.name,
        1,
        580,
    )


# --- Query counts ---------------------------------------------------------------------


def _rows(response) -> int:
    context = response.context
    if "weeks" in context:
        return sum(len(placements) for _week, placements in context["weeks"])
    return len(context["placements"])


@pytest.mark.django_db
@pytest.mark.parametrize("selected", [1, 5])
def test_the_people_to_place_take_the_same_queries_for_one_or_many(
    client, cast, selected, django_assert_num_queries
):
    cast.call_a.places = selected
    cast.call_a.save()
    for _ in range(selected):
        select(
            submitted(call=cast.call_a, applicant=staff_of(cast.organisation_a)),
            by=cast.coordinator,
            destination=cast.host,
        )
    client.force_login(cast.coordinator)

    # user, the organisations coordinated, the count of proposals (none: no page of
    # them is read), the ids of the people to place (a page and one more), then them
    with django_assert_num_queries(5):
        response = client.get(_url("approval_queue"))
    assert len(response.context["to_place"]) == selected
    assert "Propose a placement" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "person", "queries"),
    [
        # user, the organisations coordinated, the count of proposals (bounded),
        # the page's ids, then its proposals, the ids of the selected people with no
        # placement (a page and one more, to know if there are more: never counted),
        # then those people (here there are none, so no query reads them)
        (reverse_lazy("placements:approval_queue"), "coordinator", 6),
        # user, the organisations coordinated, the years, the count (bounded),
        # the page's ids, then the year's placements
        (reverse_lazy("placements:calendar"), "coordinator", 6),
        # user, the person's years, the count (bounded), the page's ids, then the
        # year's placements with their sessions counted
        (reverse_lazy("placements:placement_list"), "supervisor", 5),
        # user, the organisations coordinated (none), the to-do list's reads (calls
        # to read for, calls to apply to, applications in progress, dates to accept,
        # plans to make, claims queried, evaluations to answer with their
        # responses), memberships, the placements with their sessions counted
        (reverse_lazy("dashboard"), "supervisor", 11),
    ],
)
@pytest.mark.parametrize("more", [0, 4])
def test_list_pages_run_the_same_queries_for_one_placement_or_many(
    client, cast, proposed_a, url, person, queries, more, django_assert_num_queries
):
    more_placements(cast, more)
    client.force_login(getattr(cast, person))

    with django_assert_num_queries(queries):
        response = client.get(url)

    assert _rows(response) == 1 + more


@pytest.mark.django_db
def test_the_dashboard_says_what_comes_next_for_each_placement(client, cast, proposed_a):
    client.force_login(cast.supervisor)

    page = client.get(reverse("dashboard")).content.decode()

    assert "Waiting for both coordinators to approve the dates." in page


@pytest.mark.django_db
def test_the_manager_cancels_in_the_admin_with_a_reason(client, cast, confirmed_a):
    client.force_login(cast.manager)
    url = reverse("admin:placements_placement_cancel", args=[confirmed_a.pk])

    refused = client.post(url, {"reason": " "})
    assert refused.context["form"].errors == {"reason": ["Say why the placement is cancelled."]}
    client.post(url, {"reason": "The host had to close for repairs."})

    confirmed_a.refresh_from_db()
    assert confirmed_a.status == Status.CANCELLED
    assert confirmed_a.decision_note == "The host had to close for repairs."
    assert "can no longer be cancelled" in client.get(url).content.decode()


@pytest.mark.django_db
def test_the_manager_completes_and_reopens_in_the_admin_with_a_reason(client, cast, confirmed_a):
    change = reverse("admin:placements_placement_change", args=[confirmed_a.pk])
    url = reverse("admin:placements_placement_completion", args=[confirmed_a.pk])

    with time_machine.travel(datetime.datetime(2031, 6, 4, 12, 0, tzinfo=datetime.UTC)):
        client.force_login(cast.manager)  # a session of that day
        assert "Complete the placement" in client.get(change).content.decode()
        refused = client.post(url, {"reason": ""})
        assert refused.context["form"].errors == {"reason": ["Say why."]}
        done = client.post(url, {"reason": "The host closed on Thursday."}, follow=True)
        assert "The placement is completed; its evaluation is open." in done.content.decode()
        confirmed_a.refresh_from_db()
        assert confirmed_a.status == Status.COMPLETED
        assert "Reopen the placement" in client.get(change).content.decode()

        client.post(url, {"reason": "Completed the wrong placement."})
        confirmed_a.refresh_from_db()
        assert confirmed_a.status == Status.CONFIRMED

    with time_machine.travel(datetime.datetime(2031, 5, 30, 12, 0, tzinfo=datetime.UTC)):
        client.force_login(cast.manager)
        early = client.post(url, {"reason": "Ahead of time"})
    assert early.context["form"].errors == {
        "reason": ["This placement begins on 2 June 2031: it cannot be completed before then."]
    }


@pytest.mark.django_db
def test_the_calendar_shows_a_placement_in_every_week_it_covers(client, cast, selected_a):
    # Thursday 5 June to Wednesday 11 June 2031: five working days over two weeks.
    placement = propose(
        selected_a,
        by=cast.coordinator,
        supervisor=cast.supervisor,
        start_on=datetime.date(2031, 6, 5),
    )
    client.force_login(cast.coordinator)

    response = client.get(reverse("placements:calendar"), {"year": 2031})

    assert placement.end_on == datetime.date(2031, 6, 11)
    assert [
        (week, [p.pk for p in placements]) for week, placements in response.context["weeks"]
    ] == [(datetime.date(2031, 6, 2), [placement.pk]), (datetime.date(2031, 6, 9), [placement.pk])]
    page = response.content.decode()
    assert page.count("Alex Applicant</a>") == 2
    assert 'role="region" tabindex="0" aria-labelledby="week-2031-06-09"' in page


def _title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


@pytest.mark.django_db
def test_pages_that_show_the_same_record_have_titles_of_their_own(client, cast, confirmed_a):
    colleague = staff_of(cast.organisation_a)
    application = draft(call=cast.call_a, applicant=colleague)
    client.force_login(cast.staff)
    plan = _title(client.get(reverse("placements:placement_plan", args=[confirmed_a.pk])))
    printed = _title(client.get(reverse("placements:placement_plan_print", args=[confirmed_a.pk])))
    client.force_login(colleague)
    shown = _title(client.get(application.get_absolute_url()))
    edited = _title(client.get(reverse("applications:application_update", args=[application.pk])))

    assert plan == "Day plan for Alex Applicant – Knowledge Exchange"
    assert printed == "Day plan for Alex Applicant, to print – Knowledge Exchange"
    assert shown == "Your application: Ashmolean Test Museum, 2031 – Knowledge Exchange"
    assert edited == "Edit your application: Ashmolean Test Museum, 2031 – Knowledge Exchange"
