"""The outbox: every email is a row written in the transaction that causes it, and
sent from there by a worker, at least once and recognisably the same each time.

- `write()` adds a row and, once the transaction commits, hands it to Celery (the
  fast path). If the broker cannot take it, nothing fails: the relay finds it.
- `deliver()` sends one row. It first claims the row with a short lease, committed
  before the mail server is contacted, so two workers never send it at once, and a
  worker that dies mid-send leaves a row the relay retries when the lease runs out.
  The row is recorded sent as soon as the server has accepted the message; the one
  window where a message can go twice (accepted, then the worker dies before the
  record) sends the same Message-ID, which mail systems treat as one message.
- `relay()` (Celery beat, every minute) sends what is due: new rows the fast path
  missed, failures whose back-off is over and rows whose worker died.
- A failure is retried with back-off for as long as the email is worth sending
  (`expires_at`); then it is marked failed and logged at ERROR, which reaches the
  site's administrators.
"""

import datetime
import functools
import logging
import smtplib
import uuid
from collections import Counter
from collections.abc import Callable
from urllib.parse import urlsplit

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from core.models import Email

logger = logging.getLogger(__name__)

State = Email.State

# Back-off after each failed attempt: OUTBOX_FIRST_RETRY (a minute), doubled each time
# up to five times that, so an email goes within five minutes of the mail server coming
# back, however long it was down.
LONGEST_RETRY_FACTOR = 5
# A relay pass stops after this many failures in a row: the mail server is down, and
# the rest would only wait for it (a silent server costs EMAIL_TIMEOUT each).
FAILURES_TO_STOP = 3
# Refusals that will not change by trying again.
PERMANENT = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused)

# A reminder's email is rendered when it is sent, by the function the reminder engine
# registers here (the outbox does not import the engine, which imports it).
RenderReminder = Callable[[Email], EmailMultiAlternatives | None]
_reminder_renderer: list[RenderReminder] = []


def render_reminders_with(render: RenderReminder) -> None:
    _reminder_renderer[:] = [render]


def new_message_id() -> str:
    domain = urlsplit(settings.SITE_URL).hostname or "knowledge-exchange.invalid"
    return f"<{uuid.uuid4().hex}@{domain}>"


def write(
    message: EmailMultiAlternatives, *, template: str = "", forget_when_done: bool = False
) -> Email:
    """Put a rendered message in the outbox, to be sent once the current transaction
    commits (at once, outside a transaction). With `forget_when_done`, its address and
    text are removed once it has been sent or given up (the erasure's last email)."""
    html = next(
        (str(content) for content, mimetype in message.alternatives if mimetype == "text/html"),
        "",
    )
    email = Email.objects.create(
        stream=Email.Stream.DECISIONS,
        template=template,
        to=list(message.to),
        from_email=message.from_email or "",
        subject=message.subject[:255],
        body=str(message.body),
        html=html,
        message_id=new_message_id(),
        expires_at=timezone.now() + settings.OUTBOX_DECISIONS_WORTH_SENDING,
        forget_when_done=forget_when_done,
    )
    transaction.on_commit(lambda: hand_over([email.pk], Email.Stream.DECISIONS))
    return email


def hand_over(ids: list[int], stream: str) -> None:
    """Queue a delivery task for each row; if the broker is down, leave them to the
    relay. Never raises: the change that wrote them has been committed."""
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}.{stream}"
    try:
        for pk in ids:
            send_outbox_email.apply_async((pk,), queue=queue, retry=False)
    except Exception:
        logger.warning(
            "Could not hand %d email(s) to the broker; the relay will send them",
            len(ids),
            exc_info=True,
        )


def _claim(pk: int, *, now: datetime.datetime) -> Email | None:
    """Take the row for sending if it is due and no living worker holds it."""
    with transaction.atomic():
        email = (
            Email.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, state__in=[State.PENDING, State.SENDING])
            .first()
        )
        if email is None:
            return None
        if email.state == State.SENDING and email.lease_until and email.lease_until > now:
            return None  # another worker is sending it
        if email.state == State.PENDING and email.next_attempt_at > now:
            return None  # waiting for its back-off
        if email.expires_at <= now:
            _give_up(email)
            return None
        email.state = State.SENDING
        email.lease_until = now + settings.OUTBOX_LEASE
        email.attempts += 1
        email.save(update_fields=["state", "lease_until", "attempts"])
    return email


def _give_up(email: Email) -> None:
    """No longer worth sending: failed if attempts failed, expired if never tried."""
    email.state = State.FAILED if email.last_error else State.EXPIRED
    email.lease_until = None
    email.save(update_fields=["state", "lease_until", "last_error"])
    _forget_if_asked(email)
    if email.state == State.FAILED:
        logger.error(
            "Gave up sending email %s (%r to %s) after %d attempt(s): %s",
            email.pk,
            email.subject,
            ", ".join(email.to),
            email.attempts,
            email.last_error,
        )


def _message(email: Email) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body,
        to=email.to,
        from_email=email.from_email or None,
        headers={"Message-ID": email.message_id},
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    return message


def deliver(pk: int) -> bool:
    """Send one email if it is due; return whether it was sent now."""
    now = timezone.now()
    email = _claim(pk, now=now)
    if email is None:
        return False
    try:
        if email.reminder_id:
            return _deliver_reminder(email)
        _message(email).send()
    except Exception as error:
        _record_failure(email, error)
        return False
    Email.objects.filter(pk=email.pk, state=State.SENDING).update(
        state=State.SENT, sent_at=timezone.now(), lease_until=None, last_error=""
    )
    logger.info("Sent email %s (%r)", email.pk, email.subject)
    _forget_if_asked(email)
    return True


def _forget_if_asked(email: Email) -> None:
    """Once an email written to be forgotten is done with, keep only that it was."""
    if email.forget_when_done:
        Email.objects.filter(pk=email.pk).update(to=[], subject="", body="", html="")


def _deliver_reminder(email: Email) -> bool:
    """Render and send a reminder in one transaction with its record: what rendering
    writes (a new link) is kept only if the email is accepted by the mail server."""
    with transaction.atomic():
        email = (
            Email.objects.select_for_update(of=("self",))
            .select_related("reminder")
            .get(pk=email.pk)
        )
        message = _reminder_renderer[0](email)
        now = timezone.now()
        if message is None:  # its record no longer calls for it
            email.state = State.EXPIRED
            email.lease_until = None
            email.save(update_fields=["state", "lease_until"])
            return False
        message.extra_headers["Message-ID"] = email.message_id
        email.subject = message.subject[:255]
        email.body = str(message.body)
        message.send()
        email.state = State.SENT
        email.sent_at = now
        email.lease_until = None
        email.last_error = ""
        email.save(
            update_fields=["subject", "body", "state", "sent_at", "lease_until", "last_error"]
        )
        reminder = email.reminder
        reminder.sent_at = now  # type: ignore[union-attr]  # a reminder's email has one
        reminder.subject = email.subject  # type: ignore[union-attr]
        reminder.save(update_fields=["sent_at", "subject"])  # type: ignore[union-attr]
    logger.info("Sent reminder %s (%s)", email.reminder_id, email.template)
    return True


def _record_failure(email: Email, error: Exception) -> None:
    now = timezone.now()
    email.last_error = f"{type(error).__name__}: {error}"[:2000]
    email.lease_until = None
    first = settings.OUTBOX_FIRST_RETRY
    delay = min(first * 2 ** (email.attempts - 1), first * LONGEST_RETRY_FACTOR)
    if isinstance(error, PERMANENT) or now + delay >= email.expires_at:
        _give_up(email)
        return
    email.state = State.PENDING
    email.next_attempt_at = now + delay
    email.save(update_fields=["state", "next_attempt_at", "last_error", "lease_until"])
    logger.warning(
        "Email %s not sent (attempt %d), trying again at %s: %s",
        email.pk,
        email.attempts,
        email.next_attempt_at,
        email.last_error,
    )


def due_ids(*, now: datetime.datetime, limit: int) -> list[int]:
    """Rows to send now: due and pending, or held by a worker whose lease ran out."""
    return list(
        Email.objects.filter(
            Q(state=State.PENDING, next_attempt_at__lte=now)
            | Q(state=State.SENDING, lease_until__lt=now)
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def relay(*, limit: int = 500) -> Counter:
    """Send what is due, up to `limit` rows, stopping early when the mail server keeps
    failing; return how many ended in each state (sent; pending again after a failure;
    failed or expired when given up; sending when another worker holds them)."""
    counts: Counter = Counter()
    failures_in_a_row = 0
    for pk in due_ids(now=timezone.now(), limit=limit):
        if deliver(pk):
            counts[State.SENT.value] += 1
            failures_in_a_row = 0
            continue
        # Failed for now, given up, dropped, or taken by another worker.
        state, error = Email.objects.values_list("state", "last_error").get(pk=pk)
        counts[state] += 1
        failures_in_a_row = failures_in_a_row + 1 if state == State.PENDING and error else 0
        if failures_in_a_row >= FAILURES_TO_STOP:
            logger.warning("Outbox relay stopped: %d failures in a row", failures_in_a_row)
            break
    if counts:
        logger.info("Outbox relay: %s", dict(counts))
    return counts


def retry_now(*, ids: list[int]) -> list[int]:
    """Send again now the emails not yet sent (pending, failed or no longer wanted),
    worth sending for another day at least; return the ids that will go."""
    now = timezone.now()
    retried: dict[str, list[int]] = {}
    with transaction.atomic():
        for email in Email.objects.select_for_update().filter(
            pk__in=ids, state__in=[State.PENDING, State.FAILED, State.EXPIRED]
        ):
            email.state = State.PENDING
            email.next_attempt_at = now
            email.expires_at = max(email.expires_at, now + datetime.timedelta(days=1))
            email.save(update_fields=["state", "next_attempt_at", "expires_at"])
            retried.setdefault(email.stream, []).append(email.pk)
        for stream, pks in retried.items():
            transaction.on_commit(functools.partial(hand_over, pks, stream))
    return [pk for pks in retried.values() for pk in pks]


@shared_task(
    name="core.outbox.send",
    autoretry_for=(OperationalError,),
    retry_backoff=5,
    retry_kwargs={"max_retries": 3},
)
def send_outbox_email(pk: int) -> bool:
    """The fast path: send one row just after its transaction committed. A lost
    database connection is retried (a new one is made); a row left claimed is the
    relay's once its lease is over."""
    return deliver(pk)


@shared_task(name="core.outbox.relay")
def relay_outbox() -> dict:
    """Every minute (Celery beat): send what the fast path did not."""
    return dict(relay())
