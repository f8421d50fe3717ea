"""The kernel's records: reminders sent, and the transition-and-record mechanism every
stateful model of the domain apps uses (a table of allowed moves, one `transition()`
that checks, saves and records, and the abstract status-change row)."""

from collections.abc import Callable
from typing import Any, ClassVar

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import class_prepared
from django.dispatch import receiver
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
        indexes = [models.Index(fields=["kind", "object_id"], name="core_reminder_kind_object")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.object_repr} → {self.email}"


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


class Stateful(models.Model):
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
