"""The outbox under real faults: a broker that is not there or stops mid-way, a mail
server that refuses, then hangs, then recovers, and a database connection terminated
mid-send. Each test checks exactly which emails were delivered: none missing, and a
duplicate only where the mail server accepted a message before it could be recorded,
with the same Message-ID."""

import datetime
import socket
import time
from collections import Counter

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.mail import EmailMessage
from django.db import OperationalError, connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from core import outbox
from core.mail import queue_message
from core.models import Email
from tests.factories import placements as placement_factories
from tests.services import free_port, own_redis

SMTP = "django.core.mail.backends.smtp.EmailBackend"


class Received:
    """An aiosmtpd handler that keeps what it is sent."""

    def __init__(self, on_message=None):
        self.messages: list[dict[str, str]] = []
        self.on_message = on_message

    async def handle_DATA(self, server, session, envelope):
        text = envelope.content.decode()
        headers = dict(
            line.split(": ", 1)
            for line in text.split("\r\n\r\n", 1)[0].splitlines()
            if ": " in line
        )
        self.messages.append(headers)
        if self.on_message:
            self.on_message()
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings):
    """Django sends through SMTP to a port on this machine, giving up after a second."""
    port = free_port()
    settings.EMAIL_BACKEND = SMTP
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 1
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    return port


def _write(subject: str = "Your placement is confirmed", to: str = "alex@example.org") -> Email:
    with transaction.atomic():
        queue_message(EmailMessage(subject, "Your week at the host starts on 2 June.", to=[to]))
    return Email.objects.latest("pk")


@pytest.mark.django_db(transaction=True)
def test_a_refusing_then_hanging_then_recovered_mail_server_gets_the_email_once(
    smtp, service_evidence
):
    email = _write()  # sent on commit: the port is closed
    email.refresh_from_db()
    assert (email.state, email.attempts) == ("pending", 1)
    assert email.last_error.startswith("ConnectionRefusedError")

    # A server that accepts the connection and never answers: given up on in a second.
    hanging = socket.socket()
    hanging.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    hanging.bind(("127.0.0.1", smtp))
    hanging.listen()
    try:
        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=1)):
            started = time.monotonic()
            assert outbox.relay() == {"pending": 1}
            waited = time.monotonic() - started
    finally:
        hanging.close()
    email.refresh_from_db()
    assert waited < 5
    assert email.attempts == 2
    assert "timed out" in email.last_error

    received = Received()
    server = Controller(received, hostname="127.0.0.1", port=smtp)
    server.start()
    try:
        # Once its back-off (two minutes after the second attempt) is over.
        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=3, seconds=30)):
            assert outbox.relay() == {"sent": 1}
            assert outbox.relay() == {}
    finally:
        server.stop()

    assert [m["Message-ID"] for m in received.messages] == [email.message_id]
    assert received.messages[0]["To"] == "alex@example.org"
    service_evidence(
        f"smtp: refused, then hung ({waited:.1f} s, EMAIL_TIMEOUT 1 s), then delivered once"
    )


@pytest.mark.django_db(transaction=True)
def test_a_decision_while_the_broker_is_unreachable_is_kept_and_the_relay_sends_it(
    client, cast, broker_at, service_evidence
):
    application = placement_factories.select(
        cast.application_a, by=cast.coordinator, destination=cast.host
    )
    placement = placement_factories.propose(
        application, by=cast.coordinator, supervisor=cast.supervisor
    )
    mail.outbox.clear()
    before = Email.objects.latest("pk").pk
    broker_at(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    client.force_login(cast.host_coordinator)

    started = time.monotonic()
    response = client.post(
        reverse("placements:placement_decide", args=[placement.pk]), {"decision": "approve"}
    )
    took = time.monotonic() - started

    assert response.status_code == 302
    assert took < 5
    placement.refresh_from_db()
    assert placement.status == placement.Status.CONFIRMED
    written = Email.objects.filter(pk__gt=before).order_by("pk")
    assert written.count() > 0
    assert set(written.values_list("state", flat=True)) == {"pending"}
    assert mail.outbox == []

    assert outbox.relay() == {"sent": written.count()}

    assert sorted(m.extra_headers["Message-ID"] for m in mail.outbox) == sorted(
        written.values_list("message_id", flat=True)
    )
    service_evidence(
        f"broker unreachable: the approval answered in {took:.1f} s and its "
        f"{written.count()} emails were sent by the relay"
    )


@pytest.mark.django_db(transaction=True)
def test_emails_handed_to_a_redis_that_then_stops_are_sent_by_the_relay(
    broker_at, service_evidence
):
    with own_redis() as (url, redis):
        broker_at(url)
        # Handed to Redis: no worker takes them before it stops, so they go with it.
        for number in range(10):
            _write(to=f"before{number}@example.org")
        redis.terminate()
        redis.wait(timeout=10)
    for number in range(10):  # Redis is gone: the requests still succeed
        _write(to=f"after{number}@example.org")

    assert mail.outbox == []
    assert outbox.relay() == {"sent": 20}

    delivered = Counter(m.to[0] for m in mail.outbox)
    assert delivered == Counter(
        [f"before{n}@example.org" for n in range(10)] + [f"after{n}@example.org" for n in range(10)]
    )
    service_evidence("redis stopped mid-way: 20 of 20 emails sent by the relay, none twice")


@pytest.mark.django_db(transaction=True)
def test_a_connection_terminated_after_the_server_accepted_sends_the_same_message_again(
    smtp, postgresql, service_evidence
):
    email = _write()  # the port is closed: it waits for the relay
    backend_pid = connection.cursor().connection.info.backend_pid

    def terminate():  # before the server answers: the sender's record then fails
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [backend_pid])
        finally:
            other.close()

    received = Received(on_message=terminate)
    server = Controller(received, hostname="127.0.0.1", port=smtp)
    server.start()
    try:
        with (
            time_machine.travel(timezone.now() + datetime.timedelta(minutes=1)),
            pytest.raises(OperationalError),
        ):
            outbox.deliver(email.pk)  # accepted, then the record could not be written
        connection.close()
        received.on_message = None
        with time_machine.travel(timezone.now() + datetime.timedelta(minutes=4)):
            assert outbox.relay() == {"sent": 1}  # once its lease has run out
    finally:
        server.stop()

    assert [m["Message-ID"] for m in received.messages] == [email.message_id] * 2
    email.refresh_from_db()
    assert email.state == "sent"
    service_evidence(
        "database backend terminated after the mail server accepted: sent again once, "
        "with the same Message-ID"
    )
