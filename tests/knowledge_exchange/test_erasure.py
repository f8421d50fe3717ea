"""A person asks to close their account and the programme manager erases it: what has
no reason to stay is deleted, what the figures need is kept with no name or words,
the financial record is kept and marked, and no table holds their name, address or
words after."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from applications.models import Application
from core import erasure
from core.models import AccountClosure, Email, SensitiveRead
from evaluations import services as evaluation_services
from evaluations.models import Instrument, Response
from evaluations.models import Testimonial as Testimonials
from partners.models import User
from placements import services as placement_services
from placements.models import ExpenseClaim
from tests.factories.applications import submitted
from tests.factories.partners import PASSWORD, staff_of
from tests.factories.placements import claim, confirmed_a
from tests.tables import tables_mentioning

pytestmark = pytest.mark.shared_cast

REFLECTION = "Quillhaven's conservators changed how I think about paper"
TESTIMONIAL = "Five days with the Quillhaven team were the best of my career"
REASON = "I am moving to a post at the Quillhaven library"
RATINGS = {"knowledge_sharing": 4, "confidence": 5, "reflection": 4, "motivation": 5}


@pytest.fixture
def person(cast, client, django_capture_on_commit_callbacks):
    """Rhiannon, who applied (with access requirements), was placed, claimed lunch,
    evaluated the placement, gave a testimonial and consented to call emails; her
    coordinator read her application; then she asked to close her account."""
    rhiannon = cast.staff
    User.objects.filter(pk=rhiannon.pk).update(
        full_name="Rhiannon Quillfeather", email="rhiannon.quill@a.example"
    )
    rhiannon.refresh_from_db()
    rhiannon.emailaddress_set.update(email=rhiannon.email)
    with django_capture_on_commit_callbacks(execute=True):
        placement = confirmed_a(cast)
        lunch = claim(placement)
        placement_services.expense_claim_approve(claim=lunch, by=cast.manager)
        with time_machine.travel(datetime.datetime(2031, 6, 9, 9, tzinfo=datetime.UTC)):
            placement_services.placements_complete_finished()
            placement.refresh_from_db()
            evaluation_services.response_save(
                placement=placement,
                instrument=Instrument.POST_EXCHANGE,
                by=rhiannon,
                data={
                    **RATINGS,
                    "aim_knowledge": 4,
                    "aim_relationships": 4,
                    "aim_insight": 5,
                    "aim_sustainable": 3,
                    "reflections": REFLECTION,
                },
                submit=True,
            )
            evaluation_services.testimonial_offer(
                placement=placement, by=rhiannon, kind="quote", text=TESTIMONIAL, consent=True
            )
        client.force_login(rhiannon)
        client.post(reverse("partners:email_preferences"), {"call_emails": "on"})
        client.force_login(cast.coordinator)
        client.get(reverse("applications:application_review", args=[cast.application_a.pk]))
        client.force_login(rhiannon)
        client.post(reverse("account_close"), {"reason": REASON, "understood": "on"})
    return rhiannon


def _identifiers(person) -> list[str]:
    goals = Application.objects.get(applicant=person).learning_goals
    return [person.full_name, person.email, goals, REFLECTION, TESTIMONIAL, REASON,
            "Step-free access"]  # fmt: skip


@pytest.mark.django_db
def test_asking_to_close_is_recorded_and_the_manager_told(cast, client, person):
    closure = AccountClosure.objects.get(user=person)
    assert (closure.status, closure.reason) == (AccountClosure.Status.REQUESTED, REASON)
    subjects = {m.subject: m.to for m in mail.outbox}
    assert subjects["Your request to close your account"] == [person.email]
    assert "Rhiannon Quillfeather has asked to close their account" in subjects
    page = client.get(reverse("account_close")).content.decode()
    assert "The programme manager will close it by" in page
    # A second request is not made while one is open.
    client.post(reverse("account_close"), {"understood": "on"})
    assert AccountClosure.objects.filter(user=person).count() == 1


@pytest.mark.django_db
def test_the_request_needs_the_box_ticked_and_keeps_what_was_typed(cast, client):
    client.force_login(cast.staff)
    page = client.post(reverse("account_close"), {"reason": "Leaving"})
    assert page.context["form"].errors["understood"] == [
        "Tick the box to confirm that you understand what closing means."
    ]
    assert "Leaving" in page.content.decode()
    assert not AccountClosure.objects.exists()


@pytest.mark.django_db
def test_the_person_withdraws_their_request(cast, client, person):
    client.post(reverse("account_close"), {"withdraw": "1"})
    closure = AccountClosure.objects.get(user=person)
    assert closure.status == AccountClosure.Status.WITHDRAWN
    with pytest.raises(erasure.ErasureWaits):
        erasure.erase(closure=closure, by=cast.manager)


@pytest.mark.django_db
def test_erasure_waits_while_a_placement_is_under_way(cast):
    confirmed_a(cast)
    closure = erasure.closure_request(user=cast.staff, reason="")
    plan = erasure.erasure_plan(cast.staff)
    assert plan.waits == [
        "A placement is planned or under way: it is completed or cancelled first."
    ]
    with pytest.raises(erasure.ErasureWaits):
        erasure.erase(closure=closure, by=cast.manager)
    assert User.objects.get(pk=cast.staff.pk).is_active


@pytest.mark.django_db
def test_the_manager_reviews_and_erases_and_no_table_holds_the_person_after(
    cast, client, person, django_capture_on_commit_callbacks
):
    identifiers = _identifiers(person)
    address = person.email
    assert set(tables_mentioning(identifiers)) >= {
        "partners_user",
        "applications_application",
        "evaluations_response",
        "evaluations_testimonial",
        "core_email",
    }
    response = Response.objects.get(respondent=person)
    lunch = ExpenseClaim.objects.get(placement__participant=person)
    closure = AccountClosure.objects.get(user=person)

    client.force_login(cast.manager)
    url = reverse("admin:core_accountclosure_erase", args=[closure.pk])
    review = client.get(url).content.decode()
    assert "Your expense claims and receipts" in review and "Financial records are kept" in review
    refused = client.post(url, {})
    assert refused.context["form"].errors["confirm"] == ["Tick the box to confirm the erasure."]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"confirm": "on"})

    # Told at the address they had, which is then forgotten with the email.
    assert [(m.to, m.subject) for m in mail.outbox] == [([address], "Your account has been closed")]
    assert tables_mentioning(identifiers) == {}
    assert not SensitiveRead.objects.exists()
    assert not Testimonials.objects.exists()
    # The ratings stay and are counted, the words are gone.
    response.refresh_from_db()
    assert {name: getattr(response, name) for name in RATINGS} == RATINGS
    assert response.reflections == erasure.REMOVED
    # The financial record is kept, and marked.
    lunch.refresh_from_db()
    assert lunch.kept_after_erasure and lunch.amount and lunch.receipt
    # The account is a shell no one signs in to.
    shell = User.objects.get(pk=person.pk)
    assert (shell.full_name, shell.is_active, shell.has_usable_password()) == (
        "Erased person",
        False,
        False,
    )
    assert not client.login(email=address, password=PASSWORD)
    # The erasure is recorded by kind and count, without the data.
    closure.refresh_from_db()
    assert (closure.status, closure.erased_by, closure.reason) == ("erased", cast.manager, "")
    done = {step["key"]: (step["action"], step["count"]) for step in closure.outcome}
    assert done["applications"] == ("anonymised", 1)
    assert done["testimonials"] == ("deleted", 1)
    assert done["expense_claims"] == ("kept", 1)
    assert done["sensitive_reads"] == ("deleted", 1)
    assert Email.objects.filter(template="account_erased", to=[]).exists()
    # Erasing again does nothing more.
    again = client.post(url, {"confirm": "on"})
    assert "there is nothing to erase" in again.content.decode()


@pytest.mark.django_db
def test_erasing_one_person_leaves_another_applicants_words(cast, person):
    other = submitted(
        call=cast.call_a,
        applicant=staff_of(cast.organisation_a, user__full_name="Olive Other"),
        learning_goals="Olive's own goals",
    )
    erasure.erase(closure=AccountClosure.objects.get(user=person), by=cast.manager)
    other.refresh_from_db()
    assert other.learning_goals == "Olive's own goals" and other.anonymised_at is None
    assert other.applicant.full_name == "Olive Other"
