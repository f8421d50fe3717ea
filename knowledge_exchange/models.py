"""Reminders: one row per (kind, record, recipient, occasion), written in the same
transaction that queues its email, so each reaches each person exactly once."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
    year = models.ForeignKey(
        "partners.ProgrammeYear",
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
                name="knowledge_exchange_reminder_once",
            ),
        ]
        indexes = [models.Index(fields=["kind", "object_id"], name="reminder_kind_object")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.object_repr} → {self.email}"
