"""Evaluation responses: each opens only when due, once per person and instrument, saved
as a draft until submitted; in the services, the pages and the database."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from evaluations import services
from evaluations.models import Instrument, Response
from placements import services as placement_services
from tests.factories.placements import confirm, confirmed_a, more_placements

pytestmark = pytest.mark.shared_cast

RATINGS = {"knowledge_sharing": 4, "confidence": 3, "reflection": 5, "motivation": 4}
AIM_RATINGS = {"aim_knowledge": 4, "aim_relationships": 5, "aim_insight": 4, "aim_sustainable": 3}
# Just after the placement of 2 to 6 June 2031, and the follow-up six months on.
AFTER = datetime.datetime(2031, 6, 9, 9, tzinfo=datetime.UTC)
FOLLOW_UP = datetime.datetime(2031, 12, 6, 12, tzinfo=datetime.UTC)


@pytest.fixture
def confirmed(cast):
    return confirmed_a(cast)


@pytest.fixture
def completed(confirmed):
    with time_machine.travel(AFTER):
        placement_services.placements_complete_finished()
    confirmed.refresh_from_db()
    return confirmed


def _save(placement, instrument, by, data, *, submit=True):
    return services.response_save(
        placement=placement, instrument=instrument, by=by, data=data, submit=submit
    )


@pytest.mark.django_db
def test_the_baseline_opens_on_confirmation_and_closes_when_the_placement_begins(cast, confirmed):
    response = _save(confirmed, Instrument.BASELINE, cast.staff, RATINGS)

    assert (response.status, response.respondent) == (Response.Status.SUBMITTED, cast.staff)
    with time_machine.travel(datetime.datetime(2031, 6, 3, 9, tzinfo=datetime.UTC)):
        assert services.why_not_open(placement=confirmed, instrument=Instrument.BASELINE) == (
            "The baseline survey was for before the placement, which began on 2 June 2031."
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "instrument", [Instrument.POST_EXCHANGE, Instrument.HOST_FEEDBACK, Instrument.FOLLOW_UP]
)
def test_an_evaluation_before_completion_is_refused(cast, confirmed, instrument):
    person = cast.supervisor if instrument == Instrument.HOST_FEEDBACK else cast.staff

    with pytest.raises(services.EvaluationError) as refused:
        _save(confirmed, instrument, person, {**RATINGS, **AIM_RATINGS})

    label = {
        "post_exchange": "post-exchange evaluation",
        "host_feedback": "host supervisor's feedback",
        "follow_up": "follow-up",
    }[instrument]
    assert refused.value.message == (
        f"The {label} opens once the placement is completed, after its last day on 6 June 2031."
    )
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_the_post_exchange_and_host_feedback_open_on_completion(cast, completed):
    with time_machine.travel(AFTER):
        post = _save(completed, Instrument.POST_EXCHANGE, cast.staff, {**RATINGS, **AIM_RATINGS})
        feedback = _save(completed, Instrument.HOST_FEEDBACK, cast.supervisor, RATINGS)

    assert (post.aim_relationships, feedback.respondent) == (5, cast.supervisor)


@pytest.mark.django_db
def test_submitting_thanks_the_respondent_and_a_draft_sends_nothing(
    cast, completed, django_capture_on_commit_callbacks
):
    with time_machine.travel(AFTER), django_capture_on_commit_callbacks(execute=True):
        _save(completed, Instrument.HOST_FEEDBACK, cast.supervisor, RATINGS, submit=False)
        assert mail.outbox == []
        _save(completed, Instrument.HOST_FEEDBACK, cast.supervisor, RATINGS)
        _save(completed, Instrument.POST_EXCHANGE, cast.staff, {**RATINGS, **AIM_RATINGS})

    feedback, post = mail.outbox
    assert (feedback.to, feedback.subject) == (
        [cast.supervisor.email],
        "Thank you for your host supervisor's feedback",
    )
    assert f"/evaluations/{completed.pk}/host_feedback/" in feedback.body
    # After the post-exchange evaluation, the one link is to offering a testimonial.
    assert post.to == [cast.staff.email]
    assert f"/testimonials/new/{completed.pk}/" in post.body
    assert "Nothing is published without your agreement" in post.body


@pytest.mark.django_db
def test_the_follow_up_opens_months_after_the_last_day(cast, completed, settings):
    settings.FOLLOW_UP_MONTHS = 6
    with time_machine.travel(AFTER):
        assert services.why_not_open(placement=completed, instrument=Instrument.FOLLOW_UP) == (
            "The follow-up opens on 6 December 2031, some months after the placement."
        )
    with time_machine.travel(FOLLOW_UP):
        response = _save(completed, Instrument.FOLLOW_UP, cast.staff, {**RATINGS, **AIM_RATINGS})
    assert response.is_submitted


@pytest.mark.django_db
def test_evaluations_close_with_the_year_so_old_ones_are_not_asked_for(cast, completed, client):
    """Years on, a follow-up never answered is not put to the participant as work."""
    year = completed.year
    after_the_year = datetime.datetime.combine(
        year.follow_up_on + datetime.timedelta(days=1), datetime.time(9), tzinfo=datetime.UTC
    )
    closed = (
        f"The evaluations for {year.year} closed on "
        f"{year.follow_up_on.day} {year.follow_up_on:%B %Y}, the year's follow-up date."
    )
    client.force_login(cast.staff)
    with time_machine.travel(AFTER):
        assert (
            "Answer the post-exchange evaluation"
            in client.get(reverse("dashboard")).content.decode()
        )
    with time_machine.travel(after_the_year):
        assert services.why_not_open(placement=completed, instrument=Instrument.FOLLOW_UP) == closed
        with pytest.raises(services.EvaluationError, match="closed on"):
            _save(completed, Instrument.POST_EXCHANGE, cast.staff, {**RATINGS, **AIM_RATINGS})
        dashboard = client.get(reverse("dashboard")).content.decode()
    assert "Answer the post-exchange evaluation" not in dashboard
    assert "Answer the follow-up" not in dashboard
    assert not Response.objects.filter(placement=completed).exists()


@pytest.mark.django_db
def test_a_second_submission_is_refused(cast, confirmed):
    with time_machine.travel(datetime.datetime(2026, 11, 24, 9, tzinfo=datetime.UTC)):
        _save(confirmed, Instrument.BASELINE, cast.staff, RATINGS)

        with pytest.raises(services.EvaluationError) as refused:
            _save(confirmed, Instrument.BASELINE, cast.staff, {**RATINGS, "confidence": 1})

    assert refused.value.message == (
        "You submitted this baseline survey on 24 November 2026: it cannot be changed."
    )
    assert Response.objects.get().confidence == 3


@pytest.mark.django_db
def test_a_draft_is_kept_and_submitting_needs_every_rating(cast, confirmed):
    draft = _save(confirmed, Instrument.BASELINE, cast.staff, {"confidence": 2}, submit=False)
    assert (draft.status, draft.confidence) == (Response.Status.DRAFT, 2)

    with pytest.raises(services.EvaluationError) as refused:
        _save(confirmed, Instrument.BASELINE, cast.staff, {"confidence": 2})

    assert (refused.value.field, refused.value.message) == (
        "knowledge_sharing",
        "Answer this question before submitting.",
    )


@pytest.mark.django_db
def test_only_the_respondent_answers(cast, confirmed):
    with pytest.raises(services.EvaluationError, match="someone else to answer"):
        _save(confirmed, Instrument.BASELINE, cast.supervisor, RATINGS)


@pytest.mark.django_db
def test_a_cancelled_placement_has_no_evaluation(cast, confirmed):
    placement_services.placement_cancel(placement=confirmed, by=cast.manager, reason="Closed")
    confirmed.refresh_from_db()

    assert services.why_not_open(placement=confirmed, instrument=Instrument.POST_EXCHANGE) == (
        "This placement was cancelled, so it has no evaluation."
    )


@pytest.mark.django_db
def test_the_database_refuses_an_evaluation_of_a_placement_not_completed(
    cast, confirmed, postgresql
):
    with pytest.raises(IntegrityError, match="completed placement"), transaction.atomic():
        Response.objects.create(
            placement=confirmed, instrument=Instrument.POST_EXCHANGE, respondent=cast.staff
        )


@pytest.mark.django_db
def test_the_database_keeps_a_submitted_response(cast, confirmed, postgresql):
    response = _save(confirmed, Instrument.BASELINE, cast.staff, RATINGS)

    with pytest.raises(IntegrityError, match="cannot be changed"), transaction.atomic():
        Response.objects.filter(pk=response.pk).update(confidence=1)


# --- Pages ----------------------------------------------------------------------------


def _url(placement, instrument):
    return reverse(
        "evaluations:response_form",
        kwargs={"pk": placement.pk, "instrument": instrument},
    )


@pytest.mark.django_db
def test_submitting_with_a_rating_missing_marks_it_and_keeps_the_rest(client, cast, confirmed):
    client.force_login(cast.staff)

    response = client.post(
        _url(confirmed, "baseline"),
        {"action": "submit", "confidence": "4", "motivation": "5", "comments": "Excited."},
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "knowledge_sharing": ["Answer this question before submitting."],
        "reflection": ["Answer this question before submitting."],
    }
    assert "Excited." in response.content.decode()
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_saving_a_draft_then_submitting_in_the_browser(client, cast, confirmed):
    client.force_login(cast.staff)
    client.post(_url(confirmed, "baseline"), {"action": "save", "confidence": "4"})
    assert Response.objects.get().status == Response.Status.DRAFT

    client.post(
        _url(confirmed, "baseline"),
        {"action": "submit", **{name: str(value) for name, value in RATINGS.items()}},
    )

    response = Response.objects.get()
    assert (response.status, response.confidence) == (Response.Status.SUBMITTED, 3)
    page = client.get(_url(confirmed, "baseline")).content.decode()
    assert "You submitted these answers on" in page


@pytest.mark.django_db
def test_someone_elses_evaluation_is_not_found(client, cast, confirmed):
    for person, instrument in (
        (cast.supervisor, "baseline"),
        (cast.staff, "host_feedback"),
        (cast.coordinator, "baseline"),
        (cast.other_coordinator, "baseline"),
        (cast.staff, "no-such-thing"),
    ):
        client.force_login(person)
        assert client.get(_url(confirmed, instrument)).status_code == 404, (person, instrument)


@pytest.mark.django_db
@pytest.mark.parametrize("more", [0, 4])
def test_the_list_runs_the_same_queries_for_one_or_many(
    client, cast, confirmed, more, django_assert_num_queries
):
    for placement in more_placements(cast, more):
        confirm(
            placement, home_coordinator=cast.coordinator, host_coordinator=cast.host_coordinator
        )
    client.force_login(cast.supervisor)

    # user, the person's years, the count (bounded), the page's ids, then the year's
    # placements and their responses
    with django_assert_num_queries(6):
        response = client.get(reverse("evaluations:response_list"))

    assert len(response.context["placements"]) == 1 + more
