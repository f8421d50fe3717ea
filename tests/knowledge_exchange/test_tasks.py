"""Emails are queued on commit and sent by Celery: inline with no broker, by a
real worker process when the broker is Redis."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse

from knowledge_exchange.celery import app as celery_app
from knowledge_exchange.mail import queue_message
from tests.conftest import PROJECT_ROOT, SERVICE_EVIDENCE, skip_or_fail
from tests.factories.partners import UserFactory


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
        "from knowledge_exchange.mail import queue_message\n"
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


@pytest.fixture
def celery_worker_process(tmp_path):
    """A real `celery worker` process on the Redis broker, sending email to files."""
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis://"):
        skip_or_fail("needs CELERY_BROKER_URL pointing at Redis")
    outbox = tmp_path / "outbox"
    log = tmp_path / "worker.log"
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    with log.open("w") as log_file:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "knowledge_exchange",
                "worker",
                "--pool=solo",
                "--queues",
                queue,
                "--loglevel=info",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=PROJECT_ROOT,
            env=_environment(
                DJANGO_SETTINGS_MODULE="knowledge_exchange.settings.test",
                CELERY_BROKER_URL=broker,
                EMAIL_URL="filemail://",
                EMAIL_FILE_PATH=str(outbox),
            ),
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    celery_app.conf.task_always_eager = False
    try:
        yield outbox, log
    finally:
        celery_app.conf.task_always_eager = True
        worker.terminate()
        worker.wait(timeout=30)


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_password_reset_email_is_sent_by_a_real_worker_on_redis(client, celery_worker_process):
    outbox, log = celery_worker_process
    person = UserFactory(email="worker.test@example.org")

    response = client.post(reverse("account_reset_password"), {"email": person.email})

    assert response.status_code == 302
    assert mail.outbox == []  # not sent by this process: queued on Redis
    sent = _sent_files(outbox, expected=1, timeout=60)
    assert len(sent) == 1, log.read_text()
    assert "To: worker.test@example.org" in sent[0]
    assert "Password Reset" in sent[0]
    assert "knowledge_exchange.tasks.send_email" in log.read_text()
    SERVICE_EVIDENCE.append(
        f"celery: email queued on commit to {settings.CELERY_BROKER_URL} "
        "and sent by a separate worker process"
    )
