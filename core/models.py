"""The kernel's records: reminders sent, and the transition-and-record mechanism every
stateful model of the domain apps uses (a table of allowed moves, one `transition()`
that checks, saves and records, and the abstract status-change row)."""

import datetime
import functools
from collections.abc import Callable
from typing import Any, ClassVar

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import class_prepared
from django.dispatch import receiver
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _

from core.errors import RuleError


def field_label(model: type[models.Model], name: str) -> str:
    """A model field's verbose name (get_field's type also covers relations)."""
    field = model._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


class Reminder(models.Model):
    """A reminder queued by the daily sweep; `sent_at` is set once its email has gone."""

    kind = models.CharField(_("kind"), max_length=40)
    object_id = models.PositiveBigIntegerField(_("record"))
    object_repr = models.CharField(_("about"), max_length=200)
    email = models.EmailField(_("sent to"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reminders",
    )
    occasion = models.CharField(
        _("occasion"), max_length=40, help_text=_("Which of the kind's reminders this is.")
    )
    # The programme year model is named by a setting, as the user model is, so the
    # kernel never names a domain app.
    year = models.ForeignKey(
        settings.REMINDERS_YEAR_MODEL,
        verbose_name=_("programme year"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reminders",
    )
    context = models.JSONField(_("details"), default=dict, blank=True)
    sweep = models.UUIDField(_("sweep"), db_index=True, editable=False)
    queued_at = models.DateTimeField(_("queued"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-queued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "email", "occasion"],
                name="core_reminder_once",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "object_id"], name="core_reminder_kind_object"),
            models.Index(fields=["queued_at", "id"], name="core_reminder_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.object_repr} → {self.email}"


class Email(models.Model):
    """An email in the outbox: written in the transaction of the change that causes it,
    so it is sent if and only if that change is committed, and sent by a worker after
    commit (straight away when the broker answers, by the relay every minute if not).

    A reminder's email is rendered when it is sent, after checking that its record
    still calls for it; every other email is rendered when it is written.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("No longer sent")

    class Stream(models.TextChoices):
        DECISIONS = "decisions", _("Decisions and accounts")
        REMINDERS = "reminders", _("Reminders")

    created_at = models.DateTimeField(_("written"), default=timezone.now)
    stream = models.CharField(
        _("stream"), max_length=20, choices=Stream.choices, default=Stream.DECISIONS
    )
    template = models.CharField(_("email"), max_length=100, blank=True)
    to = models.JSONField(_("to"), default=list)
    from_email = models.CharField(_("from"), max_length=255, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"), blank=True)
    html = models.TextField(_("HTML"), blank=True)
    # Made when the row is written, so every attempt (and any duplicate a mail system
    # sees after a worker died mid-send) is the same message.
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    reminder = models.OneToOneField(
        Reminder,
        verbose_name=_("reminder"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox_email",
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    lease_until = models.DateTimeField(_("held by a worker until"), null=True, blank=True)
    expires_at = models.DateTimeField(_("worth sending until"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    # Set on the email that tells a person their account was erased: once it has gone
    # (or been given up), its address and text are removed as well.
    forget_when_done = models.BooleanField(
        _("forgotten once sent"), default=False, db_default=False
    )

    class Meta:
        verbose_name = _("email")
        verbose_name_plural = _("emails")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="core_email_due"),
            models.Index(fields=["-created_at", "-id"], name="core_email_newest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state="sent", sent_at__isnull=False)
                | (~models.Q(state="sent") & models.Q(sent_at__isnull=True)),
                name="core_email_sent_when_sent",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="sending") | models.Q(lease_until__isnull=False),
                name="core_email_sending_has_lease",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject or self.template} → {', '.join(self.to)}"


class StatusChange(models.Model):
    """A decision about a record: who made it, when, from what, to what, and why.

    Each stateful model has one concrete subclass, which adds the foreign key to the
    record (with `related_name="status_changes"`) and names the record's `Status`;
    the from and to statuses take their choices from it."""

    Status: ClassVar[type[models.TextChoices]]
    # Made for each concrete subclass when its class is prepared (see below).
    get_from_status_display: Callable[[], str]
    get_to_status_display: Callable[[], str]

    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return _("%(from)s to %(to)s") % {
            "from": self.get_from_status_display() or _("new"),
            "to": self.get_to_status_display(),
        }


@receiver(class_prepared)
def _status_change_choices(sender, **kwargs) -> None:
    """Give each concrete status-change model its record's statuses as choices, and
    the `get_<field>_display()` methods Django makes for fields with choices."""
    if not issubclass(sender, StatusChange) or sender._meta.abstract:
        return
    for name in ("from_status", "to_status"):
        field = sender._meta.get_field(name)
        field.choices = sender.Status.choices
        setattr(sender, f"get_{name}_display", _display(field))


def _display(field):
    def display(self) -> str:
        return self._get_FIELD_display(field)

    return display


@functools.cache
def _choice_labels(field: models.Field) -> dict[Any, Any]:
    return dict(field.flatchoices)


class ChoiceLabels(models.Model):
    """`get_FOO_display()` from each field's choices made into a dict once.

    Django's own rebuilds and hashes the field's choices on every call, and hashing a
    label translates it: a list of fifty rows asked for hundreds of translations to
    show fifty labels."""

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: models.Field) -> str:
        value = getattr(self, field.attname)
        return force_str(_choice_labels(field).get(value, value), strings_only=True)


class Stateful(ChoiceLabels):
    """A record that moves between statuses by the moves its `TRANSITIONS` table
    allows, each move recorded in its status-change model.

    Templates, permissions and services all ask `can_transition_to`; services move a
    record with `transition()`, inside their transaction, on a row they locked with
    `locked()`."""

    status: Any
    Status: ClassVar[type[models.TextChoices]]
    status_changes: Any  # the reverse of the record's StatusChange foreign key
    get_status_display: Callable[[], str]
    # {from status: {to statuses}}: the moves the programme allows.
    TRANSITIONS: ClassVar[dict[str, set[str]]] = {}
    # Related records read with the row when it is locked for a change.
    LOCKED_WITH: ClassVar[tuple[str, ...]] = ()
    # The refusal when a move is not allowed; it may name %(record)s, %(status)s, %(to)s.
    TRANSITION_REFUSAL: ClassVar[Any] = _("This record is %(status)s, so it cannot become %(to)s.")
    # The error `transition()` raises, so each app's callers catch their own.
    TransitionError: ClassVar[type[RuleError]] = RuleError

    class Meta:
        abstract = True

    def can_transition_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())

    def locked(self):
        """The same record, re-read and locked for the rest of the transaction."""
        record = (
            type(self)
            ._default_manager.select_for_update(of=("self",))
            .select_related(*self.LOCKED_WITH)
            .get(pk=self.pk)
        )
        record._locked_for_update = True
        return record

    def refuse_unless_can_become(self, status: str) -> None:
        if not self.can_transition_to(status):
            raise self.TransitionError(
                self.TRANSITION_REFUSAL
                % {
                    "record": self,
                    "status": self.get_status_display().lower(),
                    "to": self.Status(status).label.lower(),
                }
            )

    def transition(
        self,
        to: str,
        *,
        by,
        note: str = "",
        update_fields: tuple[str, ...] | list[str] | None = (),
        **record: Any,
    ) -> StatusChange:
        """Move to `to` if the table allows it, save the status and `update_fields`
        (every field if None), and record the move (who, when, from, to, note and any
        `record` fields).

        Runs inside the caller's transaction; the row is locked first unless it was
        read with `locked()`. Raises `TransitionError` when the move is not allowed.
        """
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("transition() must run inside the service's transaction")
        if not getattr(self, "_locked_for_update", False):
            locked = type(self)._default_manager.select_for_update().get(pk=self.pk)
            self.status = locked.status
            self._locked_for_update = True
        self.refuse_unless_can_become(to)
        from_status = self.status
        self.status = to
        self.save(update_fields=None if update_fields is None else ["status", *update_fields])
        return self.record_change(from_status=from_status, by=by, note=note, **record)

    def record_change(self, *, from_status: str, by, note: str = "", **record: Any):
        """Record a decision about the record without checking the move: its creation
        (`from_status=""`), or a step that leaves the status as it is."""
        return self.status_changes.create(
            from_status=from_status, to_status=self.status, by=by, note=note, **record
        )


class PrivacyNotice(models.Model):
    """A version of the programme's privacy notice, as published: never changed after,
    so what each person acknowledged can always be read again."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    text = models.TextField(
        _("notice"),
        help_text=_(
            "In Markdown: ## for a heading, a blank line between paragraphs, - for a list."
        ),
    )
    changes = models.CharField(
        _("what changed"),
        max_length=300,
        blank=True,
        help_text=_("Shown to people who read an earlier version, when they next sign in."),
    )
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notice versions")
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="core_privacynotice_version_from_1"
            ),
        ]

    def __str__(self) -> str:
        return _("Privacy notice, version %(version)s") % {"version": self.version}


class PrivacyAcknowledgement(models.Model):
    """A person's acknowledgement of a version of the privacy notice: when they applied,
    or when shown a changed notice at sign-in."""

    class Occasion(models.TextChoices):
        APPLYING = "applying", _("When applying")
        SIGN_IN = "sign_in", _("Shown again at sign-in")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="privacy_acknowledgements",
    )
    notice = models.ForeignKey(
        PrivacyNotice,
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        related_name="acknowledgements",
    )
    occasion = models.CharField(_("occasion"), max_length=20, choices=Occasion.choices)
    acknowledged_at = models.DateTimeField(_("acknowledged"), default=timezone.now)

    class Meta:
        verbose_name = _("privacy notice acknowledgement")
        verbose_name_plural = _("privacy notice acknowledgements")
        ordering = ["-acknowledged_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "notice", "occasion"], name="core_privacyack_once_per_occasion"
            ),
            models.CheckConstraint(
                condition=models.Q(occasion__in=["applying", "sign_in"]),
                name="core_privacyack_occasion_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.notice}"


class SensitiveRead(models.Model):
    """Someone other than the person read special category data about them (their
    access requirements): who, whose, what, where and when."""

    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("read by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("about"),
        on_delete=models.CASCADE,
        related_name="sensitive_reads",
    )
    what = models.CharField(_("what was read"), max_length=100)
    where = models.CharField(_("where"), max_length=300)
    read_at = models.DateTimeField(_("read"), default=timezone.now)

    class Meta:
        verbose_name = _("read of sensitive data")
        verbose_name_plural = _("reads of sensitive data")
        ordering = ["-read_at", "-pk"]
        indexes = [
            models.Index(fields=["subject", "read_at"], name="core_sensitive_by_subject"),
            models.Index(fields=["read_at", "id"], name="core_sensitive_newest"),
        ]

    def __str__(self) -> str:
        return _("%(reader)s read %(what)s of %(subject)s") % {
            "reader": self.reader or _("someone since erased"),
            "what": self.what,
            "subject": self.subject,
        }


class AccountClosure(models.Model):
    """A person's request to close their account, and its erasure by the programme
    manager. Once erased, the record keeps what was done and how many records, never
    the erased data: the person is the account's erased shell."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Asked for")
        WITHDRAWN = "withdrawn", _("Withdrawn by the person")
        ERASED = "erased", _("Erased")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="account_closures",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED
    )
    reason = models.TextField(_("reason given"), blank=True)
    requested_at = models.DateTimeField(_("asked on"), default=timezone.now)
    decided_at = models.DateTimeField(_("done on"), null=True, blank=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("erased by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.JSONField(
        _("what was done"),
        default=list,
        blank=True,
        help_text=_("Each kind of record, what was done with it and how many."),
    )

    class Meta:
        verbose_name = _("account closure")
        verbose_name_plural = _("account closures")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="requested"),
                name="core_accountclosure_one_open",
                violation_error_message=_("This person has already asked to close their account."),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["requested", "withdrawn", "erased"]),
                name="core_accountclosure_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="requested") | models.Q(decided_at__isnull=False),
                name="core_accountclosure_decided_has_date",
            ),
        ]
        indexes = [models.Index(fields=["status", "requested_at"], name="core_closure_open")]

    def __str__(self) -> str:
        return _("Account closure %(number)s") % {"number": self.pk}

    @property
    def respond_by(self) -> datetime.date:
        """A month from the request: the time the law gives to act on it."""
        return (timezone.localtime(self.requested_at) + relativedelta(months=1)).date()


class Consent(models.Model):
    """A consent a person gave, with the words they agreed to, until they withdraw it."""

    class Purpose(models.TextChoices):
        CALL_EMAILS = "call_emails", _("Emails when their organisation opens a call")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="consents",
    )
    purpose = models.CharField(_("for"), max_length=40, choices=Purpose.choices)
    statement = models.TextField(_("what was agreed to"))
    given_at = models.DateTimeField(_("given"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "purpose"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="core_consent_one_standing",
            ),
            models.CheckConstraint(
                condition=models.Q(purpose__in=["call_emails"]), name="core_consent_purpose_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_purpose_display()}"


class RetentionRun(models.Model):
    """What one run of the retention schedule removed or anonymised, by rule."""

    ran_at = models.DateTimeField(_("ran"), default=timezone.now)
    outcome = models.JSONField(_("what was done"), default=list)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-ran_at", "-pk"]

    def __str__(self) -> str:
        return _("Retention run of %(when)s") % {
            "when": timezone.localtime(self.ran_at).strftime("%Y-%m-%d %H:%M")
        }
