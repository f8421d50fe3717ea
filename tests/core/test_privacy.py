"""The privacy notice (published in versions, acknowledged when applying and shown
again at sign-in once changed) and the record of who read someone's access
requirements."""

import io
import json
import zipfile

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.urls import reverse

from core import privacy
from core.models import PrivacyAcknowledgement, PrivacyNotice, SensitiveRead
from tests.factories.applications import draft, submitted
from tests.factories.partners import PASSWORD, staff_of
from tests.factories.placements import claim, confirmed_a, propose, select

pytestmark = pytest.mark.shared_cast

Occasion = PrivacyAcknowledgement.Occasion


def _publish(
    text="## Who we are\n\nThe host museum.", changes="Who we are, said plainly.", by=None
):
    return privacy.notice_publish(text=text, changes=changes, by=by)


@pytest.mark.django_db
def test_the_notice_written_for_the_programme_is_published_and_linked_from_every_page(client):
    notice = privacy.current_notice()
    assert notice.version == 1
    page = client.get(reverse("privacy")).content.decode()
    assert "<h2>Who is responsible for your information</h2>" in page
    assert "special category data" in page
    assert f'href="{reverse("privacy")}"' in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_a_new_version_is_numbered_after_the_last_and_its_markdown_cleaned(client, cast):
    first = privacy.current_notice()
    second = _publish(
        text="## Rights\n\n<script>alert(1)</script> **Ask us.** <a href='javascript:x'>x</a>",
        by=cast.manager,
    )
    assert (second.version, second.published_by) == (first.version + 1, cast.manager)
    html = privacy.notice_html(second)
    assert "<script>" not in html and "javascript:" not in html
    assert "<strong>Ask us.</strong>" in html
    # The earlier version can still be read, as it was.
    earlier = client.get(reverse("privacy"), {"version": first.version}).content.decode()
    assert "Who is responsible for your information" in earlier
    assert "Read the current version" in earlier
    assert client.get(reverse("privacy"), {"version": "999"}).status_code == 404


@pytest.mark.django_db
def test_submitting_asks_for_the_notice_and_records_the_version_read(client, cast):
    person = staff_of(cast.organisation_a)
    application = draft(call=cast.call_a, applicant=person)
    client.force_login(person)
    url = reverse("applications:application_update", args=[application.pk])
    answers = {
        "action": "submit",
        "job_title": application.job_title,
        "department": application.department,
        "specialism": application.specialism,
        "career_level": application.career_level,
        "line_manager_name": application.line_manager_name,
        "line_manager_email": application.line_manager_email,
        "first_preference": application.first_preference_id,
        "learning_goals": application.learning_goals,
        "can_share": application.can_share,
        "departments_of_interest": application.departments_of_interest,
        "availability": application.availability,
    }

    refused = client.post(url, answers)
    assert refused.context["form"].errors["privacy_notice"] == [
        "Say that you have read the privacy notice before you submit."
    ]
    assert not PrivacyAcknowledgement.objects.filter(user=person).exists()

    assert client.post(url, {**answers, "privacy_notice": "on"}).status_code == 302
    (acknowledgement,) = PrivacyAcknowledgement.objects.filter(user=person)
    assert (acknowledgement.notice, acknowledgement.occasion) == (
        privacy.current_notice(),
        Occasion.APPLYING,
    )


@pytest.mark.django_db
def test_a_changed_notice_is_shown_at_the_next_sign_in_until_read(client, cast):
    person = cast.staff  # applied, so read version 1
    assert PrivacyAcknowledgement.objects.filter(user=person).exists()
    newer = _publish()
    never_read = staff_of(cast.organisation_a, user__email="new@org-a.example")

    client.post(reverse("account_login"), {"login": person.email, "password": PASSWORD})
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.url == f"{reverse('privacy')}?next=%2Fdashboard%2F"
    page = client.get(dashboard.url).content.decode()
    assert "This notice has changed since you last read it" in page
    assert "Who we are, said plainly." in page
    assert client.get(reverse("health")).status_code == 200  # the health check still answers

    read = client.post(reverse("privacy"), {"next": "/dashboard/"})
    assert read.url == "/dashboard/"
    assert PrivacyAcknowledgement.objects.filter(
        user=person, notice=newer, occasion=Occasion.SIGN_IN
    ).exists()
    assert client.get(reverse("dashboard")).status_code == 200
    client.post(reverse("account_logout"))
    client.post(reverse("account_login"), {"login": never_read.email, "password": PASSWORD})
    assert client.get(reverse("dashboard")).status_code == 200  # never read one: not asked


@pytest.mark.django_db
def test_reading_the_notice_goes_on_only_to_this_site(client, cast):
    _publish()
    client.post(reverse("account_login"), {"login": cast.staff.email, "password": PASSWORD})
    read = client.post(reverse("privacy"), {"next": "https://elsewhere.example/"})
    assert read.url == reverse("dashboard")


@pytest.mark.django_db
def test_every_read_of_access_requirements_by_someone_else_is_recorded(client, cast):
    application = cast.application_a  # "Step-free access, please."
    client.force_login(cast.staff)
    client.get(application.get_absolute_url())
    assert not SensitiveRead.objects.exists()  # their own

    client.force_login(cast.coordinator)
    review = reverse("applications:application_review", args=[application.pk])
    client.get(review)
    (read,) = SensitiveRead.objects.all()
    assert (read.reader, read.subject, read.what, read.where) == (
        cast.coordinator,
        cast.staff,
        "access requirements",
        review,
    )

    placement = propose(
        select(application, by=cast.coordinator, destination=cast.host),
        by=cast.coordinator,
        supervisor=cast.supervisor,
    )
    client.force_login(cast.supervisor)
    client.get(placement.get_absolute_url())
    assert SensitiveRead.objects.filter(reader=cast.supervisor, subject=cast.staff).count() == 1


@pytest.mark.django_db
def test_no_read_is_recorded_where_none_were_given(client, cast):
    quiet = submitted(
        call=cast.call_a, applicant=staff_of(cast.organisation_a), access_requirements=""
    )
    client.force_login(cast.coordinator)
    client.get(reverse("applications:application_review", args=[quiet.pk]))
    assert not SensitiveRead.objects.exists()


@pytest.mark.django_db
def test_the_manager_publishes_a_version_in_the_admin_and_cannot_change_one(client, cast):
    client.force_login(cast.manager)
    add = reverse("admin:core_privacynotice_add")
    assert "Who is responsible for your information" in client.get(add).content.decode()
    response = client.post(add, {"text": "## New\n\nText.", "changes": "Shorter."})
    assert response.status_code == 302
    newest = privacy.current_notice()
    assert (newest.text, newest.published_by) == ("## New\n\nText.", cast.manager)
    change = reverse("admin:core_privacynotice_change", args=[newest.pk])
    client.post(change, {"text": "Changed after publishing", "changes": ""})
    newest.refresh_from_db()
    assert newest.text == "## New\n\nText."
    assert PrivacyNotice.objects.count() == 2


# --- Subject access ---------------------------------------------------------------------------


def _person_links() -> set[str]:
    """Every model field that links a record to a person (history tables aside)."""
    user = apps.get_model(settings.AUTH_USER_MODEL)
    return {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if not model.__name__.startswith("Historical")
        for field in model._meta.concrete_fields
        if isinstance(field, models.ForeignKey) and field.related_model is user
    }


def test_every_link_to_a_person_is_exported_or_said_why_not():
    covered = {link for section in privacy.SECTIONS.values() for link in section.links}
    missing = _person_links() - covered - set(privacy.NOT_EXPORTED) - _OUTSIDE
    assert not missing, f"Not in the subject access export, nor said why: {sorted(missing)}"
    assert not covered & set(privacy.NOT_EXPORTED)


# Other packages' tables that link to a person (sessions and the admin's own log are
# kept by Django, not the programme).
_OUTSIDE = {
    "admin.LogEntry.user",
    "account.EmailAddress.user",
    "socialaccount.SocialAccount.user",
    "usersessions.UserSession.user",
    "mfa.Authenticator.user",
}


def _archive(response) -> dict:
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.django_db
def test_the_export_holds_the_application_its_decision_and_who_read_the_access_needs(client, cast):
    placement = confirmed_a(cast)
    claim(placement)
    other = submitted(
        call=cast.call_a,
        applicant=staff_of(cast.organisation_a, user__full_name="Olive Other"),
        learning_goals="Olive's own goals",
    )
    client.force_login(cast.coordinator)
    client.get(reverse("applications:application_review", args=[cast.application_a.pk]))
    client.get(reverse("applications:application_review", args=[other.pk]))

    client.force_login(cast.staff)
    assert "Download my information" in client.get(reverse("personal_data")).content.decode()
    response = client.post(reverse("personal_data"))
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "no-store"
    files = _archive(response)
    data = json.loads(files["data.json"])
    (application,) = data["applications"]["records"]
    assert application["status"] == "Selected"
    assert application["access requirements"] == "Step-free access, please."
    assert application["answer to the place"] == "Accepted"
    records = data["application_records"]["records"]
    assert {"Submitted", "Selected"} <= {r["to"] for r in records}
    (read,) = data["sensitive_reads"]["records"]
    assert read["read by"] == str(cast.coordinator)
    assert data["expense_claims"]["records"][0]["what it was for"] == "Lunch on day one"
    assert any(name.startswith("files/receipt-") for name in files)
    assert "applications.csv" in files and b"Step-free access" in files["applications.csv"]
    assert b"Your applications and their decisions" in files["index.html"]
    # Nothing of another applicant's.
    everything = b"".join(files.values())
    assert b"Olive" not in everything and other.applicant.email.encode() not in everything


@pytest.mark.django_db
def test_the_manager_downloads_one_persons_export_from_the_admin(client, cast):
    client.force_login(cast.manager)
    changelist = reverse("admin:partners_user_changelist")
    response = client.post(
        changelist, {"action": "subject_access_export", "_selected_action": [cast.staff.pk]}
    )
    data = json.loads(_archive(response)["data.json"])
    assert data["account"]["records"][0]["email address"] == cast.staff.email
    both = client.post(
        changelist,
        {"action": "subject_access_export", "_selected_action": [cast.staff.pk, cast.manager.pk]},
        follow=True,
    )
    assert "Choose one person" in both.content.decode()
