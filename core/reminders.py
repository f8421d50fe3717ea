"""The reminder catalogue and the sweep that sends what is due, each exactly once.

Each domain app registers its kinds (`register(Kind(...))` in its `reminders.py`, which
its AppConfig imports), so this module never imports a domain app. A kind's `find(today)`
returns what is due with a few bulk queries. The sweep drops what was already sent,
writes one `Reminder` row per (kind, record, recipient, occasion) under a unique
constraint, with its email in the outbox (core.outbox), which sends it after commit:
rendered then, and only if its record still calls for it.
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
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import get_text_list
from django.utils.translation import gettext, ngettext

from core import outbox
from core.mail import render_templated_email
from core.models import Email, Reminder

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
    `emails/reminder_<key>`), who it is for, and how to find what is due. When the
    email is about to be sent, `still_due`, if given, says whether its record still
    calls for it (a placement not cancelled, an evaluation not yet answered); then
    `prepare`, if given, runs inside the sending transaction and returns more context
    and attachments (name, content, mimetype)."""

    key: str
    label: Any  # a (lazy) string
    find: Callable[[datetime.date], Iterable[Due]]
    prepare: Callable[[Reminder], tuple[dict, list[tuple[str, bytes, str]]]] | None = None
    still_due: Callable[[Reminder], bool] | None = None


KINDS: dict[str, Kind] = {}
# Functions that return the (year id, kind) pairs switched off; the app that owns
# programme years registers one, so this module never reads a domain model.
SWITCHED_OFF: list[Callable[[], Iterable[tuple[int, str]]]] = []


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
    """Put every reminder due today that has not been sent in the outbox, and return
    how many of each kind were queued.

    Side effects: a Reminder row and its outbox email each, written in one transaction
    and handed to the workers on commit. A row already written (by an earlier sweep, or
    one running at the same moment) is skipped, so each is queued once; the outbox
    sends it, retrying for as long as it is worth sending.
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
        queued = list(Reminder.objects.filter(sweep=sweep).values_list("pk", "kind", "email"))
        emails = Email.objects.bulk_create(
            [_email_for(pk, kind, address) for pk, kind, address in queued], batch_size=1000
        )
        ids = [email.pk for email in emails]
        transaction.on_commit(lambda: outbox.hand_over(ids, Email.Stream.REMINDERS))
    counts = Counter(kind for _pk, kind, _address in queued)
    logger.info("Reminders queued: %s", dict(counts) or "none")
    return counts


def _email_for(reminder_id: int, kind: str, address: str) -> Email:
    """A reminder's outbox row (not saved): rendered when it is sent."""
    return Email(
        stream=Email.Stream.REMINDERS,
        template=f"reminder_{kind}",
        to=[address],
        reminder_id=reminder_id,
        message_id=outbox.new_message_id(),
        expires_at=timezone.now() + settings.OUTBOX_REMINDERS_WORTH_SENDING,
    )


def render_reminder(email: Email) -> EmailMultiAlternatives | None:
    """The reminder's message, rendered now; None if its record no longer calls for it
    or its kind is gone. Runs in the transaction that sends it."""
    reminder = email.reminder
    kind = KINDS.get(reminder.kind) if reminder else None
    if reminder is None or kind is None:
        logger.warning("Email %s is for an unknown reminder or kind", email.pk)
        return None
    if kind.still_due and not kind.still_due(reminder):
        logger.info("Reminder %s (%s) no longer due: not sent", reminder.pk, kind.key)
        return None
    context, attachments = kind.prepare(reminder) if kind.prepare else ({}, [])
    message = render_templated_email(
        template=f"reminder_{kind.key}",
        to=[reminder.email],
        context={**reminder.context, **context},
    )
    for attachment in attachments:
        message.attach(*attachment)
    return message


outbox.render_reminders_with(render_reminder)


# The task of the release before the outbox, kept so that reminders it queued are
# still sent, through the outbox.
@shared_task(name="knowledge_exchange.tasks.send_reminder")
def send_reminder(reminder_id: int) -> bool:
    email = Email.objects.filter(reminder_id=reminder_id).first()
    if email is None:
        reminder = Reminder.objects.filter(pk=reminder_id, sent_at__isnull=True).first()
        if reminder is None:
            return False
        email = _email_for(reminder.pk, reminder.kind, reminder.email)
        email.save()
    return outbox.deliver(email.pk)
