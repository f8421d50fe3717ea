"""Selection by a panel: the call's rubric (copied from the programme's default), its
readers, automatic balanced assignment, conflicts declared before reading, scores and
moderation; in the services and, where rows of other tables are involved, in
PostgreSQL's triggers."""

import csv
import datetime
import decimal
import io
import threading

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from applications import selectors, services
from applications.models import (
    DESCRIPTOR_FIELDS,
    Assignment,
    Conflict,
    Criterion,
    Reader,
    Rubric,
    Score,
)
from applications.services import ApplicationError
from tests.concurrency import in_thread
from tests.factories.applications import open_call, submitted
from tests.factories.partners import OrganisationFactory, PartnershipFactory, staff_of

pytestmark = pytest.mark.shared_cast


@pytest.fixture
def panel(cast):
    """A's call with three applications (Alex's and two colleagues'), read by two of
    A's colleagues and by the host's supervisor (for applications naming the host)."""
    cast.colleague_1 = staff_of(cast.organisation_a, user__full_name="Cai Colleague")
    cast.colleague_2 = staff_of(cast.organisation_a, user__full_name="Dee Colleague")
    cast.application_b = submitted(
        call=cast.call_a, applicant=staff_of(cast.organisation_a, user__full_name="Eve Applicant")
    )
    # One of the readers applies too: they never read their own.
    cast.application_c = submitted(call=cast.call_a, applicant=cast.colleague_2)
    for user, organisation in (
        (cast.colleague_1, cast.organisation_a),
        (cast.colleague_2, cast.organisation_a),
        (cast.supervisor, cast.host),
    ):
        services.reader_add(
            call=cast.call_a, user=user, organisation=organisation, by=cast.coordinator
        )
    return cast


def _scores(rubric: Rubric, value: int) -> dict:
    return {c.pk: (value, "") for c in rubric.criteria.all()}


def _declared(cast, application, reader, conflict=Conflict.NONE, note=""):
    assignment = Assignment.objects.get(application=application, reader=reader)
    return services.conflict_declare(assignment=assignment, by=reader, conflict=conflict, note=note)


# --- The rubric ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_call_copies_the_programmes_default_rubric_and_adjusts_its_own(cast):
    default = Rubric.objects.get(call__isnull=True)
    rubric = services.call_rubric(call=cast.call_a)

    assert [c.title for c in rubric.criteria.all()] == [c.title for c in default.criteria.all()]
    assert [c.weight for c in rubric.criteria.all()] == [3, 2, 2, 2]
    assert rubric.scale == 4
    assert services.call_rubric(call=cast.call_a) == rubric  # copied once

    first = rubric.criteria.first()
    services.rubric_update(
        call=cast.call_a,
        by=cast.coordinator,
        scale=5,
        criteria=[
            {
                "id": first.pk,
                "title": "What they would gain",
                "guidance": "",
                "weight": 4,
                **{f"descriptor_{n}": f"Means {n}" for n in range(1, 6)},
            }
        ],
    )

    rubric.refresh_from_db()
    assert rubric.scale == 5
    assert [(c.pk, c.title, c.weight) for c in rubric.criteria.all()] == [
        (first.pk, "What they would gain", 4)
    ]
    # The default is untouched.
    assert default.criteria.count() == 4
    assert rubric.history.first().history_user == cast.coordinator


@pytest.mark.django_db
def test_a_five_point_rubric_says_what_five_means(cast):
    rubric = services.call_rubric(call=cast.call_a)
    criteria = [
        {
            "id": c.pk,
            "title": c.title,
            "guidance": "",
            "weight": c.weight,
            "descriptor_1": "a",
            "descriptor_2": "b",
            "descriptor_3": "c",
            "descriptor_4": "d",
            "descriptor_5": "",
        }
        for c in rubric.criteria.all()
    ]
    with pytest.raises(ApplicationError, match="say what a 5 means") as refused:
        services.rubric_update(call=cast.call_a, by=cast.coordinator, scale=5, criteria=criteria)
    assert refused.value.field == "descriptor_5"


@pytest.mark.django_db
def test_the_rubric_is_fixed_once_a_reader_has_scored(panel):
    services.assignments_balance(call=panel.call_a, by=panel.coordinator)
    assignment = _declared(panel, panel.application_a, panel.colleague_1)
    rubric = services.call_rubric(call=panel.call_a)
    services.scores_save(
        assignment=assignment, by=panel.colleague_1, scores={rubric.criteria.first().pk: (3, "")}
    )

    with pytest.raises(ApplicationError, match="can no longer change"):
        services.rubric_update(call=panel.call_a, by=panel.coordinator, scale=4, criteria=[{}])


def _rubric_post(rubric, **changes) -> dict:
    """The criteria page's form as the rubric stands, with `changes` by field name."""
    data = {"scale": rubric.scale}
    for number, criterion in enumerate(rubric.criteria.all(), start=1):
        for name in ("title", "guidance", "weight", *DESCRIPTOR_FIELDS):
            data[f"criterion-{number}-{name}"] = getattr(criterion, name)
    return {**data, **changes}


@pytest.mark.django_db
def test_the_coordinator_adjusts_the_calls_criteria_on_their_page(cast, client):
    rubric = services.call_rubric(call=cast.call_a)
    first, second = rubric.criteria.all()[:2]
    count = rubric.criteria.count()
    client.force_login(cast.coordinator)
    url = reverse("applications:call_rubric", args=[cast.call_a.pk])
    assert "Criterion 1" in client.get(url).content.decode()

    refused = client.post(
        url, _rubric_post(rubric, **{"criterion-1-title": "", "criterion-2-weight": "11"})
    )
    page = refused.content.decode()
    assert "Give criterion 1 a title." in page
    assert "Give criterion 2 a weight from 1 to 10." in page
    assert rubric.criteria.get(pk=first.pk).title == first.title  # nothing half-written
    refused = client.post(url, _rubric_post(rubric, scale=5))
    assert "Say what a 5 means for criterion 1." in refused.content.decode()

    new = f"criterion-{count + 1}-"
    response = client.post(
        url,
        _rubric_post(
            rubric,
            **{
                "criterion-1-title": "What the applicant would gain",
                "criterion-1-weight": "3",
                "criterion-2-remove": "on",
                new + "title": "Loans experience",
                new + "weight": "1",
                **{new + name: f"Means {n}" for n, name in enumerate(DESCRIPTOR_FIELDS[:4], 1)},
            },
        ),
    )
    assert response.url == reverse("applications:call_panel", args=[cast.call_a.pk])
    titles = list(rubric.criteria.values_list("title", "weight"))
    assert titles[0] == ("What the applicant would gain", 3)
    assert titles[-1] == ("Loans experience", 1)
    assert not rubric.criteria.filter(pk=second.pk).exists()
    assert len(titles) == count
    assert rubric.criteria.get(pk=first.pk).history.first().history_user == cast.coordinator


@pytest.mark.django_db
def test_the_criteria_page_is_read_only_once_a_reader_has_scored(panel, client):
    services.assignments_balance(call=panel.call_a, by=panel.coordinator)
    assignment = _declared(panel, panel.application_a, panel.colleague_1)
    rubric = services.call_rubric(call=panel.call_a)
    services.scores_save(
        assignment=assignment, by=panel.colleague_1, scores={rubric.criteria.first().pk: (3, "")}
    )
    client.force_login(panel.coordinator)
    url = reverse("applications:call_rubric", args=[panel.call_a.pk])
    page = client.get(url).content.decode()
    assert "can no longer change" in page and "Save the criteria" not in page
    refused = client.post(url, _rubric_post(rubric, **{"criterion-1-title": "Changed"}))
    assert "Readers have begun scoring" in refused.content.decode()
    assert not rubric.criteria.filter(title="Changed").exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("postgresql")
def test_the_database_keeps_a_scored_rubric_fixed(panel):
    services.assignments_balance(call=panel.call_a, by=panel.coordinator)
    assignment = _declared(panel, panel.application_a, panel.colleague_1)
    criterion = services.call_rubric(call=panel.call_a).criteria.first()
    services.scores_save(
        assignment=assignment, by=panel.colleague_1, scores={criterion.pk: (3, "")}
    )

    with (
        pytest.raises(IntegrityError, match="fixed once readers have scored"),
        transaction.atomic(),
    ):
        Criterion.objects.filter(pk=criterion.pk).update(weight=9)


# --- Readers and assignment -------------------------------------------------------------


@pytest.mark.django_db
def test_readers_come_from_the_calls_organisation_or_a_destination(cast):
    with pytest.raises(ApplicationError, match="does not work at") as refused:
        services.reader_add(
            call=cast.call_a,
            user=cast.other_coordinator,
            organisation=cast.organisation_a,
            by=cast.coordinator,
        )
    assert refused.value.field == "user"
    with pytest.raises(ApplicationError, match="one of the call's destinations"):
        services.reader_add(
            call=cast.call_a,
            user=cast.other_coordinator,
            organisation=cast.organisation_b,
            by=cast.coordinator,
        )
    services.reader_add(
        call=cast.call_a, user=cast.supervisor, organisation=cast.host, by=cast.coordinator
    )
    with pytest.raises(ApplicationError, match="already reads"):
        services.reader_add(
            call=cast.call_a, user=cast.supervisor, organisation=cast.host, by=cast.coordinator
        )


@pytest.mark.django_db
def test_a_destinations_contact_reads_only_the_applications_naming_it(cast, client):
    """The host's call goes to both partners: A's named department contact reads the
    applications naming A, never one naming only B (a 404, with data that would leak)."""
    call = open_call(year=cast.year, organisation=cast.host)
    contact = staff_of(cast.organisation_a, user__full_name="Dara Loans", department="Loans")
    host_colleague = staff_of(cast.host, user__full_name="Hal Colleague")
    to_a = submitted(
        call=call,
        applicant=staff_of(cast.host, user__full_name="Ana ToA"),
        first_preference=cast.organisation_a,
    )
    to_b = submitted(
        call=call,
        applicant=staff_of(cast.host, user__full_name="Ben ToB"),
        first_preference=cast.organisation_b,
        learning_goals="Secret goals of Ben",
    )
    services.call_panel_update(
        call=call, by=cast.host_coordinator, readers_per_application=1, anonymised=True
    )
    for user, organisation in ((contact, cast.organisation_a), (host_colleague, cast.host)):
        services.reader_add(
            call=call, user=user, organisation=organisation, by=cast.host_coordinator
        )
    services.assignments_balance(call=call, by=cast.host_coordinator)

    assert not to_b.assignments.filter(reader=contact).exists()
    with pytest.raises(ApplicationError, match="a destination it does not name"):
        services.assignment_add(application=to_b, reader=contact, by=cast.host_coordinator)
    others = Assignment.objects.get(application=to_b)
    client.force_login(contact)
    refused = client.get(reverse("applications:reading", args=[others.pk]))
    assert refused.status_code == 404
    assert "Secret goals of Ben" not in refused.content.decode()
    listed = client.get(reverse("applications:reading_list")).content.decode()
    assert "Ben ToB" not in listed and "Secret goals" not in listed
    assert set(Assignment.objects.filter(reader=contact).values_list("application", flat=True)) <= {
        to_a.pk
    }


@pytest.mark.django_db
@pytest.mark.usefixtures("postgresql")
def test_the_database_refuses_a_reader_from_elsewhere(cast):
    refused = pytest.raises(IntegrityError, match="call's organisation or a destination")
    with refused, transaction.atomic():
        Reader.objects.create(
            call=cast.call_a, user=cast.other_coordinator, organisation=cast.organisation_b
        )


@pytest.mark.django_db
def test_balanced_assignment_gives_each_application_two_readers_never_their_own(
    panel, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        made = services.assignments_balance(call=panel.call_a, by=panel.coordinator)

    readers = {
        application.pk: {a.reader for a in application.assignments.all()}
        for application in (panel.application_a, panel.application_b, panel.application_c)
    }
    assert all(len(r) == 2 for r in readers.values())
    assert panel.colleague_2 not in readers[panel.application_c.pk]
    load = {}
    for assignment in made:
        load[assignment.reader_id] = load.get(assignment.reader_id, 0) + 1
    assert sum(load.values()) == 6
    assert max(load.values()) - min(load.values()) <= 1
    # Each reader hears once, with their count.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        u.email for u in (panel.colleague_1, panel.colleague_2, panel.supervisor)
    )
    assert "applications to read for the Ashmolean Test Museum call" in mail.outbox[0].subject
    # Balancing again changes nothing.
    assert services.assignments_balance(call=panel.call_a, by=panel.coordinator) == []


@pytest.mark.django_db
@pytest.mark.usefixtures("postgresql")
def test_the_database_refuses_an_applicant_reading_their_own(panel):
    with pytest.raises(IntegrityError, match="Nobody reads their own"), transaction.atomic():
        Assignment.objects.create(application=panel.application_c, reader=panel.colleague_2)
    with pytest.raises(IntegrityError, match="Only a reader of the call"), transaction.atomic():
        Assignment.objects.create(application=panel.application_a, reader=panel.other_coordinator)


# --- Conflicts ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_declared_conflict_hands_the_application_to_another_reader(
    panel, django_capture_on_commit_callbacks
):
    services.assignments_balance(call=panel.call_a, by=panel.coordinator)
    before = {a.reader for a in panel.application_b.assignments.filter(state="assigned")}
    conflicted = next(iter(before))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        declared = _declared(panel, panel.application_b, conflicted, Conflict.SAME_TEAM)

    assert declared.state == Assignment.State.CONFLICT
    after = {a.reader for a in panel.application_b.assignments.filter(state="assigned")}
    assert conflicted not in after
    assert len(after) == 2
    (replacement,) = after - before
    assert [m.to for m in mail.outbox] == [[replacement.email]]
    # Recorded, and never read or scored by the conflicted reader.
    assert declared.history.first().history_user == conflicted
    with pytest.raises(ApplicationError, match="no conflict"):
        services.scores_save(assignment=declared, by=conflicted, scores={})


@pytest.mark.django_db
def test_declaring_asks_what_another_conflict_is_and_only_of_the_reader(panel):
    services.assignments_balance(call=panel.call_a, by=panel.coordinator)
    assignment = Assignment.objects.filter(application=panel.application_a).first()

    with pytest.raises(ApplicationError, match="Say what the conflict is") as refused:
        services.conflict_declare(
            assignment=assignment, by=assignment.reader, conflict=Conflict.OTHER, note=" "
        )
    assert refused.value.field == "note"
    with pytest.raises(ApplicationError, match="Only the reader"):
        services.conflict_declare(
            assignment=assignment, by=panel.coordinator, conflict=Conflict.NONE
        )
    with pytest.raises(ApplicationError, match="no conflict with the applicant before"):
        services.scores_save(assignment=assignment, by=assignment.reader, scores={})


@pytest.mark.django_db
@pytest.mark.usefixtures("postgresql")
def test_the_database_refuses_scores_from_a_conflicted_reader(panel):
    services.assignments_balance(call=panel.call_a, by=panel.coordinator)
    assignment = Assignment.objects.filter(application=panel.application_a).first()
    _declared(panel, panel.application_a, assignment.reader, Conflict.LINE_MANAGER)
    criterion = services.call_rubric(call=panel.call_a).criteria.first()

    with pytest.raises(IntegrityError, match="without a conflict"), transaction.atomic():
        Score.objects.create(assignment=assignment, criterion=criterion, score=3)


# --- Scores and moderation --------------------------------------------------------------


@pytest.mark.django_db
def test_scores_are_saved_as_a_draft_then_submitted_whole(panel):
    services.assignments_balance(call=panel.call_a, by=panel.coordinator)
    assignment = _declared(panel, panel.application_a, panel.colleague_1)
    rubric = services.call_rubric(call=panel.call_a)
    first, *rest = rubric.criteria.all()

    services.scores_save(
        assignment=assignment, by=panel.colleague_1, scores={first.pk: (4, "Clear aims")}
    )
    with pytest.raises(ApplicationError, match="Score this criterion") as refused:
        services.scores_save(
            assignment=assignment, by=panel.colleague_1, scores={first.pk: (4, "")}, submit=True
        )
    assert refused.value.field == f"score_{rest[0].pk}"
    with pytest.raises(ApplicationError, match="Score from 1 to 4"):
        services.scores_save(
            assignment=assignment, by=panel.colleague_1, scores={first.pk: (5, "")}
        )

    services.scores_save(
        assignment=assignment,
        by=panel.colleague_1,
        scores=_scores(rubric, 3),
        comment="A strong case.",
        submit=True,
    )

    assignment.refresh_from_db()
    assert assignment.is_submitted
    assert assignment.comment == "A strong case."
    assert sorted(assignment.scores.values_list("score", flat=True)) == [3, 3, 3, 3]
    # The first score's change is in its history: 4, then 3.
    row = assignment.scores.get(criterion=first)
    assert [h.score for h in row.history.order_by("history_date")] == [4, 3]
    with pytest.raises(ApplicationError, match="final"):
        services.scores_save(assignment=assignment, by=panel.colleague_1, scores=_scores(rubric, 2))


@pytest.mark.django_db
@pytest.mark.usefixtures("postgresql")
def test_the_database_keeps_scores_within_the_calls_scale(panel):
    services.assignments_balance(call=panel.call_a, by=panel.coordinator)
    assignment = _declared(panel, panel.application_a, panel.colleague_1)
    criterion = services.call_rubric(call=panel.call_a).criteria.first()

    with pytest.raises(IntegrityError, match="from 1 to 4"), transaction.atomic():
        Score.objects.create(assignment=assignment, criterion=criterion, score=5)
    Score.objects.create(assignment=assignment, criterion=criterion, score=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.create(assignment=assignment, criterion=criterion, score=2)


@pytest.mark.django_db
def test_the_coordinator_moderates_with_a_reason_and_can_take_it_back(panel):
    with pytest.raises(ApplicationError, match="Say why") as refused:
        services.application_moderate(
            application=panel.application_a,
            by=panel.coordinator,
            score=decimal.Decimal("3.5"),
            reason="",
        )
    assert refused.value.field == "reason"
    with pytest.raises(ApplicationError, match="from 1 to 4"):
        services.application_moderate(
            application=panel.application_a,
            by=panel.coordinator,
            score=decimal.Decimal("4.5"),
            reason="Too high",
        )

    moderated = services.application_moderate(
        application=panel.application_a,
        by=panel.coordinator,
        score=decimal.Decimal("3.5"),
        reason="The readers missed the second choice.",
    )
    assert (moderated.moderated_score, moderated.moderated_by) == (
        decimal.Decimal("3.5"),
        panel.coordinator,
    )
    taken_back = services.application_moderate(
        application=panel.application_a, by=panel.coordinator, score=None, reason=""
    )
    assert taken_back.moderated_score is None
    assert [h.moderated_score for h in taken_back.history.order_by("history_date")][-2:] == [
        decimal.Decimal("3.5"),
        None,
    ]


# --- The reader's pages -------------------------------------------------------------------


def _reading_url(assignment):
    return reverse("applications:reading", kwargs={"pk": assignment.pk})


@pytest.mark.django_db
def test_a_reader_declares_then_scores_without_the_applicants_name(panel, client):
    services.assignments_balance(call=panel.call_a, by=panel.coordinator)
    assignment = Assignment.objects.get(application=panel.application_a, reader=panel.colleague_1)
    client.force_login(panel.colleague_1)

    listing = client.get(reverse("applications:reading_list")).content.decode()
    assert f"Application {panel.application_a.pk}" in listing
    assert "Say whether you have a conflict" in listing
    assert "Alex Applicant" not in listing
    # Named, so that a conflict can be declared; nothing else of the application yet.
    first = client.get(_reading_url(assignment)).content.decode()
    assert "Alex Applicant" in first
    assert "How a partner museum lends" not in first
    missing = client.post(_reading_url(assignment), {})
    assert "Say whether you have a conflict." in missing.content.decode()

    client.post(_reading_url(assignment), {"conflict": "none"})
    page = client.get(_reading_url(assignment)).content.decode()
    assert "How a partner museum lends" in page
    assert "Alex Applicant" not in page  # the first pass is anonymised
    assert ">Curator<" not in page  # nor their job title
    assert "Step-free access" not in page  # never access requirements
    rubric = services.call_rubric(call=panel.call_a)
    first_criterion, second = rubric.criteria.all()[:2]

    draft = client.post(
        _reading_url(assignment),
        {f"score_{first_criterion.pk}": "3", f"note_{first_criterion.pk}": "Clear", "save": ""},
    )
    assert draft.status_code == 302
    refused = client.post(
        _reading_url(assignment), {f"score_{first_criterion.pk}": "3", "submit": ""}
    )
    assert "Score this criterion before submitting." in refused.content.decode()
    assert f'id="id_score_{second.pk}_error"' in refused.content.decode() or (
        f"score_{second.pk}" in refused.context["form"].errors
    )
    submitted_scores = {f"score_{c.pk}": "4" for c in rubric.criteria.all()}
    done = client.post(_reading_url(assignment), {**submitted_scores, "submit": ""})
    assert done.url == reverse("applications:reading_list")
    assignment.refresh_from_db()
    assert assignment.is_submitted


@pytest.mark.django_db
def test_a_reader_never_reaches_another_readers_or_a_conflicted_application(panel, client):
    services.assignments_balance(call=panel.call_a, by=panel.coordinator)
    mine = Assignment.objects.filter(reader=panel.colleague_1).first()
    theirs = Assignment.objects.exclude(reader=panel.colleague_1).first()
    client.force_login(panel.colleague_1)

    assert client.get(_reading_url(theirs)).status_code == 404
    client.post(_reading_url(mine), {"conflict": "other", "note": "My partner"})
    assert client.get(_reading_url(mine)).status_code == 404
    listing = client.get(reverse("applications:reading_list")).content.decode()
    assert "You declared a conflict: another reader has it" in listing


@pytest.mark.parametrize("extra", [0, 4])
@pytest.mark.django_db
def test_the_reading_list_runs_the_same_queries_however_many(
    panel, client, django_assert_num_queries, extra
):
    for n in range(extra):
        submitted(
            call=panel.call_a,
            applicant=staff_of(panel.organisation_a, user__full_name=f"More Applicant {n}"),
        )
    services.assignments_balance(call=panel.call_a, by=panel.coordinator)
    client.force_login(panel.colleague_1)
    # session, user, the count, the page of assignments with their calls
    with django_assert_num_queries(4):
        response = client.get(reverse("applications:reading_list"))
    assert len(response.context["assignments"]) >= 2


# --- The manager's admin ----------------------------------------------------------------------


def _rubric_form(rubric, **changes) -> dict:
    """The admin's change form of a rubric as posted, with its criteria."""
    criteria = list(rubric.criteria.all())
    data = {
        "scale": str(rubric.scale),
        "criteria-TOTAL_FORMS": str(len(criteria)),
        "criteria-INITIAL_FORMS": str(len(criteria)),
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "1000",
    }
    for n, criterion in enumerate(criteria):
        for name in ("position", "title", "guidance", "weight", *DESCRIPTOR_FIELDS):
            data[f"criteria-{n}-{name}"] = str(getattr(criterion, name))
        data[f"criteria-{n}-id"] = str(criterion.pk)
        data[f"criteria-{n}-rubric"] = str(rubric.pk)
    return {**data, **changes}


@pytest.mark.django_db
def test_the_manager_sets_the_default_rubric_and_only_reads_a_calls_copy(cast, client):
    default = services.rubric_default()
    url = reverse("admin:applications_rubric_change", args=[default.pk])
    client.force_login(cast.manager)

    refused = client.post(url, _rubric_form(default, scale="5"))
    assert refused.status_code == 200
    assert "On a scale of 1 to 5, say what a 5 means." in refused.content.decode()
    assert Rubric.objects.get(pk=default.pk).scale == 4

    five = {f"criteria-{n}-descriptor_5": "Exceptional" for n in range(4)}
    saved = client.post(url, _rubric_form(default, scale="5", **five))
    assert saved.status_code == 302
    default.refresh_from_db()
    assert default.scale == 5
    assert set(default.criteria.values_list("descriptor_5", flat=True)) == {"Exceptional"}
    # A new call copies it; the copy is its coordinator's, and the admin only shows it.
    copy = services.call_rubric(call=cast.call_a)
    assert copy.scale == 5
    page = client.get(reverse("admin:applications_rubric_change", args=[copy.pk]))
    assert page.status_code == 200
    assert 'name="scale"' not in page.content.decode()


# --- The coordinator's panel page ------------------------------------------------------------


def _panel_url(call):
    return reverse("applications:call_panel", kwargs={"pk": call.pk})


@pytest.mark.django_db
def test_the_coordinator_adds_readers_assigns_and_takes_back_on_the_panel_page(cast, client):
    colleague = staff_of(cast.organisation_a, user__full_name="Cai Colleague")
    url = _panel_url(cast.call_a)
    client.force_login(cast.coordinator)

    page = client.get(url, {"q": "Cai"}).content.decode()
    assert "Cai Colleague" in page
    assert "Bea Otherorg" not in page  # another organisation's people are never offered
    missing = client.post(url, {"action": "add_reader"})
    assert "Choose who is to read." in missing.content.decode()
    membership = colleague.memberships.get()
    added = client.post(url, {"action": "add_reader", "membership": membership.pk})
    assert added.status_code == 302
    client.post(
        url,
        {
            "action": "add_reader",
            "membership": cast.supervisor.memberships.get().pk,
        },
    )
    assert set(Reader.objects.filter(call=cast.call_a).values_list("user", flat=True)) == {
        colleague.pk,
        cast.supervisor.pk,
    }

    client.post(url, {"action": "balance"})
    assert set(cast.application_a.assignments.values_list("reader", flat=True)) == {
        colleague.pk,
        cast.supervisor.pk,
    }
    assignment = cast.application_a.assignments.get(reader=colleague)
    client.post(
        url,
        {"action": "unassign", "application": cast.application_a.pk, "assignment": assignment.pk},
    )
    assignment.refresh_from_db()
    assert assignment.state == Assignment.State.REMOVED
    # Given back by hand, they are refused: they had it already.
    refused = client.post(
        url, {"action": "assign", "application": cast.application_a.pk, "reader": colleague.pk}
    )
    assert "they have had it already" in refused.content.decode()
    unknown = client.post(
        url, {"action": "assign", "application": "999999", "reader": colleague.pk}
    )
    assert "No application numbered 999999 is read in this call." in unknown.content.decode()
    # The first pass: changed before anyone scores.
    client.post(url, {"action": "settings", "readers_per_application": "3"})
    cast.call_a.refresh_from_db()
    assert (cast.call_a.readers_per_application, cast.call_a.anonymised) == (3, False)


@pytest.mark.parametrize("extra", [0, 4])
@pytest.mark.django_db
def test_the_panel_page_runs_the_same_queries_however_many_applications(
    panel, client, django_assert_num_queries, extra
):
    for n in range(extra):
        submitted(
            call=panel.call_a,
            applicant=staff_of(panel.organisation_a, user__full_name=f"More Applicant {n}"),
        )
    services.assignments_balance(call=panel.call_a, by=panel.coordinator)
    client.force_login(panel.coordinator)
    url = _panel_url(panel.call_a)
    client.get(url)  # the rubric copied once
    # session, user, the call (coordinated), the readers and their counts (one
    # grouped query), the destinations, the applications (counted, the page's ids,
    # then those rows) and their assignments with readers, the people to offer (the
    # page and the choice), the rubric and its criteria
    with django_assert_num_queries(17):
        response = client.get(url)
    assert len(response.context["applications"]) == 3 + extra


# --- The ranking on the call's review page ---------------------------------------------------


def _score_all(panel, application, reader, value):
    assignment = Assignment.objects.get(application=application, reader=reader)
    if not assignment.is_declared:
        services.conflict_declare(assignment=assignment, by=reader, conflict=Conflict.NONE)
    rubric = services.call_rubric(call=panel.call_a)
    services.scores_save(
        assignment=assignment, by=reader, scores=_scores(rubric, value), submit=True
    )


@pytest.mark.django_db
def test_the_review_page_ranks_by_the_readers_weighted_mean_and_flags_disagreement(panel, client):
    services.assignments_balance(call=panel.call_a, by=panel.coordinator)
    a, b = panel.application_a, panel.application_b
    readers_a = [x.reader for x in a.assignments.all()]
    readers_b = [x.reader for x in b.assignments.all()]
    _score_all(panel, a, readers_a[0], 2)
    _score_all(panel, a, readers_a[1], 2)
    _score_all(panel, b, readers_b[0], 4)
    _score_all(panel, b, readers_b[1], 1)  # a mean of 2.5, the readers 3 points apart
    client.force_login(panel.coordinator)
    url = reverse("applications:call_review", kwargs={"pk": panel.call_a.pk})

    ranked = client.get(url, {"ordering": "score"})
    rows = list(ranked.context["applications"])
    assert [r.pk for r in rows] == [b.pk, a.pk, panel.application_c.pk]
    assert (rows[0].readers_mean, rows[0].spread, rows[0].disagree) == (2.5, 3.0, True)
    assert (rows[1].readers_mean, rows[1].disagree) == (2.0, False)
    page = ranked.content.decode()
    assert "Readers differ by 3.0" in page
    assert "2 of 2 scored" in page

    # Moderated, the application ranks by the coordinator's score instead.
    services.application_moderate(
        application=a, by=panel.coordinator, score=decimal.Decimal("3.25"), reason="Re-read"
    )
    rows = list(client.get(url, {"ordering": "score"}).context["applications"])
    assert [r.pk for r in rows][:2] == [a.pk, b.pk]
    assert "3.25 (moderated)" in client.get(url, {"ordering": "score"}).content.decode()


@pytest.mark.django_db
def test_the_coordinator_reads_the_readers_moderates_and_starts_the_feedback_from_them(
    panel, client
):
    services.assignments_balance(call=panel.call_a, by=panel.coordinator)
    first, second = panel.application_a.assignments.all()
    services.conflict_declare(
        assignment=first, by=first.reader, conflict=Conflict.OTHER, note="A neighbour"
    )
    replacement = (
        panel.application_a.assignments.filter(state="assigned").exclude(pk=second.pk).get()
    )
    for assignment in (second, replacement):
        services.conflict_declare(assignment=assignment, by=assignment.reader, conflict="none")
        services.scores_save(
            assignment=assignment,
            by=assignment.reader,
            scores=_scores(services.call_rubric(call=panel.call_a), 3),
            comment=f"Comment from {assignment.reader.full_name}.",
            submit=True,
        )
    client.force_login(panel.coordinator)
    review = reverse("applications:application_review", kwargs={"pk": panel.application_a.pk})

    page = client.get(review)
    text = page.content.decode()
    assert "Declared a conflict: Another reason (say what). A neighbour" in text
    assert f"Comment from {second.reader.full_name}." in text
    assert page.context["form"]["reason"].value() == (
        f"Comment from {second.reader.full_name}.\n\nComment from {replacement.reader.full_name}."
    )

    moderate = reverse("applications:application_moderate", kwargs={"pk": panel.application_a.pk})
    refused = client.post(moderate, {"score": "3.5", "reason": ""})
    assert "Say why you are adjusting the readers&#x27; score." in refused.content.decode()
    assert client.post(moderate, {"score": "3.5", "reason": "Both missed the loans plan"}).url == (
        review
    )
    assert "Moderated to <strong>3.50</strong>" in client.get(review).content.decode()


# --- Reports: how selection went ------------------------------------------------------------


@pytest.mark.django_db
def test_the_selection_report_says_how_far_readers_agreed_and_how_long_deciding_took(panel, client):
    services.assignments_balance(call=panel.call_a, by=panel.coordinator)
    a, b = panel.application_a, panel.application_b
    readers_a = [x.reader for x in a.assignments.all()]
    readers_b = [x.reader for x in b.assignments.all()]
    _score_all(panel, a, readers_a[0], 2)
    _score_all(panel, a, readers_a[1], 3)  # one point apart: agreeing
    _score_all(panel, b, readers_b[0], 4)
    _score_all(panel, b, readers_b[1], 1)  # three apart: differing
    with time_machine.travel(a.submitted_at + datetime.timedelta(days=3)):
        services.application_decline(application=a, by=panel.coordinator, reason="Few places")
    client.force_login(panel.coordinator)

    response = client.get(reverse("applications:selection_report"))
    (call,) = [c for c in response.context["calls"] if c.pk == panel.call_a.pk]
    assert (call.read, call.compared, call.disagreed, call.agreement) == (2, 2, 1, 0.5)
    assert call.days_to_decide == pytest.approx(3, abs=0.01)
    assert call.days_to_release is None
    page = response.content.decode()
    assert "50%" in page and "1 of 2 differ" in page and "Not released" in page

    # The other organisation's coordinator reads only their own calls.
    client.force_login(panel.other_coordinator)
    theirs = client.get(reverse("applications:selection_report")).context["calls"]
    assert panel.call_a.pk not in [c.pk for c in theirs]


@pytest.mark.django_db
def test_the_scores_download_has_a_row_per_readers_score_and_each_conflict(panel, client):
    services.assignments_balance(call=panel.call_a, by=panel.coordinator)
    first, second = panel.application_a.assignments.all()
    _score_all(panel, panel.application_a, first.reader, 3)
    services.conflict_declare(
        assignment=second, by=second.reader, conflict=Conflict.OTHER, note="=cousin"
    )
    client.force_login(panel.coordinator)

    response = client.get(reverse("applications:call_scores", args=[panel.call_a.pk]))
    assert response["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Application", "Applicant", "Status", "Reader"]
    mine = [row for row in rows[1:] if row[0] == str(panel.application_a.pk)]
    criteria = services.call_rubric(call=panel.call_a).criteria.count()
    scored = [row for row in mine if row[3] == first.reader.full_name]
    assert len(scored) == criteria and {row[10] for row in scored} == {"3"}
    (conflicted,) = [row for row in mine if row[3] == second.reader.full_name]
    assert conflicted[4:6] == ["Conflict declared", "Another reason (say what)"]
    assert conflicted[6] == "'=cousin"  # made safe for a spreadsheet
    assert conflicted[8:11] == ["", "", ""]


@pytest.mark.parametrize("extra", [0, 3])
@pytest.mark.django_db
def test_the_selection_report_runs_the_same_queries_however_many_calls(
    cast, client, django_assert_num_queries, extra
):
    for n in range(extra):
        organisation = OrganisationFactory(name=f"Partner {n}")
        PartnershipFactory(year=cast.year, organisation=organisation, confirmed=True)
        open_call(year=cast.year, organisation=organisation)
    client.force_login(cast.manager)
    # session, user, whether a manager, the organisations coordinated, the years,
    # the count, the calls with their counts and times, the readers' agreement
    with django_assert_num_queries(8):
        response = client.get(reverse("applications:selection_report"))
    assert len(response.context["calls"]) >= 1 + extra


# --- At the same moment, on PostgreSQL ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_readers_submitting_and_the_coordinator_moderating_at_once_leave_one_ranking(
    panel, postgresql
):
    """Each service locks the call's row first, so they run one after another: both
    readers' scores count once (a double submit is refused), and the ranking reads the
    moderation."""
    services.assignments_balance(call=panel.call_a, by=panel.coordinator)
    rubric = services.call_rubric(call=panel.call_a)
    first, second = panel.application_a.assignments.all()
    for assignment in (first, second):
        services.conflict_declare(assignment=assignment, by=assignment.reader, conflict="none")
    start, results = threading.Barrier(4), {}

    def submit(assignment, value):
        return lambda: (
            services.scores_save(
                assignment=assignment,
                by=assignment.reader,
                scores=_scores(rubric, value),
                submit=True,
            ).submitted_at
        )

    def moderate():
        return services.application_moderate(
            application=panel.application_a,
            by=panel.coordinator,
            score=decimal.Decimal("3.75"),
            reason="Read again at moderation",
        ).moderated_score

    threads = [
        in_thread(submit(first, 2), results, "first", start),
        in_thread(submit(first, 4), results, "first again", start),
        in_thread(submit(second, 3), results, "second", start),
        in_thread(moderate, results, "moderate", start),
    ]
    for thread in threads:
        thread.join(20)

    assert results["moderate"] == decimal.Decimal("3.75")
    assert not isinstance(results["second"], Exception), results["second"]
    outcomes = [results["first"], results["first again"]]
    refused = [o for o in outcomes if isinstance(o, ApplicationError)]
    assert len(refused) == 1 and "final" in str(refused[0])
    assert Score.objects.filter(assignment__application=panel.application_a).count() == 8
    row = (
        selectors.applications_for_review(call=panel.call_a, ordering="score")
        .filter(pk=panel.application_a.pk)
        .get()
    )
    first_value = set(first.scores.values_list("score", flat=True))
    assert len(first_value) == 1  # all of one submission, none of the other
    assert row.readers_mean == pytest.approx((first_value.pop() + 3) / 2)
    assert row.rank_score == 3.75
