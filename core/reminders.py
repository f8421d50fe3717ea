"""The reminder catalogue and the sweep that sends what is due, each exactly once.

Each domain app registers its kinds (`register(Kind(...))` in its `reminders.py`, which
its AppConfig imports), so this module never imports a domain app. A kind's `find(today)`
returns what is due with a few bulk queries. The sweep drops what was already sent,
writes one `Reminder` row per (kind, record, recipient, occasion) under a unique
constraint, and queues a task per row on commit. The task sends idempotently: it locks
the row and sends only if `sent_at` is empty.
"""

import dataclasses
import datetime
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import get_text_list
from django.utils.translation import gettext, ngettext

from core.mail import render_templated_email
from core.models import Reminder

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Due:
    """One reminder a kind finds due. `context` is stored with the row (plain values
    only) and given to the email's templates."""

    object_id: int
    object_repr: str
    email: str
    occasion: str
    recipient_id: int | None = None
    year_id: int | None = None
    context: dict = dataclasses.field(default_factory=dict)

    @classmethod
    def to(cls, person, *, about, occasion: str, year_id: int | None, **context) -> "Due":
        """A reminder to a person with an account about a record, greeting them by name."""
        return cls(
            object_id=about.pk,
            object_repr=str(about),
            email=person.email,
            recipient_id=person.pk,
            occasion=occasion,
            year_id=year_id,
            context={"name": person.get_short_name(), **context},
        )


@dataclasses.dataclass(frozen=True)
class Kind:
    """A kind of reminder: its key (also its email templates' name,
    `emails/reminder_<key>`), who it is for, and how to find what is due. `prepare`, if
    given, runs when the email is sent, inside its transaction, and returns more
    context and attachments (name, content, mimetype)."""

    key: str
    label: Any  # a (lazy) string
    find: Callable[[datetime.date], Iterable[Due]]
    prepare: Callable[[Reminder], tuple[dict, list[tuple[str, bytes, str]]]] | None = None


KINDS: dict[str, Kind] = {}
# Functions that return the (year id, kind) pairs switched off; the app that owns
# programme years registers one, so this module never reads a domain model.
SWITCHED_OFF: list[Callable[[], Iterable[tuple[int, str]]]] = []
# A reminder queued this long ago and still not sent is queued again by the next sweep.
RETRY_AFTER = datetime.timedelta(hours=1)


def label_with_days(text, setting: str):
    """A kind's label that names its interval, read from `setting` (days, or a list
    of days) whenever the label is shown: `text` has a %(days)s, such as "7 days" or
    "7 days and 1 day"."""

    def render() -> str:
        value = getattr(settings, setting)
        words = [
            ngettext("%(count)s day", "%(count)s days", days) % {"count": days}
            for days in (value if isinstance(value, list | tuple) else [value])
        ]
        return text % {"days": get_text_list(words, gettext("and"))}

    return lazy(render, str)()


def register(kind: Kind) -> Kind:
    KINDS[kind.key] = kind
    return kind


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.key, kind.label) for kind in KINDS.values()]


def catch_up_from(today: datetime.date) -> datetime.date:
    """The earliest day a missed reminder is still sent on (if the sweep did not run)."""
    return today - datetime.timedelta(days=settings.REMINDER_CATCH_UP_DAYS)


def register_switched_off(find: Callable[[], Iterable[tuple[int, str]]]) -> None:
    """Register a function that returns the (year id, kind) pairs switched off."""
    if find not in SWITCHED_OFF:
        SWITCHED_OFF.append(find)


def _switched_off() -> set[tuple[int, str]]:
    """(year, kind) pairs the programme manager has switched off."""
    return {pair for find in SWITCHED_OFF for pair in find()}


def reminders_send_due(*, today: datetime.date | None = None) -> Counter:
    """Queue every reminder due today that has not been sent, and return how many of
    each kind were queued.

    Side effects: a Reminder row each, written in one transaction with the tasks that
    send them queued on commit. A row already written (by an earlier sweep, or one
    running at the same moment) is skipped, so each is queued once; one queued over an
    hour ago and never sent is queued again (sending it twice sends it once).
    """
    today = today or timezone.localdate()
    off = _switched_off()
    due = []
    for kind in KINDS.values():
        found = [d for d in kind.find(today) if (d.year_id, kind.key) not in off]
        if not found:
            continue
        sent = set(
            Reminder.objects.filter(
                kind=kind.key, object_id__in={d.object_id for d in found}
            ).values_list("object_id", "email", "occasion")
        )
        due += [(kind.key, d) for d in found if (d.object_id, d.email, d.occasion) not in sent]
    # Rows queued by an earlier sweep whose email did not go (the mail server was down,
    # the task failed): sent now, instead of retrying with a countdown.
    unsent = list(
        Reminder.objects.filter(
            sent_at__isnull=True, queued_at__lt=timezone.now() - RETRY_AFTER
        ).values_list("pk", flat=True)
    )
    if unsent:
        logger.warning("Sending again %d reminder(s) that did not go", len(unsent))
        transaction.on_commit(lambda: _queue(unsent))
    if not due:
        return Counter()
    sweep = uuid.uuid4()
    with transaction.atomic():
        # A row another sweep holds (committed or not) is left to that sweep.
        Reminder.objects.bulk_create(
            [
                Reminder(
                    kind=key,
                    object_id=d.object_id,
                    object_repr=d.object_repr[:200],
                    email=d.email,
                    recipient_id=d.recipient_id,
                    occasion=d.occasion,
                    year_id=d.year_id,
                    context=d.context,
                    sweep=sweep,
                )
                for key, d in due
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
        queued = list(Reminder.objects.filter(sweep=sweep).values_list("pk", "kind"))
        transaction.on_commit(lambda: _queue([pk for pk, _kind in queued]))
    counts = Counter(kind for _pk, kind in queued)
    logger.info("Reminders queued: %s", dict(counts) or "none")
    return counts


def _queue(ids: list[int]) -> None:
    for pk in ids:
        send_reminder.delay(pk)


def reminder_send(*, reminder_id: int) -> bool:
    """Send one queued reminder, unless it has been sent (a task delivered twice, or
    run again after a worker died). Returns whether it was sent now.

    Side effects: the email; `sent_at` and `subject` on the row. The row is locked
    while sending, so two deliveries of one task send once.
    """
    with transaction.atomic():
        reminder = Reminder.objects.select_for_update().filter(pk=reminder_id).first()
        if reminder is None or reminder.sent_at is not None:
            return False
        kind = KINDS.get(reminder.kind)
        if kind is None:
            logger.warning("Reminder %s is of an unknown kind %r", reminder.pk, reminder.kind)
            return False
        context, attachments = kind.prepare(reminder) if kind.prepare else ({}, [])
        message = render_templated_email(
            template=f"reminder_{kind.key}",
            to=[reminder.email],
            context={**reminder.context, **context},
        )
        for attachment in attachments:
            message.attach(*attachment)
        message.send()
        reminder.sent_at = timezone.now()
        reminder.subject = message.subject[:255]
        reminder.save(update_fields=["sent_at", "subject"])
    logger.info("Sent reminder %s (%s) to %s", reminder.pk, reminder.kind, reminder.email)
    return True


# Named as before the kernel moved to `core`, so reminders queued by the previous
# release still find it.
@shared_task(name="knowledge_exchange.tasks.send_reminder")
def send_reminder(reminder_id: int) -> bool:
    """Send one reminder; a second delivery of the same task sends nothing. No retry
    with a countdown: a reminder that fails stays unsent, and the next daily sweep
    queues it again."""
    return reminder_send(reminder_id=reminder_id)
