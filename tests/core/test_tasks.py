"""Emails are queued on commit and sent by Celery: inline with no broker, by a
real worker process when the broker is Redis."""

import datetime
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from core.mail import queue_message
from core.models import Email, Reminder
from core.outbox import relay_outbox
from core.reminders import reminders_send_due
from knowledge_exchange.benchmark import worker_command
from knowledge_exchange.celery import app as celery_app
from tests.conftest import PROJECT_ROOT, skip_or_fail
from tests.factories.applications import draft
from tests.factories.partners import UserFactory, staff_of

pytestmark = pytest.mark.shared_cast


def _environment(**overrides) -> dict[str, str]:
    names_to_drop = {
        "CELERY_BROKER_URL",
        "REDIS_URL",
        "DATABASE_URL",
        "EMAIL_URL",
        "EMAIL_FILE_PATH",
    }
    environment = {k: v for k, v in os.environ.items() if k not in names_to_drop}
    environment.update(overrides)
    return environment


def _sent_files(folder: Path, *, expected: int, timeout: float) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = sorted(folder.glob("*.log"))
        if len(files) >= expected:
            return [f.read_text() for f in files]
        time.sleep(0.2)
    return [f.read_text() for f in sorted(folder.glob("*.log"))]


@pytest.mark.django_db(transaction=True)
def test_email_is_not_sent_when_the_transaction_rolls_back():
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_message(EmailMessage("Never sent", "body", to=["a@example.org"]))
        raise RuntimeError("the change failed")

    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_email_is_sent_once_the_transaction_commits():
    with transaction.atomic():
        queue_message(EmailMessage("Sent after commit", "body", to=["a@example.org"]))
        assert mail.outbox == []

    assert [m.subject for m in mail.outbox] == ["Sent after commit"]


def test_tasks_run_inline_with_the_embedded_defaults(tmp_path):
    """`make run`'s configuration: no broker, so the task runs in the same process."""
    outbox = tmp_path / "outbox"
    script = (
        "from django.core.mail import EmailMessage\n"
        "from django.conf import settings\n"
        "from django.core.management import call_command\n"
        "from core.mail import queue_message\n"
        "call_command('migrate', verbosity=0)\n"
        "assert settings.CELERY_TASK_ALWAYS_EAGER, 'no broker should mean inline tasks'\n"
        "queue_message(EmailMessage('Inline', 'Sent without a broker', to=['a@example.org']))\n"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=PROJECT_ROOT,
        env=_environment(
            DJANGO_SETTINGS_MODULE="knowledge_exchange.settings.local",
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            EMAIL_URL="filemail://",
            EMAIL_FILE_PATH=str(outbox),
        ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    sent = _sent_files(outbox, expected=1, timeout=1)
    assert len(sent) == 1
    assert "Subject: Inline" in sent[0]


def _start_worker(outbox: Path, log: Path, **environment) -> subprocess.Popen:
    """A real `celery worker` process on the Redis broker, sending email to files."""
    with log.open("a") as log_file:
        return subprocess.Popen(
            worker_command(loglevel="info"),
            cwd=PROJECT_ROOT,
            env=_environment(
                DJANGO_SETTINGS_MODULE="knowledge_exchange.settings.test",
                CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
                EMAIL_URL="filemail://",
                EMAIL_FILE_PATH=str(outbox),
                **environment,
            ),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )


@pytest.fixture
def broker_and_outbox(tmp_path):
    """The Redis broker for this test's tasks, and the folder workers send email to."""
    if not (settings.CELERY_BROKER_URL or "").startswith("redis://"):
        skip_or_fail("needs CELERY_BROKER_URL pointing at Redis")
    celery_app.conf.task_always_eager = False
    try:
        yield tmp_path / "outbox", tmp_path / "worker.log"
    finally:
        celery_app.conf.task_always_eager = True


@pytest.fixture
def celery_worker_process(broker_and_outbox):
    outbox, log = broker_and_outbox
    worker = _start_worker(outbox, log, DATABASE_URL=_test_database_url())
    try:
        yield outbox, log
    finally:
        worker.terminate()
        worker.wait(timeout=30)


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_password_reset_email_is_sent_by_a_real_worker_on_redis(
    client, celery_worker_process, service_evidence
):
    outbox, log = celery_worker_process
    person = UserFactory(email="worker.test@example.org")

    response = client.post(reverse("account_reset_password"), {"email": person.email})

    assert response.status_code == 302
    assert mail.outbox == []  # not sent by this process: queued on Redis
    sent = _sent_files(outbox, expected=1, timeout=60)
    assert len(sent) == 1, log.read_text()
    assert "To: worker.test@example.org" in sent[0]
    assert "Password reset email" in sent[0]
    assert "knowledge_exchange.tasks.send_email" in log.read_text()
    service_evidence(
        f"celery: email queued on commit to {settings.CELERY_BROKER_URL} "
        "and sent by a separate worker process"
    )


def _test_database_url() -> str:
    """The test database this process uses, for a worker process to share."""
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_reminders_are_all_sent_when_the_worker_is_killed_mid_way(
    cast, broker_and_outbox, postgresql, service_evidence
):
    outbox, log = broker_and_outbox
    cast.call_a.closes_at = timezone.now() + datetime.timedelta(days=7)
    cast.call_a.save()
    people = [staff_of(cast.organisation_a) for _ in range(12)]
    for person in people:
        draft(call=cast.call_a, applicant=person)
    # Each email takes half a second, so the worker is killed while sending; an email
    # a dead worker held is sent by the relay once its lease of three seconds is over.
    slow = {
        "DATABASE_URL": _test_database_url(),
        "TEST_EMAIL_DELAY": "0.5",
        "OUTBOX_LEASE_SECONDS": "3",
    }
    worker = _start_worker(outbox, log, **slow)
    try:
        assert reminders_send_due() == {"call_closing": 12}
        assert len(_sent_files(outbox, expected=3, timeout=60)) >= 3, log.read_text()
        worker.kill()  # SIGKILL: no chance to finish or record anything
        worker.wait(timeout=30)
        killed_after = len(list(outbox.glob("*.log")))
        assert killed_after < 12, "the worker finished before it could be killed"
        worker = _start_worker(outbox, log, **slow)
        deadline = time.monotonic() + 60
        while Email.objects.exclude(state=Email.State.SENT).exists():
            assert time.monotonic() < deadline, log.read_text()
            relay_outbox.delay()  # what beat does every minute
            time.sleep(1)
        sent = [path.read_text() for path in sorted(outbox.glob("*.log"))]
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    # Django's file backend may append two messages to one file: one per separator.
    messages = [
        _headers(text) for texts in sent for text in texts.split("-" * 79 + "\n") if text.strip()
    ]
    assert {headers["To"] for headers in messages} == {person.email for person in people}
    # A message sent twice can only be the one the worker was killed sending, after
    # the mail server took it and before it was recorded: the same Message-ID again.
    by_id = Counter(headers["Message-ID"] for headers in messages)
    assert len(messages) - len(by_id) <= 1
    assert len({headers["To"] for headers in messages}) == len(by_id)
    assert Reminder.objects.filter(sent_at__isnull=True).count() == 0
    service_evidence(
        f"celery: 12 reminders all sent across a worker killed after {killed_after}, "
        f"{len(messages) - len(by_id)} sent twice with the same Message-ID"
    )


def _headers(text: str) -> dict[str, str]:
    headers = {}
    for line in text.split("\n\n", 1)[0].splitlines():
        name, _, value = line.partition(": ")
        headers[name] = value
    return headers
