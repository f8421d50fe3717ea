"""Erasure of a person's data when they close their account, and the retention
schedule: both are steps over records, each a kind of record with what is done to it
(deleted, anonymised, or kept and why). Each domain app registers its own steps (its
personal_data module); the kernel runs them and records what was done, never what
was removed."""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.db import transaction
from django.db.models import Case, F, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Cast, Replace
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import RuleError
from core.mail import absolute_url, queue_templated_email
from core.models import (
    AccountClosure,
    Consent,
    Email,
    PrivacyAcknowledgement,
    Reminder,
    RetentionRun,
    SensitiveRead,
)

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

DELETED = "deleted"
ANONYMISED = "anonymised"
KEPT = "kept"
ACTIONS = {DELETED: _("Deleted"), ANONYMISED: _("Anonymised"), KEPT: _("Kept")}

# What stands in for an erased person's name and words wherever they appeared.
REMOVED = "[removed]"


@dataclass(frozen=True)
class Subject:
    """The person being erased, with what identifies them, taken before anything is
    changed: steps find their records by these."""

    user: Any
    names: tuple[str, ...]
    emails: tuple[str, ...]

    @property
    def identifiers(self) -> tuple[str, ...]:
        return tuple(text for text in (*self.names, *self.emails) if len(text) >= 3)


@dataclass(frozen=True)
class Step:
    """A kind of record: `rows(arg)` finds them (arg is the Subject for an erasure, the
    day for the retention schedule); `apply(rows, arg)` changes them (if not given,
    deleted records go with their history's copies; a kept record is marked, if
    given). `why` says why kept records stay; `setting` names the retention
    schedule's period, in settings.RETENTION."""

    key: str
    what: "StrOrPromise"
    action: str
    rows: Callable[[Any], QuerySet]
    apply: Callable[[QuerySet, Any], Any] | None = None
    why: "StrOrPromise" = ""
    setting: str = ""


@dataclass
class Plan:
    """What an erasure or a retention run does, kind by kind, and (for an erasure)
    what must happen before it can."""

    steps: list[dict] = field(default_factory=list)
    waits: list[str] = field(default_factory=list)


ERASURE: list[Step] = []
RETENTION: list[Step] = []
# Each gives what must be finished before a person can be erased (a placement under
# way, a claim waiting for a decision), as sentences.
WAITS: list[Callable[[Any], list["StrOrPromise"]]] = []


def register_erasure(*steps: Step) -> None:
    ERASURE.extend(steps)


def register_retention(*steps: Step) -> None:
    RETENTION.extend(steps)


def register_wait(check: Callable[[Any], list["StrOrPromise"]]) -> None:
    WAITS.append(check)


def _run(steps: list[Step], arg: Any, *, apply: bool) -> list[dict]:
    done = []
    for step in steps:
        rows = step.rows(arg)
        count = rows.count()
        if apply and count:
            if step.apply is not None:
                step.apply(rows, arg)
            elif step.action == DELETED:
                delete_with_history(rows)
        done.append(
            {
                "key": step.key,
                "what": str(step.what),
                "action": step.action,
                "count": count,
                "why": str(step.why),
                "months": settings.RETENTION[step.setting] if step.setting else None,
            }
        )
    return done


def delete_with_history(rows: QuerySet) -> None:
    """Delete the rows, then every copy a model's history holds of them (including the
    one the deletion itself writes)."""
    ids = list(rows.values_list("pk", flat=True))
    rows.model._default_manager.filter(pk__in=ids).delete()
    history = getattr(rows.model, "history", None)
    if history is not None:
        history.filter(id__in=ids).delete()


# --- Erasure ----------------------------------------------------------------------


def subject_for(user) -> Subject:
    emails = {user.email.lower()}
    emails.update(
        address.lower() for address in user.emailaddress_set.values_list("email", flat=True)
    )
    return Subject(user=user, names=(user.get_full_name(),), emails=tuple(sorted(emails)))


def erasure_plan(user) -> Plan:
    """What erasing this person would do now, without doing it."""
    return Plan(
        steps=_run(ERASURE, subject_for(user), apply=False),
        waits=[str(reason) for check in WAITS for reason in check(user)],
    )


class ErasureWaits(RuleError):
    """The person has something under way (see the plan's waits)."""


def closure_request(*, user, reason: str) -> AccountClosure:
    """The person asks to close their account. Side effects: the request, an email to
    them saying what happens next, and one to the programme manager."""
    with transaction.atomic():
        closure = AccountClosure.objects.create(user=user, reason=reason)
        context = {
            "closure": closure,
            "user": user,
            "url": absolute_url(reverse("account_close")),
            "admin_url": absolute_url(
                reverse("admin:core_accountclosure_change", args=[closure.pk])
            ),
        }
        queue_templated_email(template="account_closure_asked", to=[user.email], context=context)
        queue_templated_email(
            template="account_closure_to_manager",
            to=[settings.PROGRAMME_MANAGER_EMAIL],
            context=context,
        )
    return closure


def closure_withdraw(*, closure: AccountClosure) -> AccountClosure:
    """The person changes their mind before the manager has acted."""
    with transaction.atomic():
        closure = AccountClosure.objects.select_for_update().get(pk=closure.pk)
        if closure.status == AccountClosure.Status.REQUESTED:
            closure.status = AccountClosure.Status.WITHDRAWN
            closure.decided_at = timezone.now()
            closure.save(update_fields=["status", "decided_at"])
    return closure


def erase(*, closure: AccountClosure, by) -> AccountClosure:
    """Carry out the request: every registered step, in one transaction with the
    request locked (two managers pressing at once erase once). Refused while the person
    has something under way. Side effects: the request records, kind by kind, what was
    deleted, anonymised or kept; the person is told at their address, which is then
    forgotten with the email."""
    with transaction.atomic():
        closure = (
            AccountClosure.objects.select_for_update().select_related("user").get(pk=closure.pk)
        )
        if closure.status != AccountClosure.Status.REQUESTED:
            raise ErasureWaits(
                str(_("This request is %(status)s: there is nothing to erase."))
                % {"status": closure.get_status_display().lower()}
            )
        user = closure.user
        waits = [str(reason) for check in WAITS for reason in check(user)]
        if waits:
            raise ErasureWaits(" ".join(waits))
        address = user.email
        subject = subject_for(user)
        outcome = _run(ERASURE, subject, apply=True)
        queue_templated_email(
            template="account_erased", to=[address], context={}, forget_when_done=True
        )
        closure.status = AccountClosure.Status.ERASED
        closure.decided_at = timezone.now()
        closure.erased_by = by
        closure.reason = ""
        closure.outcome = outcome
        closure.save(update_fields=["status", "decided_at", "erased_by", "reason", "outcome"])
    return closure


def removed(*names: str) -> dict:
    """An update that replaces each text field's words with REMOVED (an empty field
    stays empty), so a rule that a reason is given still holds."""
    return {
        name: Case(When(**{name: ""}, then=Value("")), default=Value(REMOVED)) for name in names
    }


def redact(rows: QuerySet, fields: tuple[str, ...], subject: Subject) -> None:
    """Replace each of the person's identifiers in these text fields with REMOVED."""
    for text in subject.identifiers:
        rows.update(**{name: Replace(F(name), Value(text), Value(REMOVED)) for name in fields})


def mentioning(queryset: QuerySet, fields: tuple[str, ...], subject: Subject) -> QuerySet:
    """The rows whose text fields mention one of the person's identifiers."""
    found = Q()
    for text in subject.identifiers:
        for name in fields:
            found |= Q(**{f"{name}__icontains": text})
    return queryset.filter(found) if found else queryset.none()


def _emails_to(subject: Subject) -> QuerySet:
    found = Q()
    for address in subject.emails:
        found |= Q(to__icontains=address)
    return Email.objects.filter(found)


def _emails_to_others(subject: Subject) -> QuerySet:
    return Email.objects.exclude(pk__in=_emails_to(subject).values("pk"))


_EMAIL_TEXT = ("subject", "body", "html")
_LOG_TEXT = ("object_repr", "change_message")


def _reminders_to(subject: Subject) -> QuerySet:
    return Reminder.objects.filter(Q(recipient=subject.user) | Q(email__in=subject.emails))


def _reminders_mentioning(subject: Subject) -> QuerySet:
    found = Q()
    for text in subject.identifiers:
        found |= Q(object_repr__icontains=text) | Q(context_text__icontains=text)
    return (
        Reminder.objects.annotate(context_text=Cast("context", TextField()))
        .filter(found)
        .exclude(pk__in=_reminders_to(subject).values("pk"))
    )


def _redact_reminders(rows: QuerySet, subject: Subject) -> None:
    for reminder in rows:
        reminder.object_repr = _replaced(reminder.object_repr, subject)
        reminder.subject = _replaced(reminder.subject, subject)
        reminder.context = {
            key: _replaced(value, subject) if isinstance(value, str) else value
            for key, value in reminder.context.items()
        }
        reminder.save(update_fields=["object_repr", "subject", "context"])


def _replaced(text: str, subject: Subject) -> str:
    for identifier in subject.identifiers:
        text = text.replace(identifier, REMOVED)
    return text


register_erasure(
    Step(
        "sensitive_reads",
        _("Records of who read your access requirements"),
        DELETED,
        lambda s: SensitiveRead.objects.filter(subject=s.user),
    ),
    Step(
        "privacy_acknowledgements",
        _("Acknowledgements of the privacy notice"),
        DELETED,
        lambda s: PrivacyAcknowledgement.objects.filter(user=s.user),
    ),
    Step("consents", _("Consents"), DELETED, lambda s: Consent.objects.filter(user=s.user)),
    Step("reminders", _("Reminders sent to you"), DELETED, _reminders_to),
    Step("emails", _("Emails sent to you"), DELETED, _emails_to),
    Step(
        "emails_mentioning",
        _("Emails to others that named you"),
        ANONYMISED,
        lambda s: mentioning(_emails_to_others(s), _EMAIL_TEXT, s),
        lambda rows, s: redact(rows, _EMAIL_TEXT, s),
    ),
    Step(
        "reminders_mentioning",
        _("Reminders to others that named you"),
        ANONYMISED,
        _reminders_mentioning,
        _redact_reminders,
    ),
    Step(
        "admin_log",
        _("The administration log's mentions of you"),
        ANONYMISED,
        lambda s: mentioning(LogEntry.objects.all(), _LOG_TEXT, s),
        lambda rows, s: redact(rows, _LOG_TEXT, s),
    ),
    Step(
        "closure_reasons",
        _("Your reasons for closing the account"),
        ANONYMISED,
        lambda s: AccountClosure.objects.filter(user=s.user).exclude(reason=""),
        lambda rows, s: rows.update(reason=""),
    ),
)


# --- Retention ----------------------------------------------------------------------


def months_before(today: datetime.date, setting: str) -> datetime.date:
    """The day `RETENTION[setting]` months before today."""
    return today - relativedelta(months=settings.RETENTION[setting])


def retention_sweep(*, today: datetime.date | None = None, dry_run: bool = False) -> list[dict]:
    """Apply the retention schedule (settings.RETENTION) as of today, in one
    transaction, and record what was done (unless a dry run, which changes nothing)."""
    today = today or timezone.localdate()
    with transaction.atomic():
        outcome = _run(RETENTION, today, apply=not dry_run)
        if not dry_run and any(step["count"] for step in outcome):
            RetentionRun.objects.create(outcome=outcome)
    return outcome


register_retention(
    Step(
        "sent_emails",
        _("Emails sent or given up, months after they were written"),
        DELETED,
        lambda today: Email.objects.filter(
            state__in=[Email.State.SENT, Email.State.FAILED, Email.State.EXPIRED],
            created_at__date__lt=months_before(today, "emails"),
        ),
        setting="emails",
    ),
)


def described(outcome: Iterable[dict]) -> list[str]:
    """Each rule of a run as a line: how many records, what was done, of what."""
    return [
        f"{step['count']:>6}  {ACTIONS[step['action']]}: {step['what']}"
        + (f" ({step['months']} months)" if step.get("months") is not None else "")
        for step in outcome
    ]
