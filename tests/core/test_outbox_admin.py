"""The outbox in the admin: the manager sees what went and what did not, and why, and
asks for a failed email to be sent again now."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone

from core.mail import queue_message
from core.models import Email
from tests.factories.partners import programme_manager

CHANGELIST = reverse("admin:core_email_changelist")


@pytest.fixture
def manager_client(client):
    client.force_login(programme_manager())
    return client


def _failed(to: str = "alex@example.org") -> Email:
    queue_message(EmailMessage("Your placement is confirmed", "Body", to=[to]))
    email = Email.objects.latest("pk")
    Email.objects.filter(pk=email.pk).update(
        state=Email.State.FAILED,
        attempts=9,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
        expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    return email


@pytest.mark.django_db
def test_the_outbox_shows_failures_with_their_error(manager_client):
    _failed()

    response = manager_client.get(CHANGELIST + "?state__exact=failed")

    page = response.content.decode()
    assert "Your placement is confirmed" in page
    assert "alex@example.org" in page
    assert "Failed" in page


@pytest.mark.django_db
def test_try_again_now_sends_a_failed_email_and_records_who_asked(
    manager_client, django_capture_on_commit_callbacks
):
    email = _failed()

    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            CHANGELIST, {"action": "try_again_now", "_selected_action": [email.pk]}
        )

    assert response.status_code == 302
    email.refresh_from_db()
    assert (email.state, email.attempts) == ("sent", 10)
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [email.message_id]
    assert LogEntry.objects.get(object_id=str(email.pk)).change_message == (
        "Asked to send again now."
    )


@pytest.mark.django_db
def test_the_outbox_cannot_be_edited(manager_client):
    email = _failed()

    response = manager_client.post(
        reverse("admin:core_email_change", args=[email.pk]), {"subject": "Changed"}
    )

    assert response.status_code == 403
    email.refresh_from_db()
    assert email.subject == "Your placement is confirmed"


@pytest.mark.django_db
@pytest.mark.parametrize("emails", [1, 30])
def test_outbox_changelist_queries_do_not_grow(manager_client, django_assert_num_queries, emails):
    for number in range(emails):
        _failed(to=f"person{number}@example.org")

    # user, permissions (user, group), the count (bounded; no second count of
    # the whole table), the page of emails (dates are filtered by range, not by a date
    # hierarchy that reads every row)
    with django_assert_num_queries(5):
        response = manager_client.get(CHANGELIST)
    assert response.status_code == 200
